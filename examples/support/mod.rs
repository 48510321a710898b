//! What the examples' command lines share: the device choice, value checks for clap, the
//! output folder, and `main`'s handling of errors (their message, exit code 1; clap answers
//! `--help` and bad flags, exit code 2, before any work).

// Each example uses what it needs of this module.
#![allow(dead_code)]

use std::path::Path;
use std::process::ExitCode;

use brainwgpu::Device;

/// Where an example runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    /// The default GPU adapter (f32 kernels).
    Gpu,
    /// The f64 reference device (the host's CPU).
    Cpu,
}

impl Backend {
    /// The device: the default adapter, or the f64 device.
    pub fn device(self) -> brainwgpu::Result<Device> {
        match self {
            Backend::Cpu => Ok(Device::Cpu),
            Backend::Gpu => Device::gpu(),
        }
    }
}

/// A value parser for flags that take a finite number within `[lo, hi]`.
pub fn within(lo: f64, hi: f64) -> impl Fn(&str) -> Result<f64, String> + Clone + Send + Sync {
    move |text: &str| {
        let x: f64 = text
            .parse()
            .map_err(|_| format!("expected a number, got `{text}`"))?;
        if x.is_finite() && (lo..=hi).contains(&x) {
            Ok(x)
        } else {
            Err(format!("expected a number from {lo} to {hi}, got {text}"))
        }
    }
}

/// A value parser for flags that take a whole number from `lo` to `hi`.
pub fn within_count(
    lo: usize,
    hi: usize,
) -> impl Fn(&str) -> Result<usize, String> + Clone + Send + Sync {
    move |text: &str| {
        let x: usize = text
            .parse()
            .map_err(|_| format!("expected a whole number, got `{text}`"))?;
        if (lo..=hi).contains(&x) {
            Ok(x)
        } else {
            Err(format!(
                "expected a whole number from {lo} to {hi}, got {x}"
            ))
        }
    }
}

/// A value parser for flags that take a whole number of at least `min`.
pub fn at_least(min: usize) -> impl Fn(&str) -> Result<usize, String> + Clone + Send + Sync {
    move |text: &str| {
        let x: usize = text
            .parse()
            .map_err(|_| format!("expected a whole number, got `{text}`"))?;
        if x >= min {
            Ok(x)
        } else {
            Err(format!("expected at least {min}, got {x}"))
        }
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

/// Creates the output folder (and its parents).
pub fn create_dir(dir: &Path) -> brainwgpu::Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| brainwgpu::Error::Io {
        path: dir.to_path_buf(),
        source: e,
    })
}

/// Runs an example with its options (clap has parsed them: `--help` answered, a bad flag
/// reported with the usage and exit code 2, before any work) and turns the outcome into the
/// exit code: an error prints its message (exit code 1).
pub fn main_of<O>(options: O, run: impl FnOnce(&O) -> brainwgpu::Result<()>) -> ExitCode {
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
