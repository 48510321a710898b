//! The LIF family: `IF`, `LIF`, `LIFRef`, `ALIF` (BrainPy's `brainpy.state.lif`).
//! Kernels: `shaders/neuron/lif.wgsl`.

use super::{NEURON_INPUTS, NEVER_SPIKED, Potentials, SpikeReset};
use crate::error::Result;
use crate::model::{ElemF64, Init, Model, Output, Param, ParamValue};
use crate::module::{Module, NeuronModel};
use crate::numerics::{exp_euler, heaviside, reset_v};
use crate::shaders::builtin;
use crate::shape::Shape;
use crate::units::{Dimensionless, Resistance, Time, Voltage, mV, ms, ohm};

// Kernel parameter indices, as in lif.wgsl.
const R: usize = 0;
const TAU: usize = 1;
const V_TH: usize = 2;
const V_RESET: usize = 3;
const V_REST: usize = 4;
const HARD: usize = 5;
const TAU_REF: usize = 6;
const BETA: usize = 6;
const A_DECAY: usize = 7;

/// `H((V − θ)/(V_th − V_reset))`.
fn spike(v: f64, threshold: f64, v_th: f64, v_reset: f64) -> f64 {
    heaviside((v - threshold) / (v_th - v_reset))
}

/// One exponential-Euler step of `τ dV/dt = −V + V_rest + R·I(V)` (`lif_integrate`).
fn integrate(e: &ElemF64<'_>, v: f64) -> f64 {
    let (r, tau) = (e.param(R), e.param(TAU));
    let (i, di) = e.current_at(v);
    exp_euler(
        v,
        (-v + e.param(V_REST) + r * i) / tau,
        (-1.0 + r * di) / tau,
        e.dt,
    )
}

/// What every member of the family has: `R`, `tau`, the potentials and `V_initializer`.
struct Core<'a> {
    r: &'a Param<Resistance>,
    tau: &'a Param<Time>,
    potentials: Potentials<'a>,
    v_initializer: &'a Init<Voltage>,
}

impl Core<'_> {
    fn validate(&self, kind: &str, n: usize) -> Result<()> {
        self.r.check_finite(kind, "R", n)?;
        self.tau.check_positive(kind, "tau", n)?;
        self.potentials.validate(kind, n)?;
        self.v_initializer.check(kind, "V_initializer", n)
    }

    /// `R, tau, V_th, V_reset, V_rest, hard`: the first kernel parameters of the family.
    fn params(&self) -> Vec<ParamValue> {
        let mut p = vec![self.r.value().clone(), self.tau.value().clone()];
        p.extend(self.potentials.params());
        p
    }
}

/// Integrate-and-fire neuron (BrainPy's `IF`) — which is leaky:
///
/// ```text
/// τ dV/dt = −V + R·I
/// ```
///
/// Per step: reset with `s = H((V − V_th)/V_th)` (soft `V −= V_th·s`, hard `V ← 0`); one
/// exponential-Euler step; `+` delta inputs; return `H((V − V_th)/V_th)` of the new `V`. It is
/// the LIF kernel with `V_rest = V_reset = 0`.
///
/// | parameter | default |
/// |---|---|
/// | `R` | 1 Ω |
/// | `tau` | 5 ms |
/// | `V_th` | 1 mV (> 0) |
/// | `V_initializer` | 0 mV |
/// | `spk_reset` | soft |
pub type IF = Module<IFParams>;

/// The parameters of [`IF`].
#[derive(Clone, Debug, PartialEq)]
pub struct IFParams {
    /// `R`.
    pub r: Param<Resistance>,
    /// `tau` (> 0).
    pub tau: Param<Time>,
    /// `V_th` (> 0: the spike test divides by it).
    pub v_th: Param<Voltage>,
    /// `V_initializer`.
    pub v_initializer: Init<Voltage>,
    /// `spk_reset`.
    pub spk_reset: SpikeReset,
}

impl Default for IFParams {
    fn default() -> Self {
        IFParams {
            r: (1.0 * ohm).into(),
            tau: (5.0 * ms).into(),
            v_th: (1.0 * mV).into(),
            v_initializer: (0.0 * mV).into(),
            spk_reset: SpikeReset::Soft,
        }
    }
}

impl IF {
    /// An `IF` population over `in_size` with BrainPy's defaults.
    pub fn new(in_size: impl Into<Shape>) -> IF {
        Module::from_model(IFParams::default(), in_size)
    }
}

crate::setters!(IF {
    /// Sets `R`.
    r: Param<Resistance>,
    /// Sets `tau`.
    tau: Param<Time>,
    /// Sets `V_th`.
    v_th: Param<Voltage>,
    /// Sets `V_initializer`.
    v_initializer: Init<Voltage>,
    /// Sets `spk_reset`.
    spk_reset: SpikeReset,
});

impl Model for IFParams {
    crate::model::describe!("IF", builtin::LIF, ["V"], Output::Emitted, NEURON_INPUTS);
    fn validate(&self, n: usize) -> Result<()> {
        self.r.check_finite("IF", "R", n)?;
        self.tau.check_positive("IF", "tau", n)?;
        self.v_th.check_positive("IF", "V_th", n)?;
        self.v_initializer.check("IF", "V_initializer", n)
    }
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![self.v_initializer.values(rows, n, 0)]
    }
    fn kernel_params(&self, _dt: f64) -> Vec<ParamValue> {
        let zero = Param::scalar(0.0 * mV);
        Core {
            r: &self.r,
            tau: &self.tau,
            potentials: Potentials {
                v_th: &self.v_th,
                v_reset: &zero,
                v_rest: &zero,
                mode: self.spk_reset,
            },
            v_initializer: &self.v_initializer,
        }
        .params()
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        LIFParams::step(e);
    }
}

impl NeuronModel for IFParams {}

/// Leaky integrate-and-fire neuron (BrainPy's `LIF`).
///
/// ```text
/// τ dV/dt = −V + V_rest + R·I(V)
/// ```
///
/// Per step, with `s = H((V − V_th)/(V_th − V_reset))` the spike of the
/// stored `V` (the previous step's spike):
/// 1. reset: soft (default) `V ← V − (V_th − V_reset)·s`; hard `V ← V_reset` where `s = 1`;
/// 2. exponential Euler, `J = (−1 + R·dI/dV)/τ` (current inputs such as COBA enter `J`);
/// 3. `+` delta inputs;
/// 4. the spike `H((V − V_th)/(V_th − V_reset))` of the new `V`, returned as 0.0/1.0.
///
/// So the recorded `V` of a spiking step is above threshold and the reset shows one step
/// later; the soft reset subtracts `V_th − V_reset`, which is "`V − V_th`" only when
/// `V_reset = 0`.
///
/// | parameter | default |
/// |---|---|
/// | `R` | 1 Ω |
/// | `tau` | 5 ms |
/// | `V_th` | 1 mV (> `V_reset`) |
/// | `V_reset` | 0 mV |
/// | `V_rest` | 0 mV |
/// | `V_initializer` | 0 mV |
/// | `spk_reset` | soft |
///
/// State: `V`. With the default `R = 1 Ω`, a current of `1 mA` moves `V` by `1 mV`.
pub type LIF = Module<LIFParams>;

/// The parameters of [`LIF`].
#[derive(Clone, Debug, PartialEq)]
pub struct LIFParams {
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
    /// `V_initializer`.
    pub v_initializer: Init<Voltage>,
    /// `spk_reset`.
    pub spk_reset: SpikeReset,
}

impl Default for LIFParams {
    fn default() -> Self {
        LIFParams {
            r: (1.0 * ohm).into(),
            tau: (5.0 * ms).into(),
            v_th: (1.0 * mV).into(),
            v_reset: (0.0 * mV).into(),
            v_rest: (0.0 * mV).into(),
            v_initializer: (0.0 * mV).into(),
            spk_reset: SpikeReset::Soft,
        }
    }
}

impl LIF {
    /// A `LIF` population over `in_size` with BrainPy's defaults.
    pub fn new(in_size: impl Into<Shape>) -> LIF {
        Module::from_model(LIFParams::default(), in_size)
    }
}

crate::setters!(LIF {
    /// Sets `R`.
    r: Param<Resistance>,
    /// Sets `tau`.
    tau: Param<Time>,
    /// Sets `V_th`.
    v_th: Param<Voltage>,
    /// Sets `V_reset`.
    v_reset: Param<Voltage>,
    /// Sets `V_rest`.
    v_rest: Param<Voltage>,
    /// Sets `V_initializer`.
    v_initializer: Init<Voltage>,
    /// Sets `spk_reset`.
    spk_reset: SpikeReset,
});

/// The `Core` of a parameter struct with the LIF fields.
macro_rules! core {
    ($p:expr) => {
        Core {
            r: &$p.r,
            tau: &$p.tau,
            potentials: Potentials {
                v_th: &$p.v_th,
                v_reset: &$p.v_reset,
                v_rest: &$p.v_rest,
                mode: $p.spk_reset,
            },
            v_initializer: &$p.v_initializer,
        }
    };
}

impl LIFParams {
    /// The `lif` kernel in f64.
    fn step(e: &mut ElemF64<'_>) {
        let (v_th, v_reset) = (e.param(V_TH), e.param(V_RESET));
        let mut v = e.state[0];
        v = reset_v(
            v,
            spike(v, v_th, v_th, v_reset),
            v_th,
            v_reset,
            e.param(HARD) != 0.0,
        );
        v = integrate(e, v) + e.delta;
        e.state[0] = v;
        e.out = spike(v, v_th, v_th, v_reset);
    }
}

impl Model for LIFParams {
    crate::model::describe!("LIF", builtin::LIF, ["V"], Output::Emitted, NEURON_INPUTS);
    fn validate(&self, n: usize) -> Result<()> {
        core!(self).validate("LIF", n)
    }
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![self.v_initializer.values(rows, n, 0)]
    }
    fn kernel_params(&self, _dt: f64) -> Vec<ParamValue> {
        core!(self).params()
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        LIFParams::step(e);
    }
}

impl NeuronModel for LIFParams {}

/// LIF with an absolute refractory period (BrainPy's `LIFRef`).
///
/// Per step: reset as LIF, giving `V₀`; the LIF step from `V₀` plus delta inputs
/// gives a candidate; while `t − t_last < τ_ref` (`t = k·dt`), `V` stays at `V₀` instead;
/// `t_last ← t` where `V ≥ V_th`; the spike `H((V − V_th)/(V_th − V_reset))` is returned.
/// A spike at step `k` freezes `V` for steps `k+1 … k+τ_ref/dt−1`; a soft reset freezes it
/// at `V_spike − (V_th − V_reset)`, not at `V_reset`.
///
/// Parameters as [`LIF`] plus `tau_ref` (5 ms). States: `V`, `last_spike_time` (starts at
/// −1e7 ms).
pub type LIFRef = Module<LIFRefParams>;

/// The parameters of [`LIFRef`].
#[derive(Clone, Debug, PartialEq)]
pub struct LIFRefParams {
    /// `R`.
    pub r: Param<Resistance>,
    /// `tau` (> 0).
    pub tau: Param<Time>,
    /// `tau_ref` (≥ 0).
    pub tau_ref: Param<Time>,
    /// `V_th` (> `V_reset`).
    pub v_th: Param<Voltage>,
    /// `V_reset`.
    pub v_reset: Param<Voltage>,
    /// `V_rest`.
    pub v_rest: Param<Voltage>,
    /// `V_initializer`.
    pub v_initializer: Init<Voltage>,
    /// `spk_reset`.
    pub spk_reset: SpikeReset,
}

impl Default for LIFRefParams {
    fn default() -> Self {
        let l = LIFParams::default();
        LIFRefParams {
            r: l.r,
            tau: l.tau,
            tau_ref: (5.0 * ms).into(),
            v_th: l.v_th,
            v_reset: l.v_reset,
            v_rest: l.v_rest,
            v_initializer: l.v_initializer,
            spk_reset: l.spk_reset,
        }
    }
}

impl LIFRef {
    /// A `LIFRef` population over `in_size` with BrainPy's defaults.
    pub fn new(in_size: impl Into<Shape>) -> LIFRef {
        Module::from_model(LIFRefParams::default(), in_size)
    }
}

crate::setters!(LIFRef {
    /// Sets `R`.
    r: Param<Resistance>,
    /// Sets `tau`.
    tau: Param<Time>,
    /// Sets `tau_ref`.
    tau_ref: Param<Time>,
    /// Sets `V_th`.
    v_th: Param<Voltage>,
    /// Sets `V_reset`.
    v_reset: Param<Voltage>,
    /// Sets `V_rest`.
    v_rest: Param<Voltage>,
    /// Sets `V_initializer`.
    v_initializer: Init<Voltage>,
    /// Sets `spk_reset`.
    spk_reset: SpikeReset,
});

impl Model for LIFRefParams {
    crate::model::describe!(
        "LIFRef",
        builtin::LIF_REF,
        ["V", "last_spike_time"],
        Output::Emitted,
        NEURON_INPUTS
    );
    fn validate(&self, n: usize) -> Result<()> {
        core!(self).validate("LIFRef", n)?;
        self.tau_ref.check_non_negative("LIFRef", "tau_ref", n)
    }
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![
            self.v_initializer.values(rows, n, 0),
            vec![NEVER_SPIKED; rows * n],
        ]
    }
    fn kernel_params(&self, _dt: f64) -> Vec<ParamValue> {
        let mut p = core!(self).params();
        p.push(self.tau_ref.value().clone());
        p
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let (v_th, v_reset) = (e.param(V_TH), e.param(V_RESET));
        let (v_old, mut last) = (e.state[0], e.state[1]);
        let v0 = reset_v(
            v_old,
            spike(v_old, v_th, v_th, v_reset),
            v_th,
            v_reset,
            e.param(HARD) != 0.0,
        );
        let candidate = integrate(e, v0) + e.delta;
        let v = if e.t - last < e.param(TAU_REF) {
            v0
        } else {
            candidate
        };
        if v >= v_th {
            last = e.t;
        }
        e.state[0] = v;
        e.state[1] = last;
        e.out = spike(v, v_th, v_th, v_reset);
    }
}

impl NeuronModel for LIFRefParams {}

/// Adaptive LIF (BrainPy's `ALIF`): the threshold rises by `β·a` after each spike.
///
/// ```text
/// τ dV/dt = −V + V_rest + R·I(V),      τ_a da/dt = −a
/// ```
///
/// Per step: `s = H((V − V_th − β·a)/(V_th − V_reset))`; reset `V` with `s` (soft subtracts
/// `V_th − V_reset`); `a ← a + s`; the LIF step of `V`; `a ← a·e^{−dt/τ_a}`; `+` delta inputs
/// on `V`; return `H((V − V_th − β·a)/(V_th − V_reset))` with the new `V` and `a`.
///
/// Parameters as [`LIF`] plus `tau_a` (100 ms), `beta` (0.1 mV) and `a_initializer` (0).
/// States: `V`, `a`.
pub type ALIF = Module<ALIFParams>;

/// The parameters of [`ALIF`].
#[derive(Clone, Debug, PartialEq)]
pub struct ALIFParams {
    /// `R`.
    pub r: Param<Resistance>,
    /// `tau` (> 0).
    pub tau: Param<Time>,
    /// `tau_a` (> 0).
    pub tau_a: Param<Time>,
    /// `beta`: threshold increase per unit of `a`.
    pub beta: Param<Voltage>,
    /// `V_th` (> `V_reset`).
    pub v_th: Param<Voltage>,
    /// `V_reset`.
    pub v_reset: Param<Voltage>,
    /// `V_rest`.
    pub v_rest: Param<Voltage>,
    /// `V_initializer`.
    pub v_initializer: Init<Voltage>,
    /// `a_initializer`.
    pub a_initializer: Init<Dimensionless>,
    /// `spk_reset`.
    pub spk_reset: SpikeReset,
}

impl Default for ALIFParams {
    fn default() -> Self {
        let l = LIFParams::default();
        ALIFParams {
            r: l.r,
            tau: l.tau,
            tau_a: (100.0 * ms).into(),
            beta: (0.1 * mV).into(),
            v_th: l.v_th,
            v_reset: l.v_reset,
            v_rest: l.v_rest,
            v_initializer: l.v_initializer,
            a_initializer: 0.0.into(),
            spk_reset: l.spk_reset,
        }
    }
}

impl ALIF {
    /// An `ALIF` population over `in_size` with BrainPy's defaults.
    pub fn new(in_size: impl Into<Shape>) -> ALIF {
        Module::from_model(ALIFParams::default(), in_size)
    }
}

crate::setters!(ALIF {
    /// Sets `R`.
    r: Param<Resistance>,
    /// Sets `tau`.
    tau: Param<Time>,
    /// Sets `tau_a`.
    tau_a: Param<Time>,
    /// Sets `beta`.
    beta: Param<Voltage>,
    /// Sets `V_th`.
    v_th: Param<Voltage>,
    /// Sets `V_reset`.
    v_reset: Param<Voltage>,
    /// Sets `V_rest`.
    v_rest: Param<Voltage>,
    /// Sets `V_initializer`.
    v_initializer: Init<Voltage>,
    /// Sets `a_initializer`.
    a_initializer: Init<Dimensionless>,
    /// Sets `spk_reset`.
    spk_reset: SpikeReset,
});

impl Model for ALIFParams {
    crate::model::describe!(
        "ALIF",
        builtin::ALIF,
        ["V", "a"],
        Output::Emitted,
        NEURON_INPUTS
    );
    fn validate(&self, n: usize) -> Result<()> {
        core!(self).validate("ALIF", n)?;
        self.tau_a.check_positive("ALIF", "tau_a", n)?;
        self.beta.check_finite("ALIF", "beta", n)?;
        self.a_initializer.check("ALIF", "a_initializer", n)
    }
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![
            self.v_initializer.values(rows, n, 0),
            self.a_initializer.values(rows, n, 1),
        ]
    }
    fn kernel_params(&self, dt: f64) -> Vec<ParamValue> {
        let mut p = core!(self).params();
        p.push(self.beta.value().clone());
        p.push(self.tau_a.map(|t| (-dt / t).exp()));
        p
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let (v_th, v_reset, beta) = (e.param(V_TH), e.param(V_RESET), e.param(BETA));
        let (mut v, mut a) = (e.state[0], e.state[1]);
        let s = spike(v, v_th + beta * a, v_th, v_reset);
        v = reset_v(v, s, v_th, v_reset, e.param(HARD) != 0.0);
        a += s;
        v = integrate(e, v);
        a *= e.param(A_DECAY);
        v += e.delta;
        e.state[0] = v;
        e.state[1] = a;
        e.out = spike(v, v_th + beta * a, v_th, v_reset);
    }
}

impl NeuronModel for ALIFParams {}
