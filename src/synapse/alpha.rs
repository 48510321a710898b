//! `Alpha` (BrainPy's `brainpy.state.Alpha`). Kernel: `shaders/synapse/alpha.wgsl`.

use super::DELTA_INPUTS;
use crate::model::{ElemF64, Init, Model, Output, Param, ParamValue};
use crate::module::{Module, SynapseModel};
use crate::shaders::builtin;
use crate::units::{Conductance, Time, mS, ms};

// Parameter indices, as the kernel names them.
const ALPHA_DECAY: usize = 0;

/// Alpha synapse (BrainPy's `Alpha`).
///
/// ```text
/// dh/dt = −h/τ,   dg/dt = (−g + h)/τ
/// ```
///
/// Per step: `h' = h·e^{−dt/τ}`; `g ← g + (1 − e^{−dt/τ})·(h_old − g)` — the
/// exponential-Euler step of `g` with the **old** `h`; `h ← h' + Σδ + x`. `update(x)` returns
/// `g`. So an input at step `k` shows in `g` only from step `k+1`, and a unit impulse peaks
/// near `1/e` at `t ≈ τ`, not at 1 as BrainPy's docstring says.
///
/// Parameters, their checks and BrainPy's defaults: [`AlphaParams`].
///
/// States: `g`, `h`.
pub type Alpha = Module<AlphaParams>;

crate::model::parameters! {
    /// The parameters of [`Alpha`].
    AlphaParams of Alpha {
        tau "tau": Param<Time> = 8.0 * ms, positive;
        /// Initial value of `g` and `h`.
        g_initializer "g_initializer": Init<Conductance> = 0.0 * mS, init;
    }
}

impl Model for AlphaParams {
    crate::model::describe!(checked "Alpha", builtin::ALPHA,
        ["g", "h"], Output::State(0), DELTA_INPUTS);
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        let g = self.g_initializer.values(rows, n, 0);
        vec![g.clone(), g]
    }
    fn kernel_params(&self, dt: f64) -> Vec<ParamValue> {
        vec![self.tau.map(|tau| (-dt / tau).exp())]
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let decay = e.param(ALPHA_DECAY);
        let (g, h) = (e.state[0], e.state[1]);
        e.state[0] = g + (1.0 - decay) * (h - g);
        e.state[1] = h * decay + e.delta + e.x;
    }
}

impl SynapseModel for AlphaParams {}
