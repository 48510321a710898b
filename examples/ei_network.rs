//! The E/I network of BrainPy's `Synapse` docstring: 800 excitatory LIF (τ10) + AMPA and 200
//! inhibitory LIF (τ8) + GABAa, coupled by four dense projections of the conductances, with an
//! external current `2 + 0.6·N(0, 1)` drawn on the device every step. Weights as in BrainPy's
//! benchmark (`EiNetwork::benchmark`).
//!
//! ```text
//! cargo run --release --example ei_network -- [--batch B] [--steps N] [--exc N] [--inh N]
//!                                             [--backend gpu|cpu] [--seed S]
//! ```

use std::process::ExitCode;

mod support;
use std::time::Instant;

use brainwgpu::network::classic::EiNetwork;
use brainwgpu::prelude::*;
use clap::Parser;

/// The E/I network of BrainPy's `Synapse` docstring: speed and firing rates.
#[derive(Parser)]
#[command(name = "ei_network")]
struct Options {
    /// Independent instances (batch rows).
    #[arg(long, default_value_t = 16, value_parser = support::at_least(1))]
    batch: usize,
    /// Steps of 0.1 ms to run.
    #[arg(long, default_value_t = 1000, value_parser = support::at_least(1))]
    steps: usize,
    /// Excitatory neurons.
    #[arg(long, default_value_t = 800, value_parser = support::at_least(1))]
    exc: usize,
    /// Inhibitory neurons.
    #[arg(long, default_value_t = 200, value_parser = support::at_least(1))]
    inh: usize,
    /// Device.
    #[arg(long, value_enum, default_value_t = support::Backend::Gpu)]
    backend: support::Backend,
    /// Seed of the weights and the external current.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

fn run(o: &Options) -> brainwgpu::Result<()> {
    let device = o.backend.device()?;
    println!("device:   {device}");
    let start = Instant::now();
    let ei = EiNetwork::benchmark(o.exc, o.inh, o.seed).build()?;
    let mut sim = ei.network.compile(&device, Some(o.batch), 0.1 * ms)?;
    let exc = sim.monitor_spikes(ei.exc)?;
    let inh = sim.monitor_spikes(ei.inh)?;
    sim.synchronize()?;
    println!(
        "network:  {} exc + {} inh, batch {}, dt 0.1 ms, {} steps",
        o.exc, o.inh, o.batch, o.steps
    );
    println!("plan:     {}", sim.cost_per_step());
    println!("build:    {:.3} s", start.elapsed().as_secs_f64());
    let start = Instant::now();
    support::run(&mut sim, o.steps)?;
    sim.synchronize()?;
    let wall = start.elapsed().as_secs_f64();
    println!(
        "speed:    {:.3} s wall, {:.0} steps/s, {:.0} sample·steps/s, {:.3} ms/step",
        wall,
        o.steps as f64 / wall,
        (o.batch * o.steps) as f64 / wall,
        1e3 * wall / o.steps as f64
    );
    for (name, id) in [("exc", exc), ("inh", inh)] {
        let r = sim.spikes(id)?;
        let first = r.events().first().map_or("none".to_string(), |e| {
            format!("{:.1} ms", e.0 as f64 * 0.1)
        });
        println!(
            "{name}:      {:8} spikes, {:6.1} Hz mean, first spike at {first}",
            r.count(),
            r.rate_hz()
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    support::main_of(Options::parse(), run)
}
