//! The Potjans & Diesmann (2014) cortical microcircuit: 77,169 LIF neurons with exponential
//! current synapses in layers 2/3, 4, 5 and 6 (excitatory and inhibitory), ~0.3 billion
//! synapses with normally distributed weights and delays, Poisson background — the model
//! every GPU simulator reports. It prints per-population rates, ISI CV and synchrony next to
//! the reference implementation's full-scale rates, the build time, the wall time per
//! simulated second and the peak memory, and writes a raster (PNG, a subsample of every
//! population, labelled) and the spikes (`.npz` per population).
//!
//! ```text
//! cargo run --release --example potjans_diesmann -- [--scale S] [--duration MS] [--seed N]
//!                                                   [--out DIR] [--backend gpu|cpu]
//! ```
//!
//! Defaults: full scale, 1000 ms recorded after a 100 ms transient, `pd_out/`. `--scale 0.1`
//! scales populations and in-degrees as the reference implementation does (weights grow by
//! 1/√scale, a DC current restores the mean input).

use std::path::PathBuf;
use std::process::ExitCode;

mod support;
use std::time::Instant;

use brainwgpu::network::classic::{POPULATIONS, PotjansDiesmann, REFERENCE_RATES};
use brainwgpu::network::stacked_raster_png;
use brainwgpu::prelude::*;

struct Options {
    scale: f64,
    duration_ms: f64,
    seed: u64,
    out: PathBuf,
    backend: String,
}

const USAGE: &str = "usage: potjans_diesmann [--scale S] [--duration MS] [--seed N] [--out DIR] [--backend gpu|cpu]";

fn parse() -> Result<Options, String> {
    let mut o = Options {
        scale: 1.0,
        duration_ms: 1000.0,
        seed: 55,
        out: PathBuf::from("pd_out"),
        backend: "gpu".into(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--scale" => o.scale = support::finite("--scale", value()?)?,
            "--duration" => o.duration_ms = support::finite("--duration", value()?)?,
            "--seed" => o.seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--out" => o.out = PathBuf::from(value()?),
            "--backend" => o.backend = support::backend(value()?)?,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if !(o.scale > 0.0 && o.scale <= 1.0) {
        return Err("--scale must be in (0, 1]".into());
    }
    if !(o.duration_ms >= 0.1 && o.duration_ms <= 1e7) {
        return Err("--duration must be in [0.1, 1e7] ms (at least one step)".into());
    }
    Ok(o)
}

fn run(o: &Options) -> brainwgpu::Result<()> {
    support::output_dir(&o.out)?;
    let device = support::device(&o.backend)?;
    println!("device:      {device}");
    let dt = 0.1;
    let mut model = PotjansDiesmann::scaled(o.scale);
    model.seed = o.seed;
    let start = Instant::now();
    let net = model.build()?;
    let drawn = start.elapsed().as_secs_f64();
    let mut sim = net.network.compile(&device, None, dt * ms)?;
    sim.synchronize()?;
    let build = start.elapsed().as_secs_f64();
    println!(
        "network:     {} neurons, {} synapses (scale {}), dt {dt} ms",
        net.sizes.iter().sum::<usize>(),
        net.synapse_count,
        o.scale
    );
    println!("plan:        {}", sim.cost_per_step());
    println!("build:       {build:.1} s ({drawn:.1} s drawing the connectivity)");
    let transient = (100.0 / dt) as usize;
    let steps = (o.duration_ms / dt).round() as usize;
    let start = Instant::now();
    support::run(&mut sim, transient)?;
    let monitors = net
        .neurons
        .map(|p| sim.monitor_spikes(p))
        .into_iter()
        .collect::<brainwgpu::Result<Vec<_>>>()?;
    support::run(&mut sim, steps)?;
    sim.synchronize()?;
    let wall = start.elapsed().as_secs_f64();
    let simulated = (transient + steps) as f64 * dt * 1e-3;
    println!(
        "wall:        {wall:.1} s for {simulated:.2} s simulated: real-time factor {:.2}",
        wall / simulated
    );
    if let Some(gib) = support::memory_kib("VmHWM:").map(|kib| kib / (1024.0 * 1024.0)) {
        println!(
            "memory:      {gib:.2} GiB peak resident (host; on the software adapter this includes the device's buffers)"
        );
    }
    let records = monitors
        .iter()
        .map(|&m| sim.spikes(m))
        .collect::<brainwgpu::Result<Vec<_>>>()?;
    println!("\npopulation   neurons   rate Hz   reference Hz   ISI CV   synchrony");
    for (p, r) in records.iter().enumerate() {
        let cv = r.isi_cv(0);
        let fano = r.population_fano(0, (3.0 / dt) as usize);
        println!(
            "{:<10} {:>9} {:>9.3} {:>14.3} {:>8} {:>11}",
            POPULATIONS[p],
            r.n,
            r.rate_hz(),
            REFERENCE_RATES[p],
            cv.map_or("n/a".into(), |c| format!("{c:.2}")),
            fano.map_or("n/a".into(), |f| format!("{f:.2}")),
        );
    }
    println!(
        "(synchrony: Fano factor of the population's spike count in 3 ms bins; 1 for independent Poisson neurons)"
    );
    support::create_dir(&o.out)?;
    let png = o.out.join("raster.png");
    stacked_raster_png(&png, &records, 0, 150)?;
    for (p, r) in records.iter().enumerate() {
        r.to_npz(o.out.join(format!("spikes_{}.npz", POPULATIONS[p])))?;
    }
    println!(
        "wrote:       {} and spikes_<population>.npz there",
        png.display()
    );
    Ok(())
}

fn main() -> ExitCode {
    support::main_of(parse, USAGE, run)
}
