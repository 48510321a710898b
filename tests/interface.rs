//! CPU tier: the Rust↔WGSL interface of the models. A model's parameter and state indices are
//! written twice — `const TAU: usize = 1;` in its Rust file (for the f64 twin and the parameter
//! table) and `const LIF_TAU: u32 = 1u;` in its kernel — so every index the two files share
//! must agree, or the kernel would read another parameter than the twin.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `const NAME: TYPE = VALUE` lines of a file, with VALUE an integer literal (a `u` suffix
/// allowed), at the start of a line or after `pub`/`pub(crate)`.
fn integer_consts(path: &Path) -> BTreeMap<String, u64> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim_start();
        let line = line
            .strip_prefix("pub(crate) ")
            .or_else(|| line.strip_prefix("pub "))
            .unwrap_or(line);
        let Some(rest) = line.strip_prefix("const ") else {
            continue;
        };
        let Some((name, rest)) = rest.split_once(':') else {
            continue;
        };
        let Some((_, value)) = rest.split_once('=') else {
            continue;
        };
        let value = value
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .trim_end_matches('u');
        if let Ok(v) = value.parse::<u64>() {
            out.insert(name.trim().to_string(), v);
        }
    }
    out
}

/// Every model file and its kernel: `src/<path>.rs` ↔ `shaders/<path>.wgsl`.
fn pairs() -> Vec<(PathBuf, PathBuf)> {
    let mut out = Vec::new();
    for dir in ["neuron", "synapse", "inputs"] {
        for entry in std::fs::read_dir(root().join("shaders").join(dir)).unwrap() {
            let wgsl = entry.unwrap().path();
            let stem = wgsl.file_stem().unwrap().to_string_lossy().to_string();
            let rs = root().join("src").join(dir).join(format!("{stem}.rs"));
            out.push((rs, wgsl));
        }
    }
    out.push((
        root().join("src").join("readout.rs"),
        root().join("shaders").join("readout.wgsl"),
    ));
    // The step the exponential and quadratic families share, against both their kernels.
    for family in ["exp_if", "qua_if"] {
        out.push((
            root().join("src").join("neuron").join("nonlinear_if.rs"),
            root()
                .join("shaders")
                .join("neuron")
                .join(format!("{family}.wgsl")),
        ));
    }
    out.sort();
    out
}

/// The Rust constant that a WGSL constant mirrors: the one of the same name, else the longest
/// Rust name that the WGSL name ends with after a `PREFIX_` (e.g. `LIF_V_TH` → `V_TH`, not
/// `TH`).
fn mirrored<'a>(wgsl: &str, rust: &'a BTreeMap<String, u64>) -> Option<(&'a str, u64)> {
    rust.iter()
        .filter(|(name, _)| {
            wgsl == name.as_str()
                || (wgsl.len() > name.len() + 1
                    && wgsl.ends_with(name.as_str())
                    && wgsl.as_bytes()[wgsl.len() - name.len() - 1] == b'_')
        })
        .max_by_key(|(name, _)| name.len())
        .map(|(name, &v)| (name.as_str(), v))
}

#[test]
fn every_index_shared_by_a_model_and_its_kernel_agrees() {
    let mut shared = 0;
    let mut wrong = Vec::new();
    for (rs, wgsl) in pairs() {
        if !rs.exists() {
            // A kernel file without a Rust file of its name belongs to a family file (checked
            // where it has one).
            continue;
        }
        let rust = integer_consts(&rs);
        for (name, value) in integer_consts(&wgsl) {
            if let Some((rust_name, rust_value)) = mirrored(&name, &rust) {
                shared += 1;
                if rust_value != value {
                    wrong.push(format!(
                        "{}: {name} = {value}, but {}: {rust_name} = {rust_value}",
                        wgsl.strip_prefix(root()).unwrap().display(),
                        rs.strip_prefix(root()).unwrap().display(),
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "indices that disagree:\n{}",
        wrong.join("\n")
    );
    assert!(
        shared > 90,
        "only {shared} shared indices found: is the parser still right?"
    );
}

#[test]
fn the_parser_reads_both_spellings_and_pairs_by_the_longest_name() {
    let dir = std::env::temp_dir().join(format!("brainwgpu-interface-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (rs, wgsl) = (dir.join("m.rs"), dir.join("m.wgsl"));
    std::fs::write(
        &rs,
        "const TH: usize = 1;\npub(crate) const V_TH: usize = 2;\n",
    )
    .unwrap();
    std::fs::write(
        &wgsl,
        "const M_V_TH: u32 = 3u;  // comment\nconst M_X: f32 = 1.5;\n",
    )
    .unwrap();
    let rust = integer_consts(&rs);
    let kernel = integer_consts(&wgsl);
    assert_eq!(kernel.len(), 1, "{kernel:?}");
    assert_eq!(mirrored("M_V_TH", &rust), Some(("V_TH", 2)));
    assert_ne!(kernel["M_V_TH"], 2, "a disagreement the main test reports");
    std::fs::remove_dir_all(&dir).unwrap();
}
