//! Per-client ID token algorithms (OIDC Registration `id_token_signed_response_alg`,
//! issue 15): an `openidconnect` relying party registers with ES256 or EdDSA and verifies
//! its ID tokens — from the code exchange and from a refresh — against the JWKS; a client
//! that names none still gets RS256; the CLI sets, shows and changes the choice; anything
//! but RS256, ES256 or EdDSA is refused.

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreClientRegistrationRequest, CoreGrantType,
    CoreJwsSigningAlgorithm, CoreProviderMetadata, CoreTokenResponse,
};
use openidconnect::{
    AccessToken, AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::browser::{Browser, param};
use crate::support::registration::send;
use crate::support::rp::http_client;
use crate::support::{PASSWORD, REDIRECT, TestAuth};

/// The `alg` in a compact JWS's header, as written there.
fn header_alg(jwt: &str) -> String {
    use base64::Engine;
    let header = jwt.split('.').next().expect("a header");
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .expect("base64url");
    let header: Value = serde_json::from_slice(&json).expect("JSON header");
    header["alg"].as_str().expect("alg").to_owned()
}

type Rp = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

async fn discover(auth: &TestAuth) -> CoreProviderMetadata {
    CoreProviderMetadata::discover_async(IssuerUrl::new(auth.base.clone()).unwrap(), &http_client())
        .await
        .expect("discovery")
}

/// The relying party as confidential client `client_id`.
fn relying_party(provider: &CoreProviderMetadata, client_id: &str, secret: &str) -> Rp {
    CoreClient::from_provider_metadata(
        provider.clone(),
        ClientId::new(client_id.to_owned()),
        Some(ClientSecret::new(secret.to_owned())),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap())
}

/// Alice signs in through `rp` (PKCE, nonce, `scope`) and `rp` exchanges the code.
async fn sign_in(auth: &TestAuth, rp: &Rp, scope: &str) -> (CoreTokenResponse, Nonce) {
    let (challenge, pkce_verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = rp
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge);
    for s in scope.split_whitespace() {
        request = request.add_scope(Scope::new(s.to_owned()));
    }
    let (url, _, nonce) = request.url();
    let q = Browser::new(&auth.base)
        .authorize(url.as_str(), "alice", PASSWORD)
        .await;
    let code = param(&q, "code").expect("code").to_owned();
    let tokens = rp
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(pkce_verifier)
        .request_async(&http_client())
        .await
        .expect("code exchange");
    (tokens, nonce)
}

/// `rp`'s ID token verifier accepting RS256 only. (Built from discovery, it would accept
/// every algorithm the provider lists.)
fn rs256_only(rp: &Rp) -> openidconnect::core::CoreIdTokenVerifier<'_> {
    rp.id_token_verifier()
        .set_allowed_algs(vec![CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256])
}

/// Registers a client through `openidconnect`'s RFC 7591 request with `alg` for its ID
/// tokens; returns its id and secret.
async fn register_with_alg(
    auth: &TestAuth,
    provider: &CoreProviderMetadata,
    alg: CoreJwsSigningAlgorithm,
) -> (String, String) {
    let initial = auth.initial_token(600, 1).await;
    let registered = CoreClientRegistrationRequest::new(
        vec![RedirectUrl::new(REDIRECT.into()).unwrap()],
        Default::default(),
    )
    .set_grant_types(Some(vec![
        CoreGrantType::AuthorizationCode,
        CoreGrantType::RefreshToken,
    ]))
    .set_id_token_signed_response_alg(Some(alg.clone()))
    .set_initial_access_token(Some(AccessToken::new(initial)))
    .register_async(
        provider
            .registration_endpoint()
            .expect("registration endpoint"),
        &http_client(),
    )
    .await
    .expect("registration");
    assert_eq!(
        registered.id_token_signed_response_alg(),
        Some(&alg),
        "the registration response echoes the algorithm"
    );
    let secret = registered
        .client_secret()
        .expect("confidential client")
        .secret()
        .clone();
    (registered.client_id().as_str().to_owned(), secret)
}

#[tokio::test]
async fn clients_registered_with_es256_or_eddsa_get_id_tokens_the_relying_party_verifies() {
    let auth = TestAuth::spawn().await;
    let alice = auth.user("alice", PASSWORD).await;
    let provider = discover(&auth).await;
    let advertised = serde_json::to_value(provider.id_token_signing_alg_values_supported())
        .expect("algorithms as JSON");
    assert_eq!(advertised, json!(["RS256", "ES256", "EdDSA"]));

    for (alg, name) in [
        (CoreJwsSigningAlgorithm::EcdsaP256Sha256, "ES256"),
        (CoreJwsSigningAlgorithm::EdDsa, "EdDSA"),
    ] {
        let (client_id, secret) = register_with_alg(&auth, &provider, alg.clone()).await;
        let rp = relying_party(&provider, &client_id, &secret);
        let (tokens, nonce) = sign_in(&auth, &rp, "offline_access").await;
        let id_token = tokens.id_token().expect("id_token");
        assert_eq!(header_alg(&id_token.to_string()), name);

        // A relying party expecting RS256 (OIDC's default) refuses it; one told the
        // registered algorithm (`set_allowed_algs`) verifies it against the JWKS.
        assert!(
            id_token.claims(&rs256_only(&rp), &nonce).is_err(),
            "{name}: an RS256-only verifier must refuse it"
        );
        let verifier = rp.id_token_verifier().set_allowed_algs(vec![alg.clone()]);
        let claims = id_token
            .claims(&verifier, &nonce)
            .expect("ID token verifies");
        assert_eq!(claims.subject().as_str(), alice.user_id);
        let expected = AccessTokenHash::from_token(
            tokens.access_token(),
            id_token.signing_alg().unwrap(),
            id_token.signing_key(&verifier).unwrap(),
        )
        .unwrap();
        assert_eq!(
            claims.access_token_hash(),
            Some(&expected),
            "{name}: at_hash"
        );

        // A refresh signs its ID token the same way.
        let refreshed = rp
            .exchange_refresh_token(tokens.refresh_token().expect("refresh token"))
            .unwrap()
            .request_async(&http_client())
            .await
            .expect("refresh");
        let again = refreshed.id_token().expect("id_token on refresh");
        assert_eq!(header_alg(&again.to_string()), name);
        let claims = again
            .claims(&verifier, |_: Option<&Nonce>| Ok(()))
            .expect("refreshed ID token verifies");
        assert_eq!(claims.subject().as_str(), alice.user_id);
    }
}

#[tokio::test]
async fn a_client_that_names_no_algorithm_still_gets_rs256() {
    let auth = TestAuth::spawn().await;
    auth.user("alice", PASSWORD).await;
    let (client_id, secret) = auth.web_client(REDIRECT).await;
    let rp = relying_party(&discover(&auth).await, &client_id, &secret);
    let (tokens, nonce) = sign_in(&auth, &rp, "").await;
    let id_token = tokens.id_token().expect("id_token");
    assert_eq!(header_alg(&id_token.to_string()), "RS256");
    id_token
        .claims(&rs256_only(&rp), &nonce)
        .expect("an RS256-only verifier accepts it");
}

#[tokio::test]
async fn registration_refuses_id_token_algorithms_it_has_no_key_for() {
    let auth = TestAuth::spawn().await;
    for alg in [
        json!("HS256"),
        json!("none"),
        json!("es256"),
        json!("RS256 "),
        json!(256),
    ] {
        let token = auth.initial_token(600, 1).await;
        let reply = auth
            .register(
                Some(&token),
                &json!({ "redirect_uris": [REDIRECT], "id_token_signed_response_alg": alg }),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{alg}: {}",
            reply.body
        );
        assert_eq!(reply.error(), "invalid_client_metadata", "{alg}");
        assert!(
            reply.body["error_description"].as_str().is_some_and(|d| d
                .contains("id_token_signed_response_alg")
                || d.contains("invalid type")),
            "{alg}: {}",
            reply.body
        );
    }

    // Accepted, echoed, and read back through RFC 7592.
    let body = auth
        .registered(
            &json!({ "redirect_uris": [REDIRECT], "id_token_signed_response_alg": "EdDSA" }),
        )
        .await;
    assert_eq!(body["id_token_signed_response_alg"], "EdDSA");
    let read = send(
        Method::GET,
        body["registration_client_uri"].as_str().expect("uri"),
        body["registration_access_token"].as_str(),
        None,
    )
    .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    assert_eq!(read.body["id_token_signed_response_alg"], "EdDSA");
    // Without one, the member is absent: RS256 by OIDC's default.
    let plain = auth
        .registered(&json!({ "redirect_uris": [REDIRECT] }))
        .await;
    assert_eq!(plain["id_token_signed_response_alg"], Value::Null);
}

#[tokio::test]
async fn the_cli_sets_shows_and_changes_a_clients_id_token_algorithm() {
    let auth = TestAuth::spawn().await;
    auth.user("alice", PASSWORD).await;
    let added = auth
        .cli_json(
            &[
                "client",
                "add",
                "--name",
                "EdDSA app",
                "--redirect-uri",
                REDIRECT,
                "--id-token-alg",
                "EdDSA",
            ],
            None,
        )
        .await;
    let id = added["client_id"].as_str().expect("client_id").to_owned();
    let secret = added["client_secret"].as_str().expect("secret").to_owned();
    let shown = auth.cli_json(&["client", "show", &id], None).await;
    assert_eq!(shown["id_token_alg"], "EdDSA");

    // The server signs with it (the client was never cached before this request).
    let rp = relying_party(&discover(&auth).await, &id, &secret);
    let (tokens, nonce) = sign_in(&auth, &rp, "").await;
    let id_token = tokens.id_token().expect("id_token");
    assert_eq!(header_alg(&id_token.to_string()), "EdDSA");
    let verifier = rp
        .id_token_verifier()
        .set_allowed_algs(vec![CoreJwsSigningAlgorithm::EdDsa]);
    id_token.claims(&verifier, &nonce).expect("verifies");

    let changed = auth
        .cli_json(&["client", "update", &id, "--id-token-alg", "ES256"], None)
        .await;
    assert_eq!(changed["id_token_alg"], "ES256");
    let cleared = auth
        .cli_json(&["client", "update", &id, "--id-token-alg", ""], None)
        .await;
    assert_eq!(cleared["id_token_alg"], Value::Null);
    let shown = auth.cli_json(&["client", "show", &id], None).await;
    assert_eq!(shown["id_token_alg"], Value::Null);

    for bad in ["HS256", "none"] {
        let out = auth
            .cli(&["client", "update", &id, "--id-token-alg", bad], None)
            .await;
        assert!(!out.status.success(), "{bad} accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("--id-token-alg"), "{bad}: {err}");
        let out = auth
            .cli(
                &[
                    "client",
                    "add",
                    "--name",
                    "x",
                    "--redirect-uri",
                    REDIRECT,
                    "--id-token-alg",
                    bad,
                ],
                None,
            )
            .await;
        assert!(!out.status.success(), "{bad} accepted by add");
    }
}
