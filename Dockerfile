# Multi-stage build: compile in the Rust image, ship only the binary on a distroless,
# non-root base (no shell, no package manager).
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY migrations migrations
COPY config config
COPY benches benches
# The release profile already drops debug info (Cargo.toml); the symbol table is kept on
# purpose (~4 MB), so perf in a running container still names functions.
RUN cargo build --release --locked --bin belf

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/belf /usr/local/bin/belf
USER nonroot:nonroot
# Keys come from a mounted secret (see deploy/k8s); state lives in PostgreSQL and Redis.
ENV BELF_KEYS__DIR=/keys \
    BELF_SERVER__BIND=0.0.0.0:8080 \
    BELF_TODO__BIND=0.0.0.0:8081 \
    BELF_WEB__BIND=0.0.0.0:8082 \
    BELF_LOG_FORMAT=json
EXPOSE 8080 8081 8082
ENTRYPOINT ["/usr/local/bin/belf"]
CMD ["serve", "auth"]
