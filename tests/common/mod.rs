//! Shared by the test binaries: the GPU under test, and the golden files.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use brainwgpu::{Device, Error, Gpu};

/// The GPU tier's device: the default adapter (the software Vulkan adapter in CI).
///
/// Without an adapter the GPU tests are skipped on a developer's machine, but when `CI` is
/// set they fail with a message that says how to get one: CI must never pass without having
/// run them.
pub fn gpu() -> Option<Device> {
    static GPU: OnceLock<Option<Gpu>> = OnceLock::new();
    GPU.get_or_init(|| match Gpu::new() {
        Ok(gpu) => {
            eprintln!("GPU tier on {}", gpu.info());
            Some(gpu)
        }
        Err(e @ Error::NoAdapter { .. }) if std::env::var_os("CI").is_none() => {
            eprintln!("skipping the GPU tier (set CI=1 to make this an error): {e}");
            None
        }
        Err(e) => panic!("the GPU tier needs an adapter and CI is set: {e}"),
    })
    .clone()
    .map(Device::Gpu)
}

/// `tests/data`: in the checkout the tests were built from, or, where that is gone (test
/// binaries carried to another machine, `benches/device.sh`), under the working directory.
pub fn data_dir() -> PathBuf {
    let built = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    if built.is_dir() {
        built
    } else {
        PathBuf::from("tests/data")
    }
}

/// `tests/data/<name>.npz`.
pub fn data(name: &str) -> PathBuf {
    data_dir().join(format!("{name}.npz"))
}

/// Every golden file in `tests/data` whose name starts with one of `prefixes` followed by
/// `.` or `__` (so `LIF` takes `LIF__hard` but not `LIFRef`).
pub fn goldens(prefixes: &[&str]) -> Vec<PathBuf> {
    let dir = data_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/data exists")
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
            p.extension().is_some_and(|x| x == "npz")
                && prefixes
                    .iter()
                    .any(|m| stem == *m || stem.starts_with(&format!("{m}__")))
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no golden files for {prefixes:?}");
    files
}
