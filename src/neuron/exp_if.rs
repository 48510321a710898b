//! The exponential integrate-and-fire family: `ExpIF`, `ExpIFRef`, `AdExIF`, `AdExIFRef`
//! (BrainPy's `brainpy.state.lif`). Kernels: `shaders/neuron/exp_if.wgsl`.

use super::{Adaptation, NEURON_INPUTS, NEVER_SPIKED, Potentials, Refractory, SpikeReset};
use crate::error::Result;
use crate::model::{ElemF64, Init, Model, Output, Param, ParamValue};
use crate::module::{Module, NeuronModel};
use crate::numerics::{exp_euler, heaviside, reset_v};
use crate::shaders::builtin;
use crate::shape::Shape;
use crate::units::{Conductance, Current, Resistance, Time, Voltage, mV, ms, ohm};

// Kernel parameter indices, as in exp_if.wgsl.
const R: usize = 0;
const TAU: usize = 1;
const V_TH: usize = 2;
const V_RESET: usize = 3;
const V_REST: usize = 4;
const HARD: usize = 5;
const V_T: usize = 6;
const DELTA_T: usize = 7;
const TAU_REF: usize = 8;
const C_W: usize = 9;
const A: usize = 10;
const B: usize = 11;

/// One step of `V` and `w` before any refractory hold (`eif_step`).
struct Step {
    v_reset: f64,
    w_reset: f64,
    v: f64,
    w: f64,
}

fn spike(e: &ElemF64<'_>, v: f64) -> f64 {
    let v_th = e.param(V_TH);
    heaviside((v - v_th) / (v_th - e.param(V_RESET)))
}

fn step(e: &ElemF64<'_>, v_old: f64, w_old: f64) -> Step {
    let s = spike(e, v_old);
    let v0 = reset_v(
        v_old,
        s,
        e.param(V_TH),
        e.param(V_RESET),
        e.param(HARD) != 0.0,
    );
    let w0 = w_old + e.param(B) * s;
    let (r, tau, delta_t, v_rest) = (e.param(R), e.param(TAU), e.param(DELTA_T), e.param(V_REST));
    let arg = (v0 - e.param(V_T)) / delta_t;
    let ex = arg.min(20.0).exp();
    let (i, di) = e.current_at(v0);
    let f = (-(v0 - v_rest) + delta_t * ex - r * w0 + r * i) / tau;
    let jac = (-1.0 + if arg < 20.0 { ex } else { 0.0 } + r * di) / tau;
    let v = exp_euler(v0, f, jac, e.dt) + e.delta;
    let w = w0 + e.param(C_W) * (e.param(A) * (v - v_rest) - w0);
    Step {
        v_reset: v0,
        w_reset: w0,
        v,
        w,
    }
}

/// The refractory template over `(V, w)` with states `V, [w,] last_spike_time, refractory`.
fn step_ref(e: &mut ElemF64<'_>, adaptive: bool) {
    let clock = Refractory::begin(e, if adaptive { 2 } else { 1 }, e.param(TAU_REF));
    let r = step(e, e.state[0], if adaptive { e.state[1] } else { 0.0 });
    let v = clock.pick(r.v, r.v_reset);
    e.state[0] = v;
    if adaptive {
        e.state[1] = clock.pick(r.w, r.w_reset);
    }
    let spiked = v >= e.param(V_TH);
    clock.finish(e, spiked);
    e.out = spike(e, v);
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
/// | parameter | default |
/// |---|---|
/// | `R` | 1 Ω |
/// | `tau` | 10 ms |
/// | `V_th` | −30 mV |
/// | `V_reset` | −68 mV |
/// | `V_rest` | −65 mV |
/// | `V_T` | −59.9 mV |
/// | `delta_T` | 3.48 mV |
/// | `V_initializer` | −65 mV |
/// | `spk_reset` | soft |
pub type ExpIF = Module<ExpIFParams>;

/// The parameters of [`ExpIF`].
#[derive(Clone, Debug, PartialEq)]
pub struct ExpIFParams {
    /// `R`.
    pub r: Param<Resistance>,
    /// `tau` (> 0).
    pub tau: Param<Time>,
    /// `V_th` (> `V_reset`).
    pub v_th: Param<Voltage>,
    /// `V_reset`.
    pub v_reset: Param<Voltage>,
    /// `V_rest`.
    pub v_rest: Param<Voltage>,
    /// `V_T`.
    pub v_t: Param<Voltage>,
    /// `delta_T` (> 0).
    pub delta_t: Param<Voltage>,
    /// `V_initializer`.
    pub v_initializer: Init<Voltage>,
    /// `spk_reset`.
    pub spk_reset: SpikeReset,
}

impl Default for ExpIFParams {
    fn default() -> Self {
        ExpIFParams {
            r: (1.0 * ohm).into(),
            tau: (10.0 * ms).into(),
            v_th: (-30.0 * mV).into(),
            v_reset: (-68.0 * mV).into(),
            v_rest: (-65.0 * mV).into(),
            v_t: (-59.9 * mV).into(),
            delta_t: (3.48 * mV).into(),
            v_initializer: (-65.0 * mV).into(),
            spk_reset: SpikeReset::Soft,
        }
    }
}

impl ExpIFParams {
    fn potentials(&self) -> Potentials<'_> {
        Potentials {
            v_th: &self.v_th,
            v_reset: &self.v_reset,
            v_rest: &self.v_rest,
            mode: self.spk_reset,
        }
    }

    fn check(&self, kind: &str, n: usize) -> Result<()> {
        self.r.check_finite(kind, "R", n)?;
        self.tau.check_positive(kind, "tau", n)?;
        self.potentials().validate(kind, n)?;
        self.v_t.check_finite(kind, "V_T", n)?;
        self.delta_t.check_positive(kind, "delta_T", n)?;
        self.v_initializer.check(kind, "V_initializer", n)
    }

    /// The twelve kernel parameters with the given refractory period and adaptation.
    fn params(&self, tau_ref: ParamValue, adaptation: [ParamValue; 3]) -> Vec<ParamValue> {
        let mut p = vec![self.r.value().clone(), self.tau.value().clone()];
        p.extend(self.potentials().params());
        p.extend([
            self.v_t.value().clone(),
            self.delta_t.value().clone(),
            tau_ref,
        ]);
        p.extend(adaptation);
        p
    }
}

fn no_adaptation() -> [ParamValue; 3] {
    [
        ParamValue::Scalar(0.0),
        ParamValue::Scalar(0.0),
        ParamValue::Scalar(0.0),
    ]
}

impl ExpIF {
    /// An `ExpIF` population over `in_size` with BrainPy's defaults.
    pub fn new(in_size: impl Into<Shape>) -> ExpIF {
        Module::from_model(ExpIFParams::default(), in_size)
    }
}

/// The setters of [`ExpIF`]'s parameters, written once: for `ExpIF` itself (`[]`) and for
/// every module whose parameters hold them at a path (`[field.field]`), followed by that
/// module's own setters.
macro_rules! exp_if_setters {
    ($ty:ident [$($at:ident).*] $($own:tt)*) => {
        crate::setters!($ty {
            /// Sets `R`.
            r: Param<Resistance> => $($at.)* r,
            /// Sets `tau`.
            tau: Param<Time> => $($at.)* tau,
            /// Sets `V_th`.
            v_th: Param<Voltage> => $($at.)* v_th,
            /// Sets `V_reset`.
            v_reset: Param<Voltage> => $($at.)* v_reset,
            /// Sets `V_rest`.
            v_rest: Param<Voltage> => $($at.)* v_rest,
            /// Sets `V_T`.
            v_t: Param<Voltage> => $($at.)* v_t,
            /// Sets `delta_T`.
            delta_t: Param<Voltage> => $($at.)* delta_t,
            /// Sets `V_initializer`.
            v_initializer: Init<Voltage> => $($at.)* v_initializer,
            /// Sets `spk_reset`.
            spk_reset: SpikeReset => $($at.)* spk_reset,
            $($own)*
        });
    };
}

exp_if_setters!(ExpIF []);

impl Model for ExpIFParams {
    crate::model::describe!(
        "ExpIF",
        builtin::EXP_IF,
        ["V"],
        Output::Emitted,
        NEURON_INPUTS
    );
    fn validate(&self, n: usize) -> Result<()> {
        self.check("ExpIF", n)
    }
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![self.v_initializer.values(rows, n, 0)]
    }
    fn kernel_params(&self, _dt: f64) -> Vec<ParamValue> {
        self.params(ParamValue::Scalar(0.0), no_adaptation())
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let r = step(e, e.state[0], 0.0);
        e.state[0] = r.v;
        e.out = spike(e, r.v);
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

/// The parameters of [`ExpIFRef`].
#[derive(Clone, Debug, PartialEq)]
pub struct ExpIFRefParams {
    /// Everything of [`ExpIF`].
    pub exp_if: ExpIFParams,
    /// `tau_ref` (≥ 0).
    pub tau_ref: Param<Time>,
}

impl Default for ExpIFRefParams {
    fn default() -> Self {
        ExpIFRefParams {
            exp_if: ExpIFParams::default(),
            tau_ref: (1.7 * ms).into(),
        }
    }
}

impl ExpIFRef {
    /// An `ExpIFRef` population over `in_size` with BrainPy's defaults.
    pub fn new(in_size: impl Into<Shape>) -> ExpIFRef {
        Module::from_model(ExpIFRefParams::default(), in_size)
    }
}

exp_if_setters!(ExpIFRef [exp_if]
    /// Sets `tau_ref`.
    tau_ref: Param<Time>,
);

impl Model for ExpIFRefParams {
    crate::model::describe!(
        "ExpIFRef",
        builtin::EXP_IF_REF,
        ["V", "last_spike_time", "refractory"],
        Output::Emitted,
        NEURON_INPUTS
    );
    fn validate(&self, n: usize) -> Result<()> {
        self.exp_if.check("ExpIFRef", n)?;
        self.tau_ref.check_non_negative("ExpIFRef", "tau_ref", n)
    }
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![
            self.exp_if.v_initializer.values(rows, n, 0),
            vec![NEVER_SPIKED; rows * n],
            vec![0.0; rows * n],
        ]
    }
    fn kernel_params(&self, _dt: f64) -> Vec<ParamValue> {
        self.exp_if
            .params(self.tau_ref.value().clone(), no_adaptation())
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        step_ref(e, false);
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

/// The parameters of [`AdExIF`].
#[derive(Clone, Debug, PartialEq)]
pub struct AdExIFParams {
    /// The ExpIF part (`V_th` defaults to −55 mV here).
    pub exp_if: ExpIFParams,
    /// The adaptation current `w`.
    pub adaptation: Adaptation,
}

impl Default for AdExIFParams {
    fn default() -> Self {
        AdExIFParams {
            exp_if: ExpIFParams {
                v_th: (-55.0 * mV).into(),
                ..ExpIFParams::default()
            },
            adaptation: Adaptation::new(30.0, 1.0),
        }
    }
}

impl AdExIFParams {
    fn check(&self, kind: &str, n: usize) -> Result<()> {
        self.exp_if.check(kind, n)?;
        self.adaptation.check(kind, n)
    }
}

impl AdExIF {
    /// An `AdExIF` population over `in_size` with BrainPy's defaults.
    pub fn new(in_size: impl Into<Shape>) -> AdExIF {
        Module::from_model(AdExIFParams::default(), in_size)
    }
}

/// The setters of [`AdExIF`]'s parameters, written once: for `AdExIF` itself (`[]`) and for
/// every module whose parameters hold them at a path (`[field.field]`), followed by that
/// module's own setters.
macro_rules! ad_ex_if_setters {
    ($ty:ident [$($at:ident).*] $($own:tt)*) => {
        exp_if_setters!($ty [$($at.)* exp_if]
            /// Sets `tau_w`.
            tau_w: Param<Time> => $($at.)* adaptation.tau_w,
            /// Sets `a`.
            a: Param<Conductance> => $($at.)* adaptation.a,
            /// Sets `b`.
            b: Param<Current> => $($at.)* adaptation.b,
            /// Sets `w_initializer`.
            w_initializer: Init<Current> => $($at.)* adaptation.w_initializer,
            $($own)*
        );
    };
}

ad_ex_if_setters!(AdExIF []);

impl Model for AdExIFParams {
    crate::model::describe!(
        "AdExIF",
        builtin::AD_EX_IF,
        ["V", "w"],
        Output::Emitted,
        NEURON_INPUTS
    );
    fn validate(&self, n: usize) -> Result<()> {
        self.check("AdExIF", n)
    }
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![
            self.exp_if.v_initializer.values(rows, n, 0),
            self.adaptation.w_initializer.values(rows, n, 1),
        ]
    }
    fn kernel_params(&self, dt: f64) -> Vec<ParamValue> {
        self.exp_if
            .params(ParamValue::Scalar(0.0), self.adaptation.params(dt))
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let r = step(e, e.state[0], e.state[1]);
        e.state[0] = r.v;
        e.state[1] = r.w;
        e.out = spike(e, r.v);
    }
}

impl NeuronModel for AdExIFParams {}

/// [`AdExIF`] with an absolute refractory period (BrainPy's `AdExIFRef`).
///
/// The AdExIF step (the `w` drift uses the candidate `V`) gives candidates; while
/// `t − t_last < τ_ref`, `V` and `w` stay at their reset values. Parameters as AdExIF plus
/// `tau_ref` (1.7 ms). States: `V`, `w`, `last_spike_time`, `refractory`.
pub type AdExIFRef = Module<AdExIFRefParams>;

/// The parameters of [`AdExIFRef`].
#[derive(Clone, Debug, PartialEq)]
pub struct AdExIFRefParams {
    /// Everything of [`AdExIF`].
    pub ad_ex_if: AdExIFParams,
    /// `tau_ref` (≥ 0).
    pub tau_ref: Param<Time>,
}

impl Default for AdExIFRefParams {
    fn default() -> Self {
        AdExIFRefParams {
            ad_ex_if: AdExIFParams::default(),
            tau_ref: (1.7 * ms).into(),
        }
    }
}

impl AdExIFRef {
    /// An `AdExIFRef` population over `in_size` with BrainPy's defaults.
    pub fn new(in_size: impl Into<Shape>) -> AdExIFRef {
        Module::from_model(AdExIFRefParams::default(), in_size)
    }
}

ad_ex_if_setters!(AdExIFRef [ad_ex_if]
    /// Sets `tau_ref`.
    tau_ref: Param<Time>,
);

impl Model for AdExIFRefParams {
    crate::model::describe!(
        "AdExIFRef",
        builtin::AD_EX_IF_REF,
        ["V", "w", "last_spike_time", "refractory"],
        Output::Emitted,
        NEURON_INPUTS
    );
    fn validate(&self, n: usize) -> Result<()> {
        self.ad_ex_if.check("AdExIFRef", n)?;
        self.tau_ref.check_non_negative("AdExIFRef", "tau_ref", n)
    }
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![
            self.ad_ex_if.exp_if.v_initializer.values(rows, n, 0),
            self.ad_ex_if.adaptation.w_initializer.values(rows, n, 1),
            vec![NEVER_SPIKED; rows * n],
            vec![0.0; rows * n],
        ]
    }
    fn kernel_params(&self, dt: f64) -> Vec<ParamValue> {
        self.ad_ex_if.exp_if.params(
            self.tau_ref.value().clone(),
            self.ad_ex_if.adaptation.params(dt),
        )
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        step_ref(e, true);
    }
}

impl NeuronModel for AdExIFRefParams {}
