//! Procedural against stored connectivity on one network: a recurrent population of LIF
//! neurons driven by Poisson spikes, its recurrent projection a fixed out-degree either
//! regenerated at every spike (`Procedural`) or read from a table (its stored twin). Prints
//! for each: build time, table words on the device, ms per step, the firing rate — and checks
//! that both give the same spikes.
//!
//! ```text
//! cargo run --release --example procedural -- [--neurons N] [--k K] [--steps S] [--backend gpu|cpu]
//! ```
//!
//! Defaults: 20,000 neurons, 500 targets each (10 M synapses), 500 steps.

use std::process::ExitCode;

mod support;
use std::time::Instant;

use brainwgpu::network::{Procedural, Stream};
use brainwgpu::prelude::*;
use clap::Parser;

/// Procedural against stored connectivity on one network: build time, table words, speed,
/// and a check that both give the same spikes.
#[derive(Parser)]
#[command(name = "procedural")]
struct Options {
    /// Neurons.
    #[arg(long, default_value_t = 20_000, value_parser = support::at_least(2))]
    neurons: usize,
    /// Targets per neuron.
    #[arg(long, default_value_t = 500, value_parser = support::at_least(1))]
    k: usize,
    /// Steps to run.
    #[arg(long, default_value_t = 500, value_parser = support::at_least(1))]
    steps: usize,
    /// Device.
    #[arg(long, value_enum, default_value_t = support::Backend::Gpu)]
    backend: support::Backend,
}

/// Builds and runs the network; returns the spikes, build and run seconds.
fn run(o: &Options, device: &Device, procedural: bool) -> brainwgpu::Result<(Vec<u8>, f64, f64)> {
    let n = o.neurons;
    let start = Instant::now();
    let mut net = Network::new();
    let input = net.add(
        PoissonSpike::new(n, vec![0.2; n])
            .with_name("input")
            .seed(3),
    )?;
    let syn = net.add(Expon::new(n).with_name("external").tau(2.0 * ms))?;
    let neurons = net.add(
        LIF::new(n)
            .with_name("neurons")
            .tau(10.0 * ms)
            .r(1.0)
            .v_th(1.0)
            .v_reset(0.0),
    )?;
    // Recurrent weights that keep the activity moderate: k inputs of 0.5/k.
    let recurrent = Procedural::fixed_out_degree(
        o.k,
        n,
        n,
        true,
        false,
        0.5 / o.k.max(1) as f64,
        Stream::new(1, 0),
    )?
    .with_delay(1.0)?;
    let rec = if procedural {
        Term::output(neurons).procedural(recurrent)
    } else {
        Term::output(neurons).event(recurrent.stored()?)
    };
    net.update(input, Wiring::new());
    net.update(syn, Wiring::new().delta(Term::output(input).scaled(2.5)));
    net.update(neurons, Wiring::new().x(Term::output(syn)).delta(rec));
    let mut sim = net.compile(device, None, 0.1 * ms)?;
    let m = sim.monitor_spikes(neurons)?;
    sim.synchronize()?;
    let build = start.elapsed().as_secs_f64();
    let start = Instant::now();
    sim.run(o.steps)?;
    sim.synchronize()?;
    let wall = start.elapsed().as_secs_f64();
    Ok((sim.spikes(m)?.dense(), build, wall))
}

/// Both variants, their table and whether their spikes agree.
fn compare(o: &Options) -> brainwgpu::Result<()> {
    let device = o.backend.device()?;
    println!("device:   {device}");
    println!(
        "network:  {} LIF, {} recurrent synapses ({} per source), {} steps",
        o.neurons,
        o.neurons * o.k,
        o.k,
        o.steps
    );
    println!("\nconnectivity   build s   device table words   ms/step   rate Hz");
    let mut spikes = Vec::new();
    for procedural in [false, true] {
        let (s, build, wall) = run(o, &device, procedural)?;
        let fired = s.iter().filter(|&&x| x == 1).count();
        let rate = fired as f64 / (o.neurons as f64 * o.steps as f64 * 1e-4);
        // The rule's key words, against a target per synapse.
        let words = if procedural { 7 } else { o.neurons * o.k };
        println!(
            "{:<14} {build:>7.2} {words:>20} {:>9.3} {rate:>9.2}",
            if procedural { "procedural" } else { "stored" },
            1e3 * wall / o.steps as f64,
        );
        spikes.push(s);
    }
    println!(
        "\nidentical spikes: {}",
        if spikes[0] == spikes[1] { "yes" } else { "NO" }
    );
    Ok(())
}

fn main() -> ExitCode {
    support::main_of(Options::parse(), compare)
}
