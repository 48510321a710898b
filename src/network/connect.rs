//! Communication between populations: dense weight matrices (`Linear`) and event-driven
//! connectivity with a fixed number of targets per presynaptic neuron (`EventFixedProb`).

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::rng;

/// A dense projection `y = x @ W + b` (brainstate's `Linear`): `W` of shape `(in, out)`,
/// row-major, and an optional bias of `out` values.
#[derive(Clone, Debug, PartialEq)]
pub struct Dense {
    pub(crate) n_in: usize,
    pub(crate) n_out: usize,
    pub(crate) w: Arc<[f64]>,
    pub(crate) bias: Option<Arc<[f64]>>,
}

impl Dense {
    /// `W` of shape `(n_in, n_out)`, row-major; checked when the network compiles.
    pub fn new(n_in: usize, n_out: usize, w: impl Into<Arc<[f64]>>) -> Dense {
        Dense {
            n_in,
            n_out,
            w: w.into(),
            bias: None,
        }
    }

    /// Weights drawn from `N(0, 2/n_in)` (brainstate's default `KaimingNormal`).
    pub fn kaiming_normal(n_in: usize, n_out: usize, seed: u64) -> Dense {
        let std = (2.0 / n_in.max(1) as f64).sqrt();
        Dense::new(
            n_in,
            n_out,
            (0..n_in * n_out)
                .map(|i| std * rng::normal(seed, 0, i as u64))
                .collect::<Vec<_>>(),
        )
    }

    /// Adds a bias of `n_out` values.
    pub fn bias(mut self, b: impl Into<Arc<[f64]>>) -> Dense {
        self.bias = Some(b.into());
        self
    }

    pub(crate) fn validate(&self, what: &str) -> Result<()> {
        if self.w.len() != self.n_in * self.n_out {
            return Err(Error::shape(
                format!("weights of {what}"),
                format!(
                    "({}, {}) = {} values",
                    self.n_in,
                    self.n_out,
                    self.n_in * self.n_out
                ),
                format!("{} values", self.w.len()),
            ));
        }
        if let Some(b) = &self.bias
            && b.len() != self.n_out
        {
            return Err(Error::shape(
                format!("bias of {what}"),
                format!("{} values", self.n_out),
                format!("{} values", b.len()),
            ));
        }
        let all = self.w.iter().chain(self.bias.iter().flat_map(|b| b.iter()));
        if let Some(bad) = all.into_iter().find(|v| !v.is_finite()) {
            return Err(Error::invalid(what, "weights", bad, "must be finite"));
        }
        Ok(())
    }
}

/// The weights of an event-driven projection.
#[derive(Clone, Debug, PartialEq)]
pub enum Weights {
    /// One weight for every synapse (internal units of the target's delta input).
    Homogeneous(f64),
    /// One weight per synapse, in the order of the targets.
    PerSynapse(Arc<[f64]>),
}

/// Event-driven connectivity with a fixed number of targets per presynaptic neuron
/// (brainstate's `EventFixedProb` / `EventFixedNumConn`): each spiking presynaptic neuron adds
/// its weight to each of its targets. Duplicate targets count twice, as in brainstate.
#[derive(Clone, Debug, PartialEq)]
pub struct FixedProb {
    pub(crate) n_pre: usize,
    pub(crate) n_post: usize,
    pub(crate) k: usize,
    pub(crate) targets: Arc<[u32]>,
    pub(crate) weights: Weights,
}

impl FixedProb {
    /// `k = int(n_post · prob)` random targets for every presynaptic neuron (with
    /// replacement, as brainstate draws them), reproducible from `seed`, all with `weight`.
    pub fn new(n_pre: usize, n_post: usize, prob: f64, weight: f64, seed: u64) -> FixedProb {
        FixedProb::per_pre(n_pre, n_post, (n_post as f64 * prob) as usize, weight, seed)
    }

    /// `k` random targets for every presynaptic neuron (with replacement), reproducible from
    /// `seed`, all with `weight` (brainstate's integer `conn_num`).
    pub fn per_pre(n_pre: usize, n_post: usize, k: usize, weight: f64, seed: u64) -> FixedProb {
        let targets = (0..n_pre * k)
            .map(|i| (rng::uniform(seed, 1, i as u64) * n_post as f64) as u32)
            .collect::<Vec<_>>();
        FixedProb {
            n_pre,
            n_post,
            k,
            targets: targets.into(),
            weights: Weights::Homogeneous(weight),
        }
    }

    /// Given targets: `targets[pre·k + t]` is target `t` of presynaptic neuron `pre`.
    pub fn from_targets(
        n_pre: usize,
        n_post: usize,
        k: usize,
        targets: impl Into<Arc<[u32]>>,
        weights: Weights,
    ) -> FixedProb {
        FixedProb {
            n_pre,
            n_post,
            k,
            targets: targets.into(),
            weights,
        }
    }

    /// Targets per presynaptic neuron.
    pub fn targets_per_neuron(&self) -> usize {
        self.k
    }

    /// The weight of synapse `s` (`pre·k + t`).
    pub(crate) fn weight(&self, s: usize) -> f64 {
        match &self.weights {
            Weights::Homogeneous(w) => *w,
            Weights::PerSynapse(w) => w[s],
        }
    }

    pub(crate) fn validate(&self, what: &str) -> Result<()> {
        if self.targets.len() != self.n_pre * self.k {
            return Err(Error::shape(
                format!("targets of {what}"),
                format!(
                    "{} × {} = {} values",
                    self.n_pre,
                    self.k,
                    self.n_pre * self.k
                ),
                format!("{} values", self.targets.len()),
            ));
        }
        if let Some(bad) = self.targets.iter().find(|&&t| t as usize >= self.n_post) {
            return Err(Error::invalid(
                what,
                "targets",
                bad,
                format!("must be below the {} postsynaptic neurons", self.n_post),
            ));
        }
        match &self.weights {
            Weights::Homogeneous(w) if !w.is_finite() => {
                Err(Error::invalid(what, "weight", w, "must be finite"))
            }
            Weights::PerSynapse(w) if w.len() != self.targets.len() => Err(Error::shape(
                format!("weights of {what}"),
                format!("{} values (one per synapse)", self.targets.len()),
                format!("{} values", w.len()),
            )),
            Weights::PerSynapse(w) => match w.iter().find(|v| !v.is_finite()) {
                Some(bad) => Err(Error::invalid(what, "weights", bad, "must be finite")),
                None => Ok(()),
            },
            _ => Ok(()),
        }
    }

    /// The synapses of presynaptic neurons `pre` (their targets and weights), as a projection
    /// of its own from those neurons.
    pub(crate) fn rows(&self, pre: std::ops::Range<usize>) -> FixedProb {
        let synapses = pre.start * self.k..pre.end * self.k;
        FixedProb {
            n_pre: pre.len(),
            n_post: self.n_post,
            k: self.k,
            targets: self.targets[synapses.clone()].into(),
            weights: match &self.weights {
                Weights::Homogeneous(w) => Weights::Homogeneous(*w),
                Weights::PerSynapse(w) => Weights::PerSynapse(w[synapses].into()),
            },
        }
    }

    /// Words of its table on the device per presynaptic neuron: the targets, and the weights
    /// when they are per synapse.
    pub(crate) fn words_per_pre(&self) -> usize {
        match self.weights {
            Weights::Homogeneous(_) => self.k,
            Weights::PerSynapse(_) => 2 * self.k,
        }
    }

    /// The largest sum of |weights| any postsynaptic neuron can receive in one step.
    pub(crate) fn max_in_sum(&self) -> f64 {
        let mut sum = vec![0.0f64; self.n_post];
        for (s, &t) in self.targets.iter().enumerate() {
            sum[t as usize] += self.weight(s).abs();
        }
        sum.into_iter().fold(0.0, f64::max)
    }
}
