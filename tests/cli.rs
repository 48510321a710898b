//! The example command lines (fresh processes): bad flags exit with 2 before any work, an
//! output folder that cannot be written is an error before the simulation, runs of zero steps
//! are refused (issue 14).

mod common;

use std::process::{Command, Output};

fn run(name: &str, args: &[&str]) -> Option<Output> {
    let exe = common::example(name)?;
    Some(Command::new(exe).args(args).output().unwrap())
}

#[test]
fn bad_flags_exit_with_two_before_any_work() {
    let cases: &[(&str, &[&str])] = &[
        ("coba", &["--backend", "foo"]),
        ("coba", &["--duration", "inf"]),
        ("coba", &["--duration", "0.01"]),
        ("coba", &["--neurons"]),
        ("coba", &["--bogus"]),
        ("brunel", &["--backend", "metal"]),
        ("sweep", &["--instances", "1"]),
        ("potjans_diesmann", &["--scale", "2"]),
        ("procedural", &["--steps", "0"]),
        ("feedforward", &["--steps", "0"]),
        ("feedforward", &["--backend", "tpu"]),
        ("ei_network", &["--backend", "x"]),
        ("expon", &["--steps", "-3"]),
        ("custom_synapse", &["--backend", "cuda"]),
        ("bench", &["--executor", "fast"]),
        ("bench", &["--seconds", "0"]),
        ("conformance", &["--backend", "cpu"]),
        ("fingerprint", &["--write", "a", "--check", "b"]),
    ];
    for (name, args) in cases {
        let Some(out) = run(name, args) else { return };
        assert_eq!(out.status.code(), Some(2), "{name} {args:?}");
        assert!(
            out.stdout.is_empty(),
            "{name} {args:?} did work: {:?}",
            out.stdout
        );
        assert!(!out.stderr.is_empty(), "{name} {args:?} says why");
    }
}

/// Every example.
const EXAMPLES: [&str; 13] = [
    "bench",
    "brunel",
    "coba",
    "conformance",
    "custom_synapse",
    "ei_network",
    "expon",
    "feedforward",
    "fingerprint",
    "potjans_diesmann",
    "procedural",
    "rebuilds",
    "sweep",
];

#[test]
fn every_example_answers_help_and_refuses_an_unknown_flag() {
    for name in EXAMPLES {
        let Some(out) = run(name, &["--help"]) else {
            return;
        };
        assert_eq!(out.status.code(), Some(0), "{name} --help");
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains(&format!("Usage: {name}")), "{name}: {help}");
        assert!(help.contains("--help"), "{name}: {help}");
        let out = run(name, &["--no-such-flag"]).unwrap();
        assert_eq!(out.status.code(), Some(2), "{name} --no-such-flag");
        assert!(out.stdout.is_empty(), "{name} did work");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("--no-such-flag") && err.contains("Usage:"),
            "{name}: {err}"
        );
    }
}

#[test]
fn an_unwritable_output_folder_is_refused_before_the_simulation() {
    let file = std::env::temp_dir().join(format!("brainwgpu-cli-{}", std::process::id()));
    std::fs::write(&file, b"a file, not a folder").unwrap();
    let out_dir = file.join("out");
    for name in ["coba", "brunel", "sweep", "potjans_diesmann"] {
        let Some(out) = run(
            name,
            &["--backend", "cpu", "--out", out_dir.to_str().unwrap()],
        ) else {
            return;
        };
        assert_eq!(out.status.code(), Some(1), "{name}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!stdout.contains("device:"), "{name} started: {stdout}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("I/O error"),
            "{name}"
        );
    }
    std::fs::remove_file(&file).ok();
}
