//! `WangBuzsakiHH` (BrainPy's `brainpy.state.WangBuzsakiHH`). Kernel:
//! `shaders/neuron/wang_buzsaki.wgsl`.

use super::{NEURON_INPUTS, crossing};
use crate::error::Result;
use crate::model::{ElemF64, Init, Model, Output, Param, ParamValue};
use crate::module::{Module, NeuronModel};
use crate::numerics::{exp_euler, exprel};
use crate::shaders::builtin;
use crate::shape::Shape;
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
/// | parameter | default |
/// |---|---|
/// | `ENa`, `EK`, `EL` | 55, −90, −65 mV |
/// | `gNa`, `gK`, `gL` | 35, 9, 0.1 mS |
/// | `phi` | 5 |
/// | `C` | 1 µF |
/// | `V_th` | 20 mV |
/// | `V`, `h`, `n` initializers | −65 mV, 0.6, 0.32 |
pub type WangBuzsakiHH = Module<WangBuzsakiHHParams>;

/// The parameters of [`WangBuzsakiHH`].
#[derive(Clone, Debug, PartialEq)]
pub struct WangBuzsakiHHParams {
    /// `ENa`.
    pub e_na: Param<Voltage>,
    /// `gNa` (≥ 0).
    pub g_na: Param<Conductance>,
    /// `EK`.
    pub e_k: Param<Voltage>,
    /// `gK` (≥ 0).
    pub g_k: Param<Conductance>,
    /// `EL`.
    pub e_l: Param<Voltage>,
    /// `gL` (≥ 0).
    pub g_l: Param<Conductance>,
    /// `V_th` (> 0).
    pub v_th: Param<Voltage>,
    /// `phi` (> 0).
    pub phi: Param<Dimensionless>,
    /// `C` (> 0).
    pub c: Param<Capacitance>,
    /// `V_initializer`.
    pub v_initializer: Init<Voltage>,
    /// `h_initializer`.
    pub h_initializer: Init<Dimensionless>,
    /// `n_initializer`.
    pub n_initializer: Init<Dimensionless>,
}

impl Default for WangBuzsakiHHParams {
    fn default() -> Self {
        WangBuzsakiHHParams {
            e_na: (55.0 * mV).into(),
            g_na: (35.0 * mS).into(),
            e_k: (-90.0 * mV).into(),
            g_k: (9.0 * mS).into(),
            e_l: (-65.0 * mV).into(),
            g_l: (0.1 * mS).into(),
            v_th: (20.0 * mV).into(),
            phi: 5.0.into(),
            c: (1.0 * uF).into(),
            v_initializer: (-65.0 * mV).into(),
            h_initializer: 0.6.into(),
            n_initializer: 0.32.into(),
        }
    }
}

impl WangBuzsakiHH {
    /// A `WangBuzsakiHH` population over `in_size` with BrainPy's defaults.
    pub fn new(in_size: impl Into<Shape>) -> WangBuzsakiHH {
        Module::from_model(WangBuzsakiHHParams::default(), in_size)
    }
}

crate::setters!(WangBuzsakiHH {
    /// Sets `ENa`.
    e_na: Param<Voltage>,
    /// Sets `gNa`.
    g_na: Param<Conductance>,
    /// Sets `EK`.
    e_k: Param<Voltage>,
    /// Sets `gK`.
    g_k: Param<Conductance>,
    /// Sets `EL`.
    e_l: Param<Voltage>,
    /// Sets `gL`.
    g_l: Param<Conductance>,
    /// Sets `V_th`.
    v_th: Param<Voltage>,
    /// Sets `phi`.
    phi: Param<Dimensionless>,
    /// Sets `C`.
    c: Param<Capacitance>,
    /// Sets `V_initializer`.
    v_initializer: Init<Voltage>,
    /// Sets `h_initializer`.
    h_initializer: Init<Dimensionless>,
    /// Sets `n_initializer`.
    n_initializer: Init<Dimensionless>,
});

impl Model for WangBuzsakiHHParams {
    crate::model::describe!(
        "WangBuzsakiHH",
        builtin::WANG_BUZSAKI,
        ["V", "h", "n"],
        Output::Emitted,
        NEURON_INPUTS
    );
    fn validate(&self, n: usize) -> Result<()> {
        let k = "WangBuzsakiHH";
        for (name, p) in [("ENa", &self.e_na), ("EK", &self.e_k), ("EL", &self.e_l)] {
            p.check_finite(k, name, n)?;
        }
        for (name, p) in [("gNa", &self.g_na), ("gK", &self.g_k), ("gL", &self.g_l)] {
            p.check_non_negative(k, name, n)?;
        }
        self.v_th.check_positive(k, "V_th", n)?;
        self.phi.check_positive(k, "phi", n)?;
        self.c.check_positive(k, "C", n)?;
        self.v_initializer.check(k, "V_initializer", n)?;
        self.h_initializer.check(k, "h_initializer", n)?;
        self.n_initializer.check(k, "n_initializer", n)
    }
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
