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
