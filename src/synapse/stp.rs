//! Short-term plasticity: `STP`, `STD` (BrainPy's `brainpy.state.stp`). Kernels:
//! `shaders/synapse/stp.wgsl`.

use crate::model::{ElemF64, Model, Output, Param, ParamValue};
use crate::module::{Module, SynapseModel};
use crate::shaders::builtin;
use crate::units::{Dimensionless, Time, ms};

// Parameter indices, as the kernel names them.
const STP_U: usize = 0;
const STP_F_DECAY: usize = 1;
const STP_D_RECOVER: usize = 2;
const STD_U: usize = 0;
const STD_RECOVER: usize = 1;

/// Short-term facilitation and depression (Tsodyks–Markram; BrainPy's `STP`).
///
/// ```text
/// du/dt = −u/τ_f,   dx/dt = (1 − x)/τ_d
/// ```
///
/// Per step with the presynaptic spike `s` (0/1): `u' = u·e^{−dt/τ_f}` (it decays to **0**, not
/// to `U`); `x' = x + (1 − e^{−dt/τ_d})·(1 − x)`; `u' ← u' + s·U·(1 − u_old)`;
/// `released = u'·x'`; `x' ← x' − s·u'·x_old`. `update(s)` returns `released·s`.
///
/// Parameters, their checks and BrainPy's defaults: [`STPParams`].
///
/// States: `u` (starts at `U`), `x` (starts at 1).
pub type STP = Module<STPParams>;

crate::model::parameters! {
    /// The parameters of [`STP`].
    STPParams of STP {
        /// The release increment.
        u "U": Param<Dimensionless> = 0.15, finite;
        tau_f "tau_f": Param<Time> = 1500.0 * ms, positive;
        tau_d "tau_d": Param<Time> = 200.0 * ms, positive;
    }
}

impl Model for STPParams {
    crate::model::describe!(checked "STP", builtin::STP, ["u", "x"], Output::Emitted);
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        let u = (0..rows * n)
            .map(|i| self.u.value().get(i / n, i % n, n))
            .collect();
        vec![u, vec![1.0; rows * n]]
    }
    fn kernel_params(&self, dt: f64) -> Vec<ParamValue> {
        vec![
            self.u.value().clone(),
            self.tau_f.map(|t| (-dt / t).exp()),
            self.tau_d.map(|t| -(-dt / t).exp_m1()),
        ]
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let s = e.x;
        let (u_old, x_old) = (e.state[0], e.state[1]);
        let mut u = u_old * e.param(STP_F_DECAY);
        let mut x = x_old + e.param(STP_D_RECOVER) * (1.0 - x_old);
        u += s * e.param(STP_U) * (1.0 - u_old);
        let released = u * x;
        x -= s * u * x_old;
        e.state[0] = u;
        e.state[1] = x;
        e.out = released * s;
    }
}

impl SynapseModel for STPParams {}

/// Short-term depression (BrainPy's `STD`).
///
/// ```text
/// dx/dt = (1 − x)/τ
/// ```
///
/// Per step with the presynaptic spike `s`: `x' = x + (1 − e^{−dt/τ})·(1 − x)`;
/// `released = x'`; `x ← x' − s·U·x_old`. `update(s)` returns `released·s`.
///
/// Parameters, their checks and BrainPy's defaults: [`STDParams`].
///
/// State: `x` (starts at 1).
pub type STD = Module<STDParams>;

crate::model::parameters! {
    /// The parameters of [`STD`].
    STDParams of STD {
        tau "tau": Param<Time> = 200.0 * ms, positive;
        /// The fraction used per spike.
        u "U": Param<Dimensionless> = 0.07, finite;
    }
}

impl Model for STDParams {
    crate::model::describe!(checked "STD", builtin::STD, ["x"], Output::Emitted);
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![vec![1.0; rows * n]]
    }
    fn kernel_params(&self, dt: f64) -> Vec<ParamValue> {
        vec![
            self.u.value().clone(),
            self.tau.map(|t| -(-dt / t).exp_m1()),
        ]
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let s = e.x;
        let x_old = e.state[0];
        let x = x_old + e.param(STD_RECOVER) * (1.0 - x_old);
        e.state[0] = x - s * e.param(STD_U) * x_old;
        e.out = x * s;
    }
}

impl SynapseModel for STDParams {}
