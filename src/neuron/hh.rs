//! `HH`: the Hodgkin–Huxley neuron (BrainPy's `brainpy.state.HH`). Kernel:
//! `shaders/neuron/hh.wgsl`.

use super::{NEURON_INPUTS, crossing};
use crate::error::Result;
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
/// Parameters, their checks and BrainPy's defaults: [`HHParams`].
pub type HH = Module<HHParams>;

crate::model::parameters! {
    /// The parameters of [`HH`].
    HHParams of HH {
        e_na "ENa": Param<Voltage> = 50.0 * mV, finite;
        g_na "gNa": Param<Conductance> = 120.0 * mS, non_negative;
        e_k "EK": Param<Voltage> = -77.0 * mV, finite;
        g_k "gK": Param<Conductance> = 36.0 * mS, non_negative;
        e_l "EL": Param<Voltage> = -54.387 * mV, finite;
        g_l "gL": Param<Conductance> = 0.03 * mS, non_negative;
        v_th "V_th": Param<Voltage> = 20.0 * mV, positive;
        c "C": Param<Capacitance> = 1.0 * uF, positive;
        v_initializer "V_initializer": Init<Voltage> = Init::uniform(-70.0 * mV, -60.0 * mV, 0), init;
        /// `None`: `m∞` of the initial `V`.
        m_initializer "m_initializer": Option<Init<Dimensionless>> = None, custom;
        /// `None`: `h∞` of the initial `V`.
        h_initializer "h_initializer": Option<Init<Dimensionless>> = None, custom;
        /// `None`: `n∞` of the initial `V`.
        n_initializer "n_initializer": Option<Init<Dimensionless>> = None, custom;
    }
}

impl HH {
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

impl Model for HHParams {
    crate::model::describe!(
        "HH",
        builtin::HH,
        ["V", "m", "h", "n"],
        Output::Emitted,
        NEURON_INPUTS
    );
    fn validate(&self, n: usize) -> Result<()> {
        self.check_declared("HH", n)?;
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
