//! The quadratic integrate-and-fire family: `QuaIF`, `AdQuaIF`, `AdQuaIFRef` (BrainPy's
//! `brainpy.state.lif`). Kernels: `shaders/neuron/qua_if.wgsl`.

use super::{Adaptation, LIFParams, NEURON_INPUTS, Refractory, nonlinear_if};
use crate::model::{ElemF64, Model, Output, Param, ParamValue};
use crate::module::{Module, NeuronModel};
use crate::shaders::builtin;
use crate::units::{InverseVoltage, Time, Voltage, mV, ms};

// Kernel parameter indices of the drift, as in qua_if.wgsl (the rest: `nonlinear_if`).
const R: usize = 0;
const TAU: usize = 1;
const V_REST: usize = 4;
const V_C: usize = 6;
const C: usize = 7;

/// `τ dV/dt = c·(V − V_rest)·(V − V_c) − R·w + R·I(V)` and its Jacobian.
fn drift(e: &ElemF64<'_>, v0: f64, w0: f64) -> (f64, f64) {
    let (r, tau, c, v_rest, v_c) = (
        e.param(R),
        e.param(TAU),
        e.param(C),
        e.param(V_REST),
        e.param(V_C),
    );
    let (i, di) = e.current_at(v0);
    let f = (c * (v0 - v_rest) * (v0 - v_c) - r * w0 + r * i) / tau;
    let jac = (c * (2.0 * v0 - v_rest - v_c) + r * di) / tau;
    (f, jac)
}

/// Quadratic integrate-and-fire neuron (BrainPy's `QuaIF`).
///
/// ```text
/// τ dV/dt = c·(V − V_rest)·(V − V_c) + R·I(V)
/// ```
///
/// Per step: reset with the stored `V`'s spike (soft/hard); exponential Euler with
/// `J = (c·(2V − V_rest − V_c) + R·dI/dV)/τ`; `+` delta inputs; return the spike of the new `V`.
///
/// Parameters, their checks and BrainPy's defaults: [`QuaIFParams`].
pub type QuaIF = Module<QuaIFParams>;

crate::model::parameters! {
    /// The parameters of [`QuaIF`], which [`AdQuaIF`] holds as `qua_if`.
    QuaIFParams of QuaIF, AdQuaIF at qua_if, AdQuaIFRef at ad_qua_if.qua_if {
        /// The leaky part: `R` 1 Ω, `tau` 10 ms, `V_th` −30 mV, `V_reset` −68 mV, `V_rest`
        /// and `V_initializer` −65 mV.
        lif "LIF": LIFParams = LIFParams::nonlinear(-30.0), nested;
        v_c "V_c": Param<Voltage> = -50.0 * mV, finite;
        c "c": Param<InverseVoltage> = 0.07, finite;
    }
}

impl QuaIFParams {
    /// The twelve kernel parameters with the given refractory period and adaptation.
    fn params(&self, tau_ref: ParamValue, adaptation: [ParamValue; 3]) -> Vec<ParamValue> {
        let mut p = self.lif.kernel_core();
        p.extend([self.v_c.value().clone(), self.c.value().clone(), tau_ref]);
        p.extend(adaptation);
        p
    }
}

impl Model for QuaIFParams {
    crate::model::describe!(checked "QuaIF", builtin::QUA_IF,
        ["V"], Output::Emitted, NEURON_INPUTS);
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![self.lif.initial_v(rows, n)]
    }
    fn kernel_params(&self, _dt: f64) -> Vec<ParamValue> {
        self.params(ParamValue::Scalar(0.0), Adaptation::none())
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        nonlinear_if::update(e, false, drift);
    }
}

impl NeuronModel for QuaIFParams {}

/// Adaptive quadratic integrate-and-fire neuron (BrainPy's `AdQuaIF`).
///
/// ```text
/// τ dV/dt   = c·(V − V_rest)·(V − V_c) − R·w + R·I(V)
/// τ_w dw/dt = a·(V − V_rest) − w
/// ```
///
/// Per step: reset `V` and `w ← w + b·s`; the QuaIF step with the reset `w`; `+` delta inputs;
/// `w` by exponential Euler with the new `V`. Defaults as [`QuaIF`] plus `tau_w` 10 ms,
/// `a` 1 S, `b` 0.1 mA, `w_initializer` 0 mA. States: `V`, `w`.
pub type AdQuaIF = Module<AdQuaIFParams>;

crate::model::parameters! {
    /// The parameters of [`AdQuaIF`].
    AdQuaIFParams of AdQuaIF, AdQuaIFRef at ad_qua_if {
        /// The QuaIF part.
        qua_if "QuaIF": QuaIFParams = QuaIFParams::default(), nested;
        /// The adaptation current `w`.
        adaptation "adaptation": Adaptation = Adaptation::new(10.0, 0.1), nested;
    }
}

impl Model for AdQuaIFParams {
    crate::model::describe!(checked "AdQuaIF", builtin::AD_QUA_IF,
        ["V", "w"], Output::Emitted, NEURON_INPUTS);
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        self.adaptation
            .with_w(self.qua_if.lif.initial_v(rows, n), rows, n)
    }
    fn kernel_params(&self, dt: f64) -> Vec<ParamValue> {
        self.qua_if
            .params(ParamValue::Scalar(0.0), self.adaptation.params(dt))
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        nonlinear_if::update(e, true, drift);
    }
}

impl NeuronModel for AdQuaIFParams {}

/// [`AdQuaIF`] with an absolute refractory period (BrainPy's `AdQuaIFRef`).
///
/// The AdQuaIF step gives candidates (the `w` drift uses the candidate `V`); while
/// `t − t_last < τ_ref`, `V` and `w` stay at their reset values. Parameters as AdQuaIF plus
/// `tau_ref` (1.7 ms). States: `V`, `w`, `last_spike_time`, `refractory`.
pub type AdQuaIFRef = Module<AdQuaIFRefParams>;

crate::model::parameters! {
    /// The parameters of [`AdQuaIFRef`].
    AdQuaIFRefParams of AdQuaIFRef {
        /// Everything of [`AdQuaIF`].
        ad_qua_if "AdQuaIF": AdQuaIFParams = AdQuaIFParams::default(), nested;
        tau_ref "tau_ref": Param<Time> = 1.7 * ms, non_negative;
    }
}

impl Model for AdQuaIFRefParams {
    crate::model::describe!(checked "AdQuaIFRef", builtin::AD_QUA_IF_REF,
        ["V", "w", "last_spike_time", "refractory"], Output::Emitted, NEURON_INPUTS);
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        let a = &self.ad_qua_if;
        let states = a
            .adaptation
            .with_w(a.qua_if.lif.initial_v(rows, n), rows, n);
        Refractory::with_clock(states, rows * n)
    }
    fn kernel_params(&self, dt: f64) -> Vec<ParamValue> {
        self.ad_qua_if.qua_if.params(
            self.tau_ref.value().clone(),
            self.ad_qua_if.adaptation.params(dt),
        )
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        nonlinear_if::update_ref(e, true, drift);
    }
}

impl NeuronModel for AdQuaIFRefParams {}
