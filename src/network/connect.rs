//! Communication between populations: dense weight matrices (`Linear`) and event-driven
//! sparse connectivity (`EventFixedProb` and the rules of [`Rule`]).

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::rng;
use crate::units::{Dimension, Quantity};

use super::connectivity::{Dist, Rule, Stream, Synapses};
use super::projection::Units;

/// A dense projection `y = x @ W + b` (brainstate's `Linear`): `W` of shape `(in, out)`,
/// row-major, and an optional bias of `out` values.
///
/// ```
/// # fn main() -> brainwgpu::Result<()> {
/// use brainwgpu::network::Dense;
/// use brainwgpu::prelude::*;
///
/// // 3 inputs → 2 outputs: W[i][o] at i·2 + o.
/// let w = Dense::new(3, 2, vec![1.0, 0.0, 0.0, 1.0, 0.5, 0.5]).bias(vec![0.1, 0.2]);
/// let mut net = Network::new();
/// let a = net.add(LIF::new(3))?;
/// let g = net.add(Expon::new(2))?;
/// net.update(a, Wiring::new().x(20.0));
/// net.update(g, Wiring::new().x(Term::output(a).dense(w)));
/// let sim = net.compile(&Device::Cpu, None, 0.1 * ms)?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Dense {
    pub(crate) n_in: usize,
    pub(crate) n_out: usize,
    pub(crate) w: Arc<[f64]>,
    pub(crate) bias: Option<Arc<[f64]>>,
    /// The dimension of its weights, when given ([`Dense::unit`]).
    pub(crate) dimension: Option<&'static str>,
}

impl Dense {
    /// `W` of shape `(n_in, n_out)`, row-major; checked when the network compiles.
    pub fn new(n_in: usize, n_out: usize, w: impl Into<Arc<[f64]>>) -> Dense {
        Dense {
            n_in,
            n_out,
            w: w.into(),
            bias: None,
            dimension: None,
        }
    }

    /// The weights and bias are in `unit`: each is multiplied by its magnitude, and the
    /// projection's terms carry its dimension, checked against what the target's input takes
    /// (the weights of a dense projection into a neuron's `x` are currents).
    pub fn unit<D: Dimension>(mut self, unit: Quantity<D>) -> Dense {
        let k = unit.value();
        self.w = self.w.iter().map(|x| x * k).collect();
        self.bias = self.bias.map(|b| b.iter().map(|x| x * k).collect());
        self.dimension = Some(D::NAME);
        self
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

    /// `W` from a 2-D `.npy` file of shape `(n_in, n_out)` (any numeric dtype the reader
    /// takes, C order). A matrix of shape `(n_out, n_in)` — PyTorch's `Linear.weight` — is refused with
    /// a message saying to pass its transpose.
    pub fn read_npy(path: impl AsRef<std::path::Path>, n_in: usize, n_out: usize) -> Result<Dense> {
        let path = path.as_ref();
        let array = crate::npz::read_npy(path)?;
        let w = matrix(path, "the weights", &array, n_in, n_out)?;
        Ok(Dense::new(n_in, n_out, w))
    }

    /// `W` and (if present) `b` from an `.npz` archive: the weights as array `weight` or `W`
    /// of shape `(n_in, n_out)`, the bias as `bias` or `b` of `n_out` values (brainstate's
    /// `Linear` parameter names). Shapes are checked as [`Dense::read_npy`] does.
    pub fn read_npz(path: impl AsRef<std::path::Path>, n_in: usize, n_out: usize) -> Result<Dense> {
        let path = path.as_ref();
        let npz = crate::npz::Npz::read(path)?;
        let name = ["weight", "W"]
            .into_iter()
            .find(|n| npz.contains(n))
            .ok_or_else(|| Error::Format {
                path: path.to_path_buf(),
                reason: format!(
                    "no array `weight` or `W` (it has {:?})",
                    npz.names().collect::<Vec<_>>()
                ),
            })?;
        let w = matrix(
            path,
            &format!("array `{name}`"),
            npz.get(name)?,
            n_in,
            n_out,
        )?;
        let mut dense = Dense::new(n_in, n_out, w);
        if let Some(b) = ["bias", "b"].into_iter().find(|n| npz.contains(n)) {
            let bias = npz.get(b)?;
            let values = bias.to_f64().ok_or_else(|| Error::Format {
                path: path.to_path_buf(),
                reason: format!("array `{b}` is not numeric"),
            })?;
            if values.len() != n_out || bias.shape.len() > 1 {
                return Err(Error::shape(
                    format!("array `{b}` of {}", path.display()),
                    format!("({n_out},): one bias per output"),
                    format!("{:?}", bias.shape),
                ));
            }
            dense = dense.bias(values);
        }
        dense.validate(&path.display().to_string())?;
        Ok(dense)
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
        if let Some(bad) = all.into_iter().find(|&&v| !crate::model::finite(v)) {
            return Err(Error::invalid(what, "weights", bad, crate::model::FINITE));
        }
        Ok(())
    }
}

/// The values of a 2-D array of shape `(rows, cols)` (row-major), refusing the transposed shape
/// with a message that says how to pass it, and any other shape.
fn matrix(
    path: &std::path::Path,
    what: &str,
    array: &crate::npz::NpyArray,
    rows: usize,
    cols: usize,
) -> Result<Vec<f64>> {
    let what = format!("{what} in {}", path.display());
    let values = array.to_f64().ok_or_else(|| Error::Format {
        path: path.to_path_buf(),
        reason: format!("{what} are not numeric"),
    })?;
    match array.shape.as_slice() {
        [r, c] if *r == rows && *c == cols => Ok(values),
        [r, c] if *r == cols && *c == rows => Err(Error::shape(
            what,
            format!(
                "({rows}, {cols}) = (inputs, outputs); this matrix is (outputs, inputs), as \
                 PyTorch's Linear.weight is: pass its transpose (`W.T`, e.g. \
                 `np.save(path, np.ascontiguousarray(W.T))`)"
            ),
            format!("({r}, {c})"),
        )),
        shape => Err(Error::shape(
            what,
            format!("a 2-D array of shape ({rows}, {cols})"),
            format!("{shape:?}"),
        )),
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

/// The transmission delays of an event-driven projection, in ms.
///
/// A spike that a source emits in step `k` reaches a synapse's target in step `k + d`, with
/// `d` the delay in whole steps: `delay / dt` rounded to the nearest step, and delays below one
/// step rounded up to one (NEST's rule; a delay of 0 ms is one step). A whole-population delay
/// of the term ([`Term::delayed`](super::Term::delayed)) adds to it. Without delays
/// ([`Delays::None`]) a spike arrives as every undelayed term's value does: in the same step when
/// the source updates before the target, in the next when after.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Delays {
    /// No transmission delay: the term's own timing.
    #[default]
    None,
    /// One delay (ms) for every synapse.
    Homogeneous(f64),
    /// One delay (ms) per synapse, in the order of the targets.
    PerSynapse(Arc<[f64]>),
}

/// The most steps a transmission delay may span (the slots of a ring of sums are counted in
/// 32 bits on the device; the device's buffer limit usually binds first).
pub(crate) const MAX_DELAY_STEPS: u64 = 1 << 24;

/// A delay of `ms` in whole steps of `dt`: rounded to the nearest, at least one.
pub(crate) fn whole_steps(ms: f64, dt: f64) -> f64 {
    (ms / dt).round().max(1.0)
}

/// A delay of `ms` in whole steps of `dt`: rounded to the nearest, at least one (a typed error
/// for a negative or non-finite delay, or one beyond [`MAX_DELAY_STEPS`]).
pub(crate) fn delay_steps(what: &str, ms: f64, dt: f64) -> Result<u32> {
    if !crate::model::non_negative(ms) {
        return Err(Error::invalid(
            what,
            "delay",
            ms,
            "must be finite and at least 0 ms",
        ));
    }
    let steps = whole_steps(ms, dt);
    if steps > MAX_DELAY_STEPS as f64 {
        return Err(Error::invalid(
            what,
            "delay",
            ms,
            format!("is {steps} steps of {dt} ms; at most {MAX_DELAY_STEPS} steps"),
        ));
    }
    Ok(steps as u32)
}

/// Event-driven connectivity (brainstate's `EventFixedProb` and every rule of [`Rule`]): each
/// spiking presynaptic neuron adds its synapses' weights to their targets, after their
/// [`Delays`]. Sources may have any number of synapses each (source-major rows, no padding).
/// Duplicate targets count twice, as in brainstate.
///
/// ```
/// # fn main() -> brainwgpu::Result<()> {
/// use brainwgpu::network::FixedProb;
/// use brainwgpu::prelude::*;
///
/// // brainstate's EventFixedProb(400, 100, prob = 0.1, weight = 0.6): 40 targets per source.
/// let conn = FixedProb::new(400, 100, 0.1, 0.6, 42);
/// assert_eq!(conn.targets_per_neuron(), Some(10));
/// let mut net = Network::new();
/// let pre = net.add(LIF::new(400))?;
/// let g = net.add(Expon::new(100))?;
/// net.update(pre, Wiring::new().x(20.0));
/// net.update(g, Wiring::new().delta(Term::output(pre).event(conn)));
/// let sim = net.compile(&Device::Cpu, None, 0.1 * ms)?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Sparse {
    pub(crate) syn: Synapses,
    pub(crate) weights: Weights,
    pub(crate) delays: Delays,
    /// The kernels' degree word (see [`Sparse::degree_word`]), found once.
    degree: u32,
    /// The dimension of its weights, when given ([`Sparse::unit`]).
    pub(crate) dimension: Option<&'static str>,
}

/// The degree word of tables whose rows differ in length (`VARIABLE_DEGREE` in WGSL).
pub(crate) const VARIABLE_DEGREE: u32 = u32::MAX;

/// brainstate's name for the event projection with a fixed number of targets per source.
pub type FixedProb = Sparse;

impl Sparse {
    /// `k = int(n_post · prob)` random targets for every presynaptic neuron (with
    /// replacement, as brainstate draws them), reproducible from `seed`, all with `weight`.
    pub fn new(n_pre: usize, n_post: usize, prob: f64, weight: f64, seed: u64) -> Sparse {
        Sparse::per_pre(n_pre, n_post, (n_post as f64 * prob) as usize, weight, seed)
    }

    /// `k` random targets for every presynaptic neuron (with replacement), reproducible from
    /// `seed`, all with `weight` (brainstate's integer `conn_num`). The draws are those of
    /// brainwgpu 0.1 (stream 1 of `seed`); [`Sparse::connect`] draws each projection from a
    /// stream of its own.
    pub fn per_pre(n_pre: usize, n_post: usize, k: usize, weight: f64, seed: u64) -> Sparse {
        let targets = (0..n_pre * k)
            .map(|i| (rng::uniform(seed, 1, i as u64) * n_post as f64) as u32)
            .collect::<Vec<_>>();
        Sparse::from_targets(n_pre, n_post, k, targets, Weights::Homogeneous(weight))
    }

    /// Given targets: `targets[pre·k + t]` is target `t` of presynaptic neuron `pre`
    /// (checked when the network compiles).
    pub fn from_targets(
        n_pre: usize,
        n_post: usize,
        k: usize,
        targets: impl Into<Arc<[u32]>>,
        weights: Weights,
    ) -> Sparse {
        let offsets: Vec<u32> = (0..=n_pre).map(|i| (i * k) as u32).collect();
        Sparse::of(
            Synapses::from_parts(n_pre, n_post, offsets.into(), targets.into()),
            weights,
        )
    }

    /// Given synapses and their weights (one value, or one per synapse in the synapses'
    /// source-major order).
    pub fn from_synapses(synapses: Synapses, weights: Weights) -> Sparse {
        Sparse::of(synapses, weights)
    }

    fn of(syn: Synapses, weights: Weights) -> Sparse {
        let o = syn.offsets();
        let k = o.get(1).map_or(0, |&x| x.wrapping_sub(o[0]));
        let uniform = k != VARIABLE_DEGREE
            && o.iter()
                .enumerate()
                .all(|(i, &x)| u64::from(x) == i as u64 * u64::from(k));
        Sparse {
            syn,
            weights,
            delays: Delays::None,
            degree: if uniform { k } else { VARIABLE_DEGREE },
            dimension: None,
        }
    }

    /// The weights are in `unit`: each is multiplied by its magnitude (`0.6` with `nS` is
    /// 0.6 nS), and the projection's terms carry its dimension, checked against what the
    /// target's input takes (weights into a neuron's delta input are voltages).
    pub fn unit<D: Dimension>(mut self, unit: Quantity<D>) -> Sparse {
        let k = unit.value();
        self.weights = match self.weights {
            Weights::Homogeneous(w) => Weights::Homogeneous(w * k),
            Weights::PerSynapse(w) => Weights::PerSynapse(w.iter().map(|x| x * k).collect()),
        };
        self.dimension = Some(D::NAME);
        self
    }

    /// The dimension its weights were given in ([`Sparse::unit`]).
    pub fn dimension(&self) -> Option<&'static str> {
        self.dimension
    }

    /// Synapses from `n_pre` sources to `n_post` targets by `rule`, weights from `weight`, both
    /// drawn from `stream` (give each projection of a network its own key). `same`: source and
    /// target are one population (autapses apply).
    ///
    /// ```
    /// use brainwgpu::network::{Dist, Rule, Sparse, Stream};
    /// let ee = Sparse::connect(&Rule::bernoulli(0.02), 800, 800, true, &Dist::normal(0.6, 0.06), Stream::new(1, 0))?;
    /// let ie = Sparse::connect(&Rule::fixed_in_degree(20), 200, 800, false, &Dist::Constant(-6.7), Stream::new(1, 1))?;
    /// assert!(ie.synapses().in_degrees().iter().all(|&d| d == 20));
    /// # Ok::<(), brainwgpu::Error>(())
    /// ```
    pub fn connect(
        rule: &Rule,
        n_pre: usize,
        n_post: usize,
        same: bool,
        weight: &Dist,
        stream: Stream,
    ) -> Result<Sparse> {
        let syn = rule.build(n_pre, n_post, same, stream)?;
        let weights = match weight {
            Dist::Constant(w) => {
                weight.check("weight", syn.len())?;
                Weights::Homogeneous(*w)
            }
            _ => Weights::PerSynapse(syn.weights(weight, stream)?),
        };
        Ok(Sparse::of(syn, weights))
    }

    /// The same connectivity with transmission delays (ms) drawn per synapse from `delay`
    /// (a constant is one delay for all) with the delays' own sub-stream of `stream` — the
    /// same stream as the rule's and the weights' gives the same synapses, weights and delays
    /// on every device. Delays are checked here (finite, at least 0 ms) and turned into whole
    /// steps at `compile`: see [`Delays`].
    ///
    /// ```
    /// use brainwgpu::network::{Dist, Rule, Sparse, Stream};
    /// let stream = Stream::new(7, 1);
    /// let c = Sparse::connect(&Rule::fixed_total(400), 100, 100, false, &Dist::Constant(0.5), stream)?
    ///     .with_delays(&Dist::normal_clipped(1.5, 0.75, 0.1, f64::INFINITY), stream)?;
    /// assert_eq!(c.synapses().len(), 400);
    /// # Ok::<(), brainwgpu::Error>(())
    /// ```
    pub fn with_delays(mut self, delay: &Dist, stream: Stream) -> Result<Sparse> {
        self.delays = match delay {
            Dist::Constant(d) => Delays::Homogeneous(*d),
            _ => Delays::PerSynapse(self.syn.delays(delay, stream)?),
        };
        self.check_delays("event projection")?;
        Ok(self)
    }

    /// The same connectivity with the given delays (ms), checked.
    pub fn delayed(mut self, delays: Delays) -> Result<Sparse> {
        self.delays = delays;
        self.check_delays("event projection")?;
        Ok(self)
    }

    /// Its transmission delays.
    pub fn delays(&self) -> &Delays {
        &self.delays
    }

    fn check_delays(&self, what: &str) -> Result<()> {
        let n = self.syn.len();
        let all: &[f64] = match &self.delays {
            Delays::None => &[],
            Delays::Homogeneous(d) => std::slice::from_ref(d),
            Delays::PerSynapse(d) if d.len() != n => {
                return Err(Error::shape(
                    format!("delays of {what}"),
                    format!("{n} values (one per synapse)"),
                    format!("{} values", d.len()),
                ));
            }
            Delays::PerSynapse(d) => d,
        };
        match all.iter().find(|&&d| !crate::model::non_negative(d)) {
            Some(bad) => Err(Error::invalid(
                what,
                "delay",
                bad,
                "must be finite and at least 0 ms",
            )),
            None => Ok(()),
        }
    }

    /// An explicit synapse list from an `.npz` archive (as numpy's `savez` writes it): integer
    /// arrays `pre` and `post` of equal length (one entry per synapse, any order, any
    /// integer or whole-valued float dtype), optionally `weight` (one per synapse, or one value)
    /// and `delay` (ms, likewise); without `weight` every synapse has weight `weight`.
    /// Indices are checked against `n_pre` and `n_post`; [`write_npz`](Self::write_npz)
    /// writes what this reads.
    pub fn read_npz(
        path: impl AsRef<std::path::Path>,
        n_pre: usize,
        n_post: usize,
        weight: f64,
    ) -> Result<Sparse> {
        let path = path.as_ref();
        let npz = crate::npz::Npz::read(path)?;
        let pre = npz.get("pre")?.to_indices(path, "pre")?;
        let post = npz.get("post")?.to_indices(path, "post")?;
        let syn = Rule::explicit(pre, post).build(n_pre, n_post, false, Stream::new(0, 0))?;
        let values = |name: &str| -> Result<Option<Dist>> {
            if !npz.contains(name) {
                return Ok(None);
            }
            let v = npz.f64s(name)?;
            Ok(Some(match v.as_slice() {
                [one] if syn.len() != 1 => Dist::Constant(*one),
                _ => Dist::Array(v.into()),
            }))
        };
        let stream = Stream::new(0, 0);
        let weights = match values("weight")?.unwrap_or(Dist::Constant(weight)) {
            Dist::Constant(w) => Weights::Homogeneous(w),
            d => Weights::PerSynapse(syn.weights(&d, stream)?),
        };
        let delays = match values("delay")? {
            None => Delays::None,
            Some(Dist::Constant(d)) => Delays::Homogeneous(d),
            Some(d) => Delays::PerSynapse(syn.delays(&d, stream)?),
        };
        let sparse = Sparse::of(syn, weights).delayed(delays)?;
        sparse.validate(&path.display().to_string())?;
        Ok(sparse)
    }

    /// Synapses from a weight matrix in a 2-D `.npy` file of shape `(n_pre, n_post)`: one
    /// synapse for every nonzero entry, with that weight. A matrix of shape `(n_post, n_pre)`
    /// is refused with a message saying to pass its transpose.
    pub fn read_matrix_npy(
        path: impl AsRef<std::path::Path>,
        n_pre: usize,
        n_post: usize,
    ) -> Result<Sparse> {
        let path = path.as_ref();
        let array = crate::npz::read_npy(path)?;
        let w = matrix(path, "the weight matrix", &array, n_pre, n_post)?;
        let (mut pre, mut post, mut weight) = (Vec::new(), Vec::new(), Vec::new());
        for (at, &x) in w.iter().enumerate() {
            if x != 0.0 {
                pre.push((at / n_post) as u32);
                post.push((at % n_post) as u32);
                weight.push(x);
            }
        }
        let stream = Stream::new(0, 0);
        let syn = Rule::explicit(pre, post).build(n_pre, n_post, false, stream)?;
        let weights = Weights::PerSynapse(syn.weights(&Dist::Array(weight.into()), stream)?);
        let sparse = Sparse::of(syn, weights);
        sparse.validate(&path.display().to_string())?;
        Ok(sparse)
    }

    /// Writes the synapses as [`read_npz`](Self::read_npz) reads them: `pre`, `post` (int64,
    /// source-major), `weight` (float64, one per synapse) and, with delays, `delay` (ms).
    pub fn write_npz(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        let mut w = crate::npz::NpzWriter::new();
        for (name, data) in self.columns() {
            w.add(name, &[self.syn.len()], data)?;
        }
        w.write(path)
    }

    /// The arrays [`write_npz`](Self::write_npz) writes, by name.
    pub(crate) fn columns(&self) -> Vec<(&'static str, crate::npz::NpyData)> {
        use crate::npz::NpyData;
        let n = self.syn.len();
        let pre: Vec<i64> = self.syn.pairs().map(|(i, _)| i as i64).collect();
        let post: Vec<i64> = self.syn.post().iter().map(|&j| i64::from(j)).collect();
        let mut out = vec![
            ("pre", NpyData::I64(pre)),
            ("post", NpyData::I64(post)),
            (
                "weight",
                NpyData::F64((0..n).map(|s| self.weight(s)).collect()),
            ),
        ];
        match &self.delays {
            Delays::None => {}
            Delays::Homogeneous(d) => out.push(("delay", NpyData::F64(vec![*d; n]))),
            Delays::PerSynapse(d) => out.push(("delay", NpyData::F64(d.to_vec()))),
        }
        out
    }

    /// Its synapses.
    pub fn synapses(&self) -> &Synapses {
        &self.syn
    }

    /// Its weights.
    pub fn weights(&self) -> &Weights {
        &self.weights
    }

    /// The number of targets of every presynaptic neuron when it is the same for all.
    pub fn targets_per_neuron(&self) -> Option<usize> {
        (self.degree != VARIABLE_DEGREE).then_some(self.degree as usize)
    }

    pub(crate) fn n_pre(&self) -> usize {
        self.syn.n_pre()
    }

    pub(crate) fn n_post(&self) -> usize {
        self.syn.n_post()
    }

    /// The weight of synapse `s` (source-major).
    pub(crate) fn weight(&self, s: usize) -> f64 {
        match &self.weights {
            Weights::Homogeneous(w) => *w,
            Weights::PerSynapse(w) => w[s],
        }
    }

    pub(crate) fn validate(&self, what: &str) -> Result<()> {
        self.syn.validate(what)?;
        self.check_delays(what)?;
        let n = self.syn.len();
        match &self.weights {
            Weights::Homogeneous(w) if !crate::model::finite(*w) => {
                Err(Error::invalid(what, "weight", w, crate::model::FINITE))
            }
            Weights::PerSynapse(w) if w.len() != n => Err(Error::shape(
                format!("weights of {what}"),
                format!("{n} values (one per synapse)"),
                format!("{} values", w.len()),
            )),
            Weights::PerSynapse(w) => match w.iter().find(|&&v| !crate::model::finite(v)) {
                Some(bad) => Err(Error::invalid(what, "weights", bad, crate::model::FINITE)),
                None => Ok(()),
            },
            _ => Ok(()),
        }
    }

    /// The synapses of presynaptic neurons `pre` (their targets and weights), as a projection
    /// of its own from those neurons.
    pub(crate) fn rows(&self, pre: std::ops::Range<usize>) -> Sparse {
        let o = self.syn.offsets();
        let synapses = o[pre.start] as usize..o[pre.end] as usize;
        let mut block = Sparse::of(
            self.syn.rows(pre),
            match &self.weights {
                Weights::Homogeneous(w) => Weights::Homogeneous(*w),
                Weights::PerSynapse(w) => Weights::PerSynapse(w[synapses.clone()].into()),
            },
        );
        block.delays = match &self.delays {
            Delays::PerSynapse(d) => Delays::PerSynapse(d[synapses].into()),
            other => other.clone(),
        };
        block
    }

    /// The kernels' degree word: the number of synapses of every source when it is the same
    /// for all (the table then has no offsets and the kernels compute each row's place), or
    /// [`VARIABLE_DEGREE`] (the table starts with `n_pre + 1` row offsets).
    pub(crate) fn degree_word(&self) -> u32 {
        self.degree
    }

    /// Words of its table per synapse: the target, and the weight when per synapse.
    fn words_per_synapse(&self) -> usize {
        1 + usize::from(matches!(self.weights, Weights::PerSynapse(_)))
            + usize::from(matches!(self.delays, Delays::PerSynapse(_)))
    }

    /// Words of its table per row offset: 1 when rows differ in length, else none.
    fn words_per_offset(&self) -> usize {
        usize::from(self.degree == VARIABLE_DEGREE)
    }

    /// Words of its table on the device for presynaptic neuron `i`: its offset (rows of
    /// different lengths only), its targets, and their weights when they are per synapse.
    pub(crate) fn words_of(&self, i: usize) -> usize {
        self.words_per_offset() + self.words_per_synapse() * self.syn.targets_of(i).len()
    }

    /// Words of its whole table: the row offsets (`n_pre + 1`, rows of different lengths only),
    /// the targets, the per-synapse weights.
    pub(crate) fn table_words(&self) -> usize {
        self.words_per_offset() * (self.n_pre() + 1) + self.words_per_synapse() * self.syn.len()
    }

    /// The mean number of synapses per presynaptic neuron, rounded up (cost estimates).
    pub(crate) fn mean_degree(&self) -> usize {
        self.syn.len().div_ceil(self.n_pre().max(1))
    }

    /// The largest sum of |weights| each postsynaptic neuron can receive in one step, added
    /// to `sums`.
    pub(crate) fn add_in_sums(&self, sums: &mut [f64]) {
        for (s, &t) in self.syn.post().iter().enumerate() {
            sums[t as usize] += self.weight(s).abs();
        }
    }
}

/// Procedural event connectivity: a rule of a source's row — a fixed out-degree `k` with
/// multapses, or pairwise Bernoulli(p) — kept instead of a table. Each time a source spikes,
/// the kernel regenerates its targets (and, drawn per synapse, their weights) from (seed, key,
/// source) — the same Threefry draws with which [`Rule::FixedOutDegree`] (multapses allowed)
/// and [`Rule::Bernoulli`] fill a table — so a network far larger than memory runs, and its
/// spikes equal those of the stored rule with the same stream ([`stored`](Self::stored)).
///
/// When it pays: device memory is 8 words whatever the synapses (plus 65,536 for weights
/// drawn per synapse, and ≈ 22/p gap thresholds for Bernoulli), against 1 (targets) + 1
/// (weights, when distributed) + 1 (delays) words per synapse stored, and the host holds no
/// table either (compiling draws every synapse once to find the largest sum a target can
/// receive, which fixes the fixed-point unit: time like building the table, memory one sum
/// per target). Each spike costs a Threefry block (about 75 integer instructions) per synapse
/// instead of a table read: faster where memory traffic bounds the delivery (large tables
/// that do not stay in cache), slower where arithmetic does. Measured
/// (`examples/procedural.rs`, BENCHMARKS.md): on lavapipe as fast or faster, on the f64
/// device slower.
///
/// ```
/// use brainwgpu::network::{Procedural, Stream};
/// let p = Procedural::fixed_out_degree(100, 1000, 1000, true, false, 0.1, Stream::new(3, 0))?;
/// assert_eq!(p.stored()?.synapses().len(), 100 * 1000);
/// # Ok::<(), brainwgpu::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Procedural {
    pub(crate) n_pre: usize,
    pub(crate) n_post: usize,
    /// Synapses per source (fixed out-degree; 0 for Bernoulli).
    pub(crate) k: usize,
    /// Bernoulli: the probability and the gaps' thresholds (see `geometric_thresholds`).
    pub(crate) bernoulli: Option<(f64, Arc<[u32]>)>,
    /// Autapses left out (source and target are one population).
    pub(crate) skip_own: bool,
    pub(crate) weight: f64,
    /// Weights drawn per synapse: the distribution's equiprobable levels (else `weight`).
    pub(crate) levels: Option<Arc<[f64]>>,
    pub(crate) delay: Option<f64>,
    pub(crate) stream: Stream,
}

/// The largest out-degree a procedural projection takes (the kernels' degree word keeps its
/// top bit as the procedural flag).
pub(crate) const PROCEDURAL: u32 = 0x8000_0000;

/// Words of a procedural table before its gap thresholds; word 7 says where its inverse units
/// per target start (0: one unit for all).
pub(crate) const PROCEDURAL_HEADER: usize = 8;
const PROCEDURAL_UNITS: usize = 7;

/// The most gap thresholds a procedural Bernoulli rule sends to the device (p ≳ 2·10⁻⁵).
const MAX_PROCEDURAL_THRESHOLDS: usize = 1 << 20;

impl Procedural {
    /// `k` targets per source among `n_post`, with multapses; `same`: sources and targets are
    /// one population, and then `autapses` says whether a source may target itself.
    pub fn fixed_out_degree(
        k: usize,
        n_pre: usize,
        n_post: usize,
        same: bool,
        autapses: bool,
        weight: f64,
        stream: Stream,
    ) -> Result<Procedural> {
        Procedural {
            n_pre,
            n_post,
            k,
            bernoulli: None,
            skip_own: same && !autapses,
            weight,
            levels: None,
            delay: None,
            stream,
        }
        .checked()
    }

    /// Every pair (source, target) connected with probability `p` ([`Rule::Bernoulli`]);
    /// `same` and `autapses` as for [`fixed_out_degree`](Self::fixed_out_degree). A spike walks
    /// its row by geometric gaps (about `p·n_post` draws and binary searches in a table of
    /// about 22/p thresholds, which must stay below 2²⁰ words: p ≳ 2·10⁻⁵).
    pub fn bernoulli(
        p: f64,
        n_pre: usize,
        n_post: usize,
        same: bool,
        autapses: bool,
        weight: f64,
        stream: Stream,
    ) -> Result<Procedural> {
        if !(0.0..1.0).contains(&p) {
            return Err(Error::invalid(
                "Procedural",
                "p",
                p,
                "must be in [0, 1) (p = 1 is all-to-all: store it)",
            ));
        }
        let thresholds = if p <= 0.0 {
            Vec::new()
        } else {
            match super::connectivity::geometric_thresholds(p) {
                Some(t) if t.len() <= MAX_PROCEDURAL_THRESHOLDS => t,
                _ => {
                    return Err(Error::invalid(
                        "Procedural",
                        "p",
                        p,
                        format!(
                            "needs more than {MAX_PROCEDURAL_THRESHOLDS} gap thresholds on the device (p below ≈ 2e-5): store the rule instead"
                        ),
                    ));
                }
            }
        };
        Procedural {
            k: 0,
            bernoulli: Some((p, thresholds.into())),
            ..Procedural::fixed_out_degree(0, n_pre, n_post, same, autapses, weight, stream)?
        }
        .checked()
    }

    /// Itself, once its parameters are checked.
    fn checked(self) -> Result<Procedural> {
        self.validate("Procedural")?;
        Ok(self)
    }

    /// The same connectivity with one transmission delay (ms) for every synapse (see
    /// [`Delays`]).
    pub fn with_delay(mut self, ms: f64) -> Result<Procedural> {
        self.delay = Some(ms);
        self.checked()
    }

    /// The same connectivity with a weight per synapse drawn from `weight` (a constant is
    /// one weight for all). A kernel draws it again at each spike from 16 random bits, so the
    /// distribution is taken as 65,536 equiprobable values (its quantiles at the midpoints; a
    /// normal's `Bounds` as clipping or truncation): exact to 1/65,536 in
    /// probability.
    pub fn with_weights(mut self, weight: &Dist) -> Result<Procedural> {
        weight.check("weight", self.len())?;
        match weight {
            Dist::Constant(w) => {
                self.weight = *w;
                self.levels = None;
            }
            Dist::Array(_) => {
                return Err(Error::invalid(
                    "Procedural",
                    "weight",
                    "an array",
                    "is drawn per synapse at each spike: a constant or a distribution",
                ));
            }
            d => self.levels = d.levels().map(Into::into),
        }
        self.checked()
    }

    /// The same synapses as a table: [`Rule::FixedOutDegree`] with multapses, or
    /// [`Rule::Bernoulli`], from the same stream, with the same weights and delay.
    pub fn stored(&self) -> Result<Sparse> {
        let rule = match &self.bernoulli {
            Some((p, _)) => Rule::Bernoulli {
                p: *p,
                autapses: !self.skip_own,
            },
            None => Rule::FixedOutDegree {
                k: vec![self.k].into(),
                autapses: !self.skip_own,
                multapses: true,
            },
        };
        let mut sparse = Sparse::connect(
            &rule,
            self.n_pre,
            self.n_post,
            self.skip_own,
            &Dist::Constant(self.weight),
            self.stream,
        )?;
        if self.levels.is_some() {
            let table = self.table(&Units::Shared(1.0));
            let mut w = Vec::with_capacity(sparse.syn.len());
            for pre in 0..self.n_pre {
                self.row(&table, pre, |j, _| w.push(self.weight_of(&table, pre, j)));
            }
            sparse.weights = Weights::PerSynapse(w.into());
        }
        match self.delay {
            Some(d) => sparse.delayed(Delays::Homogeneous(d)),
            None => Ok(sparse),
        }
    }

    /// The number of synapses in all (expected, for Bernoulli).
    pub fn len(&self) -> usize {
        match &self.bernoulli {
            Some((p, _)) => {
                let pairs = self.n_pre * self.n_post - if self.skip_own { self.n_pre } else { 0 };
                (p * pairs as f64).round() as usize
            }
            None => self.n_pre * self.k,
        }
    }

    /// Whether it has no synapse.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The mean number of synapses of a source.
    pub(crate) fn mean_degree(&self) -> usize {
        self.len().div_ceil(self.n_pre.max(1))
    }

    pub(crate) fn validate(&self, what: &str) -> Result<()> {
        if self.k >= PROCEDURAL as usize {
            return Err(Error::invalid(
                what,
                "k",
                self.k,
                format!("must be below {PROCEDURAL}"),
            ));
        }
        for (param, n) in [("sources", self.n_pre), ("targets", self.n_post)] {
            if n >= u32::MAX as usize - MAX_PROCEDURAL_THRESHOLDS {
                return Err(Error::invalid(what, param, n, "must fit 32 bits"));
            }
        }
        if self.skip_own && self.n_pre != self.n_post {
            return Err(Error::shape(
                format!("{what}: one population's sources and targets"),
                format!("{} targets", self.n_pre),
                format!("{} targets", self.n_post),
            ));
        }
        let pool = self.n_post - usize::from(self.skip_own);
        if self.bernoulli.is_none() && self.k > 0 && pool == 0 {
            return Err(Error::invalid(
                what,
                "k",
                self.k,
                "but there are no targets to draw",
            ));
        }
        if !crate::model::finite(self.weight) {
            return Err(Error::invalid(
                what,
                "weight",
                self.weight,
                crate::model::FINITE,
            ));
        }
        if let Some(bad) = self
            .levels
            .iter()
            .flat_map(|l| l.iter())
            .find(|&&w| !crate::model::finite(w))
        {
            return Err(Error::invalid(what, "weight", bad, crate::model::FINITE));
        }
        if let Some(d) = self.delay
            && !crate::model::non_negative(d)
        {
            return Err(Error::invalid(
                what,
                "delay",
                d,
                "must be finite and at least 0 ms",
            ));
        }
        Ok(())
    }

    /// The table the kernels read: the targets' Threefry key, the pool of candidate targets,
    /// whether a source's own index is left out, the weights' Threefry key, the number of gap
    /// thresholds (0: a fixed out-degree), where the inverse units per target start (0: one
    /// unit for all), the thresholds, then (weights drawn per synapse) the levels — in
    /// fixed-point counts of the one unit, or as f32 for the kernels to round to each target's
    /// unit — then the inverse units per target (see [`Units`]).
    pub(crate) fn table(&self, units: &Units) -> Vec<u32> {
        let [k0, k1] = self.stream.targets_key();
        let [w0, w1] = self.stream.weights_key();
        let (pool, thresholds): (u32, &[u32]) = match &self.bernoulli {
            Some((_, t)) => (self.n_post as u32, t),
            None => ((self.n_post - usize::from(self.skip_own)) as u32, &[]),
        };
        let mut t = vec![k0, k1, pool, u32::from(self.skip_own), w0, w1];
        t.push(thresholds.len() as u32);
        t.push(0);
        t.extend_from_slice(thresholds);
        if let Some(levels) = &self.levels {
            t.extend(levels.iter().map(|&w| match units {
                Units::Shared(_) => units.fixed(w, 0) as u32,
                Units::PerTarget(_) => (w as f32).to_bits(),
            }));
        }
        if !units.is_shared() {
            t[PROCEDURAL_UNITS] = t.len() as u32;
            t.extend(units.inverse_words());
        }
        t
    }

    /// The weight word of its kernels: the one weight in fixed-point counts of the one unit,
    /// or as f32 bits for the kernels to round to each target's unit.
    pub(crate) fn weight_word(&self, units: &Units) -> i32 {
        match units {
            Units::Shared(_) => units.fixed(self.weight, 0),
            Units::PerTarget(_) => (self.weight as f32).to_bits() as i32,
        }
    }

    /// Source `pre`'s synapses as (ordinal, target), as the kernels draw them from `table`.
    pub(crate) fn row(&self, table: &[u32], pre: usize, mut f: impl FnMut(usize, u32)) {
        let key = [table[0], table[1]];
        let (pool, skip_own) = (table[2], table[3] != 0);
        match self.bernoulli {
            None => {
                for j in 0..self.k {
                    let t = super::connectivity::procedural_target(
                        key, pre as u32, j as u32, pool, skip_own,
                    );
                    f(j, t);
                }
                return;
            }
            Some((p, _)) if p <= 0.0 => return,
            _ => {}
        }
        let thresholds = &table[PROCEDURAL_HEADER..PROCEDURAL_HEADER + table[6] as usize];
        let mut s = 0;
        super::connectivity::geometric_walk(key, thresholds, pre as u32, pool, |t| {
            if !(skip_own && t as usize == pre) {
                f(s, t);
                s += 1;
            }
        });
    }

    /// The weight of synapse `j` (its ordinal in the row) of source `pre`, its draw keyed by
    /// the weights' key in `table` (as `procedural_weight` in `shaders/delivery.wgsl`).
    pub(crate) fn weight_of(&self, table: &[u32], pre: usize, j: usize) -> f64 {
        match &self.levels {
            None => self.weight,
            Some(levels) => {
                let key = [table[4], table[5]];
                levels[(crate::rng::threefry2x32([pre as u32, j as u32], key)[0] >> 16) as usize]
            }
        }
    }

    /// The largest sum of |weights| each target receives in a step, added to `sums` as the
    /// stored twin's are (drawing every synapse once, into one sum per target — no table), so
    /// that the fixed-point units of their sums are the same.
    pub(crate) fn add_in_sums(&self, sums: &mut [f64]) {
        let table = self.table(&Units::Shared(1.0));
        for pre in 0..self.n_pre {
            self.row(&table, pre, |j, t| {
                sums[t as usize] += self.weight_of(&table, pre, j).abs()
            });
        }
    }
}
