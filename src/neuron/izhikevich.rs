//! The Izhikevich family: `Izhikevich`, `IzhikevichRef` (BrainPy's
//! `brainpy.state.izhikevich`). Kernels: `shaders/neuron/izhikevich.wgsl`.

use super::{Candidates, NEURON_INPUTS, Refractory};
use crate::model::{ElemF64, Init, Model, Output, Param, ParamValue};
use crate::module::{Module, NeuronModel};
use crate::numerics::{exp_euler, exprel, heaviside};
use crate::shaders::builtin;
use crate::units::{Rate, Time, Voltage, VoltageRate, mV, ms};

// Kernel parameter indices, as in izhikevich.wgsl.
const A: usize = 0;
const B: usize = 1;
const C: usize = 2;
const D: usize = 3;
const V_TH: usize = 4;
const C_U: usize = 5;
const TAU_REF: usize = 6;

/// `p1`, `p2`, `p3` of `dV/dt = p1·V² + p2·V + p3 − u + I`.
const P1: f64 = 0.04;
const P2: f64 = 5.0;
const P3: f64 = 140.0;

fn spike(e: &ElemF64<'_>, v: f64) -> f64 {
    let v_th = e.param(V_TH);
    heaviside((v - v_th) / v_th)
}

/// `izh_step`.
fn step(e: &ElemF64<'_>, v_old: f64, u_old: f64) -> Candidates {
    let s = spike(e, v_old);
    let v0 = if s > 0.0 { e.param(C) } else { v_old };
    let u0 = u_old + e.param(D) * s;
    let (cur, dcur) = e.current_at(v0);
    let f = P1 * v0 * v0 + P2 * v0 + P3 - u0 + cur;
    let v = exp_euler(v0, f, 2.0 * P1 * v0 + P2 + dcur, e.dt) + e.delta;
    let u = u0 + e.param(C_U) * (e.param(A) * (e.param(B) * v - u0));
    Candidates {
        v_reset: v0,
        w_reset: u0,
        v,
        w: u,
    }
}

/// Izhikevich neuron (BrainPy's `Izhikevich`).
///
/// ```text
/// dV/dt = 0.04·V² + 5·V + 140 − u + I(V)      (V in mV, t in ms)
/// du/dt = a·(b·V − u)
/// ```
///
/// Per step, with `s = H((V − V_th)/V_th)` from the stored `V`: `V ← c` where `s = 1` and
/// `u ← u + d·s` — always a hard reset, whatever `spk_reset` says; exponential
/// Euler of `V` (`J = 0.08·V + 5 + dI/dV`); `+` delta inputs; `u` by exponential Euler with the
/// **new** `V`; return the spike of the new `V`. The input `x` is in mV/ms.
///
/// Parameters, their checks and BrainPy's defaults: [`IzhikevichParams`].
pub type Izhikevich = Module<IzhikevichParams>;

crate::model::parameters! {
    /// The parameters of [`Izhikevich`], which [`IzhikevichRef`] holds as `izhikevich`.
    IzhikevichParams of Izhikevich, IzhikevichRef at izhikevich {
        /// The time scale of `u`.
        a "a": Param<Rate> = 0.02 / ms, finite;
        /// The sensitivity of `u` to `V`.
        b "b": Param<Rate> = 0.2 / ms, finite;
        /// The reset potential.
        c "c": Param<Voltage> = -65.0 * mV, finite;
        /// The jump of `u` at a spike.
        d "d": Param<VoltageRate> = 8.0 * mV / ms, finite;
        v_th "V_th": Param<Voltage> = 30.0 * mV, positive;
        v_initializer "V_initializer": Init<Voltage> = -65.0 * mV, init;
        u_initializer "u_initializer": Init<VoltageRate> = 0.0 * mV / ms, init;
    }
}

impl IzhikevichParams {
    fn params(&self, dt: f64, tau_ref: ParamValue) -> Vec<ParamValue> {
        vec![
            self.a.value().clone(),
            self.b.value().clone(),
            self.c.value().clone(),
            self.d.value().clone(),
            self.v_th.value().clone(),
            self.a.map(|a| dt * exprel(-a * dt)),
            tau_ref,
        ]
    }

    fn initial(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![
            self.v_initializer.values(rows, n, 0),
            self.u_initializer.values(rows, n, 1),
        ]
    }
}

impl Model for IzhikevichParams {
    crate::model::describe!(checked "Izhikevich", builtin::IZHIKEVICH,
        ["V", "u"], Output::Emitted, NEURON_INPUTS);
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        self.initial(rows, n)
    }
    fn kernel_params(&self, dt: f64) -> Vec<ParamValue> {
        self.params(dt, ParamValue::Scalar(0.0))
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let r = step(e, e.state[0], e.state[1]);
        e.state[0] = r.v;
        e.state[1] = r.w;
        e.out = spike(e, r.v);
    }
}

impl NeuronModel for IzhikevichParams {}

/// [`Izhikevich`] with an absolute refractory period (BrainPy's `IzhikevichRef`).
///
/// The Izhikevich step gives candidates (the `u` drift uses the candidate `V`); while
/// `t − t_last < τ_ref`, `V` and `u` stay at their reset values; `t_last ← t` where
/// `V ≥ V_th`. The default `tau_ref = 0` never holds, so it then equals [`Izhikevich`].
/// States: `V`, `u`, `last_spike_time`, `refractory`.
pub type IzhikevichRef = Module<IzhikevichRefParams>;

crate::model::parameters! {
    /// The parameters of [`IzhikevichRef`].
    IzhikevichRefParams of IzhikevichRef {
        /// Everything of [`Izhikevich`].
        izhikevich "Izhikevich": IzhikevichParams = IzhikevichParams::default(), nested;
        /// Default 0 ms: never held.
        tau_ref "tau_ref": Param<Time> = 0.0 * ms, non_negative;
    }
}

impl Model for IzhikevichRefParams {
    crate::model::describe!(checked "IzhikevichRef", builtin::IZHIKEVICH_REF,
        ["V", "u", "last_spike_time", "refractory"], Output::Emitted, NEURON_INPUTS);
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        Refractory::with_clock(self.izhikevich.initial(rows, n), rows * n)
    }
    fn kernel_params(&self, dt: f64) -> Vec<ParamValue> {
        self.izhikevich.params(dt, self.tau_ref.value().clone())
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let clock = Refractory::begin(e, 2, e.param(TAU_REF));
        let v = step(e, e.state[0], e.state[1]).store(e, clock, true, e.param(V_TH));
        e.out = spike(e, v);
    }
}

impl NeuronModel for IzhikevichRefParams {}
