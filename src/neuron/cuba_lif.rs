//! LIF neurons with a built-in synapse: `CubaLIF`, `CobaLIF` (BrainPy's `brainpy.state.lif`).
//! Kernels: `shaders/neuron/cuba_lif.wgsl`.

use super::{NEURON_INPUTS, Potentials, SpikeReset};
use crate::error::Result;
use crate::model::{ElemF64, Init, Model, Output, Param, ParamValue};
use crate::module::{Module, NeuronModel};
use crate::numerics::{exp_euler, heaviside, reset_v};
use crate::shaders::builtin;
use crate::shape::Shape;
use crate::units::{Conductance, Current, Resistance, S, Time, Voltage, mA, mV, ms, ohm};

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

/// What [`CubaLIF`] and [`CobaLIF`] share (checks and kernel parameters).
struct Shared {
    r: Param<Resistance>,
    tau: Param<Time>,
    tau_syn: Param<Time>,
    v_th: Param<Voltage>,
    v_reset: Param<Voltage>,
    v_rest: Param<Voltage>,
    v_initializer: Init<Voltage>,
    spk_reset: SpikeReset,
}

impl Shared {
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
        self.tau_syn.check_positive(kind, "tau_syn", n)?;
        self.potentials().validate(kind, n)?;
        self.v_initializer.check(kind, "V_initializer", n)
    }

    fn params(&self, dt: f64, e: ParamValue) -> Vec<ParamValue> {
        let mut p = vec![self.r.value().clone(), self.tau.value().clone()];
        p.extend(self.potentials().params());
        p.push(self.tau_syn.map(|t| (-dt / t).exp()));
        p.push(e);
        p
    }
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
/// | parameter | default |
/// |---|---|
/// | `R` | 1 Ω |
/// | `tau`, `tau_syn` | 5 ms, 5 ms |
/// | `V_th`, `V_reset`, `V_rest` | 1, 0, 0 mV |
/// | `V_initializer`, `g_initializer` | 0 mV, 0 mA |
/// | `spk_reset` | soft |
pub type CubaLIF = Module<CubaLIFParams>;

/// The parameters of [`CubaLIF`].
#[derive(Clone, Debug, PartialEq)]
pub struct CubaLIFParams {
    /// `R`.
    pub r: Param<Resistance>,
    /// `tau` (> 0).
    pub tau: Param<Time>,
    /// `tau_syn` (> 0).
    pub tau_syn: Param<Time>,
    /// `V_th` (> `V_reset`).
    pub v_th: Param<Voltage>,
    /// `V_reset`.
    pub v_reset: Param<Voltage>,
    /// `V_rest`.
    pub v_rest: Param<Voltage>,
    /// `V_initializer`.
    pub v_initializer: Init<Voltage>,
    /// `g_initializer` (a current).
    pub g_initializer: Init<Current>,
    /// `spk_reset`.
    pub spk_reset: SpikeReset,
}

impl Default for CubaLIFParams {
    fn default() -> Self {
        CubaLIFParams {
            r: (1.0 * ohm).into(),
            tau: (5.0 * ms).into(),
            tau_syn: (5.0 * ms).into(),
            v_th: (1.0 * mV).into(),
            v_reset: (0.0 * mV).into(),
            v_rest: (0.0 * mV).into(),
            v_initializer: (0.0 * mV).into(),
            g_initializer: (0.0 * mA).into(),
            spk_reset: SpikeReset::Soft,
        }
    }
}

impl CubaLIFParams {
    fn shared(&self) -> Shared {
        Shared {
            r: self.r.clone(),
            tau: self.tau.clone(),
            tau_syn: self.tau_syn.clone(),
            v_th: self.v_th.clone(),
            v_reset: self.v_reset.clone(),
            v_rest: self.v_rest.clone(),
            v_initializer: self.v_initializer.clone(),
            spk_reset: self.spk_reset,
        }
    }
}

impl CubaLIF {
    /// A `CubaLIF` population over `in_size` with BrainPy's defaults.
    pub fn new(in_size: impl Into<Shape>) -> CubaLIF {
        Module::from_model(CubaLIFParams::default(), in_size)
    }
}

crate::setters!(CubaLIF {
    /// Sets `R`.
    r: Param<Resistance>,
    /// Sets `tau`.
    tau: Param<Time>,
    /// Sets `tau_syn`.
    tau_syn: Param<Time>,
    /// Sets `V_th`.
    v_th: Param<Voltage>,
    /// Sets `V_reset`.
    v_reset: Param<Voltage>,
    /// Sets `V_rest`.
    v_rest: Param<Voltage>,
    /// Sets `V_initializer`.
    v_initializer: Init<Voltage>,
    /// Sets `g_initializer`.
    g_initializer: Init<Current>,
    /// Sets `spk_reset`.
    spk_reset: SpikeReset,
});

impl Model for CubaLIFParams {
    crate::model::describe!(
        "CubaLIF",
        builtin::CUBA_LIF,
        ["V", "g"],
        Output::Emitted,
        NEURON_INPUTS
    );
    fn validate(&self, n: usize) -> Result<()> {
        self.shared().check("CubaLIF", n)?;
        self.g_initializer.check("CubaLIF", "g_initializer", n)
    }
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![
            self.v_initializer.values(rows, n, 0),
            self.g_initializer.values(rows, n, 1),
        ]
    }
    fn kernel_params(&self, dt: f64) -> Vec<ParamValue> {
        self.shared().params(dt, ParamValue::Scalar(0.0))
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

/// The parameters of [`CobaLIF`].
#[derive(Clone, Debug, PartialEq)]
pub struct CobaLIFParams {
    /// `R`.
    pub r: Param<Resistance>,
    /// `tau` (> 0).
    pub tau: Param<Time>,
    /// `tau_syn` (> 0).
    pub tau_syn: Param<Time>,
    /// `E`: the synaptic reversal potential.
    pub e: Param<Voltage>,
    /// `V_th` (> `V_reset`).
    pub v_th: Param<Voltage>,
    /// `V_reset`.
    pub v_reset: Param<Voltage>,
    /// `V_rest`.
    pub v_rest: Param<Voltage>,
    /// `V_initializer`.
    pub v_initializer: Init<Voltage>,
    /// `g_initializer` (a conductance).
    pub g_initializer: Init<Conductance>,
    /// `spk_reset`.
    pub spk_reset: SpikeReset,
}

impl Default for CobaLIFParams {
    fn default() -> Self {
        CobaLIFParams {
            r: (1.0 * ohm).into(),
            tau: (5.0 * ms).into(),
            tau_syn: (5.0 * ms).into(),
            e: (0.0 * mV).into(),
            v_th: (1.0 * mV).into(),
            v_reset: (0.0 * mV).into(),
            v_rest: (0.0 * mV).into(),
            v_initializer: (0.0 * mV).into(),
            g_initializer: (0.0 * S).into(),
            spk_reset: SpikeReset::Soft,
        }
    }
}

impl CobaLIFParams {
    fn shared(&self) -> Shared {
        Shared {
            r: self.r.clone(),
            tau: self.tau.clone(),
            tau_syn: self.tau_syn.clone(),
            v_th: self.v_th.clone(),
            v_reset: self.v_reset.clone(),
            v_rest: self.v_rest.clone(),
            v_initializer: self.v_initializer.clone(),
            spk_reset: self.spk_reset,
        }
    }
}

impl CobaLIF {
    /// A `CobaLIF` population over `in_size` with BrainPy's defaults.
    pub fn new(in_size: impl Into<Shape>) -> CobaLIF {
        Module::from_model(CobaLIFParams::default(), in_size)
    }
}

crate::setters!(CobaLIF {
    /// Sets `R`.
    r: Param<Resistance>,
    /// Sets `tau`.
    tau: Param<Time>,
    /// Sets `tau_syn`.
    tau_syn: Param<Time>,
    /// Sets `E`.
    e: Param<Voltage>,
    /// Sets `V_th`.
    v_th: Param<Voltage>,
    /// Sets `V_reset`.
    v_reset: Param<Voltage>,
    /// Sets `V_rest`.
    v_rest: Param<Voltage>,
    /// Sets `V_initializer`.
    v_initializer: Init<Voltage>,
    /// Sets `g_initializer`.
    g_initializer: Init<Conductance>,
    /// Sets `spk_reset`.
    spk_reset: SpikeReset,
});

impl Model for CobaLIFParams {
    crate::model::describe!(
        "CobaLIF",
        builtin::COBA_LIF,
        ["V", "g"],
        Output::Emitted,
        NEURON_INPUTS
    );
    fn validate(&self, n: usize) -> Result<()> {
        self.shared().check("CobaLIF", n)?;
        self.e.check_finite("CobaLIF", "E", n)?;
        self.g_initializer.check("CobaLIF", "g_initializer", n)
    }
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![
            self.v_initializer.values(rows, n, 0),
            self.g_initializer.values(rows, n, 1),
        ]
    }
    fn kernel_params(&self, dt: f64) -> Vec<ParamValue> {
        self.shared().params(dt, self.e.value().clone())
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        step(e, true);
    }
}

impl NeuronModel for CobaLIFParams {}
