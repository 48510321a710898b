//! `BioNMDA` (BrainPy's `brainpy.state.BioNMDA`). Kernel: `shaders/synapse/bio_nmda.wgsl`.

use crate::error::Result;
use crate::model::{ElemF64, Init, Model, Output, Param, ParamValue};
use crate::module::{Module, SynapseModel};
use crate::numerics::exp_euler;
use crate::shaders::builtin;
use crate::shape::Shape;
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
/// | parameter | default |
/// |---|---|
/// | `alpha1`, `beta1` | 2, 0.01 /ms |
/// | `alpha2` | 1 /(ms·mM) |
/// | `beta2` | 0.5 /ms |
/// | `T`, `T_duration` | 1 mM, 0.5 ms |
/// | `g_initializer`, `x_initializer` | 0 mS, 0 |
///
/// States: `g`, `x`, `spike_arrival_time`.
pub type BioNMDA = Module<BioNMDAParams>;

/// The parameters of [`BioNMDA`].
#[derive(Clone, Debug, PartialEq)]
pub struct BioNMDAParams {
    /// `alpha1`.
    pub alpha1: Param<Rate>,
    /// `beta1`.
    pub beta1: Param<Rate>,
    /// `alpha2`.
    pub alpha2: Param<RatePerConcentration>,
    /// `beta2`.
    pub beta2: Param<Rate>,
    /// `T`.
    pub t: Param<Concentration>,
    /// `T_duration`.
    pub t_duration: Param<Time>,
    /// `g_initializer`.
    pub g_initializer: Init<Conductance>,
    /// `x_initializer`.
    pub x_initializer: Init<Dimensionless>,
}

impl Default for BioNMDAParams {
    fn default() -> Self {
        BioNMDAParams {
            alpha1: (2.0 / ms).into(),
            beta1: (0.01 / ms).into(),
            alpha2: (1.0 / ms / mM).into(),
            beta2: (0.5 / ms).into(),
            t: (1.0 * mM).into(),
            t_duration: (0.5 * ms).into(),
            g_initializer: (0.0 * mS).into(),
            x_initializer: 0.0.into(),
        }
    }
}

impl BioNMDA {
    /// A `BioNMDA` synapse over `in_size` with BrainPy's defaults.
    pub fn new(in_size: impl Into<Shape>) -> BioNMDA {
        Module::from_model(BioNMDAParams::default(), in_size)
    }
}

crate::setters!(BioNMDA {
    /// Sets `alpha1`.
    alpha1: Param<Rate>,
    /// Sets `beta1`.
    beta1: Param<Rate>,
    /// Sets `alpha2`.
    alpha2: Param<RatePerConcentration>,
    /// Sets `beta2`.
    beta2: Param<Rate>,
    /// Sets `T`.
    t: Param<Concentration>,
    /// Sets `T_duration`.
    t_duration: Param<Time>,
    /// Sets `g_initializer`.
    g_initializer: Init<Conductance>,
    /// Sets `x_initializer`.
    x_initializer: Init<Dimensionless>,
});

impl Model for BioNMDAParams {
    crate::model::describe!(
        "BioNMDA",
        builtin::BIO_NMDA,
        ["g", "x", "spike_arrival_time"],
        Output::State(0)
    );
    fn validate(&self, n: usize) -> Result<()> {
        let k = "BioNMDA";
        self.alpha1.check_non_negative(k, "alpha1", n)?;
        self.beta1.check_non_negative(k, "beta1", n)?;
        self.alpha2.check_non_negative(k, "alpha2", n)?;
        self.beta2.check_non_negative(k, "beta2", n)?;
        self.t.check_non_negative(k, "T", n)?;
        self.t_duration.check_non_negative(k, "T_duration", n)?;
        self.g_initializer.check(k, "g_initializer", n)?;
        self.x_initializer.check(k, "x_initializer", n)
    }
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
