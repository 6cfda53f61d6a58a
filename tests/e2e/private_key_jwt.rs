//! `private_key_jwt` (RFC 7523, OIDC Core §9) end to end: a client registered with the
//! real CLI (`--auth-method private_key_jwt --jwks FILE` or `--jwks-uri URL`) authenticates
//! with signed assertions at the token, introspection and revocation endpoints; every bad
//! assertion is `invalid_client` (401). Raw HTTP: the `openidconnect` crate has no
//! `private_key_jwt` client authentication.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use jsonwebtoken::Algorithm;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::dpop::{JWT_BEARER, assertion, assertion_with, post_form};
use crate::support::keys::TestKey;
use crate::support::token::TokenReply;
use crate::support::{TestAuth, now};

fn jwks(keys: &[&TestKey]) -> Value {
    json!({ "keys": keys.iter().map(|k| k.jwk()).collect::<Vec<_>>() })
}

/// Registers a client-credentials client through `belf client add` with these key flags.
async fn register(auth: &TestAuth, key_flags: &[&str]) -> String {
    let mut args = vec![
        "client",
        "add",
        "--name",
        "Key client",
        "--grant-type",
        "client_credentials",
        "--auth-method",
        "private_key_jwt",
    ];
    args.extend_from_slice(key_flags);
    let out = auth.cli_json(&args, None).await;
    assert!(
        out.get("client_secret").is_none(),
        "no secret for a key client: {out}"
    );
    out["client_id"].as_str().expect("client_id").to_owned()
}

async fn with_assertion(
    auth: &TestAuth,
    path: &str,
    extra: &[(&str, &str)],
    jwt: &str,
) -> TokenReply {
    let mut form = vec![
        ("client_assertion_type", JWT_BEARER),
        ("client_assertion", jwt),
    ];
    form.extend_from_slice(extra);
    post_form(&auth.base, path, &form, &[]).await
}

const CC: [(&str, &str); 1] = [("grant_type", "client_credentials")];

#[tokio::test]
async fn assertions_authenticate_at_token_introspection_and_revocation() {
    let auth = TestAuth::spawn().await;
    let key = TestKey::ec("k1");
    let file = auth.dir.path().join("jwks.json");
    std::fs::write(&file, jwks(&[&key]).to_string()).unwrap();
    let client_id = register(&auth, &["--jwks", file.to_str().unwrap()]).await;
    let shown = auth.cli_json(&["client", "show", &client_id], None).await;
    assert_eq!(shown["token_endpoint_auth_method"], "private_key_jwt");

    // aud = the token endpoint.
    let token = with_assertion(
        &auth,
        "/token",
        &CC,
        &assertion(&key, &client_id, &auth.url("/token"), 60),
    )
    .await
    .access_token();
    // aud = the introspection endpoint's URL, at introspection.
    let active = with_assertion(
        &auth,
        "/introspect",
        &[("token", &token)],
        &assertion(&key, &client_id, &auth.url("/introspect"), 60),
    )
    .await;
    assert_eq!(active.status, StatusCode::OK, "{}", active.body);
    assert_eq!(active.body["active"], true);
    // aud = the issuer, at revocation.
    let revoked = with_assertion(
        &auth,
        "/revoke",
        &[("token", &token)],
        &assertion(&key, &client_id, &auth.base, 60),
    )
    .await;
    assert_eq!(revoked.status, StatusCode::OK);
    let after = with_assertion(
        &auth,
        "/introspect",
        &[("token", &token)],
        &assertion(&key, &client_id, &auth.base, 60),
    )
    .await;
    assert_eq!(after.body["active"], false);
    // A secret does not authenticate this client (it has none), and client_id alone neither.
    let bare = post_form(
        &auth.base,
        "/token",
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &client_id),
        ],
        &[],
    )
    .await;
    assert_eq!(bare.error(), "invalid_client");

    // Discovery says so.
    let discovery: Value = reqwest::get(auth.url("/.well-known/openid-configuration"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        discovery["token_endpoint_auth_methods_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("private_key_jwt"))
    );
    assert_eq!(
        discovery["token_endpoint_auth_signing_alg_values_supported"],
        json!(["RS256", "ES256", "EdDSA"])
    );
}

#[tokio::test]
async fn every_bad_assertion_is_invalid_client() {
    let auth = TestAuth::spawn().await;
    let key = TestKey::ec("k1");
    let rsa = TestKey::rsa("k2");
    let ed = TestKey::ed("k3");
    let file = auth.dir.path().join("jwks.json");
    std::fs::write(&file, jwks(&[&key, &rsa, &ed]).to_string()).unwrap();
    let id = register(&auth, &["--jwks", file.to_str().unwrap()]).await;
    let aud = auth.url("/token");
    // RS256 and EdDSA keys work too.
    for k in [&rsa, &ed] {
        with_assertion(&auth, "/token", &CC, &assertion(k, &id, &aud, 60))
            .await
            .access_token();
    }
    let claims = |exp: Option<i64>, aud: &str, jti: &str| {
        let mut c = json!({"iss": id, "sub": id, "aud": aud, "iat": now(), "jti": jti});
        if let Some(e) = exp {
            c["exp"] = json!(e);
        }
        c
    };
    let used = assertion(&key, &id, &aud, 60);
    with_assertion(&auth, "/token", &CC, &used)
        .await
        .access_token();
    let impostor = TestKey::ec("k1"); // same kid, another key
    let stranger = TestKey::ec("k9"); // a kid the client never registered
    let fresh = || uuid::Uuid::new_v4().to_string();
    let hs256 = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(Algorithm::HS256),
        &claims(Some(now() + 60), &aud, &fresh()),
        &jsonwebtoken::EncodingKey::from_secret(b"the-public-key-as-a-secret"),
    )
    .unwrap();
    let unsigned = {
        use base64::Engine;
        let b64 = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        format!(
            "{}.{}.",
            b64(json!({"alg": "none", "typ": "JWT"})),
            b64(claims(Some(now() + 60), &aud, &fresh()))
        )
    };
    let cases: Vec<(&str, String)> = vec![
        (
            "wrong aud",
            assertion(&key, &id, "https://elsewhere.example/token", 60),
        ),
        ("expired", assertion(&key, &id, &aud, -60)),
        ("exp too far ahead", assertion(&key, &id, &aud, 3600)),
        (
            "missing exp",
            assertion_with(&key, None, &claims(None, &aud, &fresh())),
        ),
        (
            "missing jti",
            assertion_with(
                &key,
                None,
                &json!({"iss": id, "sub": id, "aud": aud, "exp": now() + 60}),
            ),
        ),
        ("replayed jti", used),
        ("HS256", hs256),
        ("alg none", unsigned),
        ("unknown kid", assertion(&stranger, &id, &aud, 60)),
        ("wrong key", assertion(&impostor, &id, &aud, 60)),
        (
            "iss is not the client",
            assertion_with(
                &key,
                None,
                &json!({"iss": "someone", "sub": id, "aud": aud, "exp": now() + 60, "jti": fresh()}),
            ),
        ),
        ("not a JWT", "garbage".into()),
    ];
    for (name, jwt) in cases {
        let reply = with_assertion(
            &auth,
            "/token",
            &[("grant_type", "client_credentials"), ("client_id", &id)],
            &jwt,
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{name}: {}",
            reply.body
        );
        assert_eq!(reply.error(), "invalid_client", "{name}");
        assert!(reply.headers.contains_key("www-authenticate"), "{name}");
    }
    // An unknown assertion type, and an assertion beside a secret.
    let other_type = post_form(
        &auth.base,
        "/token",
        &[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", "urn:example:saml"),
            ("client_assertion", "x"),
        ],
        &[],
    )
    .await;
    assert_eq!(other_type.error(), "invalid_client");
    let both = post_form(
        &auth.base,
        "/token",
        &[
            ("grant_type", "client_credentials"),
            ("client_secret", "s"),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", &assertion(&key, &id, &aud, 60)),
        ],
        &[],
    )
    .await;
    assert_eq!(both.error(), "invalid_request");
}

/// A client's JWKS endpoint: serves the current set and counts fetches.
async fn jwks_server(set: Arc<std::sync::Mutex<Value>>, fetches: Arc<AtomicUsize>) -> String {
    let app = axum::Router::new().route(
        "/jwks",
        axum::routing::get(move || {
            let set = set.clone();
            let fetches = fetches.clone();
            async move {
                fetches.fetch_add(1, Ordering::SeqCst);
                axum::Json(set.lock().unwrap().clone())
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://127.0.0.1:{port}/jwks")
}

#[tokio::test]
async fn jwks_uri_keys_are_fetched_cached_and_refetched_for_an_unknown_kid() {
    let auth = TestAuth::spawn_with(&[
        ("BELF_PRIVATE_KEY_JWT__JWKS_ALLOW_PRIVATE_ADDRESSES", "true"),
        ("BELF_PRIVATE_KEY_JWT__JWKS_MIN_REFETCH_SECS", "0"),
    ])
    .await;
    let old = TestKey::ec("old");
    let new = TestKey::ed("new");
    let set = Arc::new(std::sync::Mutex::new(jwks(&[&old])));
    let fetches = Arc::new(AtomicUsize::new(0));
    let uri = jwks_server(set.clone(), fetches.clone()).await;
    let id = register(&auth, &["--jwks-uri", &uri]).await;
    let aud = auth.url("/token");
    for _ in 0..3 {
        with_assertion(&auth, "/token", &CC, &assertion(&old, &id, &aud, 60))
            .await
            .access_token();
    }
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        1,
        "fetched once, then cached"
    );
    // The client rotates: an assertion by the new key refetches the set.
    *set.lock().unwrap() = jwks(&[&new]);
    with_assertion(&auth, "/token", &CC, &assertion(&new, &id, &aud, 60))
        .await
        .access_token();
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
    // A kid the client never published: one more fetch, then invalid_client.
    let stranger = TestKey::ec("stranger");
    let reply = with_assertion(&auth, "/token", &CC, &assertion(&stranger, &id, &aud, 60)).await;
    assert_eq!(reply.error(), "invalid_client");
}

#[tokio::test]
async fn a_jwks_uri_on_a_private_address_is_not_fetched_by_default() {
    let auth = TestAuth::spawn().await;
    let key = TestKey::ec("k");
    let fetches = Arc::new(AtomicUsize::new(0));
    let uri = jwks_server(
        Arc::new(std::sync::Mutex::new(jwks(&[&key]))),
        fetches.clone(),
    )
    .await;
    let id = register(&auth, &["--jwks-uri", &uri]).await;
    let reply = with_assertion(
        &auth,
        "/token",
        &CC,
        &assertion(&key, &id, &auth.url("/token"), 60),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.error(), "invalid_client");
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        0,
        "loopback never contacted"
    );
}

#[tokio::test]
async fn the_cli_refuses_inconsistent_key_registrations() {
    let auth = TestAuth::spawn().await;
    let private = auth.dir.path().join("private.json");
    std::fs::write(
        &private,
        r#"{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"jpsQnnGQmL-YBIffH1136cLyUbFnaMf-eDvBtaAhY5s"}]}"#,
    )
    .unwrap();
    let private = private.to_str().unwrap();
    for (args, says) in [
        (
            vec!["--auth-method", "private_key_jwt"],
            "--jwks FILE or --jwks-uri URL",
        ),
        (
            vec!["--auth-method", "private_key_jwt", "--jwks", private],
            "private",
        ),
        (
            vec![
                "--auth-method",
                "private_key_jwt",
                "--jwks-uri",
                "http://rp.example/jwks",
            ],
            "https",
        ),
        (
            vec!["--jwks-uri", "https://rp.example/jwks"],
            "private_key_jwt",
        ),
    ] {
        let mut all = vec![
            "client",
            "add",
            "--name",
            "Bad",
            "--grant-type",
            "client_credentials",
        ];
        all.extend(args.iter().copied());
        let out = auth.cli(&all, None).await;
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
}
