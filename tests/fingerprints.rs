//! The numbers stay put: every spike and state of the goldens, COBA, FF and E/I on every
//! executor hashes to the fingerprints stored for this adapter (`tests/fingerprints/`, written by
//! `cargo run --release --example fingerprint -- --write FILE`). Stored files name the adapter
//! they were taken on; on another adapter there is nothing to compare with and the test says so.
//! A change that means to change numbers rewrites the file and says why in its commit.

mod common;

#[allow(dead_code)]
#[path = "../examples/fingerprint.rs"]
mod fingerprint;

#[test]
fn spikes_and_states_equal_the_stored_fingerprints_of_this_adapter() {
    let Some(gpu) = common::gpu() else { return };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fingerprints");
    let computed = fingerprint::fingerprints(&gpu, &common::data_dir()).unwrap();
    let stored: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    let Some(want) = stored
        .iter()
        .find(|text| text.lines().next() == Some(computed[0].as_str()))
    else {
        eprintln!(
            "no stored fingerprints for {} (stored: {}); nothing to compare",
            computed[0],
            stored
                .iter()
                .filter_map(|t| t.lines().next())
                .collect::<Vec<_>>()
                .join("; ")
        );
        return;
    };
    let want: Vec<&str> = want.lines().collect();
    assert_eq!(
        want.len(),
        computed.len(),
        "the set of fingerprints changed"
    );
    let differ: Vec<String> = want
        .iter()
        .zip(&computed)
        .filter(|(w, g)| *w != g)
        .map(|(w, g)| format!("want {w}\n got {g}"))
        .collect();
    assert!(differ.is_empty(), "numbers changed:\n{}", differ.join("\n"));
}
