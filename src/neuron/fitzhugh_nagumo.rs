//! `FitzHughNagumo` (BrainPy's `brainpy.state.FitzHughNagumo`). Kernel:
//! `shaders/neuron/fitzhugh_nagumo.wgsl`.

use super::{NEURON_INPUTS, crossing};
use crate::model::{ElemF64, Init, Model, Output, Param, ParamValue};
use crate::module::{Module, NeuronModel};
use crate::numerics::exp_euler;
use crate::shaders::builtin;
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
/// Parameters, their checks and BrainPy's defaults: [`FitzHughNagumoParams`].
pub type FitzHughNagumo = Module<FitzHughNagumoParams>;

crate::model::parameters! {
    /// The parameters of [`FitzHughNagumo`].
    FitzHughNagumoParams of FitzHughNagumo {
        a "a": Param<Dimensionless> = 0.7, finite;
        b "b": Param<Dimensionless> = 0.8, finite;
        tau "tau": Param<Time> = 1.0 * ms, positive;
        tau_w "tau_w": Param<Time> = 12.5 * ms, positive;
        v_th "V_th": Param<Dimensionless> = 1.0, positive;
        v_initializer "V_initializer": Init<Dimensionless> = -1.2, init;
        w_initializer "w_initializer": Init<Dimensionless> = -0.62, init;
    }
}

impl Model for FitzHughNagumoParams {
    crate::model::describe!(checked "FitzHughNagumo", builtin::FITZHUGH_NAGUMO,
        ["V", "w"], Output::Emitted, NEURON_INPUTS);
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
