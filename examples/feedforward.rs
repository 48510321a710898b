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

fn run(batch: usize, steps: usize, backend: &str, seed: u64) -> brainwgpu::Result<()> {
    let device = if backend == "cpu" {
        Device::Cpu
    } else {
        Device::gpu()?
    };
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
    let (mut batch, mut steps, mut backend, mut seed) =
        (64usize, 100usize, "gpu".to_string(), 0u64);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let v = args.next();
        let ok = match (a.as_str(), v) {
            ("--batch", Some(v)) => v.parse().map(|x| batch = x).is_ok(),
            ("--steps", Some(v)) => v.parse().map(|x| steps = x).is_ok() && steps > 0,
            ("--backend", Some(v)) => support::backend(v).map(|b| backend = b).is_ok(),
            ("--seed", Some(v)) => v.parse().map(|x| seed = x).is_ok(),
            _ => false,
        };
        if !ok {
            eprintln!("usage: feedforward [--batch B] [--steps N] [--backend gpu|cpu] [--seed S]");
            return ExitCode::from(2);
        }
    }
    match run(batch, steps, &backend, seed) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
