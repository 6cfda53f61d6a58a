//! The rule that makes deleting an account complete (ARCHITECTURE.md, "a table keyed by
//! user id"): every table with a `user_id` column references `users` with
//! `ON DELETE CASCADE`, in both dialects — so a table another part adds later is removed
//! with the person too, without anyone remembering to add it to the deletion.

use std::path::Path;

/// Tables from before the rule, deleted explicitly (`store/sql_account.rs`) or emptied by
/// the back-channel worker (`session_clients`); `users` is the table itself.
const BEFORE_THE_RULE: &[&str] = &["users", "consents", "refresh_tokens", "session_clients"];

/// Kept on purpose when an account is deleted: the audit trail is the record of what
/// happened (its deletion included), keyed by the id alone, and has its own retention
/// (`audit.retention_days`).
const KEPT_AFTER_DELETE: &[&str] = &["audit_events"];

/// `(table, the line that declares user_id)` for every `CREATE TABLE` in `sql`.
fn user_id_columns(sql: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let lower = sql.to_ascii_lowercase();
    let mut rest = lower.as_str();
    while let Some(start) = rest.find("create table") {
        let after = &rest[start + "create table".len()..];
        let name = after
            .trim_start()
            .trim_start_matches("if not exists")
            .split(|c: char| c.is_whitespace() || c == '(')
            .find(|s| !s.is_empty())
            .unwrap_or("")
            .to_owned();
        let body_end = after.find(");").unwrap_or(after.len());
        for line in after[..body_end].lines() {
            if line.trim_start().starts_with("user_id ") {
                found.push((name.clone(), line.trim().to_owned()));
            }
        }
        rest = &after[body_end..];
    }
    found
}

#[test]
fn every_table_keyed_by_a_person_cascades_on_user_delete() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/auth");
    let mut checked = 0;
    let mut problems = Vec::new();
    for dialect in ["sqlite", "postgres"] {
        let mut files: Vec<_> = std::fs::read_dir(root.join(dialect))
            .expect("migrations folder")
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        for file in files {
            let sql = std::fs::read_to_string(&file).expect("migration readable");
            for (table, line) in user_id_columns(&sql) {
                if BEFORE_THE_RULE.contains(&table.as_str())
                    || KEPT_AFTER_DELETE.contains(&table.as_str())
                {
                    continue;
                }
                checked += 1;
                if !(line.contains("references users") && line.contains("on delete cascade")) {
                    problems.push(format!("{}: {table}: {line}", file.display()));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "without ON DELETE CASCADE:\n{}",
        problems.join("\n")
    );
    assert!(checked >= 4, "the account tables were found ({checked})");
}

#[test]
fn the_checker_sees_a_table_that_breaks_the_rule() {
    let sql = "CREATE TABLE totp (\n    user_id TEXT NOT NULL,\n    secret TEXT\n);\n\
               CREATE TABLE ok (\n    user_id TEXT REFERENCES users (user_id) ON DELETE CASCADE\n);";
    let found = user_id_columns(sql);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].0, "totp");
    assert!(!found[0].1.contains("cascade"));
    assert!(found[1].1.contains("on delete cascade"));
}
