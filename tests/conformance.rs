//! Every per-model golden file in `tests/data` replayed through the conformance machinery:
//! the f64 reference to 1e-9 of scale (always), the f32 GPU kernels with the f32 rule (on
//! whatever adapter exists; CI's software adapter).

mod common;

use brainwgpu::Device;
use brainwgpu::conformance::Case;

fn per_model_goldens() -> Vec<std::path::PathBuf> {
    let dir = common::data_dir();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "npz"))
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with("net_"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 50,
        "the golden files are missing: {}",
        files.len()
    );
    files
}

fn run_all(device: &Device) {
    let mut failed = Vec::new();
    for path in per_model_goldens() {
        let case = Case::read(&path).unwrap();
        match case.check(device) {
            Ok((r, _)) => {
                eprintln!(
                    "{:28} {} worst {:.2e} at {}; {}",
                    r.case,
                    if r.passed { "pass" } else { "FAIL" },
                    r.worst,
                    r.worst_where,
                    r.detail
                );
                if !r.passed {
                    failed.push(format!("{}: {}", r.case, r.detail));
                }
            }
            Err(e) => failed.push(format!("{}: {e}", case.name)),
        }
    }
    assert!(
        failed.is_empty(),
        "{} failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

#[test]
fn every_golden_file_passes_on_the_f64_reference() {
    run_all(&Device::Cpu);
}

#[test]
fn every_golden_file_passes_on_the_gpu() {
    if let Some(gpu) = common::gpu() {
        run_all(&gpu);
    }
}

/// Copies golden `name` to `dir/<to>.npz`, keeping the arrays `keep` accepts and rewriting
/// the meta's `case` (when it has one) to `to`.
fn rewrite(
    name: &str,
    to: &str,
    dir: &std::path::Path,
    keep: impl Fn(&str) -> bool,
) -> std::path::PathBuf {
    use brainwgpu::npz::{NpyData, Npz, NpzWriter};
    let z = Npz::read(common::data(name)).unwrap();
    let mut w = NpzWriter::new();
    for key in z.names().filter(|k| keep(k)) {
        let a = z.get(key).unwrap();
        let data = match (key, &a.data) {
            ("meta", NpyData::Str(s)) => {
                let mut meta: serde_json::Value = serde_json::from_str(&s[0]).unwrap();
                if meta.get("case").is_some() {
                    meta["case"] = serde_json::Value::String(to.to_string());
                }
                NpyData::Str(vec![meta.to_string()])
            }
            (_, d) => d.clone(),
        };
        w.add(key, &a.shape, data).unwrap();
    }
    let path = dir.join(format!("{to}.npz"));
    w.write(&path).unwrap();
    path
}

/// `<case>__<variant>` is accepted for the special files as for every other golden; a file
/// that records nothing does not pass (issue 14).
#[test]
fn variants_of_every_file_kind_run_and_empty_files_fail() {
    let dir = std::env::temp_dir().join(format!("brainwgpu-variants-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, variant) in [
        ("inputs", "inputs__x"),
        ("synouts", "synouts__y"),
        ("LeakyRateReadout", "LeakyRateReadout__z"),
        ("net_ei_80_20", "net_ei_80_20__w"),
    ] {
        let path = rewrite(name, variant, &dir, |_| true);
        let case = Case::read(&path).unwrap();
        let (report, _) = case.check(&Device::Cpu).unwrap();
        assert!(report.passed, "{variant}: {}", report.detail);
    }
    // Without its recorded traces a file has nothing to compare: an error, not a pass.
    let path = rewrite("Expon", "Expon__empty", &dir, |k| {
        !k.starts_with("rec_") && k != "out"
    });
    let err = Case::read(&path).unwrap().check(&Device::Cpu).unwrap_err();
    assert!(err.to_string().contains("no traces"), "{err}");
    let path = rewrite("inputs", "inputs__empty", &dir, |k| !k.starts_with("out_"));
    assert!(Case::read(&path).unwrap().check(&Device::Cpu).is_err());
    // The runner on a folder without goldens fails.
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    if let Some(runner) = common::example("conformance") {
        let out = std::process::Command::new(runner)
            .args(["--backend", "cpu"])
            .arg(&empty)
            .output()
            .unwrap();
        assert!(!out.status.success(), "an empty folder passed");
    }
    std::fs::remove_dir_all(&dir).ok();
}
