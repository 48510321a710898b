//! The benchmark table: the suite of `network::classic::suite()` (COBA, the feed-forward net,
//! the E/I network at BrainPy's benchmark sizes) on the default adapter, one row per case.
//!
//! ```text
//! cargo run --release --example bench -- [--quick] [--json FILE] [--case NAME]
//!                                         [--executor auto|fused|fused:N|per-step] [--seconds S]
//! ```
//!
//! `fused:N` runs the cases that the automatic choice runs fused with N invocations per
//! workgroup (a tuning sweep); the others as usual.
//!
//! Columns: ms per step; steps/s; sample·steps/s (batch × steps per second); the real-time
//! factor (wall time / simulated time, < 1 is faster than real time); the mean firing rate
//! over every step run from t = 0 (to show the dynamics are the real ones; short runs include
//! the initial transient); the bytes of device memory one step reads and
//! writes, counted from the compiled plan; the bandwidth that achieves and its share of the
//! adapter's copy bandwidth, measured here first; and dispatches per step (a fraction when one
//! dispatch runs many steps). `--quick` runs the small cases and COBA-1M for a few steps each —
//! under a minute on the software adapter; CI runs it as a smoke test. Without `--quick` each case runs
//! for about `--seconds` (default 2) after a warm-up. Cases the device cannot hold are listed
//! with the limit that refused them.

use std::process::ExitCode;
use std::time::Instant;

use brainwgpu::network::classic::suite;
use brainwgpu::prelude::*;
use brainwgpu::{Executor, Gpu};
use clap::Parser;
use serde_json::json;

/// The benchmark table: the classic networks at BrainPy's benchmark sizes on the default
/// adapter, one row per case.
#[derive(Parser)]
#[command(name = "bench")]
struct Options {
    /// The small cases and COBA-1M for a few steps each (a smoke test).
    #[arg(long)]
    quick: bool,
    /// Also write the rows as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    json: Option<String>,
    /// Only the cases of this name (coba, ff, ei).
    #[arg(long, value_name = "NAME")]
    case: Option<String>,
    /// The executor: auto, fused, fused:N (N invocations per workgroup) or per-step.
    #[arg(long, default_value = "auto", value_parser = executor)]
    executor: Executor,
    /// Seconds each case runs for after a warm-up.
    #[arg(long, default_value_t = 2.0, value_parser = seconds)]
    seconds: f64,
}

fn executor(text: &str) -> Result<Executor, String> {
    match text {
        "auto" => Ok(Executor::Auto),
        "fused" => Ok(Executor::Fused),
        "per-step" => Ok(Executor::PerStep),
        f if f.starts_with("fused:") => f[6..]
            .parse()
            .map(Executor::FusedWorkgroup)
            .map_err(|_| "fused:N needs a number of invocations".to_string()),
        _ => Err(format!(
            "expected auto, fused, fused:N or per-step, got `{text}`"
        )),
    }
}

fn seconds(text: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0)
        .ok_or(format!(
            "expected a positive number of seconds, got `{text}`"
        ))
}

/// One measured case.
struct Row {
    case: String,
    size: String,
    executor: String,
    steps: usize,
    ms_per_step: f64,
    samples: usize,
    rate_hz: f64,
    bytes: u64,
    dispatches: f64,
    /// Fused executor: values per invocation in registers, barriers per step.
    registers: usize,
    barriers: usize,
    build_s: f64,
}

fn measure(
    device: &Device,
    case: &brainwgpu::network::classic::SuiteCase,
    o: &Options,
) -> brainwgpu::Result<Row> {
    let dt = 0.1;
    let start = Instant::now();
    let (net, pops) = case.build()?;
    // fused:N re-sizes the workgroups of the cases the automatic choice runs fused.
    let mut sim = match o.executor {
        Executor::FusedWorkgroup(_) => {
            let auto = net.compile_with(device, case.batch, dt * ms, Executor::Auto)?;
            match auto.executor().0 {
                "fused" => net.compile_with(device, case.batch, dt * ms, o.executor)?,
                _ => auto,
            }
        }
        chosen => net.compile_with(device, case.batch, dt * ms, chosen)?,
    };
    let counters = pops
        .iter()
        .map(|&p| sim.monitor_count(p))
        .collect::<brainwgpu::Result<Vec<_>>>()?;
    sim.synchronize()?;
    let build_s = start.elapsed().as_secs_f64();
    // Warm-up: the first dispatches compile the kernels on some drivers.
    sim.run(2)?;
    sim.synchronize()?;
    let steps = if o.quick {
        case.quick_steps
    } else {
        // How many steps fill the time.
        let t = Instant::now();
        sim.run(10)?;
        sim.synchronize()?;
        ((o.seconds * 10.0 / t.elapsed().as_secs_f64()) as usize).clamp(10, 200_000)
    };
    let t = Instant::now();
    sim.run(steps)?;
    sim.synchronize()?;
    let wall = t.elapsed().as_secs_f64();
    let mut spikes = 0u64;
    let mut neuron_steps = 0f64;
    for id in counters {
        let c = sim.counts(id)?;
        spikes += c.total();
        neuron_steps += (c.n * c.rows) as f64 * c.steps as f64;
    }
    let cost = sim.cost_per_step();
    Ok(Row {
        case: case.name.to_string(),
        size: case.size.clone(),
        executor: match (cost.executor, o.executor) {
            ("fused", Executor::FusedWorkgroup(n)) => format!("fused:{n}"),
            (name, _) => name.to_string(),
        },
        steps,
        ms_per_step: 1e3 * wall / steps as f64,
        samples: sim.rows(),
        rate_hz: spikes as f64 / (neuron_steps * dt * 1e-3).max(f64::MIN_POSITIVE),
        bytes: cost.bytes,
        dispatches: cost.dispatches,
        registers: cost.registers,
        barriers: cost.barriers,
        build_s,
    })
}

fn main() -> ExitCode {
    let o = Options::parse();
    let gpu = match Gpu::new() {
        Ok(g) => g,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let adapter = gpu.info().to_string();
    println!("adapter: {adapter}");
    let (copy_bytes, repeats) = if o.quick {
        (16 << 20, 4)
    } else {
        (256 << 20, 10)
    };
    let copy = match gpu.copy_bandwidth(copy_bytes, repeats) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("measuring the copy bandwidth: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "copy bandwidth: {:.1} GB/s (read + write, {} MiB buffers)",
        copy / 1e9,
        copy_bytes >> 20
    );
    let device = Device::Gpu(gpu);
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .unwrap_or_default();
    println!(
        "\n{:<5} {:>14} {:>10} {:>11} {:>10} {:>14} {:>9} {:>8} {:>10} {:>8} {:>6} {:>10}",
        "case",
        "size",
        "executor",
        "ms/step",
        "steps/s",
        "sample·steps/s",
        "RTF",
        "rate Hz",
        "MB/step",
        "GB/s",
        "% copy",
        "disp/step"
    );
    let mut records = Vec::new();
    let mut failed = false;
    for case in suite() {
        if o.quick && !case.quick {
            continue;
        }
        if let Some(name) = &o.case
            && !format!("{} {}", case.name, case.size).contains(name.as_str())
        {
            continue;
        }
        match measure(&device, &case, &o) {
            Ok(r) => {
                let steps_s = 1e3 / r.ms_per_step;
                let gbs = r.bytes as f64 / (r.ms_per_step * 1e-3) / 1e9;
                println!(
                    "{:<5} {:>14} {:>10} {:>11.4} {:>10.0} {:>14.0} {:>9.3} {:>8.1} {:>10.3} {:>8.2} {:>6.1} {:>10.3}",
                    r.case,
                    r.size,
                    r.executor,
                    r.ms_per_step,
                    steps_s,
                    steps_s * r.samples as f64,
                    r.ms_per_step / 0.1,
                    r.rate_hz,
                    r.bytes as f64 / 1e6,
                    gbs,
                    100.0 * gbs * 1e9 / copy,
                    r.dispatches
                );
                records.push(json!({
                    "case": r.case, "size": r.size, "adapter": adapter, "executor": r.executor,
                    "steps": r.steps, "ms_per_step": r.ms_per_step, "steps_per_s": steps_s,
                    "sample_steps_per_s": steps_s * r.samples as f64,
                    "realtime_factor": r.ms_per_step / 0.1, "rate_hz": r.rate_hz,
                    "bytes_per_step": r.bytes, "achieved_gb_s": gbs, "copy_gb_s": copy / 1e9,
                    "dispatches_per_step": r.dispatches, "registers": r.registers,
                    "barriers_per_step": r.barriers, "build_s": r.build_s, "commit": commit,
                }));
            }
            Err(e) => {
                // A size the device cannot hold is a result, not a failure of the run.
                let refused = matches!(e, brainwgpu::Error::LimitExceeded { .. });
                failed |= !refused;
                println!(
                    "{:<5} {:>14} {}: {e}",
                    case.name,
                    case.size,
                    if refused { "refused" } else { "FAILED" }
                );
                records.push(json!({
                    "case": case.name, "size": case.size, "adapter": adapter,
                    "error": e.to_string(), "commit": commit,
                }));
            }
        }
    }
    if let Some(path) = &o.json {
        let doc = json!({ "adapter": adapter, "copy_gb_s": copy / 1e9, "commit": commit, "results": records });
        if let Err(e) = std::fs::write(path, serde_json::to_string_pretty(&doc).expect("JSON")) {
            eprintln!("cannot write {path}: {e}");
            return ExitCode::FAILURE;
        }
        println!("\nwrote {path}");
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
