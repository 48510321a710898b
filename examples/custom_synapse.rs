//! A user-defined synapse, written outside the library: the seed's `SimpleSynapse`
//!
//! ```text
//! dg/dt = −g/τ   (one exponential-Euler step),   then g ← g + x
//! ```
//!
//! with its per-element update in WGSL and its f64 twin in Rust. It gets the same batching,
//! states, clock and device handling as the built-in models. The run is checked against the
//! closed form `g_k = Σ_{j≤k} x_j·e^{−(k−j)·dt/τ}`.
//!
//! ```text
//! cargo run --release --example custom_synapse -- [--steps N] [--backend gpu|cpu]
//! ```

use std::process::ExitCode;

use brainwgpu::Module;
use brainwgpu::model::{Accepts, ElemF64, Model, Output, Param, ParamValue};
use brainwgpu::module::SynapseModel;
use brainwgpu::numerics::exp_euler;
use brainwgpu::prelude::*;
use brainwgpu::rng::Rng;
use brainwgpu::shaders::KernelDef;
use clap::Parser;

mod support;

/// The kernel: a step function that updates one element `e` through the ABI's accessors
/// (`state_get`, `param`, `input_x`, `exp_euler` …), which the library provides — whether the
/// model runs as its own dispatch or inside a network's composed kernel.
const SIMPLE_SYNAPSE_WGSL: &str = r#"
fn simple_synapse_step(e: Elem) {
    let tau = param(0u, e);
    let g = state_get(0u, e);
    state_set(0u, e, exp_euler(g, -g / tau, -1.0 / tau) + input_x(e));
}
"#;

/// The model: one state `g`, one parameter `tau`.
#[derive(Clone)]
struct SimpleSynapseParams {
    tau: Param<Time>,
    kernel: KernelDef,
}

type SimpleSynapse = Module<SimpleSynapseParams>;

/// `SimpleSynapse(in_size, tau)`.
fn simple_synapse(in_size: usize, tau: Quantity<Time>) -> SimpleSynapse {
    Module::from_model(
        SimpleSynapseParams {
            tau: tau.into(),
            kernel: KernelDef::new("simple_synapse", SIMPLE_SYNAPSE_WGSL, "simple_synapse"),
        },
        in_size,
    )
}

impl Model for SimpleSynapseParams {
    fn kind(&self) -> &str {
        "SimpleSynapse"
    }
    fn kernel(&self) -> &KernelDef {
        &self.kernel
    }
    fn state_names(&self) -> Vec<&str> {
        vec!["g"]
    }
    fn output(&self) -> Output {
        Output::State(0)
    }
    fn accepts(&self) -> Accepts {
        Accepts::default()
    }
    fn validate(&self, n: usize) -> Result<()> {
        self.tau.check_positive("SimpleSynapse", "tau", n)
    }
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![vec![0.0; rows * n]]
    }
    fn kernel_params(&self, _dt: f64) -> Vec<ParamValue> {
        vec![self.tau.value().clone()]
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let (g, tau) = (e.state[0], e.param(0));
        e.state[0] = exp_euler(g, -g / tau, -1.0 / tau, e.dt) + e.x;
    }
}

impl SynapseModel for SimpleSynapseParams {}

/// A user-defined synapse (the seed's `SimpleSynapse`) run against its closed form.
#[derive(Parser)]
#[command(name = "custom_synapse")]
struct Options {
    /// Steps of 0.1 ms to run.
    #[arg(long, default_value_t = 500, value_parser = support::at_least(1))]
    steps: usize,
    /// Device.
    #[arg(long, value_enum, default_value_t = support::Backend::Gpu)]
    backend: support::Backend,
}

fn main() -> ExitCode {
    support::main_of(Options::parse(), run)
}

fn run(o: &Options) -> Result<()> {
    let (n, batch, steps, tau, dt) = (64usize, 8usize, o.steps, 5.0, 0.1);
    let device = o.backend.device()?;
    println!("device: {device}");
    let mut syn = simple_synapse(n, tau * ms).with_name("simple");
    syn.init_state(&device, Some(batch))?;
    let shape = TensorShape::new(Some(batch), n);

    // Bernoulli(0.05) spikes × random weights, drawn on the host.
    let mut rng = Rng::new(7);
    let inputs: Vec<Vec<f64>> = (0..steps)
        .map(|_| {
            (0..batch * n)
                .map(|_| {
                    if rng.bernoulli(0.05) {
                        rng.range(0.5, 1.5)
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect();

    let mut clock = Clock::new(dt * ms)?;
    let mut worst = 0.0f64;
    let decay = (-dt / tau).exp();
    let mut exact = vec![0.0f64; batch * n];
    for x in &inputs {
        let xt = Tensor::from_f64(&device, shape.clone(), x)?;
        let g = syn.update(&clock, &xt)?.to_vec_f64()?;
        for i in 0..exact.len() {
            // The closed form, step by step: g_k = e^{−dt/τ}·g_{k−1} + x_k.
            exact[i] = exact[i] * decay + x[i];
            worst = worst.max((g[i] - exact[i]).abs() / exact[i].abs().max(1.0));
        }
        clock.advance();
    }
    println!(
        "{} {} after {steps} steps: g has shape {}",
        syn.kind(),
        syn.name().unwrap_or("(unnamed)"),
        syn.state("g")?.shape()
    );
    println!("worst deviation from the closed form: {worst:.2e} (f32)");
    if worst > 1e-5 {
        return Err(brainwgpu::Error::Kernel {
            kernel: "simple_synapse".into(),
            message: format!("deviates from its closed form by {worst:.2e}"),
        });
    }
    Ok(())
}
