//! Brunel's (2000) sparse network of delta-synapse LIF neurons (model A: N_E = 10,000,
//! N_I = 2,500, ε = 0.1, J = 0.1 mV, D = 1.5 ms, Poisson external drive) in one of the four
//! states of the paper's Fig. 8, or at any g and η. It prints the excitatory rate, the ISI CV,
//! the population's synchrony (Fano factor of its spike count in 1 ms bins) and the strongest
//! frequency of its rate, with the mean-field rate of the asynchronous state, and writes a
//! raster (PNG) and the spikes (`.npz`). The first 100 ms are left out of the record.
//!
//! ```text
//! cargo run --release --example brunel -- [--state SR|AI|SI-fast|SI-slow] [--g G] [--eta ETA]
//!                                         [--n-exc N] [--duration MS] [--seed S]
//!                                         [--out DIR] [--backend gpu|cpu]
//! ```
//!
//! Defaults: the AI state, full size, 1000 ms (statistics from 100 ms on), `brunel_out/`.

use std::path::PathBuf;
use std::process::ExitCode;

mod support;
use std::time::Instant;

use brainwgpu::network::classic::{Brunel, BrunelState};
use brainwgpu::plot::Raster;
use brainwgpu::prelude::*;
use clap::Parser;

/// Brunel's (2000) sparsely connected network of excitatory and inhibitory LIF neurons in one
/// of its four states: rates, regularity, synchrony, a raster and the spikes.
#[derive(Parser)]
#[command(name = "brunel")]
struct Options {
    /// The state: SR, AI, SI-fast or SI-slow (sets g and η).
    #[arg(long, default_value = "AI", value_parser = |s: &str| BrunelState::parse(s).ok_or(format!("expected SR, AI, SI-fast or SI-slow, got `{s}`")))]
    state: BrunelState,
    /// Relative inhibition g (instead of the state's).
    #[arg(long, value_parser = support::within(0.0, 1e3))]
    g: Option<f64>,
    /// External drive η, in units of the threshold rate (instead of the state's).
    #[arg(long, value_parser = support::within(0.0, 1e3))]
    eta: Option<f64>,
    /// Excitatory neurons (a quarter as many inhibitory).
    #[arg(long, default_value_t = 10_000, value_parser = support::at_least(40))]
    n_exc: usize,
    /// Simulated time in ms (the first 100 ms, a transient, are left out of the record).
    #[arg(long = "duration", value_name = "MS", default_value_t = 1000.0, value_parser = support::within(100.1, 1e7))]
    duration_ms: f64,
    /// Seed of the connectivity and drive.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output folder.
    #[arg(long, default_value = "brunel_out")]
    out: PathBuf,
    /// Device.
    #[arg(long, value_enum, default_value_t = support::Backend::Gpu)]
    backend: support::Backend,
}

fn run(o: &Options) -> brainwgpu::Result<()> {
    support::output_dir(&o.out)?;
    let device = o.backend.device()?;
    println!("device:      {device}");
    let dt = 0.1;
    let steps = (o.duration_ms / dt).round() as usize;
    let mut model = Brunel::new(o.state);
    model.n_exc = o.n_exc;
    model.seed = o.seed;
    model.g = o.g.unwrap_or(model.g);
    model.eta = o.eta.unwrap_or(model.eta);
    let (c_e, c_i) = model.in_degrees();
    let start = Instant::now();
    let net = model.build()?;
    let mut sim = net.network.compile(&device, None, dt * ms)?;
    sim.synchronize()?;
    let build = start.elapsed().as_secs_f64();
    let n = net.n_exc + net.n_exc / 4;
    println!(
        "network:     Brunel model A, {} exc + {} inh LIF, C_E {c_e}, C_I {c_i}, g {}, eta {} (nu_ext {:.2} Hz × {c_e}), D {} ms, dt {dt} ms, {steps} steps",
        net.n_exc,
        n - net.n_exc,
        model.g,
        model.eta,
        model.nu_ext_hz(),
        model.delay
    );
    println!("plan:        {}", sim.cost_per_step());
    println!("build:       {build:.3} s");
    // The first 100 ms (the transient from the initial V) are run unrecorded.
    let start = Instant::now();
    let transient = (100.0 / dt) as usize;
    sim.run(transient)?;
    let spikes = sim.monitor_spikes(net.neurons)?;
    support::run(&mut sim, steps - transient)?;
    sim.synchronize()?;
    let wall = start.elapsed().as_secs_f64();
    let simulated = steps as f64 * dt * 1e-3;
    println!(
        "wall:        {wall:.3} s for {simulated:.3} s simulated (real-time factor {:.3})",
        wall / simulated
    );
    let record = sim.spikes(spikes)?;
    let seconds = (steps - transient) as f64 * dt * 1e-3;
    let exc_spikes = record.events().iter().filter(|e| e.2 < net.n_exc).count();
    let rate = exc_spikes as f64 / (net.n_exc as f64 * seconds);
    let inh_rate = (record.count() - exc_spikes) as f64 / ((n - net.n_exc) as f64 * seconds);
    let ms_bin = (1.0 / dt) as usize;
    let fano = record.population_fano(0, ms_bin).unwrap_or(f64::NAN);
    let (peak, share) = record.dominant_frequency(0, ms_bin).unwrap_or((0.0, 0.0));
    let cv = record.isi_cv(0);
    println!(
        "rates:       excitatory {rate:.2} Hz, inhibitory {inh_rate:.2} Hz (mean-field rate of the asynchronous state: {:.2} Hz)",
        model.mean_field_rate_hz()
    );
    println!(
        "regularity:  ISI CV {} (irregular ≈ 1, clock-like ≈ 0)",
        cv.map_or("n/a".to_string(), |c| format!("{c:.2}"))
    );
    println!(
        "synchrony:   Fano factor of the population's spike count in 1 ms bins {fano:.1} (independent neurons ≈ 1); strongest frequency of the population rate {peak:.0} Hz ({:.0} % of the power)",
        100.0 * share
    );
    support::create_dir(&o.out)?;
    let png = o.out.join(format!("raster_{}.png", o.state.name()));
    let npz = o.out.join(format!("spikes_{}.npz", o.state.name()));
    Raster::new()
        .population(record, "E", 0..net.n_exc)
        .population(record, "I", net.n_exc..record.n)
        .per_population(300)
        .title(format!("Brunel (2000), state {}", o.state.name()))
        .write(&png)?;
    record.to_npz(&npz)?;
    println!(
        "wrote:       {} (raster and population rates) and {}",
        png.display(),
        npz.display()
    );
    Ok(())
}

fn main() -> ExitCode {
    support::main_of(Options::parse(), run)
}
