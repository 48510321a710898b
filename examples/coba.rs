//! The COBA benchmark network (Vogels & Abbott 2005, as BrainPy's `103_COBA_2005` builds it)
//! on the default adapter: LIFRef neurons, 80 % excitatory, conductance-based Expon synapses,
//! 80 event-driven targets per neuron. It prints the adapter, build time, wall time, steps/s,
//! real-time factor, firing rate and ISI irregularity, and writes a spike raster with the
//! population rates (`raster.png`), three neurons' membrane potential (`v.png`) and the spikes
//! (`spikes.npz`).
//!
//! ```text
//! cargo run --release --example coba -- [--neurons N] [--duration MS] [--batch B]
//!                                       [--out DIR] [--backend gpu|cpu] [--seed S]
//!                                       [--restore FILE] [--save FILE] [--stream]
//! ```
//!
//! Defaults: 4000 neurons, 1000 ms, no batch axis, `coba_out/`. With `--batch B` the network
//! runs as B independent instances (same connectivity, their own initial `V`). `--restore`
//! starts from a checkpoint (of the same network, backend and batch), `--duration` then runs on
//! from its step; `--save` writes one after the run. `--duration 100 --save a` followed by
//! `--restore a --duration 100` gives the spikes of the second half of `--duration 200`; the
//! `.npz` holds the spikes of the steps run, with their absolute step numbers. `--stream`
//! writes the spikes to `spikes.npz` chunk by chunk as the run goes (memory stays flat
//! however long the run; no raster then) and prints the peak resident memory.

use std::path::PathBuf;
use std::process::ExitCode;

mod support;
use std::time::Instant;

use brainwgpu::network::Sampling;
use brainwgpu::network::classic::Coba;
use brainwgpu::plot::{Raster, Traces};
use brainwgpu::prelude::*;
use clap::Parser;

/// The COBA benchmark network (Vogels & Abbott 2005) on the default adapter: speed, firing
/// statistics, a raster and the spikes.
#[derive(Parser)]
#[command(name = "coba")]
struct Options {
    /// Neurons in all (80 % excitatory).
    #[arg(long, default_value_t = 4000, value_parser = support::at_least(2))]
    neurons: usize,
    /// Simulated time in ms (at least one step of 0.1 ms).
    #[arg(long = "duration", value_name = "MS", default_value_t = 1000.0, value_parser = support::within(0.1, 1e7))]
    duration_ms: f64,
    /// Independent instances (a batch axis; same connectivity, their own initial V).
    #[arg(long, value_parser = support::at_least(1))]
    batch: Option<usize>,
    /// Output folder (raster.png, spikes.npz).
    #[arg(long, default_value = "coba_out")]
    out: PathBuf,
    /// Device.
    #[arg(long, value_enum, default_value_t = support::Backend::Gpu)]
    backend: support::Backend,
    /// Seed of the connectivity and initial states.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Write a checkpoint after the run.
    #[arg(long, value_name = "FILE")]
    save: Option<PathBuf>,
    /// Start from a checkpoint (of the same network, backend and batch).
    #[arg(long, value_name = "FILE")]
    restore: Option<PathBuf>,
    /// Write the spikes chunk by chunk as the run goes (no raster).
    #[arg(long)]
    stream: bool,
}

fn run(o: &Options) -> brainwgpu::Result<()> {
    support::output_dir(&o.out)?;
    let device = o.backend.device()?;
    println!("device:      {device}");
    let dt = 0.1;
    let steps = (o.duration_ms / dt).round() as usize;
    let start = Instant::now();
    let mut coba = Coba::new(o.neurons);
    coba.seed = o.seed;
    coba.v_init = Init::normal(-55.0 * mV, 2.0 * mV, o.seed + 1);
    let net = coba.build()?;
    let mut sim = net.network.compile(&device, o.batch, dt * ms)?;
    if let Some(path) = &o.restore {
        sim.restore(path)?;
        println!(
            "restored:    {} (step {}, t = {:.1} ms)",
            path.display(),
            sim.clock().step(),
            sim.clock().step() as f64 * dt
        );
    }
    let spikes = sim.monitor_spikes(net.neurons)?;
    let npz = o.out.join("spikes.npz");
    // Streamed spikes go to disk; a count monitor keeps the rate in one number per instance.
    let counted = if o.stream {
        support::create_dir(&o.out)?;
        sim.stream_to(spikes, &npz)?;
        Some(sim.monitor_count(net.neurons)?)
    } else {
        None
    };
    // The membrane potential of two excitatory neurons and an inhibitory one, every step.
    let traced = vec![0, 1, o.neurons - 1];
    let v = if o.stream {
        None
    } else {
        Some(sim.monitor_state_with(net.neurons, "V", &Sampling::every(1).neurons(traced))?)
    };
    sim.synchronize()?;
    let build = start.elapsed().as_secs_f64();
    let rows = sim.rows();
    println!(
        "network:     {} LIFRef ({} exc, {} inh), {} targets each, batch {}, dt {dt} ms, {steps} steps",
        o.neurons,
        coba.excitatory,
        o.neurons - coba.excitatory,
        coba.targets,
        o.batch.map_or("none".to_string(), |b| b.to_string())
    );
    println!("plan:        {}", sim.cost_per_step());
    println!("build:       {build:.3} s");

    let start = Instant::now();
    support::run(&mut sim, steps)?;
    sim.synchronize()?;
    let wall = start.elapsed().as_secs_f64();
    let simulated_s = steps as f64 * dt * 1e-3;
    println!(
        "wall:        {wall:.3} s for {:.3} s simulated",
        simulated_s
    );
    println!(
        "speed:       {:.0} steps/s, {:.2} µs/step, real-time factor {:.3} (wall/simulated; < 1 is faster than real time)",
        steps as f64 / wall,
        wall / steps as f64 * 1e6,
        wall / simulated_s
    );
    if rows > 1 {
        println!(
            "             {:.0} instance·steps/s",
            (rows * steps) as f64 / wall
        );
    }
    if let Some(counted) = counted {
        println!("memory:      {} after the run", support::peak_memory());
        sim.finish_stream(spikes)?;
        let counts = sim.counts(counted)?;
        println!(
            "firing:      {:.2} Hz mean over {} spikes (streamed)",
            counts.rate_hz(),
            counts.total()
        );
        save(&sim, o)?;
        println!("wrote:       {} (streamed)", npz.display());
        return Ok(());
    }
    let record = sim.spikes(spikes)?;
    let cv = record.isi_cv(0);
    println!(
        "firing:      {:.2} Hz mean over {} spikes; ISI CV {} (irregular ≈ 1)",
        record.rate_hz(),
        record.count(),
        cv.map_or("n/a".to_string(), |c| format!("{c:.2}"))
    );
    save(&sim, o)?;
    support::create_dir(&o.out)?;
    let png = o.out.join("raster.png");
    Raster::new()
        .population(record, "E", 0..coba.excitatory)
        .population(record, "I", coba.excitatory..record.n)
        .title(format!("COBA, {} neurons", record.n))
        .write(&png)?;
    let v_png = o.out.join("v.png");
    if let Some(v) = v {
        Traces::new(sim.samples(v)?)
            .unit("mV")
            .title("membrane potential (neurons 0 and 1 excitatory, the last inhibitory)")
            .write(&v_png)?;
    }
    record.to_npz(&npz)?;
    println!(
        "wrote:       {} (raster and population rates), {} (V traces) and {}",
        png.display(),
        v_png.display(),
        npz.display()
    );
    Ok(())
}

/// Writes the checkpoint `--save` asks for.
fn save(sim: &brainwgpu::network::Simulation, o: &Options) -> brainwgpu::Result<()> {
    if let Some(path) = &o.save {
        sim.save(path)?;
        println!(
            "saved:       {} (step {})",
            path.display(),
            sim.clock().step()
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    support::main_of(Options::parse(), run)
}
