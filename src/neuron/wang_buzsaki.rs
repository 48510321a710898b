//! `WangBuzsakiHH` (BrainPy's `brainpy.state.WangBuzsakiHH`). Kernel:
//! `shaders/neuron/wang_buzsaki.wgsl`.

use super::{NEURON_INPUTS, crossing};
use crate::model::{ElemF64, Init, Model, Output, Param, ParamValue};
use crate::module::{Module, NeuronModel};
use crate::numerics::{exp_euler, exprel};
use crate::shaders::builtin;
use crate::units::{Capacitance, Conductance, Dimensionless, Voltage, mS, mV, uF};

const ENA: usize = 0;
const GNA: usize = 1;
const EK: usize = 2;
const GK: usize = 3;
const EL: usize = 4;
const GL: usize = 5;
const V_TH: usize = 6;
const PHI: usize = 7;
const C: usize = 8;

fn gate(z: f64, alpha: f64, beta: f64, phi: f64, dt: f64) -> f64 {
    exp_euler(
        z,
        phi * (alpha * (1.0 - z) - beta * z),
        -phi * (alpha + beta),
        dt,
    )
}

/// Wang–Buzsáki fast-spiking interneuron (BrainPy's `WangBuzsakiHH`).
///
/// ```text
/// C dV/dt = −g_Na·m∞³·h·(V − E_Na) − g_K·n⁴·(V − E_K) − g_L·(V − E_L) + I
/// dz/dt = φ·(α_z(V)·(1 − z) − β_z(V)·z),   z = h, n
/// m∞ = α_m/(α_m + β_m), α_m = 1/exprel(−0.1(V+35)), β_m = 4·e^{−(V+60)/18}
/// α_h = 0.07·e^{−(V+58)/20}, β_h = 1/(e^{−0.1(V+28)} + 1)
/// α_n = 0.1/exprel(−0.1(V+34)), β_n = 0.125·e^{−(V+44)/80}
/// ```
///
/// Per step: `m` is instantaneous at the stored `V`; rates and current inputs at
/// the stored `V`; exponential Euler of `V`, `h`, `n`; `+` delta inputs on `V`; return the
/// upward crossing of `V_th`.
///
/// Parameters, their checks and BrainPy's defaults: [`WangBuzsakiHHParams`].
pub type WangBuzsakiHH = Module<WangBuzsakiHHParams>;

crate::model::parameters! {
    /// The parameters of [`WangBuzsakiHH`].
    WangBuzsakiHHParams of WangBuzsakiHH {
        e_na "ENa": Param<Voltage> = 55.0 * mV, finite;
        g_na "gNa": Param<Conductance> = 35.0 * mS, non_negative;
        e_k "EK": Param<Voltage> = -90.0 * mV, finite;
        g_k "gK": Param<Conductance> = 9.0 * mS, non_negative;
        e_l "EL": Param<Voltage> = -65.0 * mV, finite;
        g_l "gL": Param<Conductance> = 0.1 * mS, non_negative;
        v_th "V_th": Param<Voltage> = 20.0 * mV, positive;
        phi "phi": Param<Dimensionless> = 5.0, positive;
        c "C": Param<Capacitance> = 1.0 * uF, positive;
        v_initializer "V_initializer": Init<Voltage> = -65.0 * mV, init;
        h_initializer "h_initializer": Init<Dimensionless> = 0.6, init;
        n_initializer "n_initializer": Init<Dimensionless> = 0.32, init;
    }
}

impl Model for WangBuzsakiHHParams {
    crate::model::describe!(checked "WangBuzsakiHH", builtin::WANG_BUZSAKI,
        ["V", "h", "n"], Output::Emitted, NEURON_INPUTS);
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![
            self.v_initializer.values(rows, n, 0),
            self.h_initializer.values(rows, n, 1),
            self.n_initializer.values(rows, n, 2),
        ]
    }
    fn kernel_params(&self, _dt: f64) -> Vec<ParamValue> {
        vec![
            self.e_na.value().clone(),
            self.g_na.value().clone(),
            self.e_k.value().clone(),
            self.g_k.value().clone(),
            self.e_l.value().clone(),
            self.g_l.value().clone(),
            self.v_th.value().clone(),
            self.phi.value().clone(),
            self.c.value().clone(),
        ]
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let (v, h, n) = (e.state[0], e.state[1], e.state[2]);
        let am = 1.0 / exprel(-0.1 * (v + 35.0));
        let bm = 4.0 * (-(v + 60.0) / 18.0).exp();
        let m = am / (am + bm);
        let g_na = e.param(GNA) * m * m * m * h;
        let g_k = e.param(GK) * n * n * n * n;
        let (g_l, c, phi) = (e.param(GL), e.param(C), e.param(PHI));
        let i = e.current_at(v).0;
        let f = (-g_na * (v - e.param(ENA)) - g_k * (v - e.param(EK)) - g_l * (v - e.param(EL))
            + i)
            / c;
        let v_new = exp_euler(v, f, -(g_na + g_k + g_l) / c, e.dt) + e.delta;
        let ah = 0.07 * (-(v + 58.0) / 20.0).exp();
        let bh = 1.0 / ((-0.1 * (v + 28.0)).exp() + 1.0);
        let an = 0.1 / exprel(-0.1 * (v + 34.0));
        let bn = 0.125 * (-(v + 44.0) / 80.0).exp();
        e.state[0] = v_new;
        e.state[1] = gate(h, ah, bh, phi, e.dt);
        e.state[2] = gate(n, an, bn, phi, e.dt);
        e.out = crossing(v_new, v, e.param(V_TH));
    }
}

impl NeuronModel for WangBuzsakiHHParams {}
