//! Criterion micro-benchmarks of Belf's hot functions (issue 5):
//!
//! - access-token mint and verify per algorithm (`AccessTokenIssuer`)
//! - ID-token mint per algorithm (`IdTokenIssuer`)
//! - client authentication (`Client::secret_matches`: SHA-256 + constant-time compare)
//! - code exchange (`grants::authorization_code::exchange` over SQLite + in-process state)
//! - password verification (`PasswordHasherPool::verify`, default OWASP Argon2id params)
//!
//! `cargo bench --bench hot_paths` (add `-- --quick` for a short run). Not run by `cargo test`.

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::Arc;

use belf::auth::accounts::users::{self, NewUser};
use belf::auth::clients::ClientSecret;
use belf::auth::clients::service::{self, NewClient};
use belf::auth::context::AuthContext;

fn now() -> i64 {
    belf::clock::Clock::system().now()
}
use belf::auth::oauth::authorize::{AuthorizationRequest, Prompt};
use belf::auth::oauth::grants::authorization_code;
use belf::auth::oauth::pkce;
use belf::auth::oauth::scope::Scopes;
use belf::auth::oidc::id_token::{IdTokenIssuer, IdTokenRequest};
use belf::auth::store::Stores;
use belf::auth::tokens::access_token::{AccessTokenIssuer, AccessTokenRequest};
use belf::auth::tokens::keys::KeyRing;
use belf::config::{Config, SigningAlg};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

struct Env {
    rt: tokio::runtime::Runtime,
    ctx: AuthContext,
    config: Config,
    _dir: tempfile::TempDir,
}

/// A context like `belf serve` builds: SQLite in a temp folder, fresh keys, in-process
/// ephemeral state, default (production) Argon2 parameters.
fn env() -> Env {
    let dir = tempfile::tempdir().expect("tempdir");
    let vars: HashMap<String, String> = [
        (
            "BELF_DATABASE__URL",
            format!("sqlite://{}?mode=rwc", dir.path().join("auth.db").display()),
        ),
        (
            "BELF_KEYS__DIR",
            dir.path().join("keys").display().to_string(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let config = Config::load_with_env(None, Some(vars)).expect("config");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let stores = rt.block_on(Stores::connect(&config)).expect("stores");
    let keys = Arc::new(
        KeyRing::load_or_generate(
            &config.keys.dir,
            belf::auth::tokens::keys::KeyPolicy::from_config(&config),
            belf::clock::Clock::system().now(),
        )
        .expect("keys"),
    );
    let ctx = AuthContext::new(
        Arc::new(config.clone()),
        stores,
        keys,
        belf::clock::Clock::system(),
    )
    .expect("context");
    Env {
        rt,
        ctx,
        config,
        _dir: dir,
    }
}

const ALGS: [(SigningAlg, &str); 3] = [
    (SigningAlg::ES256, "ES256"),
    (SigningAlg::EdDSA, "EdDSA"),
    (SigningAlg::RS256, "RS256"),
];

fn tokens(c: &mut Criterion) {
    let env = env();
    let issuer: &AccessTokenIssuer = &env.ctx.access_tokens;
    let t = now();
    let req = |alg| AccessTokenRequest {
        sub: "user-1234",
        client_id: "client-abcd",
        scope: "openid profile courses:read".to_owned(),
        auth_time: Some(t),
        grant_id: Some("grant-1"),
        alg: Some(alg),
        resources: &[],
        jkt: None,
    };
    let mut g = c.benchmark_group("access_token");
    for (alg, name) in ALGS {
        g.bench_function(format!("mint/{name}"), |b| {
            b.iter(|| issuer.mint(black_box(req(alg)), t).expect("mint"))
        });
        let (token, _) = issuer.mint(req(alg), t).expect("mint");
        // The full check (signature, typ, iss), as on a token's first presentation …
        g.bench_function(format!("verify_signature/{name}"), |b| {
            b.iter(|| issuer.verify_signature(black_box(&token)).expect("verify"))
        });
        // … and a repeated presentation, answered by the verified-token cache.
        g.bench_function(format!("verify_cached/{name}"), |b| {
            b.iter(|| issuer.verify(black_box(&token), t).expect("verify"))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("id_token");
    let ids = IdTokenIssuer::new(&env.config, env.ctx.keys.clone());
    for (alg, name) in ALGS {
        let (access, _) = issuer.mint(req(alg), t).expect("mint");
        let claims: serde_json::Map<String, serde_json::Value> = serde_json::from_value(
            serde_json::json!({"sub": "user-1234", "name": "Bench User", "email": "b@example.com"}),
        )
        .expect("claims");
        g.bench_function(format!("mint/{name}"), |b| {
            b.iter(|| {
                ids.mint(
                    IdTokenRequest {
                        client_id: "client-abcd",
                        nonce: Some("n-0S6_WzA2Mj"),
                        auth_time: t,
                        claims: claims.clone(),
                        access_token: Some(&access),
                        code: None,
                        sid: Some("sid-0S6_WzA2Mj"),
                        amr: &[],
                        // As a client registered with this `id_token_signed_response_alg`.
                        alg: Some(alg),
                    },
                    t,
                )
                .expect("id token")
            })
        });
    }
    g.finish();
}

fn client_auth(c: &mut Criterion) {
    let env = env();
    let (client, secret) = env
        .rt
        .block_on(service::register(
            &*env.ctx.stores.clients,
            &env.ctx.known_scopes,
            NewClient {
                name: "bench".into(),
                grant_types: vec!["client_credentials".into()],
                scopes: vec!["courses:read".into()],
                ..Default::default()
            },
            now(),
        ))
        .expect("client");
    let presented = ClientSecret::from_presented(secret.expect("secret").expose());
    let wrong = ClientSecret::from_presented("not-the-secret-but-just-as-long-as-a-real-one-xx");
    let mut g = c.benchmark_group("client_auth");
    g.bench_function("secret_matches/ok", |b| {
        b.iter(|| assert!(client.secret_matches(black_box(&presented))))
    });
    g.bench_function("secret_matches/wrong", |b| {
        b.iter(|| assert!(!client.secret_matches(black_box(&wrong))))
    });
    g.finish();
}

fn code_exchange(c: &mut Criterion) {
    let env = env();
    let ctx = &env.ctx;
    let (client, _) = env
        .rt
        .block_on(service::register(
            &*ctx.stores.clients,
            &ctx.known_scopes,
            NewClient {
                name: "bench-web".into(),
                redirect_uris: vec!["http://127.0.0.1:9/callback".into()],
                ..Default::default()
            },
            now(),
        ))
        .expect("client");
    let user = env
        .rt
        .block_on(users::create_user(
            &*ctx.stores.users,
            &ctx.passwords,
            NewUser {
                username: "bench".into(),
                email: "bench@example.com".into(),
                name: Some("Bench User".into()),
                password: "bench password correct horse".into(),
            },
            now(),
        ))
        .expect("user");
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-bench-verifier";
    let challenge = {
        use base64::Engine;
        use sha2::Digest;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(sha2::Sha256::digest(verifier.as_bytes()))
    };
    // The form stored with the code, as the authorization endpoint stores it.
    let stored_challenge = pkce::accept_challenge(Some(&challenge), Some("S256"), true)
        .expect("challenge")
        .expect("stored challenge");
    let mut g = c.benchmark_group("code_exchange");
    for (label, scope) in [
        ("openid", "openid profile email"),
        (
            "openid+offline_access",
            "openid profile email offline_access",
        ),
    ] {
        let req = AuthorizationRequest {
            client_id: client.client_id.clone(),
            redirect_uri: client.redirect_uris[0].clone(),
            redirect_uri_sent: true,
            scopes: Scopes::parse(Some(scope)).expect("scopes"),
            state: Some("s".into()),
            nonce: Some("n".into()),
            code_challenge: Some(stored_challenge.clone()),
            prompt: Prompt::default(),
            max_age: None,
            id_token_hint_sub: None,
            login_hint: None,
            ui_locales: None,
            claims: Default::default(),
            resources: Vec::new(),
            require_mfa: false,
        };
        g.bench_function(label, |b| {
            b.iter_batched(
                || {
                    let t = now();
                    env.rt
                        .block_on(belf::auth::oauth::code::issue(
                            ctx,
                            &req,
                            &user.user_id,
                            t,
                            None,
                            t,
                        ))
                        .expect("code")
                },
                |code| {
                    env.rt
                        .block_on(authorization_code::exchange(
                            ctx,
                            &client,
                            authorization_code::Presented {
                                code: &code,
                                redirect_uri: Some("http://127.0.0.1:9/callback"),
                                code_verifier: Some(verifier),
                                resources: Vec::new(),
                                jkt: None,
                            },
                            now(),
                        ))
                        .expect("exchange")
                },
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

fn password(c: &mut Criterion) {
    let env = env();
    let pool = &env.ctx.passwords;
    let p = &env.config.password;
    let stored = env
        .rt
        .block_on(pool.hash("bench password correct horse".into()))
        .expect("hash");
    let mut g = c.benchmark_group("password");
    g.sample_size(20);
    g.bench_function(
        format!(
            "verify/argon2id m={} t={} p={}",
            p.memory_kib, p.iterations, p.parallelism
        ),
        |b| {
            b.iter(|| {
                assert!(
                    env.rt
                        .block_on(
                            pool.verify(
                                Some(stored.clone()),
                                "bench password correct horse".into()
                            )
                        )
                        .expect("verify")
                )
            })
        },
    );
    g.finish();
}

criterion_group!(benches, tokens, client_auth, code_exchange, password);
criterion_main!(benches);
