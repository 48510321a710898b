//! Replays BrainPy golden files and reports how closely a backend reproduces them.
//!
//! ```text
//! cargo run --release --example conformance -- [--backend gpu|cpu] [--emit DIR] PATH...
//! ```
//!
//! Each PATH is a golden `.npz` or a folder of them (format: `tests/data/README.md`). For each
//! file the model named in its `meta` is built from the `p_*` values in the file, fed the
//! recorded inputs, and every recorded trace is compared: one line per file (pass/fail, the
//! worst deviation and where), then `N passed, M failed`. The exit status is non-zero when any
//! file fails or names a model that is not supported.
//!
//! Rules (`brainwgpu::compare`): the `cpu` backend (the f64 reference) must reproduce every
//! trace to 1e-9 of the trace's scale. The `gpu` backend (f32) must stay within 5e-5 of each
//! trace's scale (less 1e-3 of a step's change, a timing allowance on steep upswings) until an
//! element's first disagreement; that disagreement must have a legitimate f32 cause — V of both
//! runs within that tolerance of the threshold, a refractory or transmitter window whose end
//! test comes out differently in f32 and f64 at exactly that step, or a hard reset right after
//! a run-away spike, which the f64 reference computes with cancellation; after it, spikes
//! still pair one-to-one within 3 steps (counts within one).
//!
//! `--emit DIR` also writes `DIR/<file name>` holding the computed traces under the same
//! names, shapes and units as the golden file.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use brainwgpu::Device;
use brainwgpu::conformance::Case;
use clap::Parser;

/// Replays BrainPy golden files and reports how closely a backend reproduces them.
#[derive(Parser)]
#[command(name = "conformance")]
struct Options {
    /// Device.
    #[arg(long, value_enum, default_value_t = Backend::Gpu)]
    backend: Backend,
    /// Write each file's computed traces to this folder.
    #[arg(long, value_name = "DIR")]
    emit: Option<PathBuf>,
    /// Golden .npz files or folders of them.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Backend {
    /// The default GPU adapter.
    Gpu,
    /// The f64 reference device.
    Cpu,
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()?;
        entries.sort();
        out.extend(
            entries
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "npz")),
        );
    } else {
        out.push(path.to_path_buf());
    }
    Ok(())
}

fn main() -> ExitCode {
    let Options {
        backend,
        emit,
        paths,
    } = Options::parse();
    let device = if backend == Backend::Cpu {
        Device::Cpu
    } else {
        match Device::gpu() {
            Ok(d) => d,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
    };
    println!("backend: {device}");
    if let Some(dir) = &emit
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        eprintln!("cannot create {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    let mut files = Vec::new();
    for p in &paths {
        if let Err(e) = collect(p, &mut files) {
            eprintln!("cannot read {}: {e}", p.display());
            return ExitCode::FAILURE;
        }
    }
    if files.is_empty() {
        eprintln!("no .npz golden files in {paths:?}: nothing to check");
        return ExitCode::FAILURE;
    }
    let (mut passed, mut failed) = (0, 0);
    for file in &files {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let outcome = Case::read(file).and_then(|case| {
            let (report, traces) = case.check(&device)?;
            if let Some(dir) = &emit {
                case.emit(&traces, dir.join(&name))?;
            }
            Ok(report)
        });
        match outcome {
            Ok(r) => {
                let verdict = if r.passed { "pass" } else { "FAIL" };
                println!(
                    "{name:36} {verdict}  worst {:.2e} at {}  {}",
                    r.worst, r.worst_where, r.detail
                );
                if r.passed {
                    passed += 1;
                } else {
                    failed += 1;
                }
            }
            Err(e) => {
                println!("{name:36} FAIL  {e}");
                failed += 1;
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
