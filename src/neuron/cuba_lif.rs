//! LIF neurons with a built-in synapse: `CubaLIF`, `CobaLIF` (BrainPy's `brainpy.state.lif`).
//! Kernels: `shaders/neuron/cuba_lif.wgsl`.

use super::{LIFParams, NEURON_INPUTS};
use crate::model::{ElemF64, Init, Model, Output, Param, ParamValue};
use crate::module::{Module, NeuronModel};
use crate::numerics::{exp_euler, heaviside, reset_v};
use crate::shaders::builtin;
use crate::units::{Conductance, Current, S, Time, Voltage, mA, mV, ms};

// Kernel parameter indices, as in cuba_lif.wgsl.
const R: usize = 0;
const TAU: usize = 1;
const V_TH: usize = 2;
const V_RESET: usize = 3;
const V_REST: usize = 4;
const HARD: usize = 5;
const G_DECAY: usize = 6;
const E: usize = 7;

fn spike(e: &ElemF64<'_>, v: f64) -> f64 {
    let v_th = e.param(V_TH);
    heaviside((v - v_th) / (v_th - e.param(V_RESET)))
}

/// The `clif` kernel in f64.
fn step(e: &mut ElemF64<'_>, conductance: bool) {
    let mut v = e.state[0];
    v = reset_v(
        v,
        spike(e, v),
        e.param(V_TH),
        e.param(V_RESET),
        e.param(HARD) != 0.0,
    );
    let g = e.state[1] * e.param(G_DECAY) + e.delta;
    let (r, tau) = (e.param(R), e.param(TAU));
    let (cur, dcur) = e.current_at(v);
    let (syn, dsyn) = if conductance {
        (g * (e.param(E) - v), -g)
    } else {
        (g, 0.0)
    };
    v = exp_euler(
        v,
        (-(v - e.param(V_REST)) + r * (syn + cur)) / tau,
        (-1.0 + r * (dsyn + dcur)) / tau,
        e.dt,
    );
    e.state[0] = v;
    e.state[1] = g;
    e.out = spike(e, v);
}

/// `R, tau, V_th, V_reset, V_rest, hard, e^(−dt/τ_syn), E`: the `clif` kernel's parameters.
fn kernel_params(
    lif: &LIFParams,
    tau_syn: &Param<Time>,
    dt: f64,
    e: ParamValue,
) -> Vec<ParamValue> {
    let mut p = lif.kernel_core();
    p.push(tau_syn.map(|t| (-dt / t).exp()));
    p.push(e);
    p
}

/// LIF with a current-based exponential synapse (BrainPy's `CubaLIF`).
///
/// ```text
/// τ_syn dg/dt = −g
/// τ dV/dt = −(V − V_rest) + R·(g + I(V))
/// ```
///
/// Per step: reset `V` with the stored `V`'s spike (soft/hard); `g ← g·e^{−dt/τ_syn}` `+`
/// delta inputs (**delta inputs go to `g`**, not to `V`); exponential Euler of `V` with the new
/// `g`; return the spike of the new `V`.
///
/// Parameters, their checks and BrainPy's defaults: [`CubaLIFParams`].
pub type CubaLIF = Module<CubaLIFParams>;

crate::model::parameters! {
    /// The parameters of [`CubaLIF`].
    CubaLIFParams of CubaLIF {
        /// Everything of [`LIF`](super::LIF).
        lif "LIF": LIFParams = LIFParams::default(), nested;
        tau_syn "tau_syn": Param<Time> = 5.0 * ms, positive;
        g_initializer "g_initializer": Init<Current> = 0.0 * mA, init;
    }
}

impl Model for CubaLIFParams {
    crate::model::describe!(checked "CubaLIF", builtin::CUBA_LIF,
        ["V", "g"], Output::Emitted, NEURON_INPUTS);
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![
            self.lif.initial_v(rows, n),
            self.g_initializer.values(rows, n, 1),
        ]
    }
    fn kernel_params(&self, dt: f64) -> Vec<ParamValue> {
        kernel_params(&self.lif, &self.tau_syn, dt, ParamValue::Scalar(0.0))
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        step(e, false);
    }
}

impl NeuronModel for CubaLIFParams {}

/// LIF with a conductance-based exponential synapse (BrainPy's `CobaLIF`).
///
/// ```text
/// τ_syn dg/dt = −g
/// τ dV/dt = −(V − V_rest) + R·(g·(E − V) + I(V))
/// ```
///
/// As [`CubaLIF`], with the synaptic current `g·(E − V)`, which adds `−R·g/τ` to the Jacobian.
/// With the defaults `E = V_rest = 0`, so the synapse only shunts. Defaults as CubaLIF plus
/// `E` 0 mV and `g_initializer` 0 S.
pub type CobaLIF = Module<CobaLIFParams>;

crate::model::parameters! {
    /// The parameters of [`CobaLIF`].
    CobaLIFParams of CobaLIF {
        /// Everything of [`LIF`](super::LIF).
        lif "LIF": LIFParams = LIFParams::default(), nested;
        tau_syn "tau_syn": Param<Time> = 5.0 * ms, positive;
        /// The synaptic reversal potential.
        e "E": Param<Voltage> = 0.0 * mV, finite;
        g_initializer "g_initializer": Init<Conductance> = 0.0 * S, init;
    }
}

impl Model for CobaLIFParams {
    crate::model::describe!(checked "CobaLIF", builtin::COBA_LIF,
        ["V", "g"], Output::Emitted, NEURON_INPUTS);
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![
            self.lif.initial_v(rows, n),
            self.g_initializer.values(rows, n, 1),
        ]
    }
    fn kernel_params(&self, dt: f64) -> Vec<ParamValue> {
        kernel_params(&self.lif, &self.tau_syn, dt, self.e.value().clone())
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        step(e, true);
    }
}

impl NeuronModel for CobaLIFParams {}
