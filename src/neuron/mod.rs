//! Neuron models, one family per file, each family's kernels in the WGSL file of the same name
//! under `shaders/neuron/`.
//!
//! | model | dynamics | file |
//! |---|---|---|
//! | [`IF`], [`LIF`], [`LIFRef`], [`ALIF`] | `τ dV/dt = −V + V_rest + R·I`; refractory; adaptive threshold | `lif` |
//! | [`ExpIF`], [`ExpIFRef`], [`AdExIF`], [`AdExIFRef`] | + `ΔT·e^{(V−V_T)/ΔT}`; adaptation current `w` | `exp_if` |
//! | [`QuaIF`], [`AdQuaIF`], [`AdQuaIFRef`] | `τ dV/dt = c(V−V_rest)(V−V_c) + R·I`; adaptation `w` | `qua_if` |
//! | [`Gif`], [`GifRef`] | generalized IF with spike-triggered currents and threshold | `gif` |
//! | [`CubaLIF`], [`CobaLIF`] | LIF with a built-in exponential current / conductance | `cuba_lif` |
//! | [`Izhikevich`], [`IzhikevichRef`] | `dV/dt = 0.04V² + 5V + 140 − u + I` | `izhikevich` |
//! | [`HH`] | Hodgkin–Huxley | `hh` |
//! | [`MorrisLecar`] | Morris–Lecar | `morris_lecar` |
//! | [`WangBuzsakiHH`] | Wang–Buzsáki | `wang_buzsaki` |
//! | [`FitzHughNagumo`] | FitzHugh–Nagumo | `fitzhugh_nagumo` |
//! | [`HindmarshRose`] | Hindmarsh–Rose | `hindmarsh_rose` |
//!
//! Every neuron returns its spikes as 0.0/1.0 and accepts delta inputs and current inputs
//! ([`crate::Inputs`]). The leaky neurons hold [`LIFParams`] as their `lif`; the exponential
//! and quadratic families share their step (`nonlinear_if.rs`), each giving its drift.

mod cuba_lif;
mod exp_if;
mod fitzhugh_nagumo;
mod gif;
mod hh;
mod hindmarsh_rose;
mod izhikevich;
mod lif;
mod morris_lecar;
mod nonlinear_if;
mod qua_if;
mod wang_buzsaki;

pub use cuba_lif::{CobaLIF, CobaLIFParams, CubaLIF, CubaLIFParams};
pub use exp_if::{
    AdExIF, AdExIFParams, AdExIFRef, AdExIFRefParams, ExpIF, ExpIFParams, ExpIFRef, ExpIFRefParams,
};
pub use fitzhugh_nagumo::{FitzHughNagumo, FitzHughNagumoParams};
pub use gif::{Gif, GifParams, GifRef, GifRefParams};
pub use hh::{HH, HHParams};
pub use hindmarsh_rose::{HindmarshRose, HindmarshRoseParams};
pub use izhikevich::{Izhikevich, IzhikevichParams, IzhikevichRef, IzhikevichRefParams};
pub use lif::{ALIF, ALIFParams, IF, IFParams, LIF, LIFParams, LIFRef, LIFRefParams};
pub use morris_lecar::{MorrisLecar, MorrisLecarParams};
pub use qua_if::{AdQuaIF, AdQuaIFParams, AdQuaIFRef, AdQuaIFRefParams, QuaIF, QuaIFParams};
pub use wang_buzsaki::{WangBuzsakiHH, WangBuzsakiHHParams};

use crate::model::Init;
use crate::numerics::exprel;
use crate::units::{Conductance, Current, S, Time, mA, ms};

use crate::model::{Accepts, ElemF64, Param, ParamValue};
use crate::numerics::heaviside;

/// What a spike does to `V` at the start of the next step (BrainPy's `spk_reset`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SpikeReset {
    /// `V ← V − (V_th − V_reset)` (BrainPy's default, `'soft'`).
    #[default]
    Soft,
    /// `V ← V_reset` (`'hard'`).
    Hard,
}

impl SpikeReset {
    /// The kernels' `hard` parameter: 1.0 for hard, 0.0 for soft.
    pub(crate) fn hard_flag(self) -> f64 {
        match self {
            SpikeReset::Soft => 0.0,
            SpikeReset::Hard => 1.0,
        }
    }
}

/// `last_spike_time` before any spike (BrainPy: −1e7 ms).
pub(crate) const NEVER_SPIKED: f64 = -1e7;

/// Every neuron reads delta and current inputs.
pub(crate) const NEURON_INPUTS: Accepts = Accepts {
    delta: true,
    currents: true,
};

crate::model::parameters! {
    /// The adaptation current `w` of [`AdExIF`] and [`AdQuaIF`] (and their `…Ref` forms):
    ///
    /// ```text
    /// τ_w dw/dt = a·(V − V_rest) − w,    w ← w + b at each spike
    /// ```
    ///
    /// `w` is stepped by exponential Euler with the step's new `V`. Defaults: [`AdExIF`]'s.
    Adaptation of AdExIF at adaptation, AdExIFRef at ad_ex_if.adaptation,
        AdQuaIF at adaptation, AdQuaIFRef at ad_qua_if.adaptation {
        tau_w "tau_w": Param<Time> = 30.0 * ms, positive;
        /// Subthreshold adaptation.
        a "a": Param<Conductance> = 1.0 * S, finite;
        /// Spike-triggered adaptation.
        b "b": Param<Current> = 1.0 * mA, finite;
        w_initializer "w_initializer": Init<Current> = 0.0 * mA, init;
    }
}

impl Adaptation {
    /// `tau_w` and `b` as given, `a` = 1 S, `w` starting at 0 mA.
    pub(crate) fn new(tau_w_ms: f64, b_ma: f64) -> Adaptation {
        Adaptation {
            tau_w: (tau_w_ms * ms).into(),
            b: (b_ma * mA).into(),
            ..Adaptation::default()
        }
    }

    /// The kernel parameters of a neuron without adaptation (all three 0).
    pub(crate) fn none() -> [ParamValue; 3] {
        [0.0, 0.0, 0.0].map(ParamValue::Scalar)
    }

    /// The states `V` (as given) and `w` as they start.
    pub(crate) fn with_w(&self, v: Vec<f64>, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![v, self.w_initializer.values(rows, n, 1)]
    }

    /// The kernel parameters `c_w = dt·exprel(−dt/τ_w)/τ_w`, `a`, `b`.
    pub(crate) fn params(&self, dt: f64) -> [ParamValue; 3] {
        [
            self.tau_w.map(|t| dt * exprel(-dt / t) / t),
            self.a.value().clone(),
            self.b.value().clone(),
        ]
    }
}

/// The absolute refractory period of the `…Ref` neurons in the f64 reference, around the
/// model's own step: `held` while `t − t_last < τ_ref` (the model then keeps its reset values
/// instead of the step's candidates); [`Refractory::finish`] sets `t_last ← t` where the chosen
/// `V` reaches threshold and `refractory = held or spiked`. The two clock states
/// (`last_spike_time`, `refractory`) stand at `at` and `at + 1`.
pub(crate) struct Refractory {
    /// Whether this step is within the refractory period.
    pub held: bool,
    at: usize,
}

impl Refractory {
    /// The states as given, then the clock's two (`last_spike_time` never, `refractory` 0),
    /// each of `len` values.
    pub fn with_clock(mut states: Vec<Vec<f64>>, len: usize) -> Vec<Vec<f64>> {
        states.push(vec![NEVER_SPIKED; len]);
        states.push(vec![0.0; len]);
        states
    }

    /// The period of this element at this step; `tau_ref` is its parameter.
    pub fn begin(e: &ElemF64<'_>, at: usize, tau_ref: f64) -> Refractory {
        Refractory {
            held: e.t - e.state[at] < tau_ref,
            at,
        }
    }

    /// Picks the candidate, or the held value within the period.
    pub fn pick<T>(&self, candidate: T, held: T) -> T {
        if self.held { held } else { candidate }
    }

    /// Updates the clock states once the step knows whether `V` reached threshold.
    pub fn finish(self, e: &mut ElemF64<'_>, spiked: bool) {
        if spiked {
            e.state[self.at] = e.t;
        }
        e.state[self.at + 1] = if self.held || spiked { 1.0 } else { 0.0 };
    }
}

/// What the step of a neuron with `V` and a second variable `w` (adaptation, recovery) gives:
/// the candidates, and the values after the spike's reset, which a refractory hold keeps.
pub(crate) struct Candidates {
    pub v_reset: f64,
    pub w_reset: f64,
    pub v: f64,
    pub w: f64,
}

impl Candidates {
    /// Stores `V` and, when `with_w`, `w` (state 1) as the clock picks them, finishes the clock
    /// with `V ≥ V_th`, and returns the stored `V`.
    pub fn store(self, e: &mut ElemF64<'_>, clock: Refractory, with_w: bool, v_th: f64) -> f64 {
        let v = clock.pick(self.v, self.v_reset);
        e.state[0] = v;
        if with_w {
            e.state[1] = clock.pick(self.w, self.w_reset);
        }
        clock.finish(e, v >= v_th);
        v
    }
}

/// The rising-edge spike of the models without reset (HH, Morris–Lecar, Wang–Buzsáki,
/// FitzHugh–Nagumo, Hindmarsh–Rose): `H((V − V_th)/V_th)·(1 − H((V_old − V_th)/V_th))`.
pub(crate) fn crossing(v_new: f64, v_old: f64, v_th: f64) -> f64 {
    heaviside((v_new - v_th) / v_th) * (1.0 - heaviside((v_old - v_th) / v_th))
}
