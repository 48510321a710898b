//! The feed-forward network of BrainPy's `Synapse` docstring, 784 → 256 → 128 → 10
//! (LIF τ5 → Linear → Expon τ8 → LIF τ10 → Linear → AMPA → LIF τ10 → Linear → LIF τ8), driven
//! by Poisson spikes × 15 generated on the device, run as a batch of independent samples.
//! Weights and input probabilities as in BrainPy's benchmark (`FeedForward::benchmark`).
//!
//! ```text
//! cargo run --release --example feedforward -- [--batch B] [--steps N] [--backend gpu|cpu] [--seed S]
//! ```

use std::process::ExitCode;

mod support;
use std::time::Instant;

use brainwgpu::network::classic::FeedForward;
use brainwgpu::prelude::*;
use clap::Parser;

/// The feed-forward network of BrainPy's `Synapse` docstring, 784 → 256 → 128 → 10, as a
/// batch of independent samples: speed and firing rates.
#[derive(Parser)]
#[command(name = "feedforward")]
struct Options {
    /// Independent samples (batch rows).
    #[arg(long, default_value_t = 64, value_parser = support::at_least(1))]
    batch: usize,
    /// Steps of 0.1 ms to run.
    #[arg(long, default_value_t = 100, value_parser = support::at_least(1))]
    steps: usize,
    /// Device.
    #[arg(long, value_enum, default_value_t = support::Backend::Gpu)]
    backend: support::Backend,
    /// Seed of the weights and the input spikes.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

fn run(o: &Options) -> brainwgpu::Result<()> {
    let (batch, steps, seed) = (o.batch, o.steps, o.seed);
    let device = o.backend.device()?;
    println!("device:   {device}");
    let start = Instant::now();
    let ff = FeedForward::benchmark(seed).build()?;
    let mut sim = ff.network.compile(&device, Some(batch), 0.1 * ms)?;
    let monitors = ff
        .lif
        .iter()
        .map(|&l| sim.monitor_spikes(l))
        .collect::<brainwgpu::Result<Vec<_>>>()?;
    sim.synchronize()?;
    println!("network:  784 → 256 → 128 → 10, batch {batch}, dt 0.1 ms, {steps} steps");
    println!("plan:     {}", sim.cost_per_step());
    println!("build:    {:.3} s", start.elapsed().as_secs_f64());
    let start = Instant::now();
    support::run(&mut sim, steps)?;
    sim.synchronize()?;
    let wall = start.elapsed().as_secs_f64();
    println!(
        "speed:    {:.3} s wall, {:.0} steps/s, {:.0} sample·steps/s, {:.3} ms/step",
        wall,
        steps as f64 / wall,
        (batch * steps) as f64 / wall,
        1e3 * wall / steps as f64
    );
    let names = ["input", "hidden 1", "hidden 2", "output"];
    for (name, id) in names.iter().zip(&monitors) {
        let r = sim.spikes(*id)?;
        println!(
            "{name:9} {:9} spikes, {:7.1} Hz mean",
            r.count(),
            r.rate_hz()
        );
    }
    let out = sim.spikes(monitors[3])?;
    let per_class: Vec<usize> = (0..10)
        .map(|j| (0..out.steps()).filter(|&k| out.spiked(k, 0, j)).count())
        .collect();
    println!("sample 0: output spikes per class {per_class:?}");
    Ok(())
}

fn main() -> ExitCode {
    support::main_of(Options::parse(), run)
}
