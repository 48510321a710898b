//! Input generators (BrainPy's `brainpy.state.inputs`). Kernels: `shaders/inputs.wgsl`.
//!
//! Each is a module whose `update()` returns this step's input (shape `(batch, *in_size)`, or
//! `in_size` without a batch), computed on the device from `t = k·dt` (deterministic ones) or
//! from the counter-based Threefry generator (random ones: reproducible for a seed, and the f64
//! reference draws the same numbers). `poisson_input` adds Poisson counts straight into a state
//! of another model ([`PoissonInput`]).

use std::sync::Arc;

use crate::abi::Sim;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::gpu::{ClockEntry, ElementBindings, GpuArray};
use crate::model::{ElemF64, Model, Output, Param, ParamValue, finite, non_negative, positive};
use crate::module::{Dynamics, Module};
use crate::rng::{element_words, unit, unit_normal};
use crate::shaders::{KernelDef, builtin};
use crate::shape::Shape;
use crate::units::{Dimension, Quantity, Rate, Time};

fn check_all(
    owner: &str,
    name: &str,
    values: &[f64],
    ok: fn(f64) -> bool,
    reason: &str,
) -> Result<()> {
    match values.iter().find(|&&v| !ok(v)) {
        Some(bad) => Err(Error::invalid(owner, name, bad, reason)),
        None => Ok(()),
    }
}

fn table(values: &[f64]) -> ParamValue {
    ParamValue::Table(values.iter().copied().collect())
}

/// Piecewise-constant input (BrainPy's `SectionInput`): `values[s]` during section `s`, the
/// sections following each other with the given `durations`; a boundary time belongs to the
/// next section, and the input is 0 after the last.
pub type SectionInput = Module<SectionInputParams>;

/// The parameters of [`SectionInput`] (magnitudes in internal units).
#[derive(Clone, Debug, PartialEq)]
pub struct SectionInputParams {
    /// The value of each section.
    pub values: Vec<f64>,
    /// The length of each section (ms).
    pub durations: Vec<f64>,
}

impl SectionInput {
    /// A section input over `in_size`.
    pub fn new<D: Dimension>(
        in_size: impl Into<Shape>,
        values: &[Quantity<D>],
        durations: &[Quantity<Time>],
    ) -> SectionInput {
        Module::from_model(
            SectionInputParams {
                values: values.iter().map(|v| v.value()).collect(),
                durations: durations.iter().map(|d| d.value()).collect(),
            },
            in_size,
        )
    }
}

impl Model for SectionInputParams {
    fn kind(&self) -> &str {
        "SectionInput"
    }
    fn kernel(&self) -> &KernelDef {
        &builtin::SECTION_INPUT
    }
    fn state_names(&self) -> Vec<&str> {
        vec![]
    }
    fn output(&self) -> Output {
        Output::Emitted
    }
    fn validate(&self, _n: usize) -> Result<()> {
        if self.values.len() != self.durations.len() || self.values.is_empty() {
            return Err(Error::shape(
                "durations of SectionInput",
                format!(
                    "{} values (one per section, at least one)",
                    self.values.len()
                ),
                format!("{} values", self.durations.len()),
            ));
        }
        check_all(
            "SectionInput",
            "values",
            &self.values,
            finite,
            "must be finite",
        )?;
        check_all(
            "SectionInput",
            "durations",
            &self.durations,
            non_negative,
            "must be ≥ 0",
        )
    }
    fn initial_state(&self, _rows: usize, _n: usize) -> Vec<Vec<f64>> {
        vec![]
    }
    fn kernel_params(&self, _dt: f64) -> Vec<ParamValue> {
        let cum: Vec<f64> = self
            .durations
            .iter()
            .scan(0.0, |acc, d| {
                *acc += d;
                Some(*acc)
            })
            .collect();
        vec![
            ParamValue::Word(self.values.len() as u32),
            table(&cum),
            table(&self.values),
        ]
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let count = e.param_u32(0) as usize;
        let s = (0..count).filter(|&i| e.param_at(1, i) <= e.t).count();
        e.out = if s < count { e.param_at(2, s) } else { 0.0 };
    }
}

/// Constant input (BrainPy's `ConstantInput`): `value` while `t < duration`, then 0.
pub type ConstantInput = Module<ConstantInputParams>;

/// The parameters of [`ConstantInput`].
#[derive(Clone, Debug, PartialEq)]
pub struct ConstantInputParams {
    /// The value (internal units).
    pub value: f64,
    /// How long (ms).
    pub duration: f64,
}

impl ConstantInput {
    /// A constant input over `in_size`.
    pub fn new<D: Dimension>(
        in_size: impl Into<Shape>,
        value: Quantity<D>,
        duration: Quantity<Time>,
    ) -> ConstantInput {
        Module::from_model(
            ConstantInputParams {
                value: value.value(),
                duration: duration.value(),
            },
            in_size,
        )
    }
}

impl Model for ConstantInputParams {
    fn kind(&self) -> &str {
        "ConstantInput"
    }
    fn kernel(&self) -> &KernelDef {
        &builtin::CONSTANT_INPUT
    }
    fn state_names(&self) -> Vec<&str> {
        vec![]
    }
    fn output(&self) -> Output {
        Output::Emitted
    }
    fn validate(&self, _n: usize) -> Result<()> {
        check_all(
            "ConstantInput",
            "value",
            &[self.value],
            finite,
            "must be finite",
        )?;
        check_all(
            "ConstantInput",
            "duration",
            &[self.duration],
            |d| !d.is_nan(),
            "must not be NaN",
        )
    }
    fn initial_state(&self, _rows: usize, _n: usize) -> Vec<Vec<f64>> {
        vec![]
    }
    fn kernel_params(&self, _dt: f64) -> Vec<ParamValue> {
        vec![
            ParamValue::Scalar(self.value),
            ParamValue::Scalar(self.duration),
        ]
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        e.out = if e.t < e.param(1) { e.param(0) } else { 0.0 };
    }
}

/// Step input (BrainPy's `StepInput`): the amplitude of the last step time `≤ t` (times are
/// sorted), 0 before the first.
pub type StepInput = Module<StepInputParams>;

/// The parameters of [`StepInput`].
#[derive(Clone, Debug, PartialEq)]
pub struct StepInputParams {
    /// The amplitudes (internal units).
    pub amplitudes: Vec<f64>,
    /// When each starts (ms).
    pub step_times: Vec<f64>,
}

impl StepInput {
    /// A step input over `in_size`.
    pub fn new<D: Dimension>(
        in_size: impl Into<Shape>,
        amplitudes: &[Quantity<D>],
        step_times: &[Quantity<Time>],
    ) -> StepInput {
        Module::from_model(
            StepInputParams {
                amplitudes: amplitudes.iter().map(|v| v.value()).collect(),
                step_times: step_times.iter().map(|t| t.value()).collect(),
            },
            in_size,
        )
    }

    fn sorted(p: &StepInputParams) -> (Vec<f64>, Vec<f64>) {
        let mut order: Vec<usize> = (0..p.step_times.len()).collect();
        order.sort_by(|&a, &b| p.step_times[a].total_cmp(&p.step_times[b]));
        (
            order.iter().map(|&i| p.step_times[i]).collect(),
            order.iter().map(|&i| p.amplitudes[i]).collect(),
        )
    }
}

impl Model for StepInputParams {
    fn kind(&self) -> &str {
        "StepInput"
    }
    fn kernel(&self) -> &KernelDef {
        &builtin::STEP_INPUT
    }
    fn state_names(&self) -> Vec<&str> {
        vec![]
    }
    fn output(&self) -> Output {
        Output::Emitted
    }
    fn validate(&self, _n: usize) -> Result<()> {
        if self.amplitudes.len() != self.step_times.len() || self.amplitudes.is_empty() {
            return Err(Error::shape(
                "step_times of StepInput",
                format!(
                    "{} values (one per amplitude, at least one)",
                    self.amplitudes.len()
                ),
                format!("{} values", self.step_times.len()),
            ));
        }
        check_all(
            "StepInput",
            "amplitudes",
            &self.amplitudes,
            finite,
            "must be finite",
        )?;
        check_all(
            "StepInput",
            "step_times",
            &self.step_times,
            finite,
            "must be finite",
        )
    }
    fn initial_state(&self, _rows: usize, _n: usize) -> Vec<Vec<f64>> {
        vec![]
    }
    fn kernel_params(&self, _dt: f64) -> Vec<ParamValue> {
        let (times, amps) = StepInput::sorted(self);
        vec![
            ParamValue::Word(times.len() as u32),
            table(&times),
            table(&amps),
        ]
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let count = e.param_u32(0) as usize;
        let passed = (0..count).filter(|&i| e.param_at(1, i) <= e.t).count();
        e.out = if passed > 0 {
            e.param_at(2, passed - 1)
        } else {
            0.0
        };
    }
}

/// Ramp input (BrainPy's `RampInput`): rises linearly from `c_start` towards `c_end` over
/// `[t_start, t_start + duration)`; 0 outside, never holding `c_end`.
pub type RampInput = Module<RampInputParams>;

/// The parameters of [`RampInput`].
#[derive(Clone, Debug, PartialEq)]
pub struct RampInputParams {
    /// Start value (internal units).
    pub c_start: f64,
    /// End value (internal units).
    pub c_end: f64,
    /// Length (ms, > 0).
    pub duration: f64,
    /// Start time (ms).
    pub t_start: f64,
}

impl RampInput {
    /// A ramp over `in_size`.
    pub fn new<D: Dimension>(
        in_size: impl Into<Shape>,
        c_start: Quantity<D>,
        c_end: Quantity<D>,
        duration: Quantity<Time>,
        t_start: Quantity<Time>,
    ) -> RampInput {
        Module::from_model(
            RampInputParams {
                c_start: c_start.value(),
                c_end: c_end.value(),
                duration: duration.value(),
                t_start: t_start.value(),
            },
            in_size,
        )
    }
}

impl Model for RampInputParams {
    fn kind(&self) -> &str {
        "RampInput"
    }
    fn kernel(&self) -> &KernelDef {
        &builtin::RAMP_INPUT
    }
    fn state_names(&self) -> Vec<&str> {
        vec![]
    }
    fn output(&self) -> Output {
        Output::Emitted
    }
    fn validate(&self, _n: usize) -> Result<()> {
        check_all(
            "RampInput",
            "c_start",
            &[self.c_start],
            finite,
            "must be finite",
        )?;
        check_all(
            "RampInput",
            "c_end",
            &[self.c_end],
            finite,
            "must be finite",
        )?;
        check_all(
            "RampInput",
            "duration",
            &[self.duration],
            positive,
            "must be > 0",
        )?;
        check_all(
            "RampInput",
            "t_start",
            &[self.t_start],
            finite,
            "must be finite",
        )
    }
    fn initial_state(&self, _rows: usize, _n: usize) -> Vec<Vec<f64>> {
        vec![]
    }
    fn kernel_params(&self, _dt: f64) -> Vec<ParamValue> {
        [self.c_start, self.c_end, self.duration, self.t_start]
            .map(ParamValue::Scalar)
            .to_vec()
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let (c0, c1, dur, t0) = (e.param(0), e.param(1), e.param(2), e.param(3));
        let inside = e.t >= t0 && e.t < t0 + dur;
        e.out = if inside {
            c0 + (c1 - c0) * ((e.t - t0) / dur)
        } else {
            0.0
        };
    }
}

/// Sinusoidal input (BrainPy's `SinusoidalInput`): `amplitude·sin(2π·f·t) + bias` on
/// `[0, duration)` with `t` in seconds, else 0.
pub type SinusoidalInput = Module<SinusoidalInputParams>;

/// The parameters of [`SinusoidalInput`].
#[derive(Clone, Debug, PartialEq)]
pub struct SinusoidalInputParams {
    /// Amplitude (internal units).
    pub amplitude: f64,
    /// Frequency (internal rate, 1/ms).
    pub frequency: f64,
    /// Length (ms).
    pub duration: f64,
    /// Offset (internal units).
    pub bias: f64,
}

impl SinusoidalInput {
    /// A sinusoid over `in_size`.
    pub fn new<D: Dimension>(
        in_size: impl Into<Shape>,
        amplitude: Quantity<D>,
        frequency: Quantity<Rate>,
        duration: Quantity<Time>,
        bias: Quantity<D>,
    ) -> SinusoidalInput {
        Module::from_model(
            SinusoidalInputParams {
                amplitude: amplitude.value(),
                frequency: frequency.value(),
                duration: duration.value(),
                bias: bias.value(),
            },
            in_size,
        )
    }
}

impl Model for SinusoidalInputParams {
    fn kind(&self) -> &str {
        "SinusoidalInput"
    }
    fn kernel(&self) -> &KernelDef {
        &builtin::SINUSOIDAL_INPUT
    }
    fn state_names(&self) -> Vec<&str> {
        vec![]
    }
    fn output(&self) -> Output {
        Output::Emitted
    }
    fn validate(&self, _n: usize) -> Result<()> {
        let all = [self.amplitude, self.frequency, self.duration, self.bias];
        check_all(
            "SinusoidalInput",
            "amplitude, frequency, duration, bias",
            &all,
            finite,
            "must be finite",
        )
    }
    fn initial_state(&self, _rows: usize, _n: usize) -> Vec<Vec<f64>> {
        vec![]
    }
    fn kernel_params(&self, _dt: f64) -> Vec<ParamValue> {
        // Hz and seconds, as BrainPy evaluates it.
        [
            self.amplitude,
            self.frequency * 1e3,
            self.duration * 1e-3,
            self.bias,
        ]
        .map(ParamValue::Scalar)
        .to_vec()
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let t_s = e.t * 1e-3;
        let inside = t_s >= 0.0 && t_s < e.param(2);
        e.out = if inside {
            e.param(0) * (std::f64::consts::TAU * e.param(1) * t_s).sin() + e.param(3)
        } else {
            0.0
        };
    }
}

/// How `SpikeTime` turns a time into a step (`time_as_step`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TimeAsStep {
    /// `round(t/dt)` (half to even), the default.
    #[default]
    Round,
    /// `floor(t/dt)`.
    Floor,
    /// `ceil(t/dt)`.
    Ceil,
}

/// Spikes at given times (BrainPy's `SpikeTime`): at step `k`, neuron `j` outputs the summed
/// weights of its events whose `time_as_step(time/dt)` is `k`. 1-D `in_size` only.
pub type SpikeTime = Module<SpikeTimeParams>;

/// The parameters of [`SpikeTime`].
#[derive(Clone, Debug, PartialEq)]
pub struct SpikeTimeParams {
    /// The neuron of each event.
    pub indices: Vec<usize>,
    /// The time of each event (ms).
    pub times: Vec<f64>,
    /// The weight of each event (one for all, or one per event).
    pub weights: Vec<f64>,
    /// Time to step.
    pub time_as_step: TimeAsStep,
}

impl SpikeTime {
    /// Events `(indices[q], times[q])` with weight 1.
    pub fn new(in_size: usize, indices: &[usize], times: &[Quantity<Time>]) -> SpikeTime {
        Module::from_model(
            SpikeTimeParams {
                indices: indices.to_vec(),
                times: times.iter().map(|t| t.value()).collect(),
                weights: vec![1.0],
                time_as_step: TimeAsStep::Round,
            },
            in_size,
        )
    }
}

crate::model::setters!(SpikeTime {
    /// Sets the weights (one, or one per event).
    weights: Vec<f64>,
    /// Sets `time_as_step`.
    time_as_step: TimeAsStep,
});

impl SpikeTimeParams {
    /// The events as a CSR table over steps: `(rows, offsets, indices, weights)`.
    fn csr(&self, dt: f64) -> (usize, Vec<f64>, Vec<f64>, Vec<f64>) {
        let step = |t: f64| -> usize {
            let r = t / dt;
            let s = match self.time_as_step {
                TimeAsStep::Round => r.round_ties_even(),
                TimeAsStep::Floor => r.floor(),
                TimeAsStep::Ceil => r.ceil(),
            };
            s.max(0.0) as usize
        };
        let steps: Vec<usize> = self.times.iter().map(|&t| step(t)).collect();
        let rows = steps.iter().max().map_or(0, |m| m + 1);
        let mut order: Vec<usize> = (0..steps.len()).collect();
        order.sort_by_key(|&q| steps[q]);
        let mut offsets = vec![0.0; rows + 1];
        for &s in &steps {
            offsets[s + 1] += 1.0;
        }
        for r in 0..rows {
            offsets[r + 1] += offsets[r];
        }
        let weight = |q: usize| {
            if self.weights.len() == 1 {
                self.weights[0]
            } else {
                self.weights[q]
            }
        };
        (
            rows,
            offsets,
            order.iter().map(|&q| self.indices[q] as f64).collect(),
            order.iter().map(|&q| weight(q)).collect(),
        )
    }
}

impl Model for SpikeTimeParams {
    fn kind(&self) -> &str {
        "SpikeTime"
    }
    fn kernel(&self) -> &KernelDef {
        &builtin::SPIKE_TIME
    }
    fn state_names(&self) -> Vec<&str> {
        vec![]
    }
    fn output(&self) -> Output {
        Output::Emitted
    }
    fn validate(&self, n: usize) -> Result<()> {
        if self.indices.len() != self.times.len() {
            return Err(Error::shape(
                "times of SpikeTime",
                format!("{} values (one per index)", self.indices.len()),
                format!("{} values", self.times.len()),
            ));
        }
        if self.weights.len() != 1 && self.weights.len() != self.times.len() {
            return Err(Error::shape(
                "weights of SpikeTime",
                format!("1 or {} values", self.times.len()),
                format!("{} values", self.weights.len()),
            ));
        }
        if let Some(bad) = self.indices.iter().find(|&&i| i >= n) {
            return Err(Error::invalid(
                "SpikeTime",
                "indices",
                bad,
                format!("must be below in_size {n}"),
            ));
        }
        check_all(
            "SpikeTime",
            "times",
            &self.times,
            non_negative,
            "must be ≥ 0 and finite",
        )?;
        check_all(
            "SpikeTime",
            "weights",
            &self.weights,
            finite,
            "must be finite",
        )
    }
    fn initial_state(&self, _rows: usize, _n: usize) -> Vec<Vec<f64>> {
        vec![]
    }
    fn kernel_params(&self, dt: f64) -> Vec<ParamValue> {
        let (rows, offsets, indices, weights) = self.csr(dt);
        vec![
            ParamValue::Word(rows as u32),
            table(&offsets),
            table(&indices),
            table(&weights),
        ]
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let rows = e.param_u32(0) as u64;
        let mut value = 0.0;
        if e.k < rows {
            let k = e.k as usize;
            let (start, end) = (e.param_at(1, k) as usize, e.param_at(1, k + 1) as usize);
            for q in start..end {
                if e.param_at(2, q) as usize == e.neuron() {
                    value += e.param_at(3, q);
                }
            }
        }
        e.out = value;
    }
}

/// `.seed(s)` on the random generators (a plain `u32`, so that `seed(5)` infers).
macro_rules! seeded {
    ($($ty:ident),*) => {$(
        impl $ty {
            /// Sets the seed of the generator.
            pub fn seed(self, seed: u32) -> Self {
                self.configure(|p| p.seed = seed)
            }
        }
    )*};
}

seeded!(
    PoissonSpike,
    PoissonEncoder,
    WienerProcessInput,
    OUProcessInput
);

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

crate::model::setters!(PoissonSpike {
    /// Sets the rates.
    freqs: Param<Rate>,
});

impl Model for PoissonSpikeParams {
    fn kind(&self) -> &str {
        "PoissonSpike"
    }
    fn kernel(&self) -> &KernelDef {
        &builtin::POISSON_SPIKE
    }
    fn state_names(&self) -> Vec<&str> {
        vec![]
    }
    fn output(&self) -> Output {
        Output::Emitted
    }
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
        let u = unit(element_words(e.param_u32(1), 0, e.i as u32, e.k as u32)[0]);
        e.out = if u <= e.param(0) { 1.0 } else { 0.0 };
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
    fn kind(&self) -> &str {
        "PoissonEncoder"
    }
    fn kernel(&self) -> &KernelDef {
        &builtin::POISSON_ENCODER
    }
    fn state_names(&self) -> Vec<&str> {
        vec![]
    }
    fn output(&self) -> Output {
        Output::Emitted
    }
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
        let u = unit(element_words(e.param_u32(0), 0, e.i as u32, e.k as u32)[0]);
        e.out = if u <= spike_probability(e.x, e.dt) {
            1.0
        } else {
            0.0
        };
    }
}

/// White-noise input (BrainPy's `WienerProcessInput`): `σ·√dt·N(0, 1)` while `t < duration`,
/// else 0. As in BrainPy, `√dt` takes dt's magnitude in its own unit — here always ms
/// (SPEC §11.11).
pub type WienerProcessInput = Module<WienerProcessInputParams>;

/// The parameters of [`WienerProcessInput`].
#[derive(Clone, Debug, PartialEq)]
pub struct WienerProcessInputParams {
    /// `sigma` (internal units of the input).
    pub sigma: f64,
    /// How long (ms).
    pub duration: f64,
    /// Seed of the generator.
    pub seed: u32,
}

impl WienerProcessInput {
    /// White noise over `in_size`.
    pub fn new<D: Dimension>(
        in_size: impl Into<Shape>,
        sigma: Quantity<D>,
        duration: Quantity<Time>,
    ) -> WienerProcessInput {
        Module::from_model(
            WienerProcessInputParams {
                sigma: sigma.value(),
                duration: duration.value(),
                seed: 0,
            },
            in_size,
        )
    }
}

impl Model for WienerProcessInputParams {
    fn kind(&self) -> &str {
        "WienerProcessInput"
    }
    fn kernel(&self) -> &KernelDef {
        &builtin::WIENER_PROCESS_INPUT
    }
    fn state_names(&self) -> Vec<&str> {
        vec![]
    }
    fn output(&self) -> Output {
        Output::Emitted
    }
    fn validate(&self, _n: usize) -> Result<()> {
        check_all(
            "WienerProcessInput",
            "sigma",
            &[self.sigma],
            non_negative,
            "must be ≥ 0",
        )?;
        check_all(
            "WienerProcessInput",
            "duration",
            &[self.duration],
            |d| !d.is_nan(),
            "must not be NaN",
        )
    }
    fn initial_state(&self, _rows: usize, _n: usize) -> Vec<Vec<f64>> {
        vec![]
    }
    fn kernel_params(&self, _dt: f64) -> Vec<ParamValue> {
        vec![
            ParamValue::Scalar(self.sigma),
            ParamValue::Scalar(self.duration),
            ParamValue::Word(self.seed),
        ]
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let w = element_words(e.param_u32(2), 0, e.i as u32, e.k as u32);
        let noise = unit_normal(w[0], w[1]) * e.param(0) * e.dt.sqrt();
        e.out = if e.t < e.param(1) { noise } else { 0.0 };
    }
}

/// Ornstein–Uhlenbeck input (BrainPy's `OUProcessInput`): a state `x` starting at `mean`;
/// while `t < duration`, `x ← x + (mean − x)·dt/τ + σ·√dt·N(0, 1)` (Euler–Maruyama) and the
/// output is `x`; after, `x` is frozen and the output is 0. `√dt` uses dt in ms
/// (SPEC §11.11). State: `x`.
pub type OUProcessInput = Module<OUProcessInputParams>;

/// The parameters of [`OUProcessInput`].
#[derive(Clone, Debug, PartialEq)]
pub struct OUProcessInputParams {
    /// `mean` (internal units of the input).
    pub mean: f64,
    /// `sigma`.
    pub sigma: f64,
    /// `tau` (ms, > 0).
    pub tau: f64,
    /// How long (ms).
    pub duration: f64,
    /// Seed of the generator.
    pub seed: u32,
}

impl OUProcessInput {
    /// An OU process over `in_size`.
    pub fn new<D: Dimension>(
        in_size: impl Into<Shape>,
        mean: Quantity<D>,
        sigma: Quantity<D>,
        tau: Quantity<Time>,
        duration: Quantity<Time>,
    ) -> OUProcessInput {
        Module::from_model(
            OUProcessInputParams {
                mean: mean.value(),
                sigma: sigma.value(),
                tau: tau.value(),
                duration: duration.value(),
                seed: 0,
            },
            in_size,
        )
    }
}

impl Model for OUProcessInputParams {
    fn kind(&self) -> &str {
        "OUProcessInput"
    }
    fn kernel(&self) -> &KernelDef {
        &builtin::OU_PROCESS_INPUT
    }
    fn state_names(&self) -> Vec<&str> {
        vec!["x"]
    }
    fn output(&self) -> Output {
        Output::Emitted
    }
    fn validate(&self, _n: usize) -> Result<()> {
        check_all(
            "OUProcessInput",
            "mean",
            &[self.mean],
            finite,
            "must be finite",
        )?;
        check_all(
            "OUProcessInput",
            "sigma",
            &[self.sigma],
            non_negative,
            "must be ≥ 0",
        )?;
        check_all(
            "OUProcessInput",
            "tau",
            &[self.tau],
            positive,
            "must be > 0",
        )?;
        check_all(
            "OUProcessInput",
            "duration",
            &[self.duration],
            |d| !d.is_nan(),
            "must not be NaN",
        )
    }
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![vec![self.mean; rows * n]]
    }
    fn kernel_params(&self, _dt: f64) -> Vec<ParamValue> {
        vec![
            ParamValue::Scalar(self.mean),
            ParamValue::Scalar(self.sigma),
            ParamValue::Scalar(self.tau),
            ParamValue::Scalar(self.duration),
            ParamValue::Word(self.seed),
        ]
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let x = e.state[0];
        let w = element_words(e.param_u32(4), 0, e.i as u32, e.k as u32);
        let mean = e.param(0);
        let next = x
            + (mean - x) * (e.dt / e.param(2))
            + e.param(1) * e.dt.sqrt() * unit_normal(w[0], w[1]);
        let inside = e.t < e.param(3);
        e.state[0] = if inside { next } else { x };
        e.out = if inside { next } else { 0.0 };
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
        check_all(
            "PoissonInput",
            "freq",
            &[self.freq],
            non_negative,
            "must be ≥ 0",
        )?;
        check_all(
            "PoissonInput",
            "weight",
            &[self.weight],
            finite,
            "must be finite",
        )?;
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
            let tick = ClockEntry {
                t: clock.t_ms_f32(),
                dt: dt as f32,
                k: clock.step() as u32,
                local: 0,
            };
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
