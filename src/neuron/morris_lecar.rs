//! `MorrisLecar` (BrainPy's `brainpy.state.MorrisLecar`). Kernel:
//! `shaders/neuron/morris_lecar.wgsl`.

use super::{NEURON_INPUTS, crossing};
use crate::error::Result;
use crate::model::{ElemF64, Init, Model, Output, Param, ParamValue};
use crate::module::{Module, NeuronModel};
use crate::numerics::exp_euler;
use crate::shaders::builtin;
use crate::shape::Shape;
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
/// | parameter | default |
/// |---|---|
/// | `V_Ca`, `V_K`, `V_leak` | 130, −84, −60 mV |
/// | `g_Ca`, `g_K`, `g_leak` | 4.4, 8, 2 mS |
/// | `C` | 20 µF |
/// | `V1`, `V2`, `V3`, `V4` | −1.2, 18, 2, 30 mV |
/// | `phi` | 0.04 /ms |
/// | `V_th` | 10 mV |
/// | `V_initializer`, `W_initializer` | uniform in [−70, −60) mV, 0.02 |
pub type MorrisLecar = Module<MorrisLecarParams>;

/// The parameters of [`MorrisLecar`].
#[derive(Clone, Debug, PartialEq)]
pub struct MorrisLecarParams {
    /// `V_Ca`.
    pub v_ca: Param<Voltage>,
    /// `g_Ca` (≥ 0).
    pub g_ca: Param<Conductance>,
    /// `V_K`.
    pub v_k: Param<Voltage>,
    /// `g_K` (≥ 0).
    pub g_k: Param<Conductance>,
    /// `V_leak`.
    pub v_leak: Param<Voltage>,
    /// `g_leak` (≥ 0).
    pub g_leak: Param<Conductance>,
    /// `C` (> 0).
    pub c: Param<Capacitance>,
    /// `V1`.
    pub v1: Param<Voltage>,
    /// `V2` (≠ 0).
    pub v2: Param<Voltage>,
    /// `V3`.
    pub v3: Param<Voltage>,
    /// `V4` (≠ 0).
    pub v4: Param<Voltage>,
    /// `phi` (> 0).
    pub phi: Param<Rate>,
    /// `V_th` (> 0).
    pub v_th: Param<Voltage>,
    /// `V_initializer`.
    pub v_initializer: Init<Voltage>,
    /// `W_initializer`.
    pub w_initializer: Init<Dimensionless>,
}

impl Default for MorrisLecarParams {
    fn default() -> Self {
        MorrisLecarParams {
            v_ca: (130.0 * mV).into(),
            g_ca: (4.4 * mS).into(),
            v_k: (-84.0 * mV).into(),
            g_k: (8.0 * mS).into(),
            v_leak: (-60.0 * mV).into(),
            g_leak: (2.0 * mS).into(),
            c: (20.0 * uF).into(),
            v1: (-1.2 * mV).into(),
            v2: (18.0 * mV).into(),
            v3: (2.0 * mV).into(),
            v4: (30.0 * mV).into(),
            phi: (0.04 / ms).into(),
            v_th: (10.0 * mV).into(),
            v_initializer: Init::uniform(-70.0 * mV, -60.0 * mV, 0),
            w_initializer: 0.02.into(),
        }
    }
}

impl MorrisLecar {
    /// A `MorrisLecar` population over `in_size` with BrainPy's defaults.
    pub fn new(in_size: impl Into<Shape>) -> MorrisLecar {
        Module::from_model(MorrisLecarParams::default(), in_size)
    }
}

crate::setters!(MorrisLecar {
    /// Sets `V_Ca`.
    v_ca: Param<Voltage>,
    /// Sets `g_Ca`.
    g_ca: Param<Conductance>,
    /// Sets `V_K`.
    v_k: Param<Voltage>,
    /// Sets `g_K`.
    g_k: Param<Conductance>,
    /// Sets `V_leak`.
    v_leak: Param<Voltage>,
    /// Sets `g_leak`.
    g_leak: Param<Conductance>,
    /// Sets `C`.
    c: Param<Capacitance>,
    /// Sets `V1`.
    v1: Param<Voltage>,
    /// Sets `V2`.
    v2: Param<Voltage>,
    /// Sets `V3`.
    v3: Param<Voltage>,
    /// Sets `V4`.
    v4: Param<Voltage>,
    /// Sets `phi`.
    phi: Param<Rate>,
    /// Sets `V_th`.
    v_th: Param<Voltage>,
    /// Sets `V_initializer`.
    v_initializer: Init<Voltage>,
    /// Sets `W_initializer`.
    w_initializer: Init<Dimensionless>,
});

impl Model for MorrisLecarParams {
    crate::model::describe!(
        "MorrisLecar",
        builtin::MORRIS_LECAR,
        ["V", "W"],
        Output::Emitted,
        NEURON_INPUTS
    );
    fn validate(&self, n: usize) -> Result<()> {
        let k = "MorrisLecar";
        for (name, p) in [
            ("V_Ca", &self.v_ca),
            ("V_K", &self.v_k),
            ("V_leak", &self.v_leak),
            ("V1", &self.v1),
            ("V3", &self.v3),
        ] {
            p.check_finite(k, name, n)?;
        }
        for (name, p) in [("V2", &self.v2), ("V4", &self.v4)] {
            p.check(
                k,
                name,
                n,
                |x| x.is_finite() && x != 0.0,
                "must be finite and not 0",
            )?;
        }
        for (name, p) in [
            ("g_Ca", &self.g_ca),
            ("g_K", &self.g_k),
            ("g_leak", &self.g_leak),
        ] {
            p.check_non_negative(k, name, n)?;
        }
        self.c.check_positive(k, "C", n)?;
        self.phi.check_positive(k, "phi", n)?;
        self.v_th.check_positive(k, "V_th", n)?;
        self.v_initializer.check(k, "V_initializer", n)?;
        self.w_initializer.check(k, "W_initializer", n)
    }
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
