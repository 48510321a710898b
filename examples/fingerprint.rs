//! Fingerprints of everything a refactor must not change: a CRC-32 over the bits of every
//! spike and state that the goldens, COBA, the feed-forward and the E/I networks produce, on
//! each executor.
//!
//! ```text
//! cargo run --release --example fingerprint -- [--write FILE | --check FILE] [DATA_DIR]
//! ```
//!
//! One line per case: `<case> <executor> <batch> <crc32> <values>`. `--write` stores the lines,
//! `--check` compares them with a stored file and exits non-zero naming every line that
//! differs. The numbers are those of the adapter it runs on (the file names it on its first
//! line): compare fingerprints taken on the same adapter, e.g. before and after a change
//! (`git stash`, run with `--write`, `git stash pop`, run with `--check`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use brainwgpu::conformance::Case;
use brainwgpu::network::classic::{Coba, EiNetwork, FeedForward};
use brainwgpu::prelude::*;
use brainwgpu::{Executor, NodeId, Simulation};
use clap::Parser;

/// Every state name any classic network's populations have; missing ones are skipped.
const VARS: [&str; 9] = [
    "V",
    "last_spike_time",
    "a",
    "g",
    "h",
    "spike_arrival_time",
    "x",
    "u",
    "g_rise",
];

struct Digest {
    crc: crc32fast::Hasher,
    values: usize,
}

impl Digest {
    fn new() -> Digest {
        Digest {
            crc: crc32fast::Hasher::new(),
            values: 0,
        }
    }

    fn add(&mut self, name: &str, values: impl IntoIterator<Item = f64>) {
        self.crc.update(name.as_bytes());
        for v in values {
            self.crc.update(&v.to_bits().to_le_bytes());
            self.values += 1;
        }
    }

    fn line(self, case: &str, executor: &str, batch: Option<usize>) -> String {
        let batch = batch.map_or("none".to_string(), |b| b.to_string());
        format!(
            "{case} {executor} {batch} {:08x} {}",
            self.crc.finalize(),
            self.values
        )
    }
}

fn executors(device: &Device) -> Vec<(&'static str, Executor)> {
    match device {
        Device::Cpu => vec![("f64", Executor::Auto)],
        _ => vec![("per-step", Executor::PerStep), ("fused", Executor::Fused)],
    }
}

/// Runs a compiled network for `steps`, monitoring the spikes of `spiking` and `V` of the
/// first spiking population every 7 steps, and digests the records and every final state.
fn digest_run(
    sim: &mut Simulation,
    spiking: &[NodeId],
    all: &[NodeId],
    steps: usize,
) -> brainwgpu::Result<Digest> {
    let spikes = spiking
        .iter()
        .map(|&n| sim.monitor_spikes(n))
        .collect::<brainwgpu::Result<Vec<_>>>()?;
    let v = sim.monitor_state(spiking[0], "V", 7)?;
    // Uneven runs cross chunk boundaries differently from one long run.
    sim.run(steps / 3)?;
    sim.run(steps - steps / 3)?;
    let mut d = Digest::new();
    for id in spikes {
        d.add("spikes", sim.spikes(id)?.dense().into_iter().map(f64::from));
    }
    d.add("V", sim.samples(v)?.values.iter().copied());
    for &n in all {
        d.add("out", sim.output(n)?);
        for var in VARS {
            if let Ok(values) = sim.state(n, var) {
                d.add(var, values);
            }
        }
    }
    Ok(d)
}

fn classic(device: &Device, out: &mut Vec<String>) -> brainwgpu::Result<()> {
    for batch in [None, Some(3)] {
        for (name, executor) in executors(device) {
            let coba = Coba::new(4000).build()?;
            let mut sim = coba
                .network
                .compile_with(device, batch, 0.1 * ms, executor)?;
            let all = [coba.neurons, coba.g_exc, coba.g_inh];
            let d = digest_run(&mut sim, &[coba.neurons], &all, 600)?;
            out.push(d.line("coba-4000", name, batch));

            let ff = FeedForward::benchmark(0).build()?;
            let mut sim = ff.network.compile_with(device, batch, 0.1 * ms, executor)?;
            let mut all = ff.lif.to_vec();
            all.extend([ff.expon, ff.ampa]);
            all.extend(ff.poisson);
            let d = digest_run(&mut sim, &ff.lif, &all, 400)?;
            out.push(d.line("ff-784", name, batch));

            let ei = EiNetwork::benchmark(800, 200, 0).build()?;
            let mut sim = ei.network.compile_with(device, batch, 0.1 * ms, executor)?;
            let all = [ei.exc, ei.inh, ei.g_exc, ei.g_inh];
            let d = digest_run(&mut sim, &[ei.exc, ei.inh], &all, 400)?;
            out.push(d.line("ei-1000", name, batch));
        }
    }
    Ok(())
}

fn goldens(device: &Device, dir: &Path, out: &mut Vec<String>) -> brainwgpu::Result<()> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|source| brainwgpu::Error::Io {
            path: dir.to_path_buf(),
            source,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "npz"))
        .collect();
    files.sort();
    for path in files {
        let case = Case::read(&path)?;
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let runs = if case.is_network() {
            executors(device)
        } else {
            vec![("module", Executor::Auto)]
        };
        for (executor, choice) in runs {
            let traces = case.simulate_with(device, choice)?;
            let mut d = Digest::new();
            for (key, values) in traces {
                d.add(&key, values);
            }
            out.push(d.line(&name, executor, None));
        }
    }
    Ok(())
}

/// Every fingerprint line on `gpu` and the f64 device, after a header naming the adapter.
pub fn fingerprints(gpu: &Device, data: &Path) -> brainwgpu::Result<Vec<String>> {
    let adapter = match gpu {
        Device::Gpu(g) => g.info().to_string(),
        Device::Cpu => "f64".into(),
    };
    let mut lines = vec![format!("# adapter: {adapter}")];
    for device in [gpu.clone(), Device::Cpu] {
        goldens(&device, data, &mut lines)?;
        classic(&device, &mut lines)?;
    }
    Ok(lines)
}

/// Fingerprints (CRC-32) of every spike and state of the goldens and the classic networks on
/// each executor, to compare a change against the commit before.
#[derive(Parser)]
#[command(name = "fingerprint")]
struct Options {
    /// Write the fingerprints to FILE.
    #[arg(long, value_name = "FILE", conflicts_with = "check")]
    write: Option<PathBuf>,
    /// Compare the fingerprints with FILE (exit code 1 when any differs).
    #[arg(long, value_name = "FILE")]
    check: Option<PathBuf>,
    /// The folder of golden files.
    #[arg(default_value = "tests/data", value_name = "DATA_DIR")]
    data: PathBuf,
}

fn main() -> ExitCode {
    let Options { write, check, data } = Options::parse();
    let gpu = match Device::gpu() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let lines = match fingerprints(&gpu, &data) {
        Ok(lines) => lines,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    for l in &lines[1..] {
        println!("{l}");
    }
    let text = lines.join("\n") + "\n";
    if let Some(path) = write
        && let Err(e) = std::fs::write(&path, &text)
    {
        eprintln!("error: {}: {e}", path.display());
        return ExitCode::FAILURE;
    }
    if let Some(path) = check {
        let want = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        };
        let mut bad = 0;
        for (w, g) in want.lines().zip(text.lines()).skip(1) {
            if w != g {
                eprintln!("differs: want {w}\n           got {g}");
                bad += 1;
            }
        }
        if want.lines().count() != text.lines().count() {
            eprintln!(
                "differs: {} lines stored, {} computed",
                want.lines().count(),
                text.lines().count()
            );
            bad += 1;
        }
        if bad > 0 {
            eprintln!("{bad} fingerprints differ from {}", path.display());
            return ExitCode::FAILURE;
        }
        eprintln!(
            "all {} fingerprints equal {}",
            lines.len() - 1,
            path.display()
        );
    }
    ExitCode::SUCCESS
}
