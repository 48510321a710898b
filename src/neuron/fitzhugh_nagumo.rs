//! `FitzHughNagumo` (BrainPy's `brainpy.state.FitzHughNagumo`). Kernel:
//! `shaders/neuron/fitzhugh_nagumo.wgsl`.

use super::{NEURON_INPUTS, crossing};
use crate::error::Result;
use crate::model::{ElemF64, Init, Model, Output, Param, ParamValue};
use crate::module::{Module, NeuronModel};
use crate::numerics::exp_euler;
use crate::shaders::builtin;
use crate::shape::Shape;
use crate::units::{Dimensionless, Time, ms};

const A: usize = 0;
const B: usize = 1;
const TAU: usize = 2;
const TAU_W: usize = 3;
const V_TH: usize = 4;

/// FitzHugh–Nagumo neuron (BrainPy's `FitzHughNagumo`), with unitless `V` and `w`.
///
/// ```text
/// τ dV/dt = V − V³/3 − w + I
/// τ_w dw/dt = V + a − b·w
/// ```
///
/// Per step: current inputs once at the stored `V`; exponential Euler of `V` with
/// the stored `w` (`J = (1 − V²)/τ`) and of `w` with the stored `V` (`J = −b/τ_w`); `+` delta
/// inputs on `V`; return the upward crossing of `V_th`.
///
/// | parameter | default |
/// |---|---|
/// | `a`, `b` | 0.7, 0.8 |
/// | `tau`, `tau_w` | 1, 12.5 ms |
/// | `V_th` | 1.0 |
/// | `V`, `w` initializers | −1.2, −0.62 |
pub type FitzHughNagumo = Module<FitzHughNagumoParams>;

/// The parameters of [`FitzHughNagumo`].
#[derive(Clone, Debug, PartialEq)]
pub struct FitzHughNagumoParams {
    /// `a`.
    pub a: Param<Dimensionless>,
    /// `b`.
    pub b: Param<Dimensionless>,
    /// `tau` (> 0).
    pub tau: Param<Time>,
    /// `tau_w` (> 0).
    pub tau_w: Param<Time>,
    /// `V_th` (> 0).
    pub v_th: Param<Dimensionless>,
    /// `V_initializer`.
    pub v_initializer: Init<Dimensionless>,
    /// `w_initializer`.
    pub w_initializer: Init<Dimensionless>,
}

impl Default for FitzHughNagumoParams {
    fn default() -> Self {
        FitzHughNagumoParams {
            a: 0.7.into(),
            b: 0.8.into(),
            tau: (1.0 * ms).into(),
            tau_w: (12.5 * ms).into(),
            v_th: 1.0.into(),
            v_initializer: (-1.2).into(),
            w_initializer: (-0.62).into(),
        }
    }
}

impl FitzHughNagumo {
    /// A `FitzHughNagumo` population over `in_size` with BrainPy's defaults.
    pub fn new(in_size: impl Into<Shape>) -> FitzHughNagumo {
        Module::from_model(FitzHughNagumoParams::default(), in_size)
    }
}

crate::setters!(FitzHughNagumo {
    /// Sets `a`.
    a: Param<Dimensionless>,
    /// Sets `b`.
    b: Param<Dimensionless>,
    /// Sets `tau`.
    tau: Param<Time>,
    /// Sets `tau_w`.
    tau_w: Param<Time>,
    /// Sets `V_th`.
    v_th: Param<Dimensionless>,
    /// Sets `V_initializer`.
    v_initializer: Init<Dimensionless>,
    /// Sets `w_initializer`.
    w_initializer: Init<Dimensionless>,
});

impl Model for FitzHughNagumoParams {
    crate::model::describe!(
        "FitzHughNagumo",
        builtin::FITZHUGH_NAGUMO,
        ["V", "w"],
        Output::Emitted,
        NEURON_INPUTS
    );
    fn validate(&self, n: usize) -> Result<()> {
        let k = "FitzHughNagumo";
        self.a.check_finite(k, "a", n)?;
        self.b.check_finite(k, "b", n)?;
        self.tau.check_positive(k, "tau", n)?;
        self.tau_w.check_positive(k, "tau_w", n)?;
        self.v_th.check_positive(k, "V_th", n)?;
        self.v_initializer.check(k, "V_initializer", n)?;
        self.w_initializer.check(k, "w_initializer", n)
    }
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![
            self.v_initializer.values(rows, n, 0),
            self.w_initializer.values(rows, n, 1),
        ]
    }
    fn kernel_params(&self, _dt: f64) -> Vec<ParamValue> {
        vec![
            self.a.value().clone(),
            self.b.value().clone(),
            self.tau.value().clone(),
            self.tau_w.value().clone(),
            self.v_th.value().clone(),
        ]
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let (v, w) = (e.state[0], e.state[1]);
        let i = e.current_at(v).0;
        let (tau, tau_w, b) = (e.param(TAU), e.param(TAU_W), e.param(B));
        let v_new = exp_euler(
            v,
            (v - v * v * v / 3.0 - w + i) / tau,
            (1.0 - v * v) / tau,
            e.dt,
        );
        let w_new = exp_euler(w, (v + e.param(A) - b * w) / tau_w, -b / tau_w, e.dt);
        let v_out = v_new + e.delta;
        e.state[0] = v_out;
        e.state[1] = w_new;
        e.out = crossing(v_out, v, e.param(V_TH));
    }
}

impl NeuronModel for FitzHughNagumoParams {}
