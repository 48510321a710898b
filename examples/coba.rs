//! The COBA benchmark network (Vogels & Abbott 2005, as BrainPy's `103_COBA_2005` builds it)
//! on the default adapter: LIFRef neurons, 80 % excitatory, conductance-based Expon synapses,
//! 80 event-driven targets per neuron. It prints the adapter, build time, wall time, steps/s,
//! real-time factor, firing rate and ISI irregularity, and writes a spike raster (PNG) and
//! the spikes (`.npz`).
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

use brainwgpu::network::classic::Coba;
use brainwgpu::prelude::*;

struct Options {
    neurons: usize,
    duration_ms: f64,
    batch: Option<usize>,
    out: PathBuf,
    backend: String,
    seed: u64,
    save: Option<PathBuf>,
    restore: Option<PathBuf>,
    stream: bool,
}

fn parse() -> Result<Options, String> {
    let mut o = Options {
        neurons: 4000,
        duration_ms: 1000.0,
        batch: None,
        out: PathBuf::from("coba_out"),
        backend: "gpu".into(),
        seed: 0,
        save: None,
        restore: None,
        stream: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--neurons" => o.neurons = value()?.parse().map_err(|e| format!("--neurons: {e}"))?,
            "--duration" => o.duration_ms = support::finite("--duration", value()?)?,
            "--batch" => o.batch = Some(value()?.parse().map_err(|e| format!("--batch: {e}"))?),
            "--out" => o.out = PathBuf::from(value()?),
            "--backend" => o.backend = support::backend(value()?)?,
            "--seed" => o.seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--save" => o.save = Some(PathBuf::from(value()?)),
            "--restore" => o.restore = Some(PathBuf::from(value()?)),
            "--stream" => o.stream = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if !(o.duration_ms >= 0.1 && o.duration_ms <= 1e7) {
        return Err("--duration must be within [0.1, 1e7] ms (at least one step)".into());
    }
    Ok(o)
}

fn run(o: &Options) -> brainwgpu::Result<()> {
    support::output_dir(&o.out)?;
    let device = support::device(&o.backend)?;
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
    record.raster_png(&png, 0, Some(coba.excitatory))?;
    record.to_npz(&npz)?;
    println!(
        "wrote:       {} (raster, inhibitory in red) and {}",
        png.display(),
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
    support::main_of(
        parse,
        "usage: coba [--neurons N] [--duration MS] [--batch B] [--out DIR] [--backend gpu|cpu] [--seed S] [--restore FILE] [--save FILE] [--stream]",
        run,
    )
}
