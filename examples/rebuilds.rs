//! A sweep by rebuilding: the same network compiled again and again with one parameter
//! changed (COBA with another external current each time), as a user sweeping a value
//! outside the batch axis does. It prints the build time of the first network and of the
//! others, the device's pipelines kept, and the resident memory before and after.
//!
//! The networks read their values from memory (`Network::read_values`), so every one after
//! the first reuses the first one's kernels; `--fold` folds the values in as constants
//! instead, as a single network does by default: faster kernels, but one compile per network
//! (the pipeline cache keeps 8 unused generated kernels at most).
//!
//! ```text
//! cargo run --release --example rebuilds -- [--networks N] [--neurons N] [--fold] [--backend gpu|cpu]
//! ```
//!
//! Defaults: 200 networks of 4,000 neurons, 100 steps each.

use std::process::ExitCode;
use std::time::Instant;

mod support;

use brainwgpu::network::classic::Coba;
use brainwgpu::prelude::*;
use clap::Parser;

/// A sweep by rebuilding: the same network compiled again with one value changed; build times,
/// pipelines kept and resident memory.
#[derive(Parser)]
#[command(name = "rebuilds")]
struct Options {
    /// Networks to build and run.
    #[arg(long, default_value_t = 200, value_parser = support::at_least(1))]
    networks: usize,
    /// Neurons per network.
    #[arg(long, default_value_t = 4000, value_parser = support::at_least(10))]
    neurons: usize,
    /// Fold the values into the kernels as constants (one compile per network).
    #[arg(long)]
    fold: bool,
    /// Device.
    #[arg(long, value_enum, default_value_t = support::Backend::Gpu)]
    backend: support::Backend,
}

fn resident_mb() -> f64 {
    support::memory_kib("VmRSS:").map_or(f64::NAN, |kib| kib / 1024.0)
}

fn run(o: &Options) -> brainwgpu::Result<()> {
    let device = o.backend.device()?;
    println!("device:      {device}");
    println!(
        "values:      {}",
        if o.fold {
            "folded into each network's kernels"
        } else {
            "read from memory (Network::read_values)"
        }
    );
    let mut times = Vec::with_capacity(o.networks);
    let mut first_rss = f64::NAN;
    let mut rate = 0.0;
    for i in 0..o.networks {
        let start = Instant::now();
        let mut coba = Coba::new(o.neurons);
        coba.i_ext = (18.0 + 4.0 * i as f64 / o.networks as f64) * mA;
        let mut net = coba.build()?;
        net.network.read_values(!o.fold);
        let mut sim = net.network.compile(&device, None, 0.1 * ms)?;
        let count = sim.monitor_count(net.neurons)?;
        sim.run(100)?;
        sim.synchronize()?;
        rate += sim.counts(count)?.rate_hz();
        times.push(start.elapsed().as_secs_f64());
        if i == 0 {
            first_rss = resident_mb();
        }
    }
    let rest = &times[1..];
    let mean_rest = rest.iter().sum::<f64>() / rest.len().max(1) as f64;
    println!(
        "builds:      first {:.3} s, the other {} {:.3} s each ({:.0} % of the first)",
        times[0],
        rest.len(),
        mean_rest,
        100.0 * mean_rest / times[0]
    );
    if let Device::Gpu(gpu) = &device {
        println!("pipelines:   {} kept on the device", gpu.cached_pipelines());
    }
    let last_rss = resident_mb();
    println!(
        "memory:      {first_rss:.0} MB resident after the first network, {last_rss:.0} MB after all {} (+{:.0} MB)",
        o.networks,
        last_rss - first_rss
    );
    println!("firing:      {:.2} Hz mean", rate / o.networks as f64);
    Ok(())
}

fn main() -> ExitCode {
    support::main_of(Options::parse(), run)
}
