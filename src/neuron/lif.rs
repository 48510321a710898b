//! The LIF family: `IF`, `LIF`, `LIFRef`, `ALIF` (BrainPy's `brainpy.state.lif`).
//! Kernels: `shaders/neuron/lif.wgsl`.

use super::{
    AdExIF, AdExIFRef, AdQuaIF, AdQuaIFRef, CobaLIF, CubaLIF, ExpIF, ExpIFRef, NEURON_INPUTS,
    NEVER_SPIKED, QuaIF, SpikeReset,
};
use crate::error::{Error, Result};
use crate::model::{ElemF64, Init, Model, Output, Param, ParamValue};
use crate::module::{Module, NeuronModel};
use crate::numerics::{exp_euler, heaviside, reset_v};
use crate::shaders::builtin;
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

/// The potentials and reset mode of the LIF-like neurons.
struct Potentials<'a> {
    v_th: &'a Param<Voltage>,
    v_reset: &'a Param<Voltage>,
    v_rest: &'a Param<Voltage>,
    mode: SpikeReset,
}

impl Potentials<'_> {
    /// `V_th > V_reset` (the spike test divides by `V_th − V_reset`).
    fn check_gap(&self, kind: &str, n: usize) -> Result<()> {
        let gap = self
            .v_th
            .value()
            .zip_map(self.v_reset.value(), |th, re| th - re);
        if let Some(i) = gap.values().iter().position(|&g| g <= 0.0) {
            // The first offending element, in the layout of the gap.
            let (b, j) = match gap {
                ParamValue::PerInstance(_) => (i, 0),
                ParamValue::PerInstanceNeuron(_) => (i / n.max(1), i % n.max(1)),
                _ => (0, i),
            };
            return Err(Error::invalid(
                kind,
                "V_th",
                format!(
                    "{} mV with V_reset {} mV",
                    self.v_th.value().get(b, j, n),
                    self.v_reset.value().get(b, j, n)
                ),
                "must be above V_reset (the spike test divides by V_th − V_reset)",
            ));
        }
        Ok(())
    }

    /// `V_th, V_reset, V_rest, hard` as kernel parameters.
    fn params(&self) -> [ParamValue; 4] {
        [
            self.v_th.value().clone(),
            self.v_reset.value().clone(),
            self.v_rest.value().clone(),
            ParamValue::Scalar(self.mode.hard_flag()),
        ]
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
/// Parameters, their checks and BrainPy's defaults: [`IFParams`].
pub type IF = Module<IFParams>;

crate::model::parameters! {
    /// The parameters of [`IF`].
    IFParams of IF {
        r "R": Param<Resistance> = 1.0 * ohm, finite;
        tau "tau": Param<Time> = 5.0 * ms, positive;
        /// The spike test divides by it.
        v_th "V_th": Param<Voltage> = 1.0 * mV, positive;
        v_initializer "V_initializer": Init<Voltage> = 0.0 * mV, init;
        spk_reset "spk_reset": SpikeReset = SpikeReset::Soft, reset;
    }
}

impl Model for IFParams {
    crate::model::describe!(checked "IF", builtin::LIF, ["V"], Output::Emitted, NEURON_INPUTS);
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![self.v_initializer.values(rows, n, 0)]
    }
    fn kernel_params(&self, _dt: f64) -> Vec<ParamValue> {
        let zero = Param::scalar(0.0 * mV);
        let potentials = Potentials {
            v_th: &self.v_th,
            v_reset: &zero,
            v_rest: &zero,
            mode: self.spk_reset,
        };
        let mut p = vec![self.r.value().clone(), self.tau.value().clone()];
        p.extend(potentials.params());
        p
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
/// Parameters, their checks and BrainPy's defaults: [`LIFParams`].
///
/// State: `V`. With the default `R = 1 Ω`, a current of `1 mA` moves `V` by `1 mV`.
pub type LIF = Module<LIFParams>;

crate::model::parameters! {
    /// The parameters of [`LIF`], which every leaky neuron of the family holds as `lif` (with
    /// its own defaults): [`LIFRef`], [`ALIF`], [`CubaLIF`], [`CobaLIF`], the exponential and
    /// the quadratic integrate-and-fire neurons.
    LIFParams of LIF, LIFRef at lif, ALIF at lif, CubaLIF at lif, CobaLIF at lif,
        ExpIF at lif, ExpIFRef at exp_if.lif, AdExIF at exp_if.lif,
        AdExIFRef at ad_ex_if.exp_if.lif, QuaIF at lif, AdQuaIF at qua_if.lif,
        AdQuaIFRef at ad_qua_if.qua_if.lif {
        r "R": Param<Resistance> = 1.0 * ohm, finite;
        tau "tau": Param<Time> = 5.0 * ms, positive;
        /// Above `V_reset`.
        v_th "V_th": Param<Voltage> = 1.0 * mV, finite;
        v_reset "V_reset": Param<Voltage> = 0.0 * mV, finite;
        v_rest "V_rest": Param<Voltage> = 0.0 * mV, finite;
        v_initializer "V_initializer": Init<Voltage> = 0.0 * mV, init;
        spk_reset "spk_reset": SpikeReset = SpikeReset::Soft, reset;
    } where LIFParams::check_gap
}

impl LIFParams {
    /// The defaults of the exponential and quadratic integrate-and-fire neurons: `tau` 10 ms,
    /// `V_th` as given, `V_reset` −68 mV, `V_rest` and `V_initializer` −65 mV.
    pub(crate) fn nonlinear(v_th: f64) -> LIFParams {
        LIFParams {
            tau: (10.0 * ms).into(),
            v_th: (v_th * mV).into(),
            v_reset: (-68.0 * mV).into(),
            v_rest: (-65.0 * mV).into(),
            v_initializer: (-65.0 * mV).into(),
            ..LIFParams::default()
        }
    }

    fn check_gap(&self, kind: &str, n: usize) -> Result<()> {
        self.potentials().check_gap(kind, n)
    }

    fn potentials(&self) -> Potentials<'_> {
        Potentials {
            v_th: &self.v_th,
            v_reset: &self.v_reset,
            v_rest: &self.v_rest,
            mode: self.spk_reset,
        }
    }

    /// `R, tau, V_th, V_reset, V_rest, hard`: the first kernel parameters of every kernel of
    /// the family.
    pub(crate) fn kernel_core(&self) -> Vec<ParamValue> {
        let mut p = vec![self.r.value().clone(), self.tau.value().clone()];
        p.extend(self.potentials().params());
        p
    }

    /// The `V` state as it starts.
    pub(crate) fn initial_v(&self, rows: usize, n: usize) -> Vec<f64> {
        self.v_initializer.values(rows, n, 0)
    }
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
    crate::model::describe!(checked "LIF", builtin::LIF, ["V"], Output::Emitted, NEURON_INPUTS);
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![self.initial_v(rows, n)]
    }
    fn kernel_params(&self, _dt: f64) -> Vec<ParamValue> {
        self.kernel_core()
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

crate::model::parameters! {
    /// The parameters of [`LIFRef`].
    LIFRefParams of LIFRef {
        /// Everything of [`LIF`].
        lif "LIF": LIFParams = LIFParams::default(), nested;
        tau_ref "tau_ref": Param<Time> = 5.0 * ms, non_negative;
    }
}

impl Model for LIFRefParams {
    crate::model::describe!(checked "LIFRef", builtin::LIF_REF,
        ["V", "last_spike_time"], Output::Emitted, NEURON_INPUTS);
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![self.lif.initial_v(rows, n), vec![NEVER_SPIKED; rows * n]]
    }
    fn kernel_params(&self, _dt: f64) -> Vec<ParamValue> {
        let mut p = self.lif.kernel_core();
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

crate::model::parameters! {
    /// The parameters of [`ALIF`].
    ALIFParams of ALIF {
        /// Everything of [`LIF`].
        lif "LIF": LIFParams = LIFParams::default(), nested;
        tau_a "tau_a": Param<Time> = 100.0 * ms, positive;
        /// The threshold's increase per unit of `a`.
        beta "beta": Param<Voltage> = 0.1 * mV, finite;
        a_initializer "a_initializer": Init<Dimensionless> = 0.0, init;
    }
}

impl Model for ALIFParams {
    crate::model::describe!(checked "ALIF", builtin::ALIF,
        ["V", "a"], Output::Emitted, NEURON_INPUTS);
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![
            self.lif.initial_v(rows, n),
            self.a_initializer.values(rows, n, 1),
        ]
    }
    fn kernel_params(&self, dt: f64) -> Vec<ParamValue> {
        let mut p = self.lif.kernel_core();
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
