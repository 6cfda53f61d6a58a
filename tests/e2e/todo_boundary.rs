//! The two rooms meet only at the token: `src/todo` and `src/validator` must not name
//! the identity server's code.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn todo_and_validator_never_name_auth() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root.join("todo"), &mut files);
    rust_files(&root.join("validator"), &mut files);
    assert!(files.len() > 5, "found the sources");
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        for needle in [
            "crate::auth",
            "belf::auth",
            "super::auth",
            "super::super::auth",
        ] {
            assert!(
                !text.contains(needle),
                "{} names `{needle}`",
                file.display()
            );
        }
    }
}
