//! The classic networks, built with the graph API: the COBA benchmark (Vogels & Abbott 2005,
//! as BrainPy's `103_COBA_2005` builds it), Brunel's (2000) sparse network of delta-synapse
//! LIF neurons, and the two networks of the `brainpy.state.Synapse`
//! docstring: the feed-forward 784 → 256 → 128 → 10 net and the E/I network. The
//! examples, the benchmarks and the network conformance cases all build them here, so the
//! network that is timed is the network that is checked against BrainPy.
//!
//! The docstring networks use BrainPy's working unit convention for them: voltages,
//! currents and conductances are plain numbers — here `R = 1` internal unit, so that
//! `V` moves by `R·x` — and every time is in ms.

use std::ops::Range;

mod brunel;
mod potjans_diesmann;

pub use brunel::{Brunel, BrunelNet, BrunelState};
pub use potjans_diesmann::{
    POPULATIONS, PUBLISHED_RATES, PotjansDiesmann, PotjansDiesmannNet, REFERENCE_RATES, rate_order,
};

use super::{Dense, ExternalId, FixedProb, Network, NodeId, Term, Wiring};
use crate::error::{Error, Result};
use crate::inputs::{PoissonSpike, WienerProcessInput};
use crate::model::Init;
use crate::neuron::{LIF, LIFRef};
use crate::rng;
use crate::synapse::{AMPA, Expon, GABAa};
use crate::synout::SynOut;
use crate::units::{Conductance, Current, Quantity, S, mA, mV, ms, ohm};

/// The COBA benchmark: `neurons` LIFRef neurons (80 % excitatory) with conductance-based
/// Expon synapses and event-driven fixed-in-degree-per-source connectivity.
///
/// Per step, as in BrainPy: the spikes of the previous step (`N.get_spike()`) enter the
/// excitatory and inhibitory Expon synapses as delta inputs through the two event-driven
/// projections; the synapses update (`g ← g·e^{−dt/τ} + Δ`); then the neurons update with
/// `I_ext + gE·(E_E − V) + gI·(E_I − V)` inside their exponential-Euler drift.
#[derive(Clone, Debug)]
pub struct Coba {
    /// Neurons in all.
    pub neurons: usize,
    /// Excitatory neurons (the first ones); default 80 %.
    pub excitatory: usize,
    /// Targets of every presynaptic neuron (brainstate's `conn_num`); default 80 (all neurons
    /// in networks smaller than that).
    pub targets: usize,
    /// Excitatory and inhibitory weights; default 0.6 S and 6.7 S, i.e. 0.6 and 6.7 in units
    /// of the leak conductance `1/R` with `R = 1 Ω` (not mS).
    pub w_exc: Quantity<Conductance>,
    /// The inhibitory weight (see `w_exc`).
    pub w_inh: Quantity<Conductance>,
    /// The external current; default 20 mA (20 mV of drive with `R = 1 Ω`).
    pub i_ext: Quantity<Current>,
    /// How `V` starts; default normal around −55 mV with σ 2 mV.
    pub v_init: Init<crate::units::Voltage>,
    /// Seed of the connectivity and of `V`'s initial values.
    pub seed: u64,
    /// Explicit connectivity (excitatory, inhibitory) instead of drawing it from `seed`.
    pub connectivity: Option<(FixedProb, FixedProb)>,
}

/// A built [`Coba`] network and its populations.
pub struct CobaNet {
    /// The network, ready to compile.
    pub network: Network,
    /// The LIFRef neurons.
    pub neurons: NodeId,
    /// The excitatory conductance (Expon, τ 5 ms).
    pub g_exc: NodeId,
    /// The inhibitory conductance (Expon, τ 10 ms).
    pub g_inh: NodeId,
}

impl Coba {
    /// The benchmark with `neurons` neurons and the classic parameters.
    pub fn new(neurons: usize) -> Coba {
        Coba {
            neurons,
            excitatory: neurons * 4 / 5,
            targets: neurons.min(80),
            w_exc: 0.6 * S,
            w_inh: 6.7 * S,
            i_ext: 20.0 * mA,
            v_init: Init::normal(-55.0 * mV, 2.0 * mV, 1),
            seed: 0,
            connectivity: None,
        }
    }

    /// Builds the network.
    pub fn build(&self) -> Result<CobaNet> {
        let n = self.neurons;
        let n_exc = self.excitatory;
        if n == 0 || n_exc == 0 || n_exc >= n {
            return Err(Error::invalid(
                "Coba",
                "excitatory",
                format!("{n_exc} of {n}"),
                "must leave at least one excitatory and one inhibitory neuron",
            ));
        }
        let (conn_e, conn_i) = match &self.connectivity {
            Some(c) => c.clone(),
            None if self.targets == 0 || self.targets > n => {
                return Err(Error::invalid(
                    "Coba",
                    "targets",
                    self.targets,
                    format!("must be within 1..={n}"),
                ));
            }
            None => (
                FixedProb::per_pre(n_exc, n, self.targets, self.w_exc.value(), self.seed),
                FixedProb::per_pre(
                    n - n_exc,
                    n,
                    self.targets,
                    self.w_inh.value(),
                    self.seed + 1,
                ),
            ),
        };
        let mut net = Network::new();
        let neurons = net.add(
            LIFRef::new(n)
                .with_name("N")
                .v_rest(-60.0 * mV)
                .v_th(-50.0 * mV)
                .v_reset(-60.0 * mV)
                .tau(20.0 * ms)
                .tau_ref(5.0 * ms)
                .r(1.0 * ohm)
                .v_initializer(self.v_init.clone()),
        )?;
        let g_exc = net.add(Expon::new(n).with_name("gE").tau(5.0 * ms))?;
        let g_inh = net.add(Expon::new(n).with_name("gI").tau(10.0 * ms))?;
        let spikes = |r: Range<usize>| Term::output(neurons).slice(r);
        net.update(g_exc, Wiring::new().delta(spikes(0..n_exc).event(conn_e)));
        net.update(g_inh, Wiring::new().delta(spikes(n_exc..n).event(conn_i)));
        net.update(
            neurons,
            Wiring::new()
                .x(self.i_ext)
                .current(SynOut::coba(0.0 * mV), g_exc)
                .current(SynOut::coba(-80.0 * mV), g_inh),
        );
        Ok(CobaNet {
            network: net,
            neurons,
            g_exc,
            g_inh,
        })
    }
}

/// A LIF with the docstring networks' parameters: `R = 1`, `V_th = 1`, `V_reset = V_rest =
/// V₀ = 0`, soft reset.
fn plain_lif(n: usize, name: &str, tau_ms: f64, r: f64) -> LIF {
    LIF::new(n)
        .with_name(name)
        .tau(tau_ms * ms)
        .r(r)
        .v_th(1.0)
        .v_reset(0.0)
        .v_rest(0.0)
        .v_initializer(0.0)
}

/// Where the feed-forward net's input spikes come from.
#[derive(Clone, Debug)]
pub enum FeedForwardInput {
    /// Poisson spikes generated on the device, with per-pixel spike probabilities per step
    /// (the same for every sample; the draws are independent).
    Poisson {
        /// Spike probability per step of each pixel.
        probabilities: Vec<f64>,
        /// Seed of the generator.
        seed: u32,
    },
    /// An external stream of 0/1 spikes per sample and step, fed with
    /// [`Simulation::feed`](super::Simulation::feed).
    External,
}

/// The docstring's feed-forward network: `x → LIF(784, τ5) → Linear → Expon(256, τ8) →
/// LIF(256, τ10) → Linear → AMPA(128) → LIF(128, τ10) → Linear → LIF(10, τ8)`, with input
/// `spikes × amplitude`. `AMPA` takes the Linear output as its `pre_spike` (any nonzero value is
/// an arrival).
#[derive(Clone, Debug)]
pub struct FeedForward {
    /// The three Linear layers (784 × 256, 256 × 128, 128 × 10 in the seed).
    pub layers: [Dense; 3],
    /// `R` of hidden layer 2 (1 in the seed, which leaves it silent; 4 in the benchmarks).
    pub r_hidden2: f64,
    /// Input amplitude (15).
    pub amplitude: f64,
    /// The input.
    pub input: FeedForwardInput,
}

/// A built [`FeedForward`] network and its populations.
pub struct FeedForwardNet {
    /// The network, ready to compile.
    pub network: Network,
    /// The external input stream, if the input is [`FeedForwardInput::External`].
    pub input: Option<ExternalId>,
    /// The Poisson generator, if the input is [`FeedForwardInput::Poisson`].
    pub poisson: Option<NodeId>,
    /// The four LIF layers, input to output.
    pub lif: [NodeId; 4],
    /// The Expon synapse (τ 8 ms) between the input layer and hidden layer 1.
    pub expon: NodeId,
    /// The AMPA synapse between hidden layers 1 and 2.
    pub ampa: NodeId,
}

impl FeedForward {
    /// The benchmark's version (BrainPy's `bench_brainpy.py`): Gaussian weights scaled so that
    /// every layer fires, `R = 4` in hidden layer 2, Poisson input with probabilities in
    /// `[0, 0.3)`; all drawn from `seed`.
    pub fn benchmark(seed: u64) -> FeedForward {
        let gauss = |stream: u64, n_in: usize, n_out: usize, f: &dyn Fn(f64) -> f64| {
            Dense::new(
                n_in,
                n_out,
                (0..n_in * n_out)
                    .map(|i| f(rng::normal(seed, stream, i as u64)))
                    .collect::<Vec<_>>(),
            )
        };
        let s1 = (2.0f64 / 784.0).sqrt() * 2.5;
        let s2 = (2.0f64 / 256.0).sqrt() * 2.0;
        let s3 = (2.0f64 / 128.0).sqrt() * 5.0;
        FeedForward {
            layers: [
                gauss(10, 784, 256, &|z| z * s1),
                gauss(11, 256, 128, &|z| z * s2 + 0.02),
                gauss(12, 128, 10, &|z| z.abs() * s3),
            ],
            r_hidden2: 4.0,
            amplitude: 15.0,
            input: FeedForwardInput::Poisson {
                probabilities: (0..784).map(|i| 0.3 * rng::uniform(seed, 13, i)).collect(),
                seed: seed as u32,
            },
        }
    }

    /// Builds the network.
    pub fn build(&self) -> Result<FeedForwardNet> {
        let [w1, w2, w3] = &self.layers;
        let sizes = [w1.n_in, w1.n_out, w2.n_out, w3.n_out];
        if w2.n_in != sizes[1] || w3.n_in != sizes[2] {
            return Err(Error::shape(
                "FeedForward layers",
                format!(
                    "chained shapes ({}, {}), ({}, ·), ({}, ·)",
                    sizes[0], sizes[1], sizes[1], sizes[2]
                ),
                format!(
                    "({}, {}), ({}, {}), ({}, {})",
                    w1.n_in, w1.n_out, w2.n_in, w2.n_out, w3.n_in, w3.n_out
                ),
            ));
        }
        let mut net = Network::new();
        let (input, poisson, x0) = match &self.input {
            FeedForwardInput::External => {
                let e = net.external("input", sizes[0])?;
                (Some(e), None, Term::external(e).scaled(self.amplitude))
            }
            FeedForwardInput::Poisson {
                probabilities,
                seed,
            } => {
                if probabilities.len() != sizes[0] {
                    return Err(Error::shape(
                        "FeedForward input probabilities",
                        sizes[0],
                        probabilities.len(),
                    ));
                }
                if let Some(p) = probabilities.iter().find(|p| !(0.0..1.0).contains(*p)) {
                    return Err(Error::invalid(
                        "FeedForward",
                        "probabilities",
                        p,
                        "must lie in [0, 1)",
                    ));
                }
                // p = 1 − e^{−f·dt} at dt = 0.1 ms, as rates (1/ms).
                let rates: Vec<f64> = probabilities.iter().map(|p| -(-p).ln_1p() / 0.1).collect();
                let node = net.add(
                    PoissonSpike::new(sizes[0], rates)
                        .with_name("input")
                        .seed(*seed),
                )?;
                (None, Some(node), Term::output(node).scaled(self.amplitude))
            }
        };
        let l0 = net.add(plain_lif(sizes[0], "input_neurons", 5.0, 1.0))?;
        let expon = net.add(Expon::new(sizes[1]).with_name("syn1").tau(8.0 * ms))?;
        let l1 = net.add(plain_lif(sizes[1], "hidden1", 10.0, 1.0))?;
        let ampa = net.add(AMPA::new(sizes[2]).with_name("syn2"))?;
        let l2 = net.add(plain_lif(sizes[2], "hidden2", 10.0, self.r_hidden2))?;
        let l3 = net.add(plain_lif(sizes[3], "output_neurons", 8.0, 1.0))?;
        if let Some(p) = poisson {
            net.update(p, Wiring::new());
        }
        net.update(l0, Wiring::new().x(x0));
        net.update(expon, Wiring::new().x(Term::output(l0).dense(w1.clone())));
        net.update(l1, Wiring::new().x(Term::output(expon)));
        net.update(ampa, Wiring::new().x(Term::output(l1).dense(w2.clone())));
        net.update(l2, Wiring::new().x(Term::output(ampa)));
        net.update(l3, Wiring::new().x(Term::output(l2).dense(w3.clone())));
        Ok(FeedForwardNet {
            network: net,
            input,
            poisson,
            lif: [l0, l1, l2, l3],
            expon,
            ampa,
        })
    }
}

/// Where the E/I network's external current comes from.
#[derive(Clone, Debug)]
pub enum EiInput {
    /// `mean + std·N(0, 1)` per neuron, sample and step, drawn on the device.
    Noise {
        /// The mean.
        mean: f64,
        /// The standard deviation.
        std: f64,
        /// Seed of the generator.
        seed: u32,
    },
    /// An external stream, fed with [`Simulation::feed`](super::Simulation::feed).
    External,
}

/// The docstring's E/I network: excitatory LIF(τ10) + AMPA, inhibitory LIF(τ8) + GABAa, four
/// dense projections of the synapses' conductances. Per step: `I_e = ext +
/// g_e@W_ee − g_i@W_ie` with the previous step's `g`; the excitatory neurons, then AMPA; then
/// `I_i = g_e@W_ei − g_i@W_ii` with the *new* `g_e`; the inhibitory neurons, then GABAa.
#[derive(Clone, Debug)]
pub struct EiNetwork {
    /// Excitatory to excitatory, `(n_e, n_e)`.
    pub w_ee: Dense,
    /// Excitatory to inhibitory, `(n_e, n_i)`.
    pub w_ei: Dense,
    /// Inhibitory to excitatory, `(n_i, n_e)` (subtracted).
    pub w_ie: Dense,
    /// Inhibitory to inhibitory, `(n_i, n_i)` (subtracted).
    pub w_ii: Dense,
    /// The external current of the excitatory neurons.
    pub input: EiInput,
}

/// A built [`EiNetwork`] and its populations.
pub struct EiNet {
    /// The network, ready to compile.
    pub network: Network,
    /// The external stream, if the input is [`EiInput::External`].
    pub input: Option<ExternalId>,
    /// The excitatory LIF neurons.
    pub exc: NodeId,
    /// The inhibitory LIF neurons.
    pub inh: NodeId,
    /// AMPA on the excitatory neurons' spikes.
    pub g_exc: NodeId,
    /// GABAa on the inhibitory neurons' spikes.
    pub g_inh: NodeId,
}

impl EiNetwork {
    /// The benchmark's version (BrainPy's `bench_brainpy.py`): `|N(0,1)|` weights scaled as
    /// there, external current `2 + 0.6·N(0, 1)`; all drawn from `seed`.
    pub fn benchmark(n_exc: usize, n_inh: usize, seed: u64) -> EiNetwork {
        let s = 80.0 / n_exc as f64;
        let dense = |stream: u64, n_in: usize, n_out: usize, scale: f64| {
            Dense::new(
                n_in,
                n_out,
                (0..n_in * n_out)
                    .map(|i| rng::normal(seed, stream, i as u64).abs() * scale)
                    .collect::<Vec<_>>(),
            )
        };
        EiNetwork {
            w_ee: dense(20, n_exc, n_exc, 0.15 * s),
            w_ei: dense(21, n_exc, n_inh, 0.25 * s),
            w_ie: dense(22, n_inh, n_exc, 0.5 * 20.0 / n_inh as f64),
            w_ii: dense(23, n_inh, n_inh, 0.2 * 20.0 / n_inh as f64),
            input: EiInput::Noise {
                mean: 2.0,
                std: 0.6,
                seed: seed as u32,
            },
        }
    }

    /// Builds the network.
    pub fn build(&self) -> Result<EiNet> {
        let (n_e, n_i) = (self.w_ee.n_in, self.w_ii.n_in);
        let mut net = Network::new();
        let exc = net.add(plain_lif(n_e, "exc", 10.0, 1.0))?;
        let g_exc = net.add(AMPA::new(n_e).with_name("exc_syn"))?;
        let inh = net.add(plain_lif(n_i, "inh", 8.0, 1.0))?;
        let g_inh = net.add(GABAa::new(n_i).with_name("inh_syn"))?;
        let mut x_exc = Wiring::new();
        let input = match &self.input {
            EiInput::External => {
                let e = net.external("ext", n_e)?;
                x_exc = x_exc.x(Term::external(e));
                Some(e)
            }
            EiInput::Noise { mean, std, seed } => {
                // σ·√dt·N(0, 1) with dt in ms: σ = std/√dt at dt = 0.1 ms.
                let noise = net.add(
                    WienerProcessInput::new(
                        n_e,
                        Quantity::<Current>::internal(std / 0.1f64.sqrt()),
                        1e30 * ms,
                    )
                    .with_name("noise")
                    .seed(*seed),
                )?;
                net.update(noise, Wiring::new());
                x_exc = x_exc.x(*mean).x(Term::output(noise));
                None
            }
        };
        net.update(
            exc,
            x_exc
                .x(Term::output(g_exc).dense(self.w_ee.clone()))
                .x(Term::output(g_inh).dense(self.w_ie.clone()).scaled(-1.0)),
        );
        net.update(g_exc, Wiring::new().x(Term::output(exc)));
        net.update(
            inh,
            Wiring::new()
                .x(Term::output(g_exc).dense(self.w_ei.clone()))
                .x(Term::output(g_inh).dense(self.w_ii.clone()).scaled(-1.0)),
        );
        net.update(g_inh, Wiring::new().x(Term::output(inh)));
        Ok(EiNet {
            network: net,
            input,
            exc,
            inh,
            g_exc,
            g_inh,
        })
    }
}

/// One case of the benchmark suite: a network of the classic set at one size.
pub struct SuiteCase {
    /// `coba`, `ff` or `ei`.
    pub name: &'static str,
    /// Neurons (COBA) or batch (FF, EI), as printed.
    pub size: String,
    /// Instances run together (`None`: no batch axis).
    pub batch: Option<usize>,
    /// Neurons per instance whose spikes the rate counts.
    pub neurons: usize,
    /// Part of the quick run (`--quick`: sizes a software adapter handles in seconds).
    pub quick: bool,
    /// Steps of the quick run.
    pub quick_steps: usize,
    build: Box<dyn Fn() -> Result<(Network, Vec<NodeId>)>>,
}

impl SuiteCase {
    /// Builds the network; also returns the populations whose spikes make the firing rate.
    pub fn build(&self) -> Result<(Network, Vec<NodeId>)> {
        (self.build)()
    }
}

/// The benchmark suite of `benches/networks.rs` and `examples/bench.rs` (the sizes of
/// `BENCHMARKS.md` and of BrainPy's own benchmark): COBA at 4,000 neurons (batch 1, 8, 132,
/// 1,024) and at 64 k, 256 k, 1 M and 4 M neurons (80 targets each); the feed-forward net at
/// batch 1, 256, 4,096 and 16,384; the E/I network at batch 1, 256 and 4,096.
pub fn suite() -> Vec<SuiteCase> {
    let mut cases = Vec::new();
    let coba = |n: usize, batch: Option<usize>, quick: bool, quick_steps: usize| SuiteCase {
        name: "coba",
        size: match batch {
            Some(b) => format!("{n} × {b}"),
            None => n.to_string(),
        },
        batch,
        neurons: n,
        quick,
        quick_steps,
        build: Box::new(move || {
            let net = Coba::new(n).build()?;
            Ok((net.network, vec![net.neurons]))
        }),
    };
    cases.push(coba(4000, None, true, 400));
    cases.push(coba(4000, Some(8), true, 100));
    cases.push(coba(4000, Some(132), false, 0));
    cases.push(coba(4000, Some(1024), false, 0));
    cases.push(coba(64_000, None, true, 20));
    cases.push(coba(256_000, None, false, 0));
    // In the quick run too: a million neurons in seconds, and on a software adapter's 128 MiB
    // bindings its excitatory table runs in blocks.
    cases.push(coba(1_000_000, None, true, 3));
    cases.push(coba(4_000_000, None, false, 0));
    for (batch, quick, quick_steps) in [
        (1, true, 100),
        (256, true, 5),
        (4096, false, 0),
        (16_384, false, 0),
    ] {
        cases.push(SuiteCase {
            name: "ff",
            size: format!("batch {batch}"),
            batch: Some(batch),
            neurons: 784 + 256 + 128 + 10,
            quick,
            quick_steps,
            build: Box::new(|| {
                let ff = FeedForward::benchmark(0).build()?;
                Ok((ff.network, ff.lif.to_vec()))
            }),
        });
    }
    for (batch, quick, quick_steps) in [(1, true, 100), (256, false, 0), (4096, false, 0)] {
        cases.push(SuiteCase {
            name: "ei",
            size: format!("batch {batch}"),
            batch: Some(batch),
            neurons: 1000,
            quick,
            quick_steps,
            build: Box::new(|| {
                let ei = EiNetwork::benchmark(800, 200, 0).build()?;
                Ok((ei.network, vec![ei.exc, ei.inh]))
            }),
        });
    }
    cases
}
