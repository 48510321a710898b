//! The seed's "Using Built-in Synapse Models": an `Expon(100, tau = 8 ms)` synapse with a batch
//! of 32, driven every step by Bernoulli(0.1) spikes × 1 mS, on the default adapter.
//!
//! ```text
//! cargo run --release --example expon -- [--steps N] [--batch B] [--backend gpu|cpu]
//! ```
//!
//! It prints the adapter, the output shape `(32, 100)`, and a summary of the conductances
//! next to their analytic stationary mean `p·w / (1 − e^{−dt/τ})`.

use std::process::ExitCode;
use std::time::Instant;

mod support;

use brainwgpu::prelude::*;
use brainwgpu::rng::Rng;
use clap::Parser;

/// The seed's "Using Built-in Synapse Models": an Expon synapse driven by Bernoulli spikes,
/// its conductances against their stationary mean.
#[derive(Parser)]
#[command(name = "expon")]
struct Options {
    /// Steps of 0.1 ms to run.
    #[arg(long, default_value_t = 1000, value_parser = support::at_least(1))]
    steps: usize,
    /// Batch size.
    #[arg(long, default_value_t = 32, value_parser = support::at_least(1))]
    batch: usize,
    /// Device.
    #[arg(long, value_enum, default_value_t = support::Backend::Gpu)]
    backend: support::Backend,
}

fn main() -> ExitCode {
    support::main_of(Options::parse(), run)
}

fn run(o: &Options) -> Result<()> {
    let (steps, batch) = (o.steps, o.batch);
    let device = o.backend.device()?;
    let (p, w, tau) = (0.1, 1.0 * mS, 8.0 * ms);
    let clock0 = Clock::new(0.1 * ms)?;

    println!("device:  {device}");
    let mut syn = Expon::new(100).tau(tau);
    syn.init_state(&device, Some(batch))?;

    let shape = TensorShape::new(Some(batch), 100);
    let mut spikes = Tensor::zeros(&device, shape.clone())?;
    let mut rng = Rng::new(2024);
    let mut clock = clock0.clone();
    let mut host = vec![0.0f32; shape.numel()];
    let start = Instant::now();
    for _ in 0..steps {
        for s in host.iter_mut() {
            *s = if rng.bernoulli(p) {
                w.value() as f32
            } else {
                0.0
            };
        }
        spikes.write_f32(&host)?;
        syn.update(&clock, &spikes)?;
        clock.advance();
    }
    let g = syn.output()?;
    println!("output shape: {}", g.shape());
    let values = g.to_vec_f64()?;
    let wall = start.elapsed();

    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    let (lo, hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let decay = (-clock0.dt_ms() / tau.value()).exp();
    let stationary = p * w.value() / (1.0 - decay);
    println!(
        "after {steps} steps ({} ms): g mean {mean:.3} mS (stationary mean {stationary:.3} mS), sd {sd:.3}, min {lo:.3}, max {hi:.3}",
        clock.t().value()
    );
    println!(
        "wall time {:.3} s, {:.0} steps/s",
        wall.as_secs_f64(),
        steps as f64 / wall.as_secs_f64()
    );
    Ok(())
}
