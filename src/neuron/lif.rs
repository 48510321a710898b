//! `LIF`: the leaky integrate-and-fire neuron. Kernel: `shaders/neuron/lif.wgsl`.

use crate::error::{Error, Result};
use crate::model::{ElemF64, Init, Model, Output, Param, ParamValue};
use crate::module::{Module, NeuronModel};
use crate::neuron::SpikeReset;
use crate::numerics::{exprel, heaviside};
use crate::shaders::{KernelDef, builtin};
use crate::shape::Shape;
use crate::units::{Resistance, Time, Voltage, mV, ms, ohm};

/// Leaky integrate-and-fire neuron (BrainPy's `brainpy.state.LIF`).
///
/// ```text
/// τ dV/dt = −V + V_rest + R·I
/// ```
///
/// Per step (SPEC §3, §5.1), with `s = H((V − V_th)/(V_th − V_reset))` the spike of the
/// stored `V` (the previous step's spike):
/// 1. reset: soft (default) `V ← V − (V_th − V_reset)·s`; hard `V ← V_reset` where `s = 1`;
/// 2. exponential Euler with `J = −1/τ`: `V ← V + dt·exprel(−dt/τ)/τ · (−V + V_rest + R·x)`;
/// 3. the spike `H((V − V_th)/(V_th − V_reset))` of the new `V`, returned as 0.0/1.0.
///
/// So the recorded `V` of a spiking step is above threshold and the reset shows one step
/// later; the soft reset subtracts `V_th − V_reset`, which is "`V − V_th`" only when
/// `V_reset = 0` (SPEC §11.2).
///
/// | parameter | default | BrainPy name |
/// |---|---|---|
/// | resistance | 1 Ω | `R` |
/// | time constant | 5 ms | `tau` |
/// | threshold | 1 mV | `V_th` |
/// | reset potential | 0 mV | `V_reset` |
/// | resting potential | 0 mV | `V_rest` |
/// | initial `V` | 0 mV | `V_initializer` |
/// | reset mode | soft | `spk_reset` |
///
/// State: `V`. The input `x` is a current (with the default `R = 1 Ω`, `1 mA` moves `V` by
/// `1 mV`). The factor `dt·exprel(−dt/τ)/τ` is computed on the host in f64.
pub type LIF = Module<LIFParams>;

/// The parameters of [`LIF`].
#[derive(Clone, Debug, PartialEq)]
pub struct LIFParams {
    /// Membrane resistance `R`.
    pub r: Param<Resistance>,
    /// Membrane time constant `tau` (> 0).
    pub tau: Param<Time>,
    /// Spike threshold `V_th` (> `V_reset`).
    pub v_th: Param<Voltage>,
    /// Reset potential `V_reset`.
    pub v_reset: Param<Voltage>,
    /// Resting potential `V_rest`.
    pub v_rest: Param<Voltage>,
    /// Initial `V` (`V_initializer`).
    pub v_initializer: Init<Voltage>,
    /// Soft or hard reset (`spk_reset`).
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
    /// A `LIF` neuron population over `in_size` with BrainPy's defaults.
    pub fn new(in_size: impl Into<Shape>) -> LIF {
        Module::from_model(LIFParams::default(), in_size)
    }

    /// Sets `R`.
    pub fn r(self, r: impl Into<Param<Resistance>>) -> LIF {
        let r = r.into();
        self.configure(|p| p.r = r)
    }

    /// Sets `tau`.
    pub fn tau(self, tau: impl Into<Param<Time>>) -> LIF {
        let tau = tau.into();
        self.configure(|p| p.tau = tau)
    }

    /// Sets `V_th`.
    pub fn v_th(self, v: impl Into<Param<Voltage>>) -> LIF {
        let v = v.into();
        self.configure(|p| p.v_th = v)
    }

    /// Sets `V_reset`.
    pub fn v_reset(self, v: impl Into<Param<Voltage>>) -> LIF {
        let v = v.into();
        self.configure(|p| p.v_reset = v)
    }

    /// Sets `V_rest`.
    pub fn v_rest(self, v: impl Into<Param<Voltage>>) -> LIF {
        let v = v.into();
        self.configure(|p| p.v_rest = v)
    }

    /// Sets how `V` starts (`V_initializer`).
    pub fn v_initializer(self, init: impl Into<Init<Voltage>>) -> LIF {
        let init = init.into();
        self.configure(|p| p.v_initializer = init)
    }

    /// Sets the reset mode (`spk_reset`).
    pub fn spk_reset(self, mode: SpikeReset) -> LIF {
        self.configure(|p| p.spk_reset = mode)
    }
}

// State and kernel-parameter indices, as in lif.wgsl.
const V: usize = 0;
const R: usize = 0;
const V_TH: usize = 1;
const V_RESET: usize = 2;
const V_REST: usize = 3;
const C: usize = 4;
const HARD: usize = 5;

impl Model for LIFParams {
    fn kind(&self) -> &str {
        "LIF"
    }

    fn kernel(&self) -> &KernelDef {
        &builtin::LIF
    }

    fn state_names(&self) -> Vec<&str> {
        vec!["V"]
    }

    fn output(&self) -> Output {
        Output::Emitted
    }

    fn validate(&self, n: usize) -> Result<()> {
        let finite = |x: f64| x.is_finite();
        self.r.check("LIF", "R", n, finite, "must be finite")?;
        self.tau.check(
            "LIF",
            "tau",
            n,
            |t| finite(t) && t > 0.0,
            "must be > 0 and finite",
        )?;
        self.v_th
            .check("LIF", "V_th", n, finite, "must be finite")?;
        self.v_reset
            .check("LIF", "V_reset", n, finite, "must be finite")?;
        self.v_rest
            .check("LIF", "V_rest", n, finite, "must be finite")?;
        let gap = self
            .v_th
            .value()
            .zip_map(self.v_reset.value(), |th, re| th - re);
        if let Some(j) = (0..gap.len()).find(|&j| gap.at(j) <= 0.0) {
            return Err(Error::invalid(
                "LIF",
                "V_th",
                format!(
                    "{} mV with V_reset {} mV",
                    self.v_th.value().at(j),
                    self.v_reset.value().at(j)
                ),
                "must be above V_reset (the spike test divides by V_th − V_reset)",
            ));
        }
        self.v_initializer.check("LIF", "V_initializer", n)
    }

    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![self.v_initializer.values(rows, n, V as u64)]
    }

    fn kernel_params(&self, dt: f64) -> Vec<ParamValue> {
        vec![
            self.r.value().clone(),
            self.v_th.value().clone(),
            self.v_reset.value().clone(),
            self.v_rest.value().clone(),
            self.tau.value().map(|tau| dt * exprel(-dt / tau) / tau),
            ParamValue::Scalar(self.spk_reset.hard_flag()),
        ]
    }

    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let (v_th, v_reset) = (e.param(V_TH), e.param(V_RESET));
        let mut v = e.state[V];
        let s = heaviside((v - v_th) / (v_th - v_reset));
        if e.param(HARD) != 0.0 {
            if s > 0.0 {
                v = v_reset;
            }
        } else {
            v -= (v_th - v_reset) * s;
        }
        v += e.param(C) * (-v + e.param(V_REST) + e.param(R) * e.x);
        e.state[V] = v;
        e.out = heaviside((v - v_th) / (v_th - v_reset));
    }
}

impl NeuronModel for LIFParams {}
