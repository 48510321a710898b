//! Brunel's (2000) sparse network of delta-synapse LIF neurons (model A) in the four states of
//! the paper's Fig. 8, with the mean-field rate of its asynchronous state.

use std::ops::Range;

use crate::error::Result;
use crate::model::Init;
use crate::network::{Dist, Network, NodeId, PoissonDrive, Rule, Sparse, Stream, Term, Wiring};
use crate::neuron::LIFRef;
use crate::units::{Hz, mV, ms, ohm};

/// The four states of Brunel's (2000) Fig. 8, as (g, η = ν_ext/ν_thr).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BrunelState {
    /// Synchronous regular: g = 3, η = 2 (excitation dominates; neurons fire regularly, near
    /// saturation, in synchrony).
    SynchronousRegular,
    /// Asynchronous irregular: g = 5, η = 2 (stationary global activity, irregular firing).
    AsynchronousIrregular,
    /// Synchronous irregular with a fast global oscillation: g = 6, η = 4.
    SynchronousIrregularFast,
    /// Synchronous irregular with a slow global oscillation: g = 4.5, η = 0.9.
    SynchronousIrregularSlow,
}

impl BrunelState {
    /// Every state, in the order of the paper's figure (A–D: SR, SI fast, AI, SI slow).
    pub const ALL: [BrunelState; 4] = [
        BrunelState::SynchronousRegular,
        BrunelState::SynchronousIrregularFast,
        BrunelState::AsynchronousIrregular,
        BrunelState::SynchronousIrregularSlow,
    ];

    /// Its relative inhibition g and external drive η.
    pub fn g_eta(self) -> (f64, f64) {
        match self {
            BrunelState::SynchronousRegular => (3.0, 2.0),
            BrunelState::AsynchronousIrregular => (5.0, 2.0),
            BrunelState::SynchronousIrregularFast => (6.0, 4.0),
            BrunelState::SynchronousIrregularSlow => (4.5, 0.9),
        }
    }

    /// Its short name: `SR`, `AI`, `SI-fast`, `SI-slow`.
    pub fn name(self) -> &'static str {
        match self {
            BrunelState::SynchronousRegular => "SR",
            BrunelState::AsynchronousIrregular => "AI",
            BrunelState::SynchronousIrregularFast => "SI-fast",
            BrunelState::SynchronousIrregularSlow => "SI-slow",
        }
    }

    /// The state of a short name (case-insensitive).
    pub fn parse(name: &str) -> Option<BrunelState> {
        BrunelState::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(name))
    }
}

/// Brunel's (2000) model A: `n_exc` excitatory and `n_exc/4` inhibitory LIF neurons with
/// delta synapses (a spike moves the target's `V` by `J` after the delay `D`), every neuron
/// receiving `C_E = ε·N_E` excitatory and `C_I = ε·N_I` inhibitory synapses (fixed in-degree,
/// autapses and multapses allowed, as NEST's `brunel_delta` example draws them) and `C_E`
/// external Poisson sources at `ν_ext = η·ν_thr`, `ν_thr = θ/(J·C_E·τ)`.
///
/// Neurons: `τ dV/dt = −V`, θ = 20 mV, V_r = 10 mV, τ = 20 ms, τ_rp = 2 ms (BrainPy's `LIFRef`:
/// inputs arriving while refractory are lost, as in NEST's `iaf_psc_delta`). J = 0.1 mV,
/// inhibitory weight −g·J, D = 1.5 ms, ε = 0.1, dt = 0.1 ms. `V` starts uniform in [0, θ).
#[derive(Clone, Debug)]
pub struct Brunel {
    /// Excitatory neurons (10,000); inhibitory ones are a quarter of them.
    pub n_exc: usize,
    /// Connection probability ε (0.1).
    pub epsilon: f64,
    /// Relative strength of inhibition g.
    pub g: f64,
    /// External drive η = ν_ext/ν_thr.
    pub eta: f64,
    /// Excitatory weight J in mV (0.1).
    pub j: f64,
    /// Transmission delay D in ms (1.5).
    pub delay: f64,
    /// Seed of the connectivity, the drive and the initial `V`.
    pub seed: u64,
}

/// A built [`Brunel`] network.
pub struct BrunelNet {
    /// The network, ready to compile.
    pub network: Network,
    /// The neurons: the excitatory ones first, then the inhibitory ones.
    pub neurons: NodeId,
    /// How many of them are excitatory.
    pub n_exc: usize,
}

/// Brunel's membrane time constant, threshold, reset and refractory period (ms, mV).
const BRUNEL_TAU: f64 = 20.0;
const BRUNEL_THETA: f64 = 20.0;
const BRUNEL_RESET: f64 = 10.0;
const BRUNEL_REFRACTORY: f64 = 2.0;

impl Brunel {
    /// Model A in `state`, at full size (N_E = 10,000).
    pub fn new(state: BrunelState) -> Brunel {
        let (g, eta) = state.g_eta();
        Brunel {
            n_exc: 10_000,
            epsilon: 0.1,
            g,
            eta,
            j: 0.1,
            delay: 1.5,
            seed: 0,
        }
    }

    /// Excitatory and inhibitory synapses per neuron, C_E and C_I.
    pub fn in_degrees(&self) -> (usize, usize) {
        let c_e = (self.epsilon * self.n_exc as f64).round() as usize;
        let c_i = (self.epsilon * (self.n_exc / 4) as f64).round() as usize;
        (c_e, c_i)
    }

    /// The external rate per source, ν_ext = η·θ/(J·C_E·τ), in Hz.
    pub fn nu_ext_hz(&self) -> f64 {
        let (c_e, _) = self.in_degrees();
        self.eta * BRUNEL_THETA / (self.j * c_e as f64 * BRUNEL_TAU) * 1e3
    }

    /// The stationary rate (Hz) of the mean-field theory (Brunel 2000, eqs. 4–5, 21): the
    /// self-consistent ν = [τ_rp + τ√π ∫ e^{u²}(1 + erf u) du]⁻¹ from (V_r − μ)/σ to (θ − μ)/σ,
    /// μ = C_E·J·τ·(ν_ext + ν(1 − gγ)), σ² = C_E·J²·τ·(ν_ext + ν(1 + g²γ)), γ = C_I/C_E;
    /// found by bisection (the asynchronous state's rate; whether that state is stable is
    /// another question, which the simulation answers).
    pub fn mean_field_rate_hz(&self) -> f64 {
        let (c_e, c_i) = self.in_degrees();
        let (c_e, gamma) = (c_e as f64, c_i as f64 / c_e as f64);
        let (tau, j, g) = (BRUNEL_TAU, self.j, self.g);
        let nu_ext = self.nu_ext_hz() * 1e-3;
        let rate = |nu: f64| {
            let mu = c_e * j * tau * (nu_ext + nu * (1.0 - g * gamma));
            let sigma = (c_e * j * j * tau * (nu_ext + nu * (1.0 + g * g * gamma))).sqrt();
            let (lo, hi) = ((BRUNEL_RESET - mu) / sigma, (BRUNEL_THETA - mu) / sigma);
            let integral = simpson(siegert_integrand, lo, hi, 4000);
            1.0 / (BRUNEL_REFRACTORY + tau * std::f64::consts::PI.sqrt() * integral)
        };
        let (mut lo, mut hi) = (0.0, 1.0 / BRUNEL_REFRACTORY);
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if rate(mid) > mid {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        0.5 * (lo + hi) * 1e3
    }

    /// Builds the network.
    pub fn build(&self) -> Result<BrunelNet> {
        let n_e = self.n_exc;
        let n = n_e + n_e / 4;
        let (c_e, c_i) = self.in_degrees();
        let mut net = Network::new();
        let neurons = net.add(
            LIFRef::new(n)
                .with_name("neurons")
                .tau(BRUNEL_TAU * ms)
                .v_th(BRUNEL_THETA * mV)
                .v_reset(BRUNEL_RESET * mV)
                .v_rest(0.0 * mV)
                .tau_ref(BRUNEL_REFRACTORY * ms)
                .r(1.0 * ohm)
                .v_initializer(Init::uniform(0.0 * mV, BRUNEL_THETA * mV, self.seed)),
        )?;
        let rule = |k| Rule::FixedInDegree {
            k,
            autapses: true,
            multapses: true,
        };
        let delay = Dist::Constant(self.delay);
        let stream = |key| Stream::new(self.seed, key);
        let exc = Sparse::connect(
            &rule(c_e),
            n_e,
            n,
            false,
            &Dist::Constant(self.j),
            stream(1),
        )?
        .with_delays(&delay, stream(1))?;
        let inh = Sparse::connect(
            &rule(c_i),
            n - n_e,
            n,
            false,
            &Dist::Constant(-self.g * self.j),
            stream(2),
        )?
        .with_delays(&delay, stream(2))?;
        let drive = PoissonDrive::new(c_e as u64, self.nu_ext_hz() * Hz, self.j, stream(3));
        let spikes = |r: Range<usize>| Term::output(neurons).slice(r);
        net.update(
            neurons,
            Wiring::new()
                .delta(spikes(0..n_e).event(exc))
                .delta(spikes(n_e..n).event(inh))
                .delta(Term::poisson(drive)),
        );
        Ok(BrunelNet {
            network: net,
            neurons,
            n_exc: n_e,
        })
    }
}

/// e^{u²}(1 + erf u), through erfcx so that it neither overflows nor cancels.
fn siegert_integrand(u: f64) -> f64 {
    if u < 0.0 {
        erfcx(-u)
    } else {
        2.0 * (u * u).exp() - erfcx(u)
    }
}

/// The scaled complementary error function e^{z²}·erfc(z) for z ≥ 0 (the Chebyshev fit of
/// Press et al., *Numerical Recipes* §6.2, relative error below 1.2e-7, without its e^{−z²}).
fn erfcx(z: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.5 * z);
    t * crate::numerics::erfc_fit(t).exp()
}

/// Simpson's rule over `[a, b]` with `n` (even) intervals.
fn simpson(f: impl Fn(f64) -> f64, a: f64, b: f64, n: usize) -> f64 {
    let h = (b - a) / n as f64;
    let inner: f64 = (1..n)
        .map(|i| f(a + i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 })
        .sum();
    (f(a) + f(b) + inner) * h / 3.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erfcx_matches_known_values() {
        // e^{z²}·erfc(z): 1 at 0, 0.4275835762 at 1, 0.1107046377 at 5.
        for (z, want) in [(0.0, 1.0), (1.0, 0.427_583_576_2), (5.0, 0.110_704_637_7)] {
            assert!((erfcx(z) - want).abs() < 2e-7 * want, "erfcx({z})");
        }
    }

    #[test]
    fn the_brunel_mean_field_rate_is_self_consistent_and_grows_with_the_drive() {
        let ai = Brunel::new(BrunelState::AsynchronousIrregular);
        let nu = ai.mean_field_rate_hz();
        assert!(nu > 1.0 && nu < 100.0, "{nu}");
        let stronger = Brunel {
            eta: 3.0,
            ..ai.clone()
        };
        assert!(stronger.mean_field_rate_hz() > nu);
        assert!((ai.nu_ext_hz() - 20.0).abs() < 1e-9);
        eprintln!("AI mean-field rate {nu} Hz");
    }
}
