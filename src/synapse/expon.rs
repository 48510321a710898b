//! The exponential synapses: `Expon`, `DualExpon` (BrainPy's `brainpy.state.exponential`).
//! Kernels: `shaders/synapse/expon.wgsl`.

use crate::error::{Error, Result};
use crate::model::{Accepts, ElemF64, Init, Model, Output, Param, ParamValue};
use crate::module::{Module, SynapseModel};
use crate::shaders::builtin;
use crate::shape::Shape;
use crate::units::{Conductance, Dimensionless, Time, mS, ms};

// Parameter indices, as the kernel names them.
const EXPON_DECAY: usize = 0;
const DUAL_RISE_DECAY: usize = 0;
const DUAL_DECAY_DECAY: usize = 1;
const DUAL_SCALE: usize = 2;

/// Synapses read delta inputs (projections add into them), not current inputs.
const SYNAPSE_INPUTS: Accepts = Accepts {
    delta: true,
    currents: false,
};

/// Single-exponential synapse (BrainPy's `Expon`).
///
/// ```text
/// dg/dt = −g/τ
/// ```
///
/// Per step: `g ← g·e^{−dt/τ}` (the exponential-Euler step, exact for this linear
/// ODE), then `g ← g + Σδ` (delta inputs), then `g ← g + x`. `update(x)` returns `g`.
///
/// | parameter | default |
/// |---|---|
/// | `tau` | 8 ms |
/// | `g_initializer` | 0 mS |
///
/// State: `g`. The decay factor `e^{−dt/τ}` is computed on the host in f64.
///
/// ```no_run
/// use brainwgpu::prelude::*;
/// let mut syn = Expon::new(100).tau(8.0 * ms);
/// syn.init_state(&Device::gpu()?, Some(32))?;
/// # Ok::<(), brainwgpu::Error>(())
/// ```
pub type Expon = Module<ExponParams>;

/// The parameters of [`Expon`].
#[derive(Clone, Debug, PartialEq)]
pub struct ExponParams {
    /// Decay time constant `tau` (> 0).
    pub tau: Param<Time>,
    /// Initial value of `g`.
    pub g_initializer: Init<Conductance>,
}

impl Default for ExponParams {
    fn default() -> Self {
        ExponParams {
            tau: (8.0 * ms).into(),
            g_initializer: (0.0 * mS).into(),
        }
    }
}

impl Expon {
    /// An `Expon` synapse over `in_size` with BrainPy's defaults.
    pub fn new(in_size: impl Into<Shape>) -> Expon {
        Module::from_model(ExponParams::default(), in_size)
    }
}

crate::setters!(Expon {
    /// Sets the time constant `tau` (a scalar or one value per neuron).
    tau: Param<Time>,
    /// Sets how `g` starts.
    g_initializer: Init<Conductance>,
});

impl Model for ExponParams {
    crate::model::describe!(
        "Expon",
        builtin::EXPON,
        ["g"],
        Output::State(0),
        SYNAPSE_INPUTS
    );
    fn validate(&self, n: usize) -> Result<()> {
        self.tau.check_positive("Expon", "tau", n)?;
        self.g_initializer.check("Expon", "g_initializer", n)
    }
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![self.g_initializer.values(rows, n, 0)]
    }
    fn kernel_params(&self, dt: f64) -> Vec<ParamValue> {
        vec![self.tau.map(|tau| (-dt / tau).exp())]
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let mut g = e.state[0] * e.param(EXPON_DECAY);
        g += e.delta;
        g += e.x;
        e.state[0] = g;
    }
}

impl SynapseModel for ExponParams {}

/// Dual-exponential synapse (BrainPy's `DualExpon`).
///
/// ```text
/// dg_rise/dt = −g_rise/τ_rise,   dg_decay/dt = −g_decay/τ_decay
/// g = scale·(g_decay − g_rise)
/// ```
///
/// Per step: both decay exactly; each gets `+ Σδ` and `+ x` (the same input added to both);
/// `update(x)` returns `scale·(g_decay − g_rise)`, where with `normalize` (the default)
/// `scale = amplitude·τ_d/(τ_d − τ_r)·(τ_r/τ_d)^{τ_r/(τ_r − τ_d)}` so that a unit impulse peaks
/// at 1, else `scale = amplitude`.
///
/// | parameter | default |
/// |---|---|
/// | `tau_decay` | 10 ms |
/// | `tau_rise` | 1 ms (≠ `tau_decay` when normalizing) |
/// | `amplitude` | 1 |
/// | `normalize` | true |
/// | `g_initializer` | 0 mS (both states) |
///
/// States: `g_rise`, `g_decay`.
pub type DualExpon = Module<DualExponParams>;

/// The parameters of [`DualExpon`].
#[derive(Clone, Debug, PartialEq)]
pub struct DualExponParams {
    /// `tau_decay` (> 0).
    pub tau_decay: Param<Time>,
    /// `tau_rise` (> 0).
    pub tau_rise: Param<Time>,
    /// `amplitude`.
    pub amplitude: Param<Dimensionless>,
    /// `normalize`: scale so that a unit impulse peaks at 1.
    pub normalize: bool,
    /// Initial value of both states.
    pub g_initializer: Init<Conductance>,
}

impl Default for DualExponParams {
    fn default() -> Self {
        DualExponParams {
            tau_decay: (10.0 * ms).into(),
            tau_rise: (1.0 * ms).into(),
            amplitude: 1.0.into(),
            normalize: true,
            g_initializer: (0.0 * mS).into(),
        }
    }
}

impl DualExpon {
    /// A `DualExpon` synapse over `in_size` with BrainPy's defaults.
    pub fn new(in_size: impl Into<Shape>) -> DualExpon {
        Module::from_model(DualExponParams::default(), in_size)
    }
}

crate::setters!(DualExpon {
    /// Sets `tau_decay`.
    tau_decay: Param<Time>,
    /// Sets `tau_rise`.
    tau_rise: Param<Time>,
    /// Sets `amplitude`.
    amplitude: Param<Dimensionless>,
    /// Sets `normalize`.
    normalize: bool,
    /// Sets `g_initializer`.
    g_initializer: Init<Conductance>,
});

impl DualExponParams {
    /// `scale` of the output, per neuron where a time constant is.
    fn scale(&self) -> ParamValue {
        let peak = self
            .tau_decay
            .value()
            .zip_map(self.tau_rise.value(), |td, tr| {
                td / (td - tr) * (tr / td).powf(tr / (tr - td))
            });
        if self.normalize {
            self.amplitude.value().zip_map(&peak, |a, p| a * p)
        } else {
            self.amplitude.value().clone()
        }
    }
}

impl Model for DualExponParams {
    crate::model::describe!(
        "DualExpon",
        builtin::DUAL_EXPON,
        ["g_rise", "g_decay"],
        Output::Emitted,
        SYNAPSE_INPUTS
    );
    fn validate(&self, n: usize) -> Result<()> {
        self.tau_decay.check_positive("DualExpon", "tau_decay", n)?;
        self.tau_rise.check_positive("DualExpon", "tau_rise", n)?;
        self.amplitude.check_finite("DualExpon", "amplitude", n)?;
        let equal = self
            .tau_decay
            .value()
            .zip_map(self.tau_rise.value(), |d, r| f64::from(d == r));
        if self.normalize && equal.values().iter().any(|&e| e != 0.0) {
            return Err(Error::invalid(
                "DualExpon",
                "tau_rise",
                "tau_rise == tau_decay",
                "must differ from tau_decay when normalize is on",
            ));
        }
        self.g_initializer.check("DualExpon", "g_initializer", n)
    }
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        let g = self.g_initializer.values(rows, n, 0);
        vec![g.clone(), g]
    }
    fn kernel_params(&self, dt: f64) -> Vec<ParamValue> {
        vec![
            self.tau_rise.map(|t| (-dt / t).exp()),
            self.tau_decay.map(|t| (-dt / t).exp()),
            self.scale(),
        ]
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let g_rise = e.state[0] * e.param(DUAL_RISE_DECAY) + e.delta + e.x;
        let g_decay = e.state[1] * e.param(DUAL_DECAY_DECAY) + e.delta + e.x;
        e.state[0] = g_rise;
        e.state[1] = g_decay;
        e.out = e.param(DUAL_SCALE) * (g_decay - g_rise);
    }
}

impl SynapseModel for DualExponParams {}
