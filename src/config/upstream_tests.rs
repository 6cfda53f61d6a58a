//! `[[upstream]]`: presets, claim defaults, secrets from the environment, checks.

use std::io::Write;

use secrecy::ExposeSecret;

use crate::config::{Config, ConfigError, UpstreamProtocol};

fn load(toml: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let mut file = tempfile::Builder::new()
        .suffix(".toml")
        .tempfile()
        .expect("temp file");
    file.write_all(toml.as_bytes()).expect("write");
    let env = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::load_with_env(Some(file.path()), Some(env))
}

fn invalid_key(result: Result<Config, ConfigError>) -> &'static str {
    match result {
        Err(ConfigError::Invalid { key, .. }) => key,
        other => panic!("expected an invalid setting, got {other:?}"),
    }
}

#[test]
fn none_by_default() {
    assert!(
        Config::from_toml_str("")
            .expect("defaults")
            .upstream
            .is_empty()
    );
}

#[test]
fn kakao_preset_with_the_secret_from_the_environment() {
    let cfg = load(
        "[[upstream]]\nid = \"kakao\"\npreset = \"kakao\"\nclient_id = \"rest-key\"\n",
        &[("BELF_UPSTREAM_KAKAO_CLIENT_SECRET", "from-env")],
    )
    .expect("loads");
    let kakao = &cfg.upstream[0];
    assert_eq!(kakao.issuer, "https://kauth.kakao.com");
    assert_eq!(kakao.client_secret.expose_secret(), "from-env");
    assert_eq!(kakao.claims.name.as_deref(), Some("nickname"));
    assert_eq!(kakao.claims.subject.as_deref(), Some("sub"));
    assert_eq!(kakao.display_name("ko"), "카카오");
    assert!(kakao.scopes().iter().any(|s| s == "openid"));
    assert!(!kakao.link_by_verified_email, "never by default");
}

#[test]
fn github_preset_is_plain_oauth_with_its_endpoints() {
    let cfg = Config::from_toml_str(
        "[[upstream]]\nid = \"github\"\npreset = \"github\"\nclient_id = \"c\"\nclient_secret = \"s\"\n",
    )
    .expect("loads");
    let gh = &cfg.upstream[0];
    assert_eq!(gh.protocol(), UpstreamProtocol::Github);
    assert_eq!(gh.api_base_url.as_deref(), Some("https://api.github.com"));
    assert_eq!(gh.claims.subject.as_deref(), Some("id"));
}

#[test]
fn any_issuer_gets_openid_and_standard_claims() {
    let cfg = Config::from_toml_str(
        "[[upstream]]\nid = \"corp\"\nissuer = \"https://login.example.com\"\nclient_id = \"c\"\nclient_secret = \"s\"\nscopes = [\"email\"]\n",
    )
    .expect("loads");
    let corp = &cfg.upstream[0];
    assert_eq!(corp.scopes(), ["openid", "email"]);
    assert_eq!(
        corp.claims.email_verified.as_deref(),
        Some("email_verified")
    );
    assert_eq!(
        corp.display_name("en"),
        "corp",
        "the id when no name is given"
    );
}

#[test]
fn bad_entries_are_named() {
    let entry = |extra: &str| {
        format!("[[upstream]]\nid = \"corp\"\nclient_id = \"c\"\nclient_secret = \"s\"\n{extra}\n")
    };
    assert_eq!(
        invalid_key(Config::from_toml_str(&entry(""))),
        "upstream.issuer"
    );
    assert_eq!(
        invalid_key(Config::from_toml_str(&entry("issuer = \"ftp://x\""))),
        "upstream.issuer"
    );
    let bad_id = "[[upstream]]\nid = \"Bad Id\"\nissuer = \"https://x.example\"\nclient_id = \"c\"\nclient_secret = \"s\"\n";
    assert_eq!(invalid_key(Config::from_toml_str(bad_id)), "upstream.id");
    let twice = format!(
        "{}{}",
        entry("issuer = \"https://x.example\""),
        entry("issuer = \"https://y.example\"")
    );
    assert_eq!(invalid_key(Config::from_toml_str(&twice)), "upstream.id");
    let no_secret = "[[upstream]]\nid = \"kakao\"\npreset = \"kakao\"\nclient_id = \"c\"\n";
    assert_eq!(
        invalid_key(Config::from_toml_str(no_secret)),
        "upstream.client_secret"
    );
    assert!(
        Config::from_toml_str(&entry("issuer = \"https://x.example\"\ncolour = 1")).is_err(),
        "unknown keys fail"
    );
    assert_eq!(
        invalid_key(Config::from_toml_str(
            "[upstream_login]\ntimeout_secs = 0\n"
        )),
        "upstream_login.timeout_secs"
    );
}

#[test]
fn secret_variables_are_not_settings() {
    assert!(super::is_secret_variable(
        "BELF_UPSTREAM_KAKAO_CLIENT_SECRET"
    ));
    assert!(!super::is_secret_variable(
        "BELF_UPSTREAM_LOGIN__TIMEOUT_SECS"
    ));
    let cfg = load("", &[("BELF_UPSTREAM_KAKAO_CLIENT_SECRET", "x")]);
    assert!(
        cfg.is_ok(),
        "a secret for an unconfigured provider stops nothing"
    );
}
