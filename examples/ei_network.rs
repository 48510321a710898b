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

struct Options {
    batch: usize,
    steps: usize,
    exc: usize,
    inh: usize,
    backend: String,
    seed: u64,
}

fn run(o: &Options) -> brainwgpu::Result<()> {
    let device = if o.backend == "cpu" {
        Device::Cpu
    } else {
        Device::gpu()?
    };
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
    let mut o = Options {
        batch: 16,
        steps: 1000,
        exc: 800,
        inh: 200,
        backend: "gpu".into(),
        seed: 0,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let v = args.next();
        let ok = match (a.as_str(), v) {
            ("--batch", Some(v)) => v.parse().map(|x| o.batch = x).is_ok(),
            ("--steps", Some(v)) => v.parse().map(|x| o.steps = x).is_ok() && o.steps > 0,
            ("--exc", Some(v)) => v.parse().map(|x| o.exc = x).is_ok(),
            ("--inh", Some(v)) => v.parse().map(|x| o.inh = x).is_ok(),
            ("--backend", Some(v)) => support::backend(v).map(|b| o.backend = b).is_ok(),
            ("--seed", Some(v)) => v.parse().map(|x| o.seed = x).is_ok(),
            _ => false,
        };
        if !ok {
            eprintln!(
                "usage: ei_network [--batch B] [--steps N] [--exc N] [--inh N] [--backend gpu|cpu] [--seed S]"
            );
            return ExitCode::from(2);
        }
    }
    match run(&o) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
