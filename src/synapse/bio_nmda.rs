//! `BioNMDA` (BrainPy's `brainpy.state.BioNMDA`). Kernel: `shaders/synapse/bio_nmda.wgsl`.

use crate::model::{ElemF64, Init, Model, Output, Param, ParamValue};
use crate::module::{Module, SynapseModel};
use crate::numerics::exp_euler;
use crate::shaders::builtin;
use crate::units::{
    Concentration, Conductance, Dimensionless, Rate, RatePerConcentration, Time, mM, mS, ms,
};

use super::NEVER_ARRIVED;

// Parameter indices, as the kernel names them.
const NMDA_ALPHA1: usize = 0;
const NMDA_BETA1: usize = 1;
const NMDA_ALPHA2: usize = 2;
const NMDA_BETA2: usize = 3;
const NMDA_T: usize = 4;
const NMDA_T_DUR: usize = 5;

/// Biophysical NMDA synapse with a second-order kinetic scheme (BrainPy's `BioNMDA`).
///
/// ```text
/// dx/dt = α2·[T]·(1 − x) − β2·x
/// dg/dt = α1·x·(1 − g) − β1·g
/// ```
///
/// Per step: the transmitter window as [`AMPA`](super::AMPA) (any nonzero input
/// counts as a spike); `x` by exponential Euler; then `g` with the **new** `x`. Returns `g`.
///
/// Parameters, their checks and BrainPy's defaults: [`BioNMDAParams`].
///
/// States: `g`, `x`, `spike_arrival_time`.
pub type BioNMDA = Module<BioNMDAParams>;

crate::model::parameters! {
    /// The parameters of [`BioNMDA`].
    BioNMDAParams of BioNMDA {
        alpha1 "alpha1": Param<Rate> = 2.0 / ms, non_negative;
        beta1 "beta1": Param<Rate> = 0.01 / ms, non_negative;
        alpha2 "alpha2": Param<RatePerConcentration> = 1.0 / ms / mM, non_negative;
        beta2 "beta2": Param<Rate> = 0.5 / ms, non_negative;
        t "T": Param<Concentration> = 1.0 * mM, non_negative;
        t_duration "T_duration": Param<Time> = 0.5 * ms, non_negative;
        g_initializer "g_initializer": Init<Conductance> = 0.0 * mS, init;
        x_initializer "x_initializer": Init<Dimensionless> = 0.0, init;
    }
}

impl Model for BioNMDAParams {
    crate::model::describe!(checked "BioNMDA", builtin::BIO_NMDA,
        ["g", "x", "spike_arrival_time"], Output::State(0));
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![
            self.g_initializer.values(rows, n, 0),
            self.x_initializer.values(rows, n, 1),
            vec![NEVER_ARRIVED; rows * n],
        ]
    }
    fn kernel_params(&self, _dt: f64) -> Vec<ParamValue> {
        vec![
            self.alpha1.value().clone(),
            self.beta1.value().clone(),
            self.alpha2.value().clone(),
            self.beta2.value().clone(),
            self.t.value().clone(),
            self.t_duration.value().clone(),
        ]
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let t_spike = if e.x != 0.0 { e.t } else { e.state[2] };
        let tt = if e.t - t_spike < e.param(NMDA_T_DUR) {
            e.param(NMDA_T)
        } else {
            0.0
        };
        let (a1, b1) = (e.param(NMDA_ALPHA1), e.param(NMDA_BETA1));
        let (a2, b2) = (e.param(NMDA_ALPHA2), e.param(NMDA_BETA2));
        let x_old = e.state[1];
        let x = exp_euler(
            x_old,
            a2 * tt * (1.0 - x_old) - b2 * x_old,
            -(a2 * tt + b2),
            e.dt,
        );
        let g = e.state[0];
        e.state[0] = exp_euler(g, a1 * x * (1.0 - g) - b1 * g, -(a1 * x + b1), e.dt);
        e.state[1] = x;
        e.state[2] = t_spike;
    }
}

impl SynapseModel for BioNMDAParams {}
