//! Noise currents: `WienerProcessInput` and `OUProcessInput`. Kernels:
//! `shaders/inputs/noise.wgsl`.

use crate::error::Result;
use crate::model::{ElemF64, Model, Output, ParamValue};
use crate::module::Module;
use crate::rng::{element_words, unit_normal};
use crate::shaders::builtin;
use crate::shape::Shape;
use crate::units::{Dimension, Quantity, Time};

use super::{Must, check_all};

// Parameter indices, as the kernels name them.
const WIENER_SIGMA: usize = 0;
const WIENER_DURATION: usize = 1;
const WIENER_SEED: usize = 2;
const OU_MEAN: usize = 0;
const OU_SIGMA: usize = 1;
const OU_TAU: usize = 2;
const OU_DURATION: usize = 3;
const OU_SEED: usize = 4;

/// White-noise input (BrainPy's `WienerProcessInput`): `σ·√dt·N(0, 1)` while `t < duration`,
/// else 0. As in BrainPy, `√dt` takes dt's magnitude in its own unit — here always ms.
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
    crate::model::describe!(
        "WienerProcessInput",
        builtin::WIENER_PROCESS_INPUT,
        [],
        Output::Emitted
    );
    fn validate(&self, _n: usize) -> Result<()> {
        check_all(
            "WienerProcessInput",
            "sigma",
            &[self.sigma],
            Must::BeNonNegative,
        )?;
        check_all(
            "WienerProcessInput",
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
            ParamValue::Scalar(self.sigma),
            ParamValue::Scalar(self.duration),
            ParamValue::Word(self.seed),
        ]
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let w = element_words(e.param_u32(WIENER_SEED), 0, e.i as u32, e.k as u32);
        let noise = unit_normal(w[0], w[1]) * e.param(WIENER_SIGMA) * e.dt.sqrt();
        e.out = if e.t < e.since_epoch(e.param(WIENER_DURATION)) {
            noise
        } else {
            0.0
        };
    }
}

/// Ornstein–Uhlenbeck input (BrainPy's `OUProcessInput`): a state `x` starting at `mean`;
/// while `t < duration`, `x ← x + (mean − x)·dt/τ + σ·√dt·N(0, 1)` (Euler–Maruyama) and the
/// output is `x`; after, `x` is frozen and the output is 0. `√dt` uses dt in ms. State: `x`.
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
    crate::model::describe!(
        "OUProcessInput",
        builtin::OU_PROCESS_INPUT,
        ["x"],
        Output::Emitted
    );
    fn validate(&self, _n: usize) -> Result<()> {
        check_all("OUProcessInput", "mean", &[self.mean], Must::BeFinite)?;
        check_all(
            "OUProcessInput",
            "sigma",
            &[self.sigma],
            Must::BeNonNegative,
        )?;
        check_all("OUProcessInput", "tau", &[self.tau], Must::BePositive)?;
        check_all(
            "OUProcessInput",
            "duration",
            &[self.duration],
            Must::NotBeNaN,
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
        let w = element_words(e.param_u32(OU_SEED), 0, e.i as u32, e.k as u32);
        let mean = e.param(OU_MEAN);
        let next = x
            + (mean - x) * (e.dt / e.param(OU_TAU))
            + e.param(OU_SIGMA) * e.dt.sqrt() * unit_normal(w[0], w[1]);
        let inside = e.t < e.since_epoch(e.param(OU_DURATION));
        e.state[0] = if inside { next } else { x };
        e.out = if inside { next } else { 0.0 };
    }
}
