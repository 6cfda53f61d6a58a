//! The whole OpenID Connect login with the `openidconnect` crate as the relying party:
//! discovery → authorize (PKCE, state, nonce) → login form → consent → code exchange →
//! ID token verified → userinfo → refresh → revoke → introspection says inactive.

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreUserInfoClaims,
};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IntrospectionUrl,
    IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, Scope,
    TokenIntrospectionResponse, TokenResponse,
};

use crate::support::browser::{Browser, param, query_of};
use crate::support::rp::http_client;
use crate::support::token::revoke;
use crate::support::{PASSWORD, REDIRECT, TestAuth};

#[tokio::test]
async fn full_login_with_openidconnect_relying_party() {
    let server = TestAuth::spawn().await;
    let (client_id, secret) = server.web_client(REDIRECT).await;
    let alice = server.user("alice", PASSWORD).await;
    let http = http_client();
    let secret_for_revoke = secret.clone();

    // Discovery.
    let provider =
        CoreProviderMetadata::discover_async(IssuerUrl::new(server.base.clone()).unwrap(), &http)
            .await
            .expect("discovery");
    let client = CoreClient::from_provider_metadata(
        provider,
        ClientId::new(client_id.clone()),
        Some(ClientSecret::new(secret.clone())),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap())
    .set_introspection_url(IntrospectionUrl::new(server.url("/introspect")).unwrap());

    // Authorization request with PKCE, state and nonce.
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("offline_access".into()))
        .set_pkce_challenge(challenge)
        .url();

    // The person logs in and consents in a browser.
    let browser = Browser::new(&server.base);
    let first = browser.get(auth_url.as_str()).await;
    assert_eq!(first.status, 302);
    assert!(
        first.location().starts_with("/login?interaction="),
        "{}",
        first.location()
    );
    let login = browser.get(first.location()).await;
    assert_eq!(login.status, 200);
    assert!(
        login.body.contains("Test web app"),
        "login page names the client"
    );
    let after_login = browser.submit_login(&login, "alice", PASSWORD).await;
    assert_eq!(after_login.status, 302);
    assert!(after_login.location().starts_with("/consent?interaction="));
    let consent = browser.get(after_login.location()).await;
    assert!(
        consent.body.contains("e-mail"),
        "consent page lists scopes: {}",
        consent.body
    );
    let back = browser.submit_consent(&consent, true).await;
    assert_eq!(back.status, 302);
    let loc = back.location();
    assert!(loc.starts_with(REDIRECT), "{loc}");
    let q = query_of(loc);
    assert_eq!(param(&q, "state"), Some(state.secret().as_str()));
    assert_eq!(param(&q, "iss"), Some(server.base.as_str()), "RFC 9207 iss");
    let code = param(&q, "code").expect("code").to_owned();

    // Code exchange and ID token verification.
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("code exchange");
    let id_token = tokens.id_token().expect("id_token");
    let verifier = client.id_token_verifier();
    let claims = id_token
        .claims(&verifier, &nonce)
        .expect("ID token verifies");
    assert_eq!(claims.subject().as_str(), alice.user_id);
    assert_eq!(
        claims.email().map(|e| e.as_str()),
        Some("alice@example.com")
    );
    assert!(claims.auth_time().is_some());
    assert_eq!(
        claims.authorized_party().map(|a| a.as_str()),
        Some(client_id.as_str())
    );
    assert!(claims.auth_context_ref().is_some(), "acr");
    let at_hash = claims.access_token_hash().expect("at_hash");
    let expected = AccessTokenHash::from_token(
        tokens.access_token(),
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(*at_hash, expected);

    // The access token is an RFC 9068 JWT.
    let header = jsonwebtoken::decode_header(tokens.access_token().secret()).unwrap();
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));

    // UserInfo.
    let info: CoreUserInfoClaims = client
        .user_info(tokens.access_token().clone(), None)
        .unwrap()
        .request_async(&http)
        .await
        .expect("userinfo");
    assert_eq!(info.subject().as_str(), alice.user_id);
    assert_eq!(info.preferred_username().map(|u| u.as_str()), Some("alice"));

    // Refresh (rotation: a new refresh token comes back).
    let refresh = tokens
        .refresh_token()
        .expect("refresh token with offline_access");
    let refreshed = client
        .exchange_refresh_token(refresh)
        .unwrap()
        .request_async(&http)
        .await
        .expect("refresh");
    let new_refresh = refreshed.refresh_token().expect("rotated refresh token");
    assert_ne!(new_refresh.secret(), refresh.secret());

    // Introspection: active, then revoke, then inactive.
    let active = client
        .introspect(refreshed.access_token())
        .request_async(&http)
        .await
        .expect("introspect");
    assert!(active.active());
    assert_eq!(active.sub(), Some(alice.user_id.as_str()));
    // (openidconnect refuses to revoke over plain http, so this one call is made by hand.)
    let revoked = revoke(
        &server.base,
        (&client_id, &secret_for_revoke),
        new_refresh.secret(),
        Some("refresh_token"),
    )
    .await;
    assert_eq!(revoked, 200);
    let after = client
        .introspect(refreshed.access_token())
        .request_async(&http)
        .await
        .expect("introspect after revoke");
    assert!(
        !after.active(),
        "revoking the refresh token revokes its grant's access tokens"
    );
    let refresh_again = client
        .exchange_refresh_token(new_refresh)
        .unwrap()
        .request_async(&http)
        .await;
    assert!(
        refresh_again.is_err(),
        "revoked refresh token no longer works"
    );

    // A second authorization for the same scopes skips login and consent (remembered).
    let (challenge, _verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, _, _) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();
    let again = browser.get(auth_url.as_str()).await;
    assert_eq!(again.status, 302);
    assert!(
        again.location().starts_with(REDIRECT),
        "remembered consent and session: {}",
        again.location()
    );
}
