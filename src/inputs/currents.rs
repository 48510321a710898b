//! Deterministic currents, functions of `t = k·dt` alone: `SectionInput`, `ConstantInput`,
//! `StepInput`, `RampInput`, `SinusoidalInput`. Kernels: `shaders/inputs/currents.wgsl`.

use crate::error::{Error, Result};
use crate::model::{ElemF64, Model, Output, ParamValue};
use crate::module::Module;
use crate::shaders::builtin;
use crate::shape::Shape;
use crate::units::{Dimension, Quantity, Rate, Time};

use super::{Must, check_all, table};

// Parameter indices, as the kernels name them.
const SECTION_COUNT: usize = 0;
const SECTION_ENDS: usize = 1;
const SECTION_VALUES: usize = 2;
const CONSTANT_VALUE: usize = 0;
const CONSTANT_DURATION: usize = 1;
const STEP_COUNT: usize = 0;
const STEP_TIMES: usize = 1;
const STEP_AMPLITUDES: usize = 2;
const RAMP_C_START: usize = 0;
const RAMP_C_END: usize = 1;
const RAMP_DURATION: usize = 2;
const RAMP_T_START: usize = 3;
const SINE_AMPLITUDE: usize = 0;
const SINE_FREQUENCY: usize = 1;
const SINE_DURATION: usize = 2;
const SINE_BIAS: usize = 3;

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
    crate::model::describe!("SectionInput", builtin::SECTION_INPUT, [], Output::Emitted);
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
        check_all("SectionInput", "values", &self.values, Must::BeFinite)?;
        check_all(
            "SectionInput",
            "durations",
            &self.durations,
            Must::BeNonNegative,
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
        let count = e.param_u32(SECTION_COUNT) as usize;
        let s = (0..count)
            .filter(|&i| e.since_epoch(e.param_at(SECTION_ENDS, i)) <= e.t)
            .count();
        e.out = if s < count {
            e.param_at(SECTION_VALUES, s)
        } else {
            0.0
        };
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
    crate::model::describe!(
        "ConstantInput",
        builtin::CONSTANT_INPUT,
        [],
        Output::Emitted
    );
    fn validate(&self, _n: usize) -> Result<()> {
        check_all("ConstantInput", "value", &[self.value], Must::BeFinite)?;
        check_all(
            "ConstantInput",
            "duration",
            &[self.duration],
            Must::NotBeNaN,
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
        e.out = if e.t < e.since_epoch(e.param(CONSTANT_DURATION)) {
            e.param(CONSTANT_VALUE)
        } else {
            0.0
        };
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
    crate::model::describe!("StepInput", builtin::STEP_INPUT, [], Output::Emitted);
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
        check_all("StepInput", "amplitudes", &self.amplitudes, Must::BeFinite)?;
        check_all("StepInput", "step_times", &self.step_times, Must::BeFinite)
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
        let count = e.param_u32(STEP_COUNT) as usize;
        let passed = (0..count)
            .filter(|&i| e.since_epoch(e.param_at(STEP_TIMES, i)) <= e.t)
            .count();
        e.out = if passed > 0 {
            e.param_at(STEP_AMPLITUDES, passed - 1)
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
    crate::model::describe!("RampInput", builtin::RAMP_INPUT, [], Output::Emitted);
    fn validate(&self, _n: usize) -> Result<()> {
        check_all("RampInput", "c_start", &[self.c_start], Must::BeFinite)?;
        check_all("RampInput", "c_end", &[self.c_end], Must::BeFinite)?;
        check_all("RampInput", "duration", &[self.duration], Must::BePositive)?;
        check_all("RampInput", "t_start", &[self.t_start], Must::BeFinite)
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
        let (c0, c1, dur, t0) = (
            e.param(RAMP_C_START),
            e.param(RAMP_C_END),
            e.param(RAMP_DURATION),
            e.since_epoch(e.param(RAMP_T_START)),
        );
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
    crate::model::describe!(
        "SinusoidalInput",
        builtin::SINUSOIDAL_INPUT,
        [],
        Output::Emitted
    );
    fn validate(&self, _n: usize) -> Result<()> {
        let all = [self.amplitude, self.frequency, self.duration, self.bias];
        let names = "amplitude, frequency, duration, bias";
        check_all("SinusoidalInput", names, &all, Must::BeFinite)
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
        let f = e.param(SINE_FREQUENCY);
        let inside = t_s < e.param(SINE_DURATION) - e.epoch_ms * 1e-3;
        let tau = std::f64::consts::TAU;
        e.out = if inside {
            e.param(SINE_AMPLITUDE) * (tau * f * t_s + tau * e.epoch_cycles(f)).sin()
                + e.param(SINE_BIAS)
        } else {
            0.0
        };
    }
}
