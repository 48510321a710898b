//! The exponential synapses: `Expon`, `DualExpon` (BrainPy's `brainpy.state.exponential`).
//! Kernels: `shaders/synapse/expon.wgsl`.

use super::DELTA_INPUTS;
use crate::error::{Error, Result};
use crate::model::{ElemF64, Init, Model, Output, Param, ParamValue};
use crate::module::{Module, SynapseModel};
use crate::shaders::builtin;
use crate::units::{Conductance, Dimensionless, Time, mS, ms};

// Parameter indices, as the kernel names them.
const EXPON_DECAY: usize = 0;
const DUAL_RISE_DECAY: usize = 0;
const DUAL_DECAY_DECAY: usize = 1;
const DUAL_SCALE: usize = 2;

/// Single-exponential synapse (BrainPy's `Expon`).
///
/// ```text
/// dg/dt = −g/τ
/// ```
///
/// Per step: `g ← g·e^{−dt/τ}` (the exponential-Euler step, exact for this linear
/// ODE), then `g ← g + Σδ` (delta inputs), then `g ← g + x`. `update(x)` returns `g`.
///
/// Parameters, their checks and BrainPy's defaults: [`ExponParams`].
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

crate::model::parameters! {
    /// The parameters of [`Expon`].
    ExponParams of Expon {
        /// The decay time constant.
        tau "tau": Param<Time> = 8.0 * ms, positive;
        /// How `g` starts.
        g_initializer "g_initializer": Init<Conductance> = 0.0 * mS, init;
    }
}

impl Model for ExponParams {
    crate::model::describe!(checked "Expon", builtin::EXPON, ["g"], Output::State(0), DELTA_INPUTS);
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
/// Parameters, their checks and BrainPy's defaults: [`DualExponParams`].
///
/// States: `g_rise`, `g_decay`.
pub type DualExpon = Module<DualExponParams>;

crate::model::parameters! {
    /// The parameters of [`DualExpon`].
    DualExponParams of DualExpon {
        tau_decay "tau_decay": Param<Time> = 10.0 * ms, positive;
        tau_rise "tau_rise": Param<Time> = 1.0 * ms, positive;
        amplitude "amplitude": Param<Dimensionless> = 1.0, finite;
        /// Scale so that a unit impulse peaks at 1.
        normalize "normalize": bool = true, flag;
        /// How both states start.
        g_initializer "g_initializer": Init<Conductance> = 0.0 * mS, init;
    }
}

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
        DELTA_INPUTS
    );
    fn validate(&self, n: usize) -> Result<()> {
        self.check_declared("DualExpon", n)?;
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
        Ok(())
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
