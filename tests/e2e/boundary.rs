//! The rooms meet only at the token: the todo service and the validator never name the
//! identity server's code, and the web app names neither the identity server nor the todo
//! service (it reaches both over HTTP, like any other team's app). Checked by reading
//! every file as Rust ([`crate_paths`]), so grouped imports, `super::` chains and macro
//! arguments count, and prose in doc comments does not.

mod crate_paths;

use std::path::{Path, PathBuf};

use crate_paths::{forbidden_paths, module_of};

/// Each room (a directory under `src/`, by its top-level module) and the top-level modules
/// it must never name. `validator` is the door: it may later become its own crate.
const ROOMS: &[(&str, &[&str])] = &[
    ("todo", &["auth"]),
    ("validator", &["auth"]),
    ("web", &["auth", "todo"]),
];

/// Rooms that must exist (so a renamed folder cannot silently escape the check).
const ROOMS_THAT_MUST_EXIST: &[&str] = &["todo", "validator", "web"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_room_names_code_it_must_reach_only_over_http_or_the_token() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut problems = Vec::new();
    for (room, forbidden) in ROOMS {
        let mut files = Vec::new();
        rust_files(&src.join(room), &mut files);
        if ROOMS_THAT_MUST_EXIST.contains(room) {
            assert!(!files.is_empty(), "src/{room} has no Rust files");
        }
        for file in files {
            let source = std::fs::read_to_string(&file).expect("source file readable");
            let module = module_of(&src, &file);
            let module: Vec<&str> = module.iter().map(String::as_str).collect();
            let shown = file.strip_prefix(&src).unwrap_or(&file).display();
            match forbidden_paths(&module, &source, forbidden) {
                Ok(found) => problems.extend(
                    found
                        .into_iter()
                        .map(|v| format!("src/{shown}: {} reaches {}", v.written, v.reaches)),
                ),
                Err(e) => problems.push(format!("src/{shown}: does not parse: {e}")),
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// The checker itself, on small sources: it must catch every way of naming a module, and
/// let neutral ground (`crate::clock`, `crate::db`) and a room's own modules through.
mod checker {
    use super::crate_paths::forbidden_paths;

    const TODO_HTTP: &[&str] = &["todo", "http"];

    /// What the checker reports for `source` in module `module`, as `written → reaches`.
    fn found(module: &[&str], source: &str, forbidden: &[&str]) -> Vec<String> {
        forbidden_paths(module, source, forbidden)
            .expect("test source parses")
            .into_iter()
            .map(|v| format!("{} → {}", v.written, v.reaches))
            .collect()
    }

    fn caught_in_todo(source: &str) -> Vec<String> {
        let found = found(TODO_HTTP, source, &["auth"]);
        assert!(!found.is_empty(), "not caught: {source}");
        found
    }

    #[test]
    fn catches_a_grouped_use() {
        assert_eq!(
            caught_in_todo("use crate::{auth::X};"),
            ["use crate::auth::X → crate::auth::X"]
        );
        caught_in_todo("use crate::{db, auth::{tokens::Key as K}};");
        caught_in_todo("use crate::auth::{self};");
        caught_in_todo("use belf::auth::X;");
        caught_in_todo("use ::belf::auth::X;");
        caught_in_todo("pub(crate) use crate::auth as identity;");
    }

    #[test]
    fn catches_a_call_a_type_and_a_pattern() {
        assert_eq!(
            caught_in_todo("fn f() { crate::auth::f(); }"),
            ["path crate::auth::f → crate::auth::f"]
        );
        caught_in_todo("fn f(_: Vec<crate::auth::User>) {}");
        caught_in_todo("fn f(e: E) { match e { crate::auth::E::A => {} _ => {} } }");
        caught_in_todo("fn f() { let _ = crate::auth::S { x: 1 }; }");
        caught_in_todo("impl crate::auth::Trait for S {}");
        caught_in_todo("pub(in crate::auth) struct S;");
        caught_in_todo("fn f() -> <S as crate::auth::T>::Out { todo!() }");
    }

    #[test]
    fn catches_super_chains_relative_to_the_module() {
        assert_eq!(
            caught_in_todo("use super::super::auth;"),
            ["use super::super::auth → crate::auth"]
        );
        caught_in_todo("fn f() { super::super::auth::f(); }");
        caught_in_todo("use self::super::super::auth::X;");
        // One `super` from `todo` itself is the root already.
        assert!(!found(&["todo"], "use super::auth::X;", &["auth"]).is_empty());
        // An inline module is a level deeper.
        caught_in_todo("mod tests { use super::super::super::auth::X; }");
        assert!(
            found(
                TODO_HTTP,
                "mod tests { use super::super::auth::X; }",
                &["auth"]
            )
            .is_empty()
        );
    }

    #[test]
    fn catches_macro_paths_and_macro_arguments() {
        caught_in_todo("fn f() { crate::auth::audit!(); }");
        caught_in_todo(r#"fn f() { tracing::info!(id = %crate::auth::id(), "x"); }"#);
        caught_in_todo("fn f() { vec![(super::super::auth::X)]; }");
    }

    #[test]
    fn catches_attribute_arguments_but_not_doc_comments() {
        caught_in_todo(r#"#[serde(with = "crate::auth::ser")] struct S;"#);
        caught_in_todo("#[cfg_attr(test, derive(crate::auth::Derive))] struct S;");
        assert!(
            found(
                TODO_HTTP,
                "/// Unlike `crate::auth::X`.\nstruct S;",
                &["auth"]
            )
            .is_empty()
        );
    }

    #[test]
    fn catches_importing_the_crate_root_itself() {
        // `use crate::*` brings `auth` into scope under its bare name.
        caught_in_todo("use crate::*;");
        caught_in_todo("use super::super::*;");
        caught_in_todo("use super::super as root;");
    }

    #[test]
    fn the_web_app_may_name_neither_room() {
        let web = found(
            &["web", "pages"],
            "use crate::todo::Course;",
            &["auth", "todo"],
        );
        assert_eq!(web, ["use crate::todo::Course → crate::todo::Course"]);
        assert_eq!(
            found(&["web"], "use super::todo::Course;", &["auth", "todo"]).len(),
            1
        );
        // The todo service may name itself.
        assert!(found(TODO_HTTP, "use crate::todo::store::Store;", &["auth"]).is_empty());
    }

    #[test]
    fn accepts_neutral_ground_and_the_rooms_own_code() {
        let source = r#"
            use crate::clock::Clock;
            use crate::db::{self, Dialect};
            use belf::validator::Validator;
            use super::store::{Store, StoreError};
            use self::auth::Local;
            use axum::extract::State;
            use super::*;

            mod auth { pub struct Local; }

            #[derive(serde::Deserialize)]
            #[serde(rename = "self")]
            struct Claims { auth: String }

            fn f(clock: &crate::clock::Clock) -> i64 {
                let auth = Claims { auth: String::new() };
                tracing::info!(dialect = ?crate::db::Dialect::of("sqlite:x"), "{}", auth.auth);
                clock.now()
            }
        "#;
        assert_eq!(found(TODO_HTTP, source, &["auth"]), Vec::<String>::new());
    }
}
