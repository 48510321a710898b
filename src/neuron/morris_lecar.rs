//! `MorrisLecar` (BrainPy's `brainpy.state.MorrisLecar`). Kernel:
//! `shaders/neuron/morris_lecar.wgsl`.

use super::{NEURON_INPUTS, crossing};
use crate::model::{ElemF64, Init, Model, Output, Param, ParamValue};
use crate::module::{Module, NeuronModel};
use crate::numerics::exp_euler;
use crate::shaders::builtin;
use crate::units::{Capacitance, Conductance, Dimensionless, Rate, Voltage, mS, mV, ms, uF};

const V_CA: usize = 0;
const G_CA: usize = 1;
const V_K: usize = 2;
const G_K: usize = 3;
const V_LEAK: usize = 4;
const G_LEAK: usize = 5;
const C: usize = 6;
const V1: usize = 7;
const V2: usize = 8;
const V3: usize = 9;
const V4: usize = 10;
const PHI: usize = 11;
const V_TH: usize = 12;

/// Morris–Lecar neuron (BrainPy's `MorrisLecar`).
///
/// ```text
/// C dV/dt = −g_Ca·M∞(V)·(V − V_Ca) − g_K·W·(V − V_K) − g_leak·(V − V_leak) + I
/// dW/dt = (W∞(V) − W)/τ_W(V)
/// M∞ = ½(1 + tanh((V − V1)/V2)),  W∞ = ½(1 + tanh((V − V3)/V4)),
/// τ_W = 1/(φ·cosh((V − V3)/(2·V4)))
/// ```
///
/// Per step: `M∞`, `W∞`, `τ_W` and the current inputs at the stored `V`, fixed
/// during the step; exponential Euler of `V` (`J = −(g_Ca·M∞ + g_K·W + g_leak)/C`) and of `W`
/// (`J = −1/τ_W`); `+` delta inputs on `V`; return the upward crossing of `V_th`.
///
/// Parameters, their checks and BrainPy's defaults: [`MorrisLecarParams`].
pub type MorrisLecar = Module<MorrisLecarParams>;

crate::model::parameters! {
    /// The parameters of [`MorrisLecar`].
    MorrisLecarParams of MorrisLecar {
        v_ca "V_Ca": Param<Voltage> = 130.0 * mV, finite;
        g_ca "g_Ca": Param<Conductance> = 4.4 * mS, non_negative;
        v_k "V_K": Param<Voltage> = -84.0 * mV, finite;
        g_k "g_K": Param<Conductance> = 8.0 * mS, non_negative;
        v_leak "V_leak": Param<Voltage> = -60.0 * mV, finite;
        g_leak "g_leak": Param<Conductance> = 2.0 * mS, non_negative;
        c "C": Param<Capacitance> = 20.0 * uF, positive;
        v1 "V1": Param<Voltage> = -1.2 * mV, finite;
        v2 "V2": Param<Voltage> = 18.0 * mV, nonzero;
        v3 "V3": Param<Voltage> = 2.0 * mV, finite;
        v4 "V4": Param<Voltage> = 30.0 * mV, nonzero;
        phi "phi": Param<Rate> = 0.04 / ms, positive;
        v_th "V_th": Param<Voltage> = 10.0 * mV, positive;
        v_initializer "V_initializer": Init<Voltage> = Init::uniform(-70.0 * mV, -60.0 * mV, 0), init;
        w_initializer "W_initializer": Init<Dimensionless> = 0.02, init;
    }
}

impl Model for MorrisLecarParams {
    crate::model::describe!(checked "MorrisLecar", builtin::MORRIS_LECAR,
        ["V", "W"], Output::Emitted, NEURON_INPUTS);
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![
            self.v_initializer.values(rows, n, 0),
            self.w_initializer.values(rows, n, 1),
        ]
    }
    fn kernel_params(&self, _dt: f64) -> Vec<ParamValue> {
        vec![
            self.v_ca.value().clone(),
            self.g_ca.value().clone(),
            self.v_k.value().clone(),
            self.g_k.value().clone(),
            self.v_leak.value().clone(),
            self.g_leak.value().clone(),
            self.c.value().clone(),
            self.v1.value().clone(),
            self.v2.value().clone(),
            self.v3.value().clone(),
            self.v4.value().clone(),
            self.phi.value().clone(),
            self.v_th.value().clone(),
        ]
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let (v, w) = (e.state[0], e.state[1]);
        let (v3, v4) = (e.param(V3), e.param(V4));
        let m_inf = 0.5 * (1.0 + ((v - e.param(V1)) / e.param(V2)).tanh());
        let w_inf = 0.5 * (1.0 + ((v - v3) / v4).tanh());
        let tau_w = 1.0 / (e.param(PHI) * ((v - v3) / (2.0 * v4)).cosh());
        let g_ca = e.param(G_CA) * m_inf;
        let g_k = e.param(G_K) * w;
        let (g_leak, c) = (e.param(G_LEAK), e.param(C));
        let i = e.current_at(v).0;
        let f = (-g_ca * (v - e.param(V_CA))
            - g_k * (v - e.param(V_K))
            - g_leak * (v - e.param(V_LEAK))
            + i)
            / c;
        let v_new = exp_euler(v, f, -(g_ca + g_k + g_leak) / c, e.dt) + e.delta;
        e.state[0] = v_new;
        e.state[1] = exp_euler(w, (w_inf - w) / tau_w, -1.0 / tau_w, e.dt);
        e.out = crossing(v_new, v, e.param(V_TH));
    }
}

impl NeuronModel for MorrisLecarParams {}
