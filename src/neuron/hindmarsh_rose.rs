//! `HindmarshRose` (BrainPy's `brainpy.state.HindmarshRose`). Kernel:
//! `shaders/neuron/hindmarsh_rose.wgsl`.

use super::{NEURON_INPUTS, crossing};
use crate::model::{ElemF64, Init, Model, Output, Param, ParamValue};
use crate::module::{Module, NeuronModel};
use crate::numerics::exp_euler;
use crate::shaders::builtin;
use crate::units::{Dimensionless, Time, ms};

const A: usize = 0;
const B: usize = 1;
const C: usize = 2;
const D: usize = 3;
const R: usize = 4;
const S: usize = 5;
const V_R: usize = 6;
const TAU: usize = 7;
const V_TH: usize = 8;

/// Hindmarsh–Rose bursting neuron (BrainPy's `HindmarshRose`), with unitless `V`, `y`, `z`.
///
/// ```text
/// τ dV/dt = y − a·V³ + b·V² − z + I
/// τ dy/dt = c − d·V² − y
/// τ dz/dt = r·(s·(V − V_r) − z)
/// ```
///
/// Per step: current inputs once at the stored `V`; exponential Euler of each
/// variable with the others at their stored values (`J_V = (−3aV² + 2bV)/τ`, `J_y = −1/τ`,
/// `J_z = −r/τ`); `+` delta inputs on `V`; return the upward crossing of `V_th`.
///
/// Parameters, their checks and BrainPy's defaults: [`HindmarshRoseParams`].
pub type HindmarshRose = Module<HindmarshRoseParams>;

crate::model::parameters! {
    /// The parameters of [`HindmarshRose`].
    HindmarshRoseParams of HindmarshRose {
        a "a": Param<Dimensionless> = 1.0, finite;
        b "b": Param<Dimensionless> = 3.0, finite;
        c "c": Param<Dimensionless> = 1.0, finite;
        d "d": Param<Dimensionless> = 5.0, finite;
        r "r": Param<Dimensionless> = 0.006, finite;
        s "s": Param<Dimensionless> = 4.0, finite;
        v_r "V_r": Param<Dimensionless> = -1.6, finite;
        tau "tau": Param<Time> = 1.0 * ms, positive;
        v_th "V_th": Param<Dimensionless> = 1.0, positive;
        v_initializer "V_initializer": Init<Dimensionless> = -1.6, init;
        y_initializer "y_initializer": Init<Dimensionless> = -10.0, init;
        z_initializer "z_initializer": Init<Dimensionless> = 0.0, init;
    }
}

impl Model for HindmarshRoseParams {
    crate::model::describe!(checked "HindmarshRose", builtin::HINDMARSH_ROSE,
        ["V", "y", "z"], Output::Emitted, NEURON_INPUTS);
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![
            self.v_initializer.values(rows, n, 0),
            self.y_initializer.values(rows, n, 1),
            self.z_initializer.values(rows, n, 2),
        ]
    }
    fn kernel_params(&self, _dt: f64) -> Vec<ParamValue> {
        vec![
            self.a.value().clone(),
            self.b.value().clone(),
            self.c.value().clone(),
            self.d.value().clone(),
            self.r.value().clone(),
            self.s.value().clone(),
            self.v_r.value().clone(),
            self.tau.value().clone(),
            self.v_th.value().clone(),
        ]
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let (v, y, z) = (e.state[0], e.state[1], e.state[2]);
        let i = e.current_at(v).0;
        let (a, b, r, tau) = (e.param(A), e.param(B), e.param(R), e.param(TAU));
        let v_new = exp_euler(
            v,
            (y - a * v * v * v + b * v * v - z + i) / tau,
            (-3.0 * a * v * v + 2.0 * b * v) / tau,
            e.dt,
        );
        let y_new = exp_euler(
            y,
            (e.param(C) - e.param(D) * v * v - y) / tau,
            -1.0 / tau,
            e.dt,
        );
        let z_new = exp_euler(
            z,
            r * (e.param(S) * (v - e.param(V_R)) - z) / tau,
            -r / tau,
            e.dt,
        );
        let v_out = v_new + e.delta;
        e.state[0] = v_out;
        e.state[1] = y_new;
        e.state[2] = z_new;
        e.out = crossing(v_out, v, e.param(V_TH));
    }
}

impl NeuronModel for HindmarshRoseParams {}
