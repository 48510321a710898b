//! The Potjans & Diesmann (2014) cortical microcircuit: 77,169 LIF neurons with exponential
//! current synapses in layers 2/3, 4, 5 and 6 (excitatory and inhibitory), ~0.3 billion
//! synapses with normally distributed weights and delays, Poisson background — the model
//! every GPU simulator reports. It prints per-population rates, ISI CV and synchrony next to
//! the reference implementation's full-scale rates and the order of the rates against the
//! published one, the build time, the wall time per
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

use brainwgpu::network::classic::{
    POPULATIONS, PUBLISHED_RATES, PotjansDiesmann, REFERENCE_RATES, rate_order,
};
use brainwgpu::plot::Raster;
use brainwgpu::prelude::*;
use clap::Parser;

/// The Potjans & Diesmann (2014) cortical microcircuit: per-population rates and statistics,
/// speed and memory, a raster and the spikes.
#[derive(Parser)]
#[command(name = "potjans_diesmann")]
struct Options {
    /// Scale of populations and in-degrees (1: the full 77,169 neurons).
    #[arg(long, default_value_t = 1.0, value_parser = support::within(1e-4, 1.0))]
    scale: f64,
    /// Recorded time in ms (after a 100 ms transient).
    #[arg(long = "duration", value_name = "MS", default_value_t = 1000.0, value_parser = support::within(0.1, 1e7))]
    duration_ms: f64,
    /// Seed of the connectivity, delays and drive.
    #[arg(long, default_value_t = 55)]
    seed: u64,
    /// Output folder.
    #[arg(long, default_value = "pd_out")]
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
    println!(
        "\npopulation   neurons   rate Hz   published Hz   NEST example Hz   ISI CV   synchrony"
    );
    let mut rates = [0.0; 8];
    for (p, r) in records.iter().enumerate() {
        rates[p] = r.rate_hz();
        let cv = r.isi_cv(0);
        let fano = r.population_fano(0, (3.0 / dt) as usize);
        println!(
            "{:<10} {:>9} {:>9.3} {:>14.3} {:>17.3} {:>8} {:>11}",
            POPULATIONS[p],
            r.n,
            rates[p],
            PUBLISHED_RATES[p],
            REFERENCE_RATES[p],
            cv.map_or("n/a".into(), |c| format!("{c:.2}")),
            fano.map_or("n/a".into(), |f| format!("{f:.2}")),
        );
    }
    println!(
        "(published: the full-scale rates of the authors' reference implementation, INM-6\n \
         microcircuit-PD14-model with NEST 3.9; NEST example: pynest's Potjans_2014, an older run,\n \
         which scaled versions compensate against; synchrony: Fano factor of the population's\n \
         spike count in 3 ms bins, 1 for independent Poisson neurons)"
    );
    let names = |order: [usize; 8]| order.map(|p| POPULATIONS[p]).join(" > ");
    let (ours, published) = (rate_order(&rates), rate_order(&PUBLISHED_RATES));
    println!("order:       {}", names(ours));
    if ours == published {
        println!("             the published order");
    } else {
        println!("             published: {}", names(published));
    }
    support::create_dir(&o.out)?;
    let png = o.out.join("raster.png");
    let mut raster = Raster::new()
        .per_population(150)
        .title("Potjans–Diesmann microcircuit (150 neurons of each population)");
    for (p, r) in records.iter().enumerate() {
        raster = raster.population(r, POPULATIONS[p], 0..r.n);
    }
    raster.write(&png)?;
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
    support::main_of(Options::parse(), run)
}
