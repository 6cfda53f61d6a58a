#!/usr/bin/env bash
# Long fuzzing runs with libFuzzer (nightly). `cargo test` already replays the committed
# corpus on stable (tests/e2e/fuzz_corpus.rs); this finds new inputs.
#
#   scripts/fuzz.sh                      # every target, FUZZ_SECONDS each (default 60)
#   FUZZ_SECONDS=600 scripts/fuzz.sh token_request
#   SANITIZER=none scripts/fuzz.sh       # faster build, no AddressSanitizer
#   FUZZ_CI=1 FUZZ_SECONDS=20 SANITIZER=none scripts/fuzz.sh   # what .ci/run does
#
# New interesting inputs are added to fuzz/corpus/<target>/ (commit the small ones); a crash
# is written to fuzz/artifacts/<target>/: copy it to fuzz/regressions/<target>/, fix the
# parser, and `cargo test` keeps it fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${FUZZ_SECONDS:-60}"
SANITIZER="${SANITIZER:-address}"
if ! rustup toolchain list | grep -q '^nightly'; then
  echo "needs the nightly toolchain (rustup toolchain install nightly)" >&2
  # CI without nightly: the committed corpus is still replayed by `cargo test`.
  [ -n "${FUZZ_SKIP_WITHOUT_NIGHTLY:-}" ] && exit 0
  exit 1
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
[ -f fuzz/Cargo.lock ] || cp Cargo.lock fuzz/Cargo.lock   # same versions as the product
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cd fuzz/fuzz_targets && ls *.rs | sed 's/\.rs$//')
fi
# FUZZ_CI=1 (.ci/run): new inputs go to a scratch folder, the committed corpus is only read.
scratch=$(mktemp -d); trap 'rm -rf "$scratch"' EXIT
for t in "${targets[@]}"; do
  echo "=== $t (${SECONDS_EACH}s)"
  if [ -n "${FUZZ_CI:-}" ]; then
    dirs=("$scratch/$t" "fuzz/corpus/$t"); mkdir -p "$scratch/$t"
  else
    dirs=("fuzz/corpus/$t")
  fi
  cargo +nightly fuzz run -s "$SANITIZER" "$t" "${dirs[@]}" -- \
    -max_total_time="$SECONDS_EACH" -max_len=65536 -rss_limit_mb=2048
done
