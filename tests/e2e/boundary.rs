//! The two rooms meet only at the token: the todo service and the validator never name the
//! identity server's code.

fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn todo_and_validator_do_not_import_the_identity_server() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root.join("todo"), &mut files);
    rust_files(&root.join("validator"), &mut files);
    assert!(!files.is_empty());
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for needle in [
            "crate::auth",
            "belf::auth",
            "super::auth",
            "super::super::auth",
        ] {
            assert!(!text.contains(needle), "{} names {needle}", f.display());
        }
    }
}
