//! Poisson spike sources: `PoissonSpike` (fixed rates), `PoissonEncoder` (rates as input),
//! `PoissonInput` (counts added straight into another model's state). Kernels:
//! `shaders/inputs/poisson.wgsl`.

use std::sync::Arc;

use crate::abi::Sim;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::gpu::{ClockEntry, ElementBindings, GpuArray};
use crate::model::{ElemF64, Model, Output, Param, ParamValue};
use crate::module::{Dynamics, Module};
use crate::rng::{element_words, unit, unit_normal};
use crate::shaders::builtin;
use crate::shape::Shape;
use crate::units::{Dimension, Quantity, Rate};

use super::{Must, check_all};

// Parameter indices, as the kernels name them.
const POISSON_P: usize = 0;
const POISSON_SEED: usize = 1;
const ENCODER_SEED: usize = 0;

/// The per-step spike probability of a Poisson process at `rate` (1/ms): `1 − e^{−rate·dt}`.
fn spike_probability(rate: f64, dt: f64) -> f64 {
    -(-rate * dt).exp_m1()
}

/// Poisson spikes at fixed rates (BrainPy's `PoissonSpike`): each step, 1.0 where a uniform
/// draw `u ≤ 1 − e^{−f·dt}`, else 0.0. Rates per neuron or one for all; draws independent per
/// element (and batch row), reproducible from `seed`.
pub type PoissonSpike = Module<PoissonSpikeParams>;

/// The parameters of [`PoissonSpike`].
#[derive(Clone, Debug, PartialEq)]
pub struct PoissonSpikeParams {
    /// Firing rates (`freqs`), e.g. `20.0 * Hz`.
    pub freqs: Param<Rate>,
    /// Seed of the generator.
    pub seed: u32,
}

impl PoissonSpike {
    /// Poisson spikes over `in_size` at `freqs`.
    pub fn new(in_size: impl Into<Shape>, freqs: impl Into<Param<Rate>>) -> PoissonSpike {
        Module::from_model(
            PoissonSpikeParams {
                freqs: freqs.into(),
                seed: 0,
            },
            in_size,
        )
    }
}

crate::setters!(PoissonSpike {
    /// Sets the rates.
    freqs: Param<Rate>,
});

impl Model for PoissonSpikeParams {
    crate::model::describe!("PoissonSpike", builtin::POISSON_SPIKE, [], Output::Emitted);
    fn validate(&self, n: usize) -> Result<()> {
        self.freqs.check_non_negative("PoissonSpike", "freqs", n)
    }
    fn initial_state(&self, _rows: usize, _n: usize) -> Vec<Vec<f64>> {
        vec![]
    }
    fn kernel_params(&self, dt: f64) -> Vec<ParamValue> {
        vec![
            self.freqs.map(|f| spike_probability(f, dt)),
            ParamValue::Word(self.seed),
        ]
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let u = unit(element_words(e.param_u32(POISSON_SEED), 0, e.i as u32, e.k as u32)[0]);
        e.out = if u <= e.param(POISSON_P) { 1.0 } else { 0.0 };
    }
}

/// Poisson encoder (BrainPy's `PoissonEncoder`): as [`PoissonSpike`] with the rates given as
/// the input `x` of each update (internal rate units, 1/ms: `Hz` is 0.001).
pub type PoissonEncoder = Module<PoissonEncoderParams>;

/// The parameters of [`PoissonEncoder`].
#[derive(Clone, Debug, PartialEq)]
pub struct PoissonEncoderParams {
    /// Seed of the generator.
    pub seed: u32,
}

impl PoissonEncoder {
    /// A Poisson encoder over `in_size`.
    pub fn new(in_size: impl Into<Shape>) -> PoissonEncoder {
        Module::from_model(PoissonEncoderParams { seed: 0 }, in_size)
    }
}

impl Model for PoissonEncoderParams {
    crate::model::describe!(
        "PoissonEncoder",
        builtin::POISSON_ENCODER,
        [],
        Output::Emitted
    );
    fn validate(&self, _n: usize) -> Result<()> {
        Ok(())
    }
    fn initial_state(&self, _rows: usize, _n: usize) -> Vec<Vec<f64>> {
        vec![]
    }
    fn kernel_params(&self, _dt: f64) -> Vec<ParamValue> {
        vec![ParamValue::Word(self.seed)]
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let u = unit(element_words(e.param_u32(ENCODER_SEED), 0, e.i as u32, e.k as u32)[0]);
        e.out = if u <= spike_probability(e.x, e.dt) {
            1.0
        } else {
            0.0
        };
    }
}

/// Poisson input added straight into a state of another model (BrainPy's `PoissonInput` /
/// `poisson_input`): each step, every target element gets `count·weight` with `count` the
/// number of spikes of `num_input` Poisson sources at `freq` — `Binomial(n, p)`, or
/// `max(round(N(np, √(np(1−p)))), 0)` when `np > 5` and `n(1−p) > 5`, `p = 1 − e^{−f·dt}`.
/// Optionally only the neurons in `indices`. BrainPy's `refractory` mask is not supported.
#[derive(Debug)]
pub struct PoissonInput {
    freq: f64,
    num_input: u32,
    weight: f64,
    indices: Option<Vec<usize>>,
    seed: u32,
    /// On a GPU: the uploaded parameters with the `dt` they are for, and the launch uniform.
    params_gpu: Option<(f64, GpuArray)>,
    uniform: Option<GpuArray>,
    clock: Option<GpuArray>,
}

impl PoissonInput {
    /// `num_input` sources at `freq`, each adding `weight` (internal units of the target
    /// state) per spike.
    pub fn new<D: Dimension>(
        num_input: u32,
        freq: Quantity<Rate>,
        weight: Quantity<D>,
    ) -> PoissonInput {
        PoissonInput {
            freq: freq.value(),
            num_input,
            weight: weight.value(),
            indices: None,
            seed: 0,
            params_gpu: None,
            uniform: None,
            clock: None,
        }
    }

    /// Only these neurons of the target (flat indices into `in_size`).
    pub fn indices(mut self, indices: Vec<usize>) -> PoissonInput {
        self.indices = Some(indices);
        self
    }

    /// The seed of the generator.
    pub fn seed(mut self, seed: u32) -> PoissonInput {
        self.seed = seed;
        self
    }

    fn validate(&self, n: usize) -> Result<()> {
        check_all("PoissonInput", "freq", &[self.freq], Must::BeNonNegative)?;
        check_all("PoissonInput", "weight", &[self.weight], Must::BeFinite)?;
        if let Some(bad) = self.indices.iter().flatten().find(|&&i| i >= n) {
            return Err(Error::invalid(
                "PoissonInput",
                "indices",
                bad,
                format!("must be below the target's size {n}"),
            ));
        }
        Ok(())
    }

    /// The kernel parameters for step `dt` and a target of `n` neurons per sample, holding
    /// `var` as state variable number `var`.
    fn params(&self, dt: f64, var: usize, n: usize) -> Vec<ParamValue> {
        let indices: Vec<f64> = self.indices.iter().flatten().map(|&i| i as f64).collect();
        vec![
            ParamValue::Scalar(spike_probability(self.freq, dt)),
            ParamValue::Word(self.num_input),
            ParamValue::Scalar(self.weight),
            ParamValue::Word(var as u32),
            ParamValue::Word(n as u32),
            ParamValue::Word(indices.len() as u32),
            ParamValue::Table(Arc::from(if indices.is_empty() {
                vec![0.0]
            } else {
                indices
            })),
            ParamValue::Word(self.seed),
        ]
    }

    /// The count of element `i` at step `k` in f64 (the kernel's twin).
    fn count(&self, p: f64, i: usize, k: u64) -> f64 {
        let n = self.num_input as f64;
        let mean = n * p;
        let w = element_words(self.seed, 0, i as u32, k as u32);
        if mean > 5.0 && n * (1.0 - p) > 5.0 {
            (mean + (mean * (1.0 - p)).sqrt() * unit_normal(w[0], w[1]))
                .round_ties_even()
                .max(0.0)
        } else {
            let flip = p > 0.5;
            let q = if flip { 1.0 - p } else { p };
            let u = unit(w[2]);
            let mut prob = (1.0 - q).powf(n);
            let mut cdf = prob;
            let mut k = 0u32;
            while u > cdf && k < self.num_input {
                prob *= (self.num_input - k) as f64 / (k + 1) as f64 * (q / (1.0 - q));
                k += 1;
                cdf += prob;
            }
            if flip {
                (self.num_input - k) as f64
            } else {
                k as f64
            }
        }
    }

    /// Adds this step's Poisson input into state `state` of `target` (on its device).
    pub fn update<M: Model>(
        &mut self,
        clock: &Clock,
        target: &mut Module<M>,
        state: &str,
    ) -> Result<()> {
        let n = target.in_size().numel();
        self.validate(n)?;
        let var = target
            .model()
            .state_names()
            .iter()
            .position(|s| *s == state)
            .ok_or_else(|| Error::UnknownName {
                owner: target.kind().to_string(),
                kind: "state",
                name: state.to_string(),
                available: target.state_names(),
            })?;
        let dt = clock.dt_ms();
        let params = self.params(dt, var, n);
        let count = self.indices.as_ref().map_or(n, Vec::len);
        let rows = target.state_shape()?.rows();
        if let Some((state_array, stride)) = target.gpu_state() {
            let gpu = state_array.gpu().clone();
            let words = crate::module::pack_params(&params);
            if self
                .params_gpu
                .as_ref()
                .is_none_or(|(at, b)| *at != dt || b.len() != words.len())
            {
                self.params_gpu = Some((dt, gpu.upload("poisson_input parameters", &words)?));
            }
            let sim = self.uniform.get_or_insert_with(|| {
                gpu.alloc_uniform("poisson_input sim", std::mem::size_of::<Sim>())
            });
            let uniform = Sim {
                n: count as u32,
                total: (rows * count) as u32,
                stride: stride as u32,
                ..Sim::default()
            };
            sim.write::<u32>(0, bytemuck::cast_slice(&[uniform]));
            let clock_buffer = self.clock.get_or_insert_with(|| {
                gpu.alloc_uniform("poisson_input clock", std::mem::size_of::<ClockEntry>())
            });
            let tick = crate::module::standalone_tick(clock, "PoissonInput")?;
            clock_buffer.write::<u32>(0, bytemuck::cast_slice(&[tick]));
            let dispatch = gpu.element_dispatch(
                &builtin::POISSON_INPUT,
                &ElementBindings {
                    sim,
                    state: &state_array,
                    params: &self.params_gpu.as_ref().expect("uploaded above").1,
                    x: None,
                    out: None,
                    delta: None,
                    acc: None,
                    channels: None,
                    clock: clock_buffer,
                },
                rows * count,
            )?;
            gpu.run(&[], [(0u32, &[&dispatch][..])])
        } else {
            let p = match params[0] {
                ParamValue::Scalar(p) => p,
                _ => unreachable!("a scalar probability"),
            };
            let data = target
                .cpu_state_mut(var)
                .expect("a host model without GPU state");
            for b in 0..rows {
                for j in 0..count {
                    let i = b * count + j;
                    let target_j = self.indices.as_ref().map_or(j, |idx| idx[j]);
                    data[b * n + target_j] += self.count(p, i, clock.step()) * self.weight;
                }
            }
            Ok(())
        }
    }
}
