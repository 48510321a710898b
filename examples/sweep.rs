//! A parameter sweep over the batch axis: one network, many instances, one run each sweep.
//!
//! A population of LIF neurons (thresholds spread over 2 mV, so the population's curve is
//! smooth) is run with a different input current in every instance — its f–I curve — and then
//! with a different membrane time constant τ in every instance at a fixed current. Each sweep
//! is one simulation of `--instances` batch rows; the input is `Term::per_instance` and τ a
//! `Param::per_instance`. It prints both curves (every 16th instance and a summary), checks
//! that the f–I curve never decreases, and writes `sweep.npz` (`current_mA`, `rate_fi_hz`,
//! `tau_ms`, `rate_tau_hz`).
//!
//! ```text
//! cargo run --release --example sweep -- [--instances B] [--neurons N] [--duration MS]
//!                                        [--out DIR] [--backend gpu|cpu]
//! ```
//!
//! Defaults: 256 instances of 200 neurons, 500 ms, `sweep_out/`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

mod support;

use brainwgpu::network::{CountRecord, Network, Term, Wiring};
use brainwgpu::npz::{NpyData, NpzWriter};
use brainwgpu::prelude::*;
use clap::Parser;

/// A parameter sweep over the batch axis: an f–I curve and a τ curve, one simulation each.
#[derive(Parser)]
#[command(name = "sweep")]
struct Options {
    /// Instances (batch rows), one value of the swept parameter each.
    #[arg(long, default_value_t = 256, value_parser = support::within_count(2, 1 << 16))]
    instances: usize,
    /// Neurons per instance.
    #[arg(long, default_value_t = 200, value_parser = support::within_count(1, 1 << 16))]
    neurons: usize,
    /// Simulated time in ms.
    #[arg(long = "duration", value_name = "MS", default_value_t = 500.0, value_parser = support::within(1.0, 1e6))]
    duration_ms: f64,
    /// Output folder.
    #[arg(long, default_value = "sweep_out")]
    out: PathBuf,
    /// Device.
    #[arg(long, value_enum, default_value_t = support::Backend::Gpu)]
    backend: support::Backend,
}

/// The population: LIF starting at rest (−60 mV), V_th spread over [−51, −49] mV, R = 1 Ω,
/// no refractory period.
fn population(n: usize) -> LIF {
    LIF::new(n)
        .v_rest(-60.0 * mV)
        .v_reset(-60.0 * mV)
        .r(1.0 * ohm)
        .v_initializer(-60.0 * mV)
        .v_th(Param::per_neuron((0..n).map(|j| {
            -51.0 + 2.0 * j as f64 / n.max(2) as f64 - 1.0 / n.max(2) as f64
        })))
}

/// Runs one sweep: `lif` driven by `current`, every instance counted.
fn run_sweep(
    device: &Device,
    o: &Options,
    lif: LIF,
    current: Term,
) -> brainwgpu::Result<(CountRecord, f64)> {
    let mut net = Network::new();
    let neurons = net.add(lif)?;
    net.update(neurons, Wiring::new().x(current));
    let dt = 0.1;
    let steps = (o.duration_ms / dt).round() as usize;
    let mut sim = net.compile(device, Some(o.instances), dt * ms)?;
    let counts = sim.monitor_count(neurons)?;
    let start = Instant::now();
    support::run(&mut sim, steps)?;
    sim.synchronize()?;
    let wall = start.elapsed().as_secs_f64();
    println!("  {} ({})", sim.cost_per_step(), sim.executor().0);
    Ok((sim.counts(counts)?.clone(), wall))
}

fn run(o: &Options) -> brainwgpu::Result<()> {
    support::output_dir(&o.out)?;
    let device = o.backend.device()?;
    println!("device:      {device}");
    let b = o.instances;
    let last = (b - 1) as f64;
    println!(
        "sweeps:      {b} instances of {} LIF neurons each, {} ms at dt 0.1 ms",
        o.neurons, o.duration_ms
    );

    // f–I: 0 … 30 mA (R·I from 0 to 30 mV above rest) across the instances.
    let currents: Vec<f64> = (0..b).map(|i| 30.0 * i as f64 / last).collect();
    let internal: Vec<f64> = currents.iter().map(|&c| (c * mA).value()).collect();
    println!("f–I sweep (τ = 10 ms, I per instance):");
    let (fi, wall_fi) = run_sweep(
        &device,
        o,
        population(o.neurons),
        Term::per_instance(internal),
    )?;
    let rate_fi = fi.rates_hz();

    // τ: 5 … 50 ms across the instances, at 20 mA.
    let taus: Vec<f64> = (0..b).map(|i| 5.0 + 45.0 * i as f64 / last).collect();
    println!("τ sweep (I = 20 mA, τ per instance):");
    let (tau, wall_tau) = run_sweep(
        &device,
        o,
        population(o.neurons).tau(Param::per_instance(taus.iter().map(|&t| t * ms))),
        Term::from(20.0 * mA),
    )?;
    let rate_tau = tau.rates_hz();

    println!("\n  instance   I (mA)   rate (Hz)   |   τ (ms)   rate (Hz)");
    for i in (0..b).step_by(16).chain(std::iter::once(b - 1)) {
        println!(
            "  {i:>8}   {:>6.2}   {:>9.2}   |   {:>6.2}   {:>9.2}",
            currents[i], rate_fi[i], taus[i], rate_tau[i]
        );
    }
    let monotone = rate_fi.windows(2).all(|w| w[1] >= w[0]);
    let rheobase = currents
        .iter()
        .zip(&rate_fi)
        .find(|(_, r)| **r > 0.0)
        .map_or(f64::NAN, |(c, _)| *c);
    println!(
        "\nf–I curve:   {} from {:.1} Hz to {:.1} Hz; first firing at {rheobase:.2} mA (theory: (V_th − V_rest) / R, 9–11 mA)",
        if monotone {
            "monotone,"
        } else {
            "NOT monotone,"
        },
        rate_fi[0],
        rate_fi[b - 1]
    );
    println!(
        "τ curve:     {:.1} Hz at τ = {:.0} ms to {:.1} Hz at τ = {:.0} ms",
        rate_tau[0],
        taus[0],
        rate_tau[b - 1],
        taus[b - 1]
    );
    println!(
        "wall:        {wall_fi:.3} s (f–I) and {wall_tau:.3} s (τ) for {b} instances × {} ms each",
        o.duration_ms
    );
    support::create_dir(&o.out)?;
    let path = o.out.join("sweep.npz");
    let mut w = NpzWriter::new();
    w.add("current_mA", &[b], NpyData::F64(currents))?;
    w.add("rate_fi_hz", &[b], NpyData::F64(rate_fi))?;
    w.add("tau_ms", &[b], NpyData::F64(taus))?;
    w.add("rate_tau_hz", &[b], NpyData::F64(rate_tau))?;
    w.write(&path)?;
    println!("wrote:       {}", path.display());
    if !monotone {
        return Err(brainwgpu::Error::invalid(
            "sweep",
            "f–I curve",
            "decreasing somewhere",
            "must not decrease with the input current",
        ));
    }
    Ok(())
}

fn main() -> ExitCode {
    support::main_of(Options::parse(), run)
}
