//! `authorize::parse`: which errors are pages (client or redirect URI not proven) and which
//! go back to the client, table-driven.

use super::{AuthorizeError, parse};
use crate::auth::oauth::error::ErrorCode;
use crate::auth::testing::{Fixture, params, pkce_pair};

type Pairs = Vec<(String, String)>;

enum Want {
    Page(&'static str),
    Redirect(ErrorCode),
    Ok,
}

#[tokio::test]
async fn errors_are_pages_until_the_redirect_uri_is_proven_then_redirects_with_state() {
    let fx = Fixture::new().await;
    let (confidential, _) = fx.client(false, &[]).await;
    let (public, _) = fx.client(true, &[]).await;
    let (machine, _) = fx.client(false, &["client_credentials"]).await;
    let (_, challenge) = pkce_pair();
    let c = confidential.client_id.as_str();
    let pc = public.client_id.as_str();
    let mc = machine.client_id.as_str();
    let cb = "https://app.example/cb";
    // The base request for `client`, less `drop`, plus `extra`.
    let with = |client: &str, extra: &[(&str, &str)], drop: &[&str]| -> Pairs {
        let base = [
            ("client_id", client),
            ("redirect_uri", cb),
            ("response_type", "code"),
            ("scope", "openid"),
            ("state", "s-1"),
        ];
        base.iter()
            .filter(|(k, _)| !drop.contains(k))
            .chain(extra)
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    let cases: Vec<(&str, Pairs, Want)> = vec![
        ("fine", with(c, &[], &[]), Want::Ok),
        (
            "no client_id",
            with(c, &[], &["client_id"]),
            Want::Page("client_id is missing"),
        ),
        (
            "unknown client",
            with("nobody", &[], &[]),
            Want::Page("not registered"),
        ),
        (
            "client id with a space",
            with("a b", &[], &[]),
            Want::Page("not registered"),
        ),
        (
            "unregistered redirect",
            with(
                c,
                &[("redirect_uri", "https://evil.example/cb")],
                &["redirect_uri"],
            ),
            Want::Page("redirect_uri is not registered"),
        ),
        (
            "redirect with a trailing slash",
            with(
                c,
                &[("redirect_uri", "https://app.example/cb/")],
                &["redirect_uri"],
            ),
            Want::Page("redirect_uri is not registered"),
        ),
        (
            "only registered URI may be omitted",
            with(c, &[], &["redirect_uri"]),
            Want::Ok,
        ),
        (
            "no response_type",
            with(c, &[], &["response_type"]),
            Want::Redirect(ErrorCode::InvalidRequest),
        ),
        (
            "implicit flow",
            with(c, &[("response_type", "token")], &["response_type"]),
            Want::Redirect(ErrorCode::UnsupportedResponseType),
        ),
        (
            "unknown scope",
            with(c, &[("scope", "openid admin:everything")], &["scope"]),
            Want::Redirect(ErrorCode::InvalidScope),
        ),
        (
            "public client without PKCE",
            with(pc, &[], &[]),
            Want::Redirect(ErrorCode::InvalidRequest),
        ),
        (
            "public client with PKCE",
            with(
                pc,
                &[
                    ("code_challenge", &challenge),
                    ("code_challenge_method", "S256"),
                ],
                &[],
            ),
            Want::Ok,
        ),
        (
            "plain PKCE",
            with(
                c,
                &[
                    ("code_challenge", &challenge),
                    ("code_challenge_method", "plain"),
                ],
                &[],
            ),
            Want::Redirect(ErrorCode::InvalidRequest),
        ),
        (
            "prompt=none with login",
            with(c, &[("prompt", "none login")], &[]),
            Want::Redirect(ErrorCode::InvalidRequest),
        ),
        (
            "negative max_age",
            with(c, &[("max_age", "-1")], &[]),
            Want::Redirect(ErrorCode::InvalidRequest),
        ),
        (
            "request object",
            with(c, &[("request", "eyJ.x.y")], &[]),
            Want::Redirect(ErrorCode::RequestNotSupported),
        ),
        (
            "duplicated scope",
            with(c, &[("scope", "openid")], &[]),
            Want::Redirect(ErrorCode::InvalidRequest),
        ),
        (
            "client without the code grant",
            with(mc, &[], &[]),
            Want::Redirect(ErrorCode::UnauthorizedClient),
        ),
    ];
    for (name, pairs, want) in cases {
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let got = parse(&fx.ctx, &params(&pairs)).await;
        match (want, got) {
            (Want::Ok, Ok(_)) => {}
            (Want::Page(reason), Err(AuthorizeError::Page(p))) => {
                assert!(p.reason().contains(reason), "{name}: {}", p.reason())
            }
            (Want::Redirect(code), Err(AuthorizeError::Redirect(r))) => {
                assert_eq!(r.error.code, code, "{name}: {}", r.error.description);
                assert_eq!(r.redirect_uri.as_str(), cb, "{name}");
                assert_eq!(r.state.as_deref(), Some("s-1"), "{name}");
            }
            (_, got) => panic!("{name}: unexpected {got:?}"),
        }
    }
}
