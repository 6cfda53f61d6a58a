//! What the CLI says: help for every option, configuration and start-up errors that name
//! the setting once, and taken names that are named.

use super::*;

#[test]
fn an_unknown_setting_stops_the_cli_and_is_named() {
    let belf = Belf::new();
    let out = belf.run_with(&["client", "list"], None, &[("BELF_SERVER__BINDD", "x")]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("bindd"), "{err}");
    // Without the typo the same command works.
    assert!(belf.run(&["client", "list"]).status.success());
}

/// Every option says what it is for, a required option shows in the usage line, and
/// `serve` does not offer `--json` (it prints logs, not a document).
#[test]
fn help_describes_every_option_and_offers_only_what_works() {
    let belf = Belf::new();
    let help = |args: &[&str]| {
        let mut all = args.to_vec();
        all.push("-h");
        let out = belf.run(&all);
        assert!(out.status.success(), "{all:?}: {}", stderr(&out));
        String::from_utf8(out.stdout).expect("UTF-8 help")
    };
    let cases: [(&[&str], &[&str]); 5] = [
        (
            &["user", "add"],
            &[
                "--username",
                "--email",
                "--name",
                "--password-stdin",
                "--json",
            ],
        ),
        (&["user", "set-password"], &["--password-stdin"]),
        (&["client", "add"], &["--name", "--allow-duplicate-name"]),
        (&["keys", "rotate"], &["--alg"]),
        (&["serve"], &["--log-json", "--config"]),
    ];
    for (args, flags) in cases {
        let text = help(args);
        for flag in flags {
            let lines: Vec<&str> = text.lines().collect();
            let at = lines
                .iter()
                .position(|l| l.trim_start().starts_with(&format!("{flag} ")) || l.trim() == *flag)
                .unwrap_or_else(|| panic!("{args:?} -h lists no {flag}:\n{text}"));
            let line = lines[at];
            // What follows the flag and its value name is the description, or (when the
            // option is too wide for one line) the next line.
            let mut described = line
                .trim_start()
                .trim_start_matches(flag)
                .trim_start()
                .trim_start_matches(|c: char| {
                    c == '<' || c.is_ascii_uppercase() || c == '_' || c == '>'
                })
                .trim();
            if described.is_empty() {
                described = lines
                    .get(at + 1)
                    .map(|l| l.trim())
                    .filter(|l| !l.starts_with('-'))
                    .unwrap_or("");
            }
            assert!(
                !described.is_empty(),
                "{args:?}: {flag} has no help: `{line}`"
            );
        }
    }
    for args in [&["user", "add"][..], &["user", "set-password"]] {
        let text = help(args);
        let usage = text.lines().find(|l| l.starts_with("Usage:")).unwrap_or("");
        assert!(usage.contains("--password-stdin"), "{usage}");
    }
    assert!(!help(&["serve"]).contains("--json"));
    let err = belf.fails(&["--json", "serve"], None);
    assert!(
        err.contains("--json") && err.contains("--log-json"),
        "{err}"
    );
    // `--json` works before the noun, after it, and after the verb.
    for args in [
        &["--json", "client", "list"][..],
        &["client", "--json", "list"],
        &["client", "list", "--json"],
    ] {
        let out = belf.run(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            "[]",
            "{args:?}"
        );
    }
}

/// A duplicate account says which of username and e-mail is taken (the CLI is for the
/// administrator; the public registration page still does not tell).
#[test]
fn a_taken_username_or_email_is_named() {
    let belf = Belf::new();
    let add = |username: &str, email: &str| {
        vec![
            "user".to_owned(),
            "add".into(),
            "--username".into(),
            username.into(),
            "--email".into(),
            email.into(),
            "--password-stdin".into(),
        ]
    };
    let run = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        belf.run_with(&args, Some("a long password\n"), &[])
    };
    assert!(run(add("dana", "dana@example.com")).status.success());
    let cases = [
        (add("DANA", "other@example.com"), "--username", "--email"),
        (add("other", "Dana@Example.com"), "--email", "--username"),
    ];
    for (args, named, not_named) in cases {
        let out = run(args);
        assert!(!out.status.success());
        let err = stderr(&out);
        assert!(err.contains("already registered"), "{err}");
        assert!(err.contains(named) && !err.contains(not_named), "{err}");
    }
    let err = stderr(&run(add("dana", "dana@example.com")));
    assert!(err.contains("--username and --email"), "{err}");
    assert_eq!(
        belf.json(&["user", "list"], None).as_array().unwrap().len(),
        1
    );
}

/// Two clients with one name would look the same on the consent page: refused unless asked
/// for, and the refusal says how to ask.
#[test]
fn a_second_client_with_the_same_name_needs_allow_duplicate_name() {
    let belf = Belf::new();
    let add = |name: &'static str, extra: &[&'static str]| {
        let mut args = vec![
            "client",
            "add",
            "--name",
            name,
            "--grant-type",
            "client_credentials",
        ];
        args.extend_from_slice(extra);
        args
    };
    let first = belf.json(&add("Reporter", &[]), None);
    let first_id = first["client_id"].as_str().unwrap();
    let err = belf.fails(&add(" reporter ", &[]), None);
    assert!(
        err.contains("--name") && err.contains(first_id) && err.contains("--allow-duplicate-name"),
        "{err}"
    );
    assert_eq!(
        belf.json(&["client", "list"], None)
            .as_array()
            .unwrap()
            .len(),
        1
    );
    belf.json(&add("Reporter", &["--allow-duplicate-name"]), None);
    belf.json(&add("Another reporter", &[]), None);
    assert_eq!(
        belf.json(&["client", "list"], None)
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

/// Every configuration or start-up error: one `error:` line that names the setting to fix
/// and says each thing once (anyhow's chain used to repeat the `config` crate's and sqlx's
/// messages).
#[test]
fn configuration_errors_name_the_setting_once() {
    let belf = Belf::new();
    let missing_dir = belf.path().join("no-such-dir").join("auth.db");
    let bad_db = format!("sqlite://{}", missing_dir.display());
    let cases: [(&[&str], (&str, &str), &str); 7] = [
        (&["client", "list"], ("BELF_SERVER__BINDD", "x"), "bindd"),
        (
            &["client", "list"],
            ("BELF_SERVER__BIND", "nope"),
            "server.bind",
        ),
        (
            &["client", "list"],
            ("BELF_TOKENS__ACCESS_TOKEN_TTL_SECS", "abc"),
            "tokens.access_token_ttl_secs",
        ),
        (
            &["client", "list"],
            ("BELF_KEYS__ACCESS_TOKEN_ALG", "HS256"),
            "keys.access_token_alg",
        ),
        (
            &["client", "list"],
            ("BELF_DATABASE__URL", &bad_db),
            "database.url",
        ),
        (
            &["serve", "auth"],
            ("BELF_REDIS__URL", "redis://127.0.0.1:1"),
            "redis.url",
        ),
        (
            &["serve", "auth"],
            ("BELF_SERVER__BIND", "192.0.2.1:80"),
            "server.bind",
        ),
    ];
    for (args, var, key) in cases {
        let out = belf.run_with(args, None, &[var]);
        assert!(!out.status.success(), "{var:?} should fail");
        let err = stderr(&out);
        let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
        assert_eq!(lines.len(), 1, "{var:?}: {err}");
        assert!(lines[0].contains(key), "{var:?} names {key}: {err}");
        assert_says_each_thing_once(lines[0]);
    }
    let out = belf.run(&["--config", "/no/such/belf.toml", "client", "list"]);
    let err = stderr(&out);
    assert!(
        !out.status.success() && err.contains("/no/such/belf.toml"),
        "{err}"
    );
    assert_says_each_thing_once(&err);
}

fn assert_says_each_thing_once(message: &str) {
    let parts: Vec<&str> = message.trim().split(": ").collect();
    for (i, part) in parts.iter().enumerate() {
        assert!(
            !parts[i + 1..].contains(part),
            "`{part}` is said twice: {message}"
        );
    }
}
