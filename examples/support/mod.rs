//! What the examples' command lines share: the device choice, the output folder, and `main`'s
//! handling of bad flags (exit code 2 with the usage line) and of errors (their message, exit
//! code 1).

// Each example uses what it needs of this module.
#![allow(dead_code)]

use std::path::Path;
use std::process::ExitCode;

use brainwgpu::Device;

/// `gpu` (the default adapter) or `cpu` (the f64 reference device).
pub fn device(backend: &str) -> brainwgpu::Result<Device> {
    match backend {
        "cpu" => Ok(Device::Cpu),
        _ => Device::gpu(),
    }
}

/// The value of `--backend`: `gpu` or `cpu`, anything else a flag error.
pub fn backend(value: String) -> Result<String, String> {
    match value.as_str() {
        "gpu" | "cpu" => Ok(value),
        _ => Err(format!("--backend: expected gpu or cpu, got `{value}`")),
    }
}

/// Creates the output folder and checks that a file can be written in it, before any
/// simulation runs.
pub fn output_dir(dir: &Path) -> brainwgpu::Result<()> {
    create_dir(dir)?;
    let probe = dir.join(format!(".brainwgpu-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"")
        .and_then(|()| std::fs::remove_file(&probe))
        .map_err(|e| brainwgpu::Error::Io {
            path: dir.to_path_buf(),
            source: e,
        })
}

/// The value of flag `flag` as a finite number.
pub fn finite(flag: &str, value: String) -> Result<f64, String> {
    value
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or(format!("{flag}: expected a finite number, got `{value}`"))
}

/// Creates the output folder (and its parents).
pub fn create_dir(dir: &Path) -> brainwgpu::Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| brainwgpu::Error::Io {
        path: dir.to_path_buf(),
        source: e,
    })
}

/// Parses the flags, runs, and turns the outcome into the exit code: a bad flag prints its
/// message and `usage` (code 2), `--help` the usage (0), an error its message (1).
pub fn main_of<O>(
    parse: impl FnOnce() -> Result<O, String>,
    usage: &str,
    run: impl FnOnce(&O) -> brainwgpu::Result<()>,
) -> ExitCode {
    let options = match parse() {
        Ok(o) => o,
        // `--help` (an empty message): the usage on stdout, success.
        Err(e) if e.is_empty() => {
            println!("{usage}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("{e}");
            eprintln!("{usage}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs `steps` steps of `sim`, with a progress bar on stderr once the run has taken more
/// than two seconds (short runs print nothing).
pub fn run(sim: &mut brainwgpu::network::Simulation, steps: usize) -> brainwgpu::Result<()> {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    let bar = ProgressBar::with_draw_target(Some(steps as u64), ProgressDrawTarget::hidden());
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:40} {pos}/{len} steps, {elapsed} elapsed, about {eta} left",
        )
        .expect("a valid template"),
    );
    let mut shown = false;
    sim.run_with(steps, |p| {
        if !shown && p.elapsed.as_secs_f64() > 2.0 {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            shown = true;
        }
        bar.set_position(p.done as u64);
        std::ops::ControlFlow::Continue(())
    })?;
    bar.finish_and_clear();
    Ok(())
}

/// Field `name` of `/proc/self/status` (`VmHWM:` the peak resident memory, `VmRSS:` the
/// current one) in KiB, where there is such a file.
pub fn memory_kib(name: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(name))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The process's peak and current resident memory ("peak 251 MB, now 249 MB"), from
/// `/proc/self/status` where there is one.
pub fn peak_memory() -> String {
    let field = |name: &str| memory_kib(name).map(|kib| format!("{:.0} MB", kib / 1024.0));
    match (field("VmHWM:"), field("VmRSS:")) {
        (Some(peak), Some(now)) => format!("peak {peak}, now {now} resident"),
        _ => "n/a (no /proc/self/status)".to_string(),
    }
}
