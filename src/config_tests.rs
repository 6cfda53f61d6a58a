//! Loading configuration: defaults, shipped files, environment rules and error wording.

use super::*;
use std::collections::HashMap;

fn env(pairs: &[(&str, &str)]) -> Option<HashMap<String, String>> {
    Some(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

#[test]
fn shipped_defaults_load() {
    let cfg = Config::load_with_env(None, env(&[])).expect("defaults load");
    assert_eq!(cfg.issuer(), "http://127.0.0.1:8080");
    assert_eq!(cfg.tokens.authorization_code_ttl_secs, 60);
}

#[test]
fn shipped_example_files_load() {
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/config")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            Config::load_with_env(Some(&path), env(&[]))
                .unwrap_or_else(|e| panic!("{} does not load: {e}", path.display()));
        }
    }
}

#[test]
fn in_code_memory_store_caps_are_the_shipped_ones() {
    let cfg = Config::load_with_env(None, env(&[])).unwrap();
    assert_eq!(cfg.memory_store, MemoryStoreConfig::default());
}

#[test]
fn management_listener_can_be_turned_off() {
    let cfg = Config::load_with_env(None, env(&[])).unwrap();
    assert_eq!(
        cfg.management.bind_addr().unwrap(),
        Some("127.0.0.1:9090".parse().unwrap())
    );
    let cfg = Config::load_with_env(None, env(&[("BELF_MANAGEMENT__BIND", "")])).unwrap();
    assert_eq!(cfg.management.bind_addr().unwrap(), None);
    let err = Config::load_with_env(None, env(&[("BELF_MANAGEMENT__BIND", "nope")])).unwrap_err();
    assert!(err.to_string().contains("management.bind"), "{err}");
}

#[test]
fn every_resource_scope_needs_a_description() {
    let cfg = Config::load_with_env(None, env(&[])).unwrap();
    let todo = &cfg.resources[0];
    assert_eq!(
        todo.descriptions["courses:write"].ko,
        "코스와 할 일 만들기, 수정, 삭제"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("extra.toml");
    std::fs::write(
        &file,
        "[[resources]]\naudience = \"photos\"\nscopes = [\"photos:read\"]\n",
    )
    .unwrap();
    let err = Config::load_with_env(Some(&file), env(&[])).unwrap_err();
    assert!(err.to_string().contains("photos:read"), "{err}");
}

#[test]
fn stray_belf_variables_are_not_settings() {
    let cfg = Config::load_with_env(
        None,
        env(&[
            ("BELF_LOG_FORMAT", "json"),
            ("BELF_TEST_DATABASE_URL", "postgres://x"),
            ("BELF_SOMETHING", "1"),
            ("BELF_SERVER__BIND", "127.0.0.1:9998"),
        ]),
    )
    .expect("stray variables are ignored");
    assert_eq!(cfg.server.bind.port(), 9998);
    let unknown = Config::load_with_env(None, env(&[("BELF_SERVER__NOPE", "1")]));
    assert!(unknown.is_err(), "a misspelt setting still fails loudly");
}

#[test]
fn bad_values_are_named_in_the_operators_terms() {
    let msg = |k: &str, v: &str| {
        Config::load_with_env(None, env(&[(k, v)]))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    let alg = msg("BELF_KEYS__ACCESS_TOKEN_ALG", "HS256");
    assert!(
        alg.contains("keys.access_token_alg") && alg.contains("RS256, ES256 or EdDSA"),
        "{alg}"
    );
    assert!(!alg.contains("variant"), "{alg}");
    let redis = msg("BELF_REDIS__URL", "http://user:hunter2@x");
    assert!(
        redis.contains("redis.url") && !redis.contains("hunter2"),
        "{redis}"
    );
}

#[test]
fn env_overrides_nested_keys() {
    let cfg = Config::load_with_env(
        None,
        env(&[
            ("BELF_SERVER__BIND", "127.0.0.1:9999"),
            ("BELF_TOKENS__ACCESS_TOKEN_TTL_SECS", "42"),
        ]),
    )
    .unwrap();
    assert_eq!(cfg.server.bind.port(), 9999);
    assert_eq!(cfg.tokens.access_token_ttl_secs, 42);
}

#[test]
fn list_settings_from_env() {
    let cfg = Config::load_with_env(
        None,
        env(&[("BELF_THROTTLE__TRUSTED_PROXIES", "10.0.0.1,10.0.0.2")]),
    )
    .unwrap();
    assert_eq!(cfg.throttle.trusted_proxies.len(), 2);
    let cfg = Config::load_with_env(None, env(&[("BELF_THROTTLE__TRUSTED_PROXIES", "")])).unwrap();
    assert!(cfg.throttle.trusted_proxies.is_empty());
    // Other strings are not split on commas.
    let cfg = Config::load_with_env(None, env(&[("BELF_TODO__AUDIENCE", "a,b")])).unwrap();
    assert_eq!(cfg.todo.audience, "a,b");
}

#[test]
fn unknown_env_key_is_named() {
    let err = Config::load_with_env(None, env(&[("BELF_SERVER__BINDD", "x")])).unwrap_err();
    assert!(err.to_string().contains("bindd"), "{err}");
}

#[test]
fn invalid_value_is_named() {
    let err = Config::load_with_env(
        None,
        env(&[("BELF_TOKENS__AUTHORIZATION_CODE_TTL_SECS", "600")]),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("authorization_code_ttl_secs"),
        "{err}"
    );
    let err = Config::load_with_env(None, env(&[("BELF_SERVER__BIND", "nope")])).unwrap_err();
    assert!(err.to_string().contains("bind"), "{err}");
}

#[test]
fn the_web_app_signs_in_with_the_identity_server_unless_told_otherwise() {
    let cfg = Config::load_with_env(None, env(&[])).unwrap();
    assert_eq!(cfg.web.issuer, "http://127.0.0.1:8080");
    assert_eq!(cfg.web.session_store, WebSessionStore::Database);
    let cfg = Config::load_with_env(
        None,
        env(&[("BELF_SERVER__ISSUER", "https://id.example.com")]),
    )
    .unwrap();
    assert_eq!(cfg.web.issuer, "https://id.example.com");
    let cfg = Config::load_with_env(
        None,
        env(&[("BELF_WEB__ISSUER", "https://other.example.com")]),
    )
    .unwrap();
    assert_eq!(cfg.web.issuer, "https://other.example.com");
    for (key, value, named) in [
        ("BELF_WEB__SESSION_STORE", "redis", "web.session_store"),
        (
            "BELF_WEB__DEFAULT_UTC_OFFSET",
            "Asia/Seoul",
            "web.default_utc_offset",
        ),
        ("BELF_WEB__DATABASE_URL", "mysql://x", "web.database_url"),
        ("BELF_WEB__ISSUER", "ftp://x", "web.issuer"),
    ] {
        let err = Config::load_with_env(None, env(&[(key, value)])).unwrap_err();
        assert!(err.to_string().contains(named), "{key}: {err}");
    }
}

#[test]
fn photo_limit_defaults_to_five_mebibytes_and_is_bounded() {
    let cfg = Config::load_with_env(None, env(&[])).unwrap();
    assert_eq!(cfg.todo.max_photo_bytes, 5 * 1024 * 1024);
    let cfg = Config::load_with_env(None, env(&[("BELF_TODO__MAX_PHOTO_BYTES", "1024")])).unwrap();
    assert_eq!(cfg.todo.max_photo_bytes, 1024);
    for bad in ["0", "33554433"] {
        let err =
            Config::load_with_env(None, env(&[("BELF_TODO__MAX_PHOTO_BYTES", bad)])).unwrap_err();
        assert!(err.to_string().contains("todo.max_photo_bytes"), "{err}");
    }
}
