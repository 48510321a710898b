//! `HH`: the Hodgkin–Huxley neuron (BrainPy's `brainpy.state.HH`). Kernel:
//! `shaders/neuron/hh.wgsl`.

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
const C: usize = 7;

/// The rate functions (1/ms) at `v` (mV): `(α_m, β_m, α_h, β_h, α_n, β_n)`.
fn rates(v: f64) -> [f64; 6] {
    [
        1.0 / exprel(-(v + 40.0) / 10.0),
        4.0 * (-(v + 65.0) / 18.0).exp(),
        0.07 * (-(v + 65.0) / 20.0).exp(),
        1.0 / (1.0 + (-(v + 35.0) / 10.0).exp()),
        0.1 / exprel(-(v + 55.0) / 10.0),
        0.125 * (-(v + 65.0) / 80.0).exp(),
    ]
}

fn gate(z: f64, alpha: f64, beta: f64, dt: f64) -> f64 {
    exp_euler(z, alpha * (1.0 - z) - beta * z, -(alpha + beta), dt)
}

/// Hodgkin–Huxley neuron (BrainPy's `HH`).
///
/// ```text
/// C dV/dt = −g_Na·m³h·(V − E_Na) − g_K·n⁴·(V − E_K) − g_L·(V − E_L) + I
/// dz/dt = α_z(V)·(1 − z) − β_z(V)·z,   z = m, h, n
/// α_m = 1/exprel(−(V+40)/10)   β_m = 4·e^{−(V+65)/18}
/// α_h = 0.07·e^{−(V+65)/20}     β_h = 1/(1 + e^{−(V+35)/10})
/// α_n = 0.1/exprel(−(V+55)/10)  β_n = 0.125·e^{−(V+65)/80}
/// ```
///
/// Per step: conductances, rates and the current inputs (`x + Σ`, evaluated
/// **once** at the stored `V`, outside the Jacobian) from the stored state; exponential Euler
/// of `V` with `J = −(g_Na·m³h + g_K·n⁴ + g_L)/C` and of each gate; `+` delta inputs on `V`;
/// return the upward crossing of `V_th` (there is no reset). `x` is a current (µA).
///
/// | parameter | default |
/// |---|---|
/// | `ENa`, `EK`, `EL` | 50, −77, −54.387 mV |
/// | `gNa`, `gK`, `gL` | 120, 36, 0.03 mS |
/// | `C` | 1 µF |
/// | `V_th` | 20 mV |
/// | `V_initializer` | uniform in [−70, −60) mV |
/// | `m`, `h`, `n` initializers | `x∞(V₀)`, the steady state at the initial `V` |
pub type HH = Module<HHParams>;

/// The parameters of [`HH`].
#[derive(Clone, Debug, PartialEq)]
pub struct HHParams {
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
    /// `C` (> 0).
    pub c: Param<Capacitance>,
    /// `V_initializer`.
    pub v_initializer: Init<Voltage>,
    /// `m_initializer` (`None`: `m∞` of the initial `V`).
    pub m_initializer: Option<Init<Dimensionless>>,
    /// `h_initializer` (`None`: `h∞` of the initial `V`).
    pub h_initializer: Option<Init<Dimensionless>>,
    /// `n_initializer` (`None`: `n∞` of the initial `V`).
    pub n_initializer: Option<Init<Dimensionless>>,
}

impl Default for HHParams {
    fn default() -> Self {
        HHParams {
            e_na: (50.0 * mV).into(),
            g_na: (120.0 * mS).into(),
            e_k: (-77.0 * mV).into(),
            g_k: (36.0 * mS).into(),
            e_l: (-54.387 * mV).into(),
            g_l: (0.03 * mS).into(),
            v_th: (20.0 * mV).into(),
            c: (1.0 * uF).into(),
            v_initializer: Init::uniform(-70.0 * mV, -60.0 * mV, 0),
            m_initializer: None,
            h_initializer: None,
            n_initializer: None,
        }
    }
}

impl HH {
    /// An `HH` population over `in_size` with BrainPy's defaults.
    pub fn new(in_size: impl Into<Shape>) -> HH {
        Module::from_model(HHParams::default(), in_size)
    }

    /// Sets `m_initializer`.
    pub fn m_initializer(self, init: impl Into<Init<Dimensionless>>) -> HH {
        let init = init.into();
        self.configure(|p| p.m_initializer = Some(init))
    }

    /// Sets `h_initializer`.
    pub fn h_initializer(self, init: impl Into<Init<Dimensionless>>) -> HH {
        let init = init.into();
        self.configure(|p| p.h_initializer = Some(init))
    }

    /// Sets `n_initializer`.
    pub fn n_initializer(self, init: impl Into<Init<Dimensionless>>) -> HH {
        let init = init.into();
        self.configure(|p| p.n_initializer = Some(init))
    }
}

crate::setters!(HH {
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
    /// Sets `C`.
    c: Param<Capacitance>,
    /// Sets `V_initializer`.
    v_initializer: Init<Voltage>,
});

impl Model for HHParams {
    crate::model::describe!(
        "HH",
        builtin::HH,
        ["V", "m", "h", "n"],
        Output::Emitted,
        NEURON_INPUTS
    );
    fn validate(&self, n: usize) -> Result<()> {
        for (name, p) in [("ENa", &self.e_na), ("EK", &self.e_k), ("EL", &self.e_l)] {
            p.check_finite("HH", name, n)?;
        }
        for (name, p) in [("gNa", &self.g_na), ("gK", &self.g_k), ("gL", &self.g_l)] {
            p.check_non_negative("HH", name, n)?;
        }
        self.v_th.check_positive("HH", "V_th", n)?;
        self.c.check_positive("HH", "C", n)?;
        self.v_initializer.check("HH", "V_initializer", n)?;
        for (name, init) in [
            ("m_initializer", &self.m_initializer),
            ("h_initializer", &self.h_initializer),
            ("n_initializer", &self.n_initializer),
        ] {
            if let Some(i) = init {
                i.check("HH", name, n)?;
            }
        }
        Ok(())
    }
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        let v = self.v_initializer.values(rows, n, 0);
        let steady = |k: usize| -> Vec<f64> {
            v.iter()
                .map(|&v| {
                    let r = rates(v);
                    r[2 * k] / (r[2 * k] + r[2 * k + 1])
                })
                .collect()
        };
        let gates = [
            &self.m_initializer,
            &self.h_initializer,
            &self.n_initializer,
        ]
        .into_iter()
        .enumerate()
        .map(|(k, init)| match init {
            Some(i) => i.values(rows, n, 1 + k as u64),
            None => steady(k),
        })
        .collect::<Vec<_>>();
        std::iter::once(v).chain(gates).collect()
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
            self.c.value().clone(),
        ]
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let [v, m, h, n] = [e.state[0], e.state[1], e.state[2], e.state[3]];
        let g_na = e.param(GNA) * m * m * m * h;
        let g_k = e.param(GK) * n * n * n * n;
        let (g_l, c) = (e.param(GL), e.param(C));
        let i = e.current_at(v).0;
        let f = (-g_na * (v - e.param(ENA)) - g_k * (v - e.param(EK)) - g_l * (v - e.param(EL))
            + i)
            / c;
        let v_new = exp_euler(v, f, -(g_na + g_k + g_l) / c, e.dt) + e.delta;
        let [am, bm, ah, bh, an, bn] = rates(v);
        e.state[0] = v_new;
        e.state[1] = gate(m, am, bm, e.dt);
        e.state[2] = gate(h, ah, bh, e.dt);
        e.state[3] = gate(n, an, bn, e.dt);
        e.out = crossing(v_new, v, e.param(V_TH));
    }
}

impl NeuronModel for HHParams {}
