//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`) and every saved crash
//! (`fuzz/regressions/<target>/`) through the same harness functions the `cargo fuzz`
//! targets call: on stable Rust, in every test run, so a fixed crash stays fixed. New
//! inputs come from `scripts/fuzz.sh` (nightly, libFuzzer).

use std::path::Path;

type Harness = fn(&[u8]);

const TARGETS: &[(&str, Harness)] = &[
    (
        "authorization_request",
        belf::fuzz_harness::authorization_request,
    ),
    ("token_request", belf::fuzz_harness::token_request),
    ("cookies", belf::fuzz_harness::cookies),
    ("config", belf::fuzz_harness::config),
    ("jwt_and_jwks", belf::fuzz_harness::jwt_and_jwks),
];

fn inputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .map(|e| {
            let bytes = std::fs::read(e.path()).expect("read corpus file");
            (e.path().display().to_string(), bytes)
        })
        .collect()
}

#[test]
fn every_corpus_input_and_saved_crash_runs_without_panicking() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut replayed = 0;
    for (target, harness) in TARGETS {
        let seeds = inputs(&root.join("corpus").join(target));
        assert!(!seeds.is_empty(), "fuzz/corpus/{target} has no seeds");
        for (name, bytes) in seeds
            .into_iter()
            .chain(inputs(&root.join("regressions").join(target)))
        {
            let outcome = std::panic::catch_unwind(|| harness(&bytes));
            assert!(outcome.is_ok(), "{name} panics the {target} harness");
            replayed += 1;
        }
    }
    // A harness that silently lost its target would replay nothing.
    assert!(
        replayed >= TARGETS.len() * 2,
        "only {replayed} inputs replayed"
    );
}

#[test]
fn the_fuzz_targets_and_the_replayed_harnesses_are_the_same_list() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("fuzz/Cargo.toml");
    for (target, _) in TARGETS {
        let source =
            std::fs::read_to_string(root.join("fuzz_targets").join(format!("{target}.rs")))
                .unwrap_or_else(|_| panic!("fuzz/fuzz_targets/{target}.rs is missing"));
        assert!(
            source.contains(&format!("fuzz_harness::{target}(")),
            "{target}"
        );
        assert!(
            manifest.contains(&format!("name = \"{target}\"")),
            "{target}"
        );
    }
}
