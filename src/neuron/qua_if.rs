//! The quadratic integrate-and-fire family: `QuaIF`, `AdQuaIF`, `AdQuaIFRef` (BrainPy's
//! `brainpy.state.lif`). Kernels: `shaders/neuron/qua_if.wgsl`.

use super::{Adaptation, NEURON_INPUTS, NEVER_SPIKED, Potentials, Refractory, SpikeReset};
use crate::error::Result;
use crate::model::{ElemF64, Init, Model, Output, Param, ParamValue};
use crate::module::{Module, NeuronModel};
use crate::numerics::{exp_euler, heaviside, reset_v};
use crate::shaders::builtin;
use crate::shape::Shape;
use crate::units::{Conductance, Current, InverseVoltage, Resistance, Time, Voltage, mV, ms, ohm};

// Kernel parameter indices, as in qua_if.wgsl.
const R: usize = 0;
const TAU: usize = 1;
const V_TH: usize = 2;
const V_RESET: usize = 3;
const V_REST: usize = 4;
const HARD: usize = 5;
const V_C: usize = 6;
const C: usize = 7;
const TAU_REF: usize = 8;
const C_W: usize = 9;
const A: usize = 10;
const B: usize = 11;

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

/// `qif_step`: one step of `V` and `w` before any refractory hold.
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
    let v = exp_euler(v0, f, jac, e.dt) + e.delta;
    let w = w0 + e.param(C_W) * (e.param(A) * (v - v_rest) - w0);
    Step {
        v_reset: v0,
        w_reset: w0,
        v,
        w,
    }
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
/// | parameter | default |
/// |---|---|
/// | `R` | 1 Ω |
/// | `tau` | 10 ms |
/// | `V_th` | −30 mV |
/// | `V_reset` | −68 mV |
/// | `V_rest` | −65 mV |
/// | `V_c` | −50 mV |
/// | `c` | 0.07 /mV |
/// | `V_initializer` | −65 mV |
/// | `spk_reset` | soft |
pub type QuaIF = Module<QuaIFParams>;

/// The parameters of [`QuaIF`].
#[derive(Clone, Debug, PartialEq)]
pub struct QuaIFParams {
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
    /// `V_c`: the critical voltage.
    pub v_c: Param<Voltage>,
    /// `c`: the curvature.
    pub c: Param<InverseVoltage>,
    /// `V_initializer`.
    pub v_initializer: Init<Voltage>,
    /// `spk_reset`.
    pub spk_reset: SpikeReset,
}

impl Default for QuaIFParams {
    fn default() -> Self {
        QuaIFParams {
            r: (1.0 * ohm).into(),
            tau: (10.0 * ms).into(),
            v_th: (-30.0 * mV).into(),
            v_reset: (-68.0 * mV).into(),
            v_rest: (-65.0 * mV).into(),
            v_c: (-50.0 * mV).into(),
            c: 0.07.into(),
            v_initializer: (-65.0 * mV).into(),
            spk_reset: SpikeReset::Soft,
        }
    }
}

impl QuaIFParams {
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
        self.v_c.check_finite(kind, "V_c", n)?;
        self.c.check_finite(kind, "c", n)?;
        self.v_initializer.check(kind, "V_initializer", n)
    }

    fn params(&self, tau_ref: ParamValue, adaptation: [ParamValue; 3]) -> Vec<ParamValue> {
        let mut p = vec![self.r.value().clone(), self.tau.value().clone()];
        p.extend(self.potentials().params());
        p.extend([self.v_c.value().clone(), self.c.value().clone(), tau_ref]);
        p.extend(adaptation);
        p
    }
}

impl QuaIF {
    /// A `QuaIF` population over `in_size` with BrainPy's defaults.
    pub fn new(in_size: impl Into<Shape>) -> QuaIF {
        Module::from_model(QuaIFParams::default(), in_size)
    }
}

/// The setters of [`QuaIF`]'s parameters, written once: for `QuaIF` itself (`[]`) and for
/// every module whose parameters hold them at a path (`[field.field]`), followed by that
/// module's own setters.
macro_rules! qua_if_setters {
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
            /// Sets `V_c`.
            v_c: Param<Voltage> => $($at.)* v_c,
            /// Sets `c`.
            c: Param<InverseVoltage> => $($at.)* c,
            /// Sets `V_initializer`.
            v_initializer: Init<Voltage> => $($at.)* v_initializer,
            /// Sets `spk_reset`.
            spk_reset: SpikeReset => $($at.)* spk_reset,
            $($own)*
        });
    };
}

qua_if_setters!(QuaIF []);

impl Model for QuaIFParams {
    crate::model::describe!(
        "QuaIF",
        builtin::QUA_IF,
        ["V"],
        Output::Emitted,
        NEURON_INPUTS
    );
    fn validate(&self, n: usize) -> Result<()> {
        self.check("QuaIF", n)
    }
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![self.v_initializer.values(rows, n, 0)]
    }
    fn kernel_params(&self, _dt: f64) -> Vec<ParamValue> {
        let zero = ParamValue::Scalar(0.0);
        self.params(zero.clone(), [zero.clone(), zero.clone(), zero])
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let r = step(e, e.state[0], 0.0);
        e.state[0] = r.v;
        e.out = spike(e, r.v);
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

/// The parameters of [`AdQuaIF`].
#[derive(Clone, Debug, PartialEq)]
pub struct AdQuaIFParams {
    /// The QuaIF part.
    pub qua_if: QuaIFParams,
    /// The adaptation current `w`.
    pub adaptation: Adaptation,
}

impl Default for AdQuaIFParams {
    fn default() -> Self {
        AdQuaIFParams {
            qua_if: QuaIFParams::default(),
            adaptation: Adaptation::new(10.0, 0.1),
        }
    }
}

impl AdQuaIFParams {
    fn check(&self, kind: &str, n: usize) -> Result<()> {
        self.qua_if.check(kind, n)?;
        self.adaptation.check(kind, n)
    }
}

impl AdQuaIF {
    /// An `AdQuaIF` population over `in_size` with BrainPy's defaults.
    pub fn new(in_size: impl Into<Shape>) -> AdQuaIF {
        Module::from_model(AdQuaIFParams::default(), in_size)
    }
}

/// The setters of [`AdQuaIF`]'s parameters, written once: for `AdQuaIF` itself (`[]`) and for
/// every module whose parameters hold them at a path (`[field.field]`), followed by that
/// module's own setters.
macro_rules! ad_qua_if_setters {
    ($ty:ident [$($at:ident).*] $($own:tt)*) => {
        qua_if_setters!($ty [$($at.)* qua_if]
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

ad_qua_if_setters!(AdQuaIF []);

impl Model for AdQuaIFParams {
    crate::model::describe!(
        "AdQuaIF",
        builtin::AD_QUA_IF,
        ["V", "w"],
        Output::Emitted,
        NEURON_INPUTS
    );
    fn validate(&self, n: usize) -> Result<()> {
        self.check("AdQuaIF", n)
    }
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![
            self.qua_if.v_initializer.values(rows, n, 0),
            self.adaptation.w_initializer.values(rows, n, 1),
        ]
    }
    fn kernel_params(&self, dt: f64) -> Vec<ParamValue> {
        self.qua_if
            .params(ParamValue::Scalar(0.0), self.adaptation.params(dt))
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let r = step(e, e.state[0], e.state[1]);
        e.state[0] = r.v;
        e.state[1] = r.w;
        e.out = spike(e, r.v);
    }
}

impl NeuronModel for AdQuaIFParams {}

/// [`AdQuaIF`] with an absolute refractory period (BrainPy's `AdQuaIFRef`).
///
/// The AdQuaIF step gives candidates (the `w` drift uses the candidate `V`); while
/// `t − t_last < τ_ref`, `V` and `w` stay at their reset values. Parameters as AdQuaIF plus
/// `tau_ref` (1.7 ms). States: `V`, `w`, `last_spike_time`, `refractory`.
pub type AdQuaIFRef = Module<AdQuaIFRefParams>;

/// The parameters of [`AdQuaIFRef`].
#[derive(Clone, Debug, PartialEq)]
pub struct AdQuaIFRefParams {
    /// Everything of [`AdQuaIF`].
    pub ad_qua_if: AdQuaIFParams,
    /// `tau_ref` (≥ 0).
    pub tau_ref: Param<Time>,
}

impl Default for AdQuaIFRefParams {
    fn default() -> Self {
        AdQuaIFRefParams {
            ad_qua_if: AdQuaIFParams::default(),
            tau_ref: (1.7 * ms).into(),
        }
    }
}

impl AdQuaIFRef {
    /// An `AdQuaIFRef` population over `in_size` with BrainPy's defaults.
    pub fn new(in_size: impl Into<Shape>) -> AdQuaIFRef {
        Module::from_model(AdQuaIFRefParams::default(), in_size)
    }
}

ad_qua_if_setters!(AdQuaIFRef [ad_qua_if]
    /// Sets `tau_ref`.
    tau_ref: Param<Time>,
);

impl Model for AdQuaIFRefParams {
    crate::model::describe!(
        "AdQuaIFRef",
        builtin::AD_QUA_IF_REF,
        ["V", "w", "last_spike_time", "refractory"],
        Output::Emitted,
        NEURON_INPUTS
    );
    fn validate(&self, n: usize) -> Result<()> {
        self.ad_qua_if.check("AdQuaIFRef", n)?;
        self.tau_ref.check_non_negative("AdQuaIFRef", "tau_ref", n)
    }
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![
            self.ad_qua_if.qua_if.v_initializer.values(rows, n, 0),
            self.ad_qua_if.adaptation.w_initializer.values(rows, n, 1),
            vec![NEVER_SPIKED; rows * n],
            vec![0.0; rows * n],
        ]
    }
    fn kernel_params(&self, dt: f64) -> Vec<ParamValue> {
        self.ad_qua_if.qua_if.params(
            self.tau_ref.value().clone(),
            self.ad_qua_if.adaptation.params(dt),
        )
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let clock = Refractory::begin(e, 2, e.param(TAU_REF));
        let r = step(e, e.state[0], e.state[1]);
        let v = clock.pick(r.v, r.v_reset);
        e.state[0] = v;
        e.state[1] = clock.pick(r.w, r.w_reset);
        let spiked = v >= e.param(V_TH);
        clock.finish(e, spiked);
        e.out = spike(e, v);
    }
}

impl NeuronModel for AdQuaIFRefParams {}
