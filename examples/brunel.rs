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
use brainwgpu::prelude::*;

struct Options {
    state: BrunelState,
    g: Option<f64>,
    eta: Option<f64>,
    n_exc: usize,
    duration_ms: f64,
    seed: u64,
    out: PathBuf,
    backend: String,
}

const USAGE: &str = "usage: brunel [--state SR|AI|SI-fast|SI-slow] [--g G] [--eta ETA] [--n-exc N] [--duration MS] [--seed S] [--out DIR] [--backend gpu|cpu]";

fn parse() -> Result<Options, String> {
    let mut o = Options {
        state: BrunelState::AsynchronousIrregular,
        g: None,
        eta: None,
        n_exc: 10_000,
        duration_ms: 1000.0,
        seed: 0,
        out: PathBuf::from("brunel_out"),
        backend: "gpu".into(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--state" => {
                let v = value()?;
                o.state = BrunelState::parse(&v).ok_or(format!(
                    "--state: expected SR, AI, SI-fast or SI-slow, got `{v}`"
                ))?;
            }
            "--g" => o.g = Some(support::finite("--g", value()?)?),
            "--eta" => o.eta = Some(support::finite("--eta", value()?)?),
            "--n-exc" => o.n_exc = value()?.parse().map_err(|e| format!("--n-exc: {e}"))?,
            "--duration" => o.duration_ms = support::finite("--duration", value()?)?,
            "--seed" => o.seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--out" => o.out = PathBuf::from(value()?),
            "--backend" => o.backend = support::backend(value()?)?,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if o.duration_ms <= 100.0 || o.duration_ms > 1e7 {
        return Err(
            "--duration must be more than 100 ms (the transient left out) and at most 1e7 ms"
                .into(),
        );
    }
    if o.n_exc < 40 {
        return Err("--n-exc must be at least 40".into());
    }
    Ok(o)
}

fn run(o: &Options) -> brainwgpu::Result<()> {
    support::output_dir(&o.out)?;
    let device = support::device(&o.backend)?;
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
    record.raster_png(&png, 0, Some(net.n_exc))?;
    record.to_npz(&npz)?;
    println!(
        "wrote:       {} (inhibitory in red) and {}",
        png.display(),
        npz.display()
    );
    Ok(())
}

fn main() -> ExitCode {
    support::main_of(parse, USAGE, run)
}
