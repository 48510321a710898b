//! The exponential integrate-and-fire family: `ExpIF`, `ExpIFRef`, `AdExIF`, `AdExIFRef`
//! (BrainPy's `brainpy.state.lif`). Kernels: `shaders/neuron/exp_if.wgsl`.

use super::{Adaptation, LIFParams, NEURON_INPUTS, Refractory, nonlinear_if};
use crate::model::{ElemF64, Model, Output, Param, ParamValue};
use crate::module::{Module, NeuronModel};
use crate::shaders::builtin;
use crate::units::{Time, Voltage, mV, ms};

// Kernel parameter indices of the drift, as in exp_if.wgsl (the rest: `nonlinear_if`).
const R: usize = 0;
const TAU: usize = 1;
const V_REST: usize = 4;
const V_T: usize = 6;
const DELTA_T: usize = 7;

/// `τ dV/dt = −(V − V_rest) + ΔT·e^{min((V − V_T)/ΔT, 20)} − R·w + R·I(V)` and its Jacobian,
/// which holds the exponential while its argument is below 20.
fn drift(e: &ElemF64<'_>, v0: f64, w0: f64) -> (f64, f64) {
    let (r, tau, delta_t, v_rest) = (e.param(R), e.param(TAU), e.param(DELTA_T), e.param(V_REST));
    let arg = (v0 - e.param(V_T)) / delta_t;
    let ex = arg.min(20.0).exp();
    let (i, di) = e.current_at(v0);
    let f = (-(v0 - v_rest) + delta_t * ex - r * w0 + r * i) / tau;
    let jac = (-1.0 + if arg < 20.0 { ex } else { 0.0 } + r * di) / tau;
    (f, jac)
}

/// Exponential integrate-and-fire neuron (BrainPy's `ExpIF`).
///
/// ```text
/// τ dV/dt = −(V − V_rest) + ΔT·e^{min((V − V_T)/ΔT, 20)} + R·I(V)
/// ```
///
/// Per step: reset with the stored `V`'s spike `H((V − V_th)/(V_th − V_reset))` (soft/hard);
/// one exponential-Euler step whose Jacobian includes `e^{(V−V_T)/ΔT}/τ` while the argument is
/// below 20; `+` delta inputs; return the spike of the new `V`. A spiking step records the
/// run-away value of `V` (up to ~1e17 mV). **With the defaults and the default soft reset, `V`
/// never recovers and becomes inf/NaN** — as in BrainPy; use a hard reset or a
/// lower `V_th`.
///
/// Parameters, their checks and BrainPy's defaults: [`ExpIFParams`].
pub type ExpIF = Module<ExpIFParams>;

crate::model::parameters! {
    /// The parameters of [`ExpIF`], which [`ExpIFRef`] and [`AdExIF`] hold as `exp_if`.
    ExpIFParams of ExpIF, ExpIFRef at exp_if, AdExIF at exp_if, AdExIFRef at ad_ex_if.exp_if {
        /// The leaky part: `R` 1 Ω, `tau` 10 ms, `V_th` −30 mV, `V_reset` −68 mV, `V_rest`
        /// and `V_initializer` −65 mV.
        lif "LIF": LIFParams = LIFParams::nonlinear(-30.0), nested;
        v_t "V_T": Param<Voltage> = -59.9 * mV, finite;
        delta_t "delta_T": Param<Voltage> = 3.48 * mV, positive;
    }
}

impl ExpIFParams {
    /// The twelve kernel parameters with the given refractory period and adaptation.
    fn params(&self, tau_ref: ParamValue, adaptation: [ParamValue; 3]) -> Vec<ParamValue> {
        let mut p = self.lif.kernel_core();
        p.extend([
            self.v_t.value().clone(),
            self.delta_t.value().clone(),
            tau_ref,
        ]);
        p.extend(adaptation);
        p
    }
}

impl Model for ExpIFParams {
    crate::model::describe!(checked "ExpIF", builtin::EXP_IF,
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

impl NeuronModel for ExpIFParams {}

/// [`ExpIF`] with an absolute refractory period (BrainPy's `ExpIFRef`).
///
/// The ExpIF step gives a candidate `V`; while `t − t_last < τ_ref` `V` stays at its reset
/// value; `t_last ← t` where `V ≥ V_th`; `refractory = (t − t_last < τ_ref) or V ≥ V_th`.
/// Parameters as ExpIF plus `tau_ref` (1.7 ms). States: `V`, `last_spike_time`,
/// `refractory` (always kept; BrainPy keeps it only with `ref_var=True`).
pub type ExpIFRef = Module<ExpIFRefParams>;

crate::model::parameters! {
    /// The parameters of [`ExpIFRef`].
    ExpIFRefParams of ExpIFRef {
        /// Everything of [`ExpIF`].
        exp_if "ExpIF": ExpIFParams = ExpIFParams::default(), nested;
        tau_ref "tau_ref": Param<Time> = 1.7 * ms, non_negative;
    }
}

impl Model for ExpIFRefParams {
    crate::model::describe!(checked "ExpIFRef", builtin::EXP_IF_REF,
        ["V", "last_spike_time", "refractory"], Output::Emitted, NEURON_INPUTS);
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        Refractory::with_clock(vec![self.exp_if.lif.initial_v(rows, n)], rows * n)
    }
    fn kernel_params(&self, _dt: f64) -> Vec<ParamValue> {
        self.exp_if
            .params(self.tau_ref.value().clone(), Adaptation::none())
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        nonlinear_if::update_ref(e, false, drift);
    }
}

impl NeuronModel for ExpIFRefParams {}

/// Adaptive exponential integrate-and-fire neuron (BrainPy's `AdExIF`).
///
/// ```text
/// τ dV/dt   = −(V − V_rest) + ΔT·e^{min((V − V_T)/ΔT, 20)} − R·w + R·I(V)
/// τ_w dw/dt = a·(V − V_rest) − w
/// ```
///
/// Per step: reset `V` (soft/hard) and `w ← w + b·s` with the stored `V`'s spike `s`; the
/// ExpIF step of `V` with the reset `w`; `+` delta inputs; then `w` by exponential Euler using
/// the **new** `V`.
///
/// Defaults as [`ExpIF`] except `V_th = −55 mV`, plus `tau_w` 30 ms, `a` 1 S, `b` 1 mA,
/// `w_initializer` 0 mA. States: `V`, `w`.
pub type AdExIF = Module<AdExIFParams>;

crate::model::parameters! {
    /// The parameters of [`AdExIF`].
    AdExIFParams of AdExIF, AdExIFRef at ad_ex_if {
        /// The ExpIF part (`V_th` −55 mV here).
        exp_if "ExpIF": ExpIFParams = ExpIFParams {
            lif: LIFParams::nonlinear(-55.0),
            ..ExpIFParams::default()
        }, nested;
        /// The adaptation current `w`.
        adaptation "adaptation": Adaptation = Adaptation::new(30.0, 1.0), nested;
    }
}

impl Model for AdExIFParams {
    crate::model::describe!(checked "AdExIF", builtin::AD_EX_IF,
        ["V", "w"], Output::Emitted, NEURON_INPUTS);
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        self.adaptation
            .with_w(self.exp_if.lif.initial_v(rows, n), rows, n)
    }
    fn kernel_params(&self, dt: f64) -> Vec<ParamValue> {
        self.exp_if
            .params(ParamValue::Scalar(0.0), self.adaptation.params(dt))
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        nonlinear_if::update(e, true, drift);
    }
}

impl NeuronModel for AdExIFParams {}

/// [`AdExIF`] with an absolute refractory period (BrainPy's `AdExIFRef`).
///
/// The AdExIF step (the `w` drift uses the candidate `V`) gives candidates; while
/// `t − t_last < τ_ref`, `V` and `w` stay at their reset values. Parameters as AdExIF plus
/// `tau_ref` (1.7 ms). States: `V`, `w`, `last_spike_time`, `refractory`.
pub type AdExIFRef = Module<AdExIFRefParams>;

crate::model::parameters! {
    /// The parameters of [`AdExIFRef`].
    AdExIFRefParams of AdExIFRef {
        /// Everything of [`AdExIF`].
        ad_ex_if "AdExIF": AdExIFParams = AdExIFParams::default(), nested;
        tau_ref "tau_ref": Param<Time> = 1.7 * ms, non_negative;
    }
}

impl Model for AdExIFRefParams {
    crate::model::describe!(checked "AdExIFRef", builtin::AD_EX_IF_REF,
        ["V", "w", "last_spike_time", "refractory"], Output::Emitted, NEURON_INPUTS);
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        let a = &self.ad_ex_if;
        let states = a
            .adaptation
            .with_w(a.exp_if.lif.initial_v(rows, n), rows, n);
        Refractory::with_clock(states, rows * n)
    }
    fn kernel_params(&self, dt: f64) -> Vec<ParamValue> {
        self.ad_ex_if.exp_if.params(
            self.tau_ref.value().clone(),
            self.ad_ex_if.adaptation.params(dt),
        )
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        nonlinear_if::update_ref(e, true, drift);
    }
}

impl NeuronModel for AdExIFRefParams {}
