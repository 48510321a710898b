//! The compiled plan of a network: where everything lives and what each step does, as plain
//! data that every executor (GPU per-step dispatches, the f64 host reference, and faster ones
//! to come) runs the same way.

use std::sync::Arc;

use super::connect::{Delays, Sparse, Weights};
use super::drive::PoissonDrive;
pub(crate) use super::projection::Place;
use super::projection::{
    Arrival, AxpyProjection, DenseProjection, EventProjection, PoissonProjection,
    ProceduralProjection, Projection, Units,
};
use super::{Comm, Network, NodeId, Source, Term, Wiring};
use crate::error::{Error, Result};
use crate::model::{Model, Output, ParamValue};
use crate::shape::{Shape, validate_batch};
use crate::synout::SynOut;

/// Offsets are aligned to this many words (256 bytes), so that any region could be bound on
/// its own.
const ALIGN: usize = 64;

fn align(x: usize) -> usize {
    x.next_multiple_of(ALIGN)
}

/// A population in the plan.
pub(crate) struct PlanNode {
    pub name: String,
    pub model: Arc<dyn Model>,
    pub in_size: Shape,
    /// Elements per sample, and in all (`rows × n`).
    pub n: usize,
    pub total: usize,
    pub vars: usize,
    /// Where its states start in the arena (`vars × total` values).
    pub state_base: usize,
    /// Where its output starts in the arena (its emitted output, or its output state).
    pub out: usize,
    pub emits: bool,
    /// Its kernel parameters for the plan's `dt`.
    pub params: Vec<ParamValue>,
    /// Its initial states, `vars` arrays of `total` values.
    pub initial: Vec<Vec<f64>>,
}

impl PlanNode {
    /// How errors name it: its kind and name.
    pub fn owner(&self) -> String {
        format!("{} `{}`", self.model.kind(), self.name)
    }

    /// The index of state variable `var`.
    pub fn var(&self, var: &str) -> Result<usize> {
        let names = self.model.state_names();
        names
            .iter()
            .position(|s| *s == var)
            .ok_or_else(|| Error::UnknownName {
                owner: self.owner(),
                kind: "state",
                name: var.to_string(),
                available: names.iter().map(|s| s.to_string()).collect(),
            })
    }
}

/// An external stream.
pub(crate) struct PlanExternal {
    pub name: String,
    /// Values per sample and step.
    pub n: usize,
}

/// A delay ring: `depth` slots of a population's output (`len` values each).
pub(crate) struct PlanRing {
    pub node: usize,
    pub base: usize,
    pub depth: usize,
    pub len: usize,
}

/// How a population's `x` or delta input reaches it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum InputSpec {
    None,
    Scalar(f64),
    /// Straight from the arena (another population's output or state), rows `pitch` apart.
    Arena {
        offset: usize,
        pitch: usize,
    },
    /// From the scratch, summed there by the statement's projections.
    Scratch {
        offset: usize,
        pitch: usize,
    },
    /// This step's values of an external stream.
    Stream {
        ext: usize,
        pitch: usize,
    },
    /// Fixed-point sums of event-driven projections; the population's parameter `unit_param`
    /// holds the value of one count (one for all or one per neuron: see [`Units`]; the f64
    /// executor keeps exact sums and ignores it). With transmission delays the sums are a
    /// ring of `slots` sets of `rows × n` sums: step k reads and clears set `k mod slots`, a
    /// spike arriving `d` steps later adds to set `(k + d) mod slots`.
    Acc {
        offset: usize,
        unit_param: usize,
        slots: usize,
        /// Sums per set (`rows × n`).
        set: usize,
    },
}

/// Where a current input's conductance is (one value per element, rows of `n`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum ChannelSrc {
    /// A population's output or state in the arena.
    Arena(usize),
    /// Computed into the scratch by the statement's projections.
    Scratch(usize),
}

/// One statement of the program.
pub(crate) struct Statement {
    pub node: usize,
    pub ops: Vec<Projection>,
    pub x: InputSpec,
    /// Values per row of `x`.
    pub x_n: usize,
    pub delta: InputSpec,
    /// Current inputs: the output and where its conductance is.
    pub channels: Vec<(SynOut, ChannelSrc)>,
    /// The delay ring this population's output goes into after its update.
    pub ring: Option<usize>,
    /// The weights its terms carry, by input and term (`x0`, `delta1`, `current0` …), for
    /// export: dense matrices and stored event connectivity.
    pub weights: Vec<(String, Weighted)>,
}

/// The weights a term carries.
#[derive(Clone, Debug)]
pub(crate) enum Weighted {
    Dense(super::Dense),
    Sparse(Sparse),
}

/// The whole plan.
pub(crate) struct Plan {
    pub rows: usize,
    pub dt: f64,
    pub nodes: Vec<PlanNode>,
    pub externals: Vec<PlanExternal>,
    pub statements: Vec<Statement>,
    pub arena_len: usize,
    /// Constant inputs given per neuron or instance: where in the arena, and their values.
    pub constants: Vec<(usize, Vec<f64>)>,
    pub scratch_len: usize,
    pub acc_len: usize,
    pub rings: Vec<PlanRing>,
    pub ring_len: usize,
    /// Whether generated kernels hold values — parameters, constant inputs, scales,
    /// homogeneous weights, random keys — as constants (faster), or read them from their
    /// table (networks that differ only in values then compile to the same kernels:
    /// `Network::read_values`).
    pub fold_values: bool,
}

impl Plan {
    /// The arena as a run starts it: every population's initial states, outputs at 0, the
    /// constants.
    pub fn initial_arena(&self) -> Vec<f64> {
        let mut init = vec![0.0; self.arena_len.max(1)];
        for node in &self.nodes {
            for (v, values) in node.initial.iter().enumerate() {
                let at = node.state_base + v * node.total;
                init[at..at + node.total].copy_from_slice(values);
            }
        }
        for (at, values) in &self.constants {
            init[*at..*at + values.len()].copy_from_slice(values);
        }
        init
    }

    /// [`Plan::initial_arena`] in f32, as a GPU starts it.
    pub fn initial_arena_f32(&self) -> Vec<f32> {
        self.initial_arena().iter().map(|&x| x as f32).collect()
    }

    /// Whether a projection's source is a spike train: a neuron's emitted output (a model
    /// that reads current inputs and emits its result). Spike-fed dense projections gather
    /// their nonzero inputs instead of reading every row of the weights.
    pub fn is_spike_source(&self, src: Place) -> bool {
        match src {
            Place::Arena { offset, .. } => self.nodes.iter().any(|m| {
                m.emits && m.model.accepts().currents && (m.out..m.out + m.total).contains(&offset)
            }),
            _ => false,
        }
    }

    /// Bytes of device memory one step reads and writes, and the dispatches it takes on the
    /// per-step executor, counted from the plan. `monitors` gives, per monitor, its population
    /// and kind. Counted: every state read and written; outputs written; inputs read where
    /// they are arrays; conductances read; projection sources read, dense weights read once,
    /// results written (and read when summed); ring stores; monitors. Not counted, as they
    /// depend on the activity: the synapses a spike delivers to (4 bytes of target, 4 of weight
    /// when per-synapse, an atomic add each) and the clearing of the fixed-point sums they
    /// filled (a sum is read each step, written back only when not zero).
    pub fn cost_per_step(&self, monitors: &[(usize, MonitorKind)]) -> (u64, usize) {
        let rows = self.rows as u64;
        let mut bytes = 0u64;
        let mut dispatches = monitors.len();
        let input = |spec: InputSpec, len: u64| -> u64 {
            match spec {
                InputSpec::None | InputSpec::Scalar(_) => 0,
                _ => 4 * rows * len,
            }
        };
        for s in &self.statements {
            let node = &self.nodes[s.node];
            let total = node.total as u64;
            bytes +=
                4 * total * (2 * node.vars as u64 + node.emits as u64 + s.channels.len() as u64);
            bytes += input(s.x, s.x_n as u64) + input(s.delta, node.n as u64);
            dispatches += 1 + s.ops.len() + s.ring.is_some() as usize;
            if s.ring.is_some() {
                bytes += 8 * total;
            }
            for op in &s.ops {
                bytes += op.kind().bytes_per_step(rows);
            }
        }
        for (node, kind) in monitors {
            let total = self.nodes[*node].total as u64;
            bytes += match kind {
                MonitorKind::Spikes => 4 * total + total.div_ceil(8),
                MonitorKind::Count => 4 * total,
                MonitorKind::State(every, sampled) => 8 * *sampled as u64 / *every as u64,
            };
        }
        (bytes, dispatches)
    }
}

/// What a monitor reads per step, for [`Plan::cost_per_step`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum MonitorKind {
    Spikes,
    Count,
    /// Steps between samples, and values per sample.
    State(usize, usize),
}

struct Builder<'a> {
    net: &'a Network,
    rows: usize,
    nodes: Vec<PlanNode>,
    /// The arena so far (constants are added after the populations).
    arena_len: usize,
    constants: Vec<(usize, Vec<f64>)>,
    scratch_len: usize,
    acc_len: usize,
    rings: Vec<PlanRing>,
    ring_len: usize,
    /// The statement that updates each population, and the one being built.
    order: Vec<usize>,
    current: usize,
    /// The device's largest storage binding in bytes, which each event table must fit.
    binding_limit: Option<u64>,
    dt: f64,
}

impl Builder<'_> {
    fn node(&self, id: NodeId, what: &str) -> Result<&PlanNode> {
        self.nodes.get(id.0).ok_or_else(|| {
            Error::invalid(what, "node", id.0, "is not a population of this network")
        })
    }

    /// An event projection whose table is larger than one storage binding, as projections of
    /// consecutive blocks of its presynaptic neurons whose tables each fit one. They add the
    /// same weights to the same integer sums, so the sums are the same whatever the blocks.
    /// (A projection from an external stream, or of presynaptic neurons whose synapses alone
    /// exceed a binding, stays whole, and the executor refuses its table with the limit.)
    fn row_blocks(&self, src: Place, conn: Sparse) -> Vec<(Place, Sparse)> {
        let room = self.binding_limit.map_or(usize::MAX, |l| (l / 4) as usize);
        if conn.table_words() <= room {
            return vec![(src, conn)];
        }
        // Consecutive sources while their offsets, targets and weights (and the closing
        // offset) fit one binding.
        let mut blocks = Vec::new();
        let (mut first, mut words) = (0, 1);
        for i in 0..conn.n_pre() {
            let w = conn.words_of(i);
            if words + w > room {
                if i == first {
                    return vec![(src, conn)];
                }
                blocks.push(first..i);
                (first, words) = (i, 1);
            }
            words += w;
        }
        blocks.push(first..conn.n_pre());
        let blocks: Option<Vec<(Place, Sparse)>> = blocks
            .into_iter()
            .map(|rows| Some((src.shifted(rows.start)?, conn.rows(rows))))
            .collect();
        blocks.unwrap_or_else(|| vec![(src, conn)])
    }

    /// The ring holding `node`'s output, at least `delay + 1` slots deep.
    fn ring(&mut self, node: usize, delay: usize) -> usize {
        if let Some(i) = self.rings.iter().position(|r| r.node == node) {
            self.rings[i].depth = self.rings[i].depth.max(delay + 1);
            return i;
        }
        let len = self.nodes[node].total;
        self.rings.push(PlanRing {
            node,
            base: 0,
            depth: delay + 1,
            len,
        });
        self.rings.len() - 1
    }

    /// Steps between a source's value and the statement that reads it undelayed: 1 when the
    /// source updates after the reader (or is the reader), so the reader sees the previous
    /// step's value; else 0.
    fn lag(&self, source: &Source) -> usize {
        match source {
            Source::Output(id) | Source::State(id, _) => {
                usize::from(self.order.get(id.0).is_none_or(|&o| o >= self.current))
            }
            _ => 0,
        }
    }

    /// Where a term's source is, and its values per row. `len`: the values per row its reader
    /// takes, which constants given per instance are laid out for.
    fn place(&mut self, term: &Term, len: usize, what: &str) -> Result<(Place, usize)> {
        let (offset, pitch, n, node) = match &term.source {
            Source::Constant(c) => return Ok((Place::Constant(*c), usize::MAX)),
            Source::Values(values) => {
                if term.slice.is_some() || term.delay > 0 {
                    return Err(Error::invalid(
                        what,
                        "term",
                        "constants",
                        "constants cannot be sliced or delayed",
                    ));
                }
                return Ok((self.constants(values, len, what)?, len));
            }
            Source::Poisson(_) => {
                return Err(Error::invalid(
                    what,
                    "term",
                    "a Poisson drive",
                    "feeds delta inputs (it adds to fixed-point sums)",
                ));
            }
            Source::External(e) => {
                let ext = self.net.externals.get(e.0).ok_or_else(|| {
                    Error::invalid(what, "external", e.0, "is not an input of this network")
                })?;
                if term.slice.is_some() || term.delay > 0 {
                    return Err(Error::invalid(
                        what,
                        "term",
                        &ext.name,
                        "an external stream cannot be sliced or delayed",
                    ));
                }
                let n = ext.size.numel();
                return Ok((Place::Stream { ext: e.0, pitch: n }, n));
            }
            Source::Output(id) => {
                let node = self.node(*id, what)?;
                (node.out, node.n, node.n, id.0)
            }
            Source::State(id, var) => {
                let node = self.node(*id, what)?;
                let v = node.var(var)?;
                if term.delay > 0 {
                    return Err(Error::invalid(
                        what,
                        "term",
                        var,
                        "only a population's output can be delayed",
                    ));
                }
                (node.state_base + v * node.total, node.n, node.n, id.0)
            }
        };
        let range = term.slice.clone().unwrap_or(0..n);
        if range.start >= range.end || range.end > n {
            return Err(Error::invalid(
                what,
                "slice",
                format!("{range:?}"),
                format!("must be a non-empty range within the source's {n} neurons"),
            ));
        }
        if term.delay as u64 > super::connect::MAX_DELAY_STEPS {
            return Err(Error::invalid(
                what,
                "delayed",
                term.delay,
                format!(
                    "must be at most {} steps (a ring of that many copies of the output)",
                    super::connect::MAX_DELAY_STEPS
                ),
            ));
        }
        let src = if term.delay > 0 {
            // Slot k holds the source's output of step k. A reader that updates after the
            // source reads step k undelayed, one that updates before (or is the source) reads
            // step k − 1; a delay of d steps goes back d more.
            let lag = self.lag(&term.source);
            let ring = self.ring(node, term.delay + lag);
            Place::Ring {
                ring,
                delay: term.delay + lag,
                offset: range.start,
                pitch,
            }
        } else {
            Place::Arena {
                offset: offset + range.start,
                pitch,
            }
        };
        Ok((src, range.len()))
    }

    /// Constants given per neuron or instance, laid out in the arena as `rows × len` values
    /// read like a population's state (a single value stays a constant of the kernel).
    fn constants(&mut self, values: &ParamValue, len: usize, what: &str) -> Result<Place> {
        let rows = self.rows;
        let expected = match values {
            ParamValue::Scalar(c) => return Ok(Place::Constant(*c)),
            ParamValue::PerNeuron(_) => len,
            ParamValue::PerInstance(_) => rows,
            _ => rows * len,
        };
        if values.values().len() != expected {
            let unit = match values {
                ParamValue::PerNeuron(_) => "one per neuron",
                ParamValue::PerInstance(_) => "one per instance",
                _ => "one per instance and neuron",
            };
            return Err(Error::shape(
                format!("constants of {what}"),
                format!("{expected} values ({unit}; batch {rows}, {len} per instance)"),
                format!("{} values", values.values().len()),
            ));
        }
        if let Some(bad) = values.values().iter().find(|&&v| !crate::model::finite(v)) {
            return Err(Error::invalid(what, "constant", bad, crate::model::FINITE));
        }
        let data: Vec<f64> = (0..rows * len)
            .map(|i| values.get(i / len, i % len, len))
            .collect();
        let offset = self.arena_len;
        self.arena_len = align(offset + data.len());
        self.constants.push((offset, data));
        Ok(Place::Arena { offset, pitch: len })
    }

    fn scratch(&mut self, len: usize) -> usize {
        let at = self.scratch_len;
        self.scratch_len = align(at + len);
        at
    }

    /// Resolves the terms of one input of `len` values per row.
    /// `in_place`: a single plain term may be read where it lies (else it is always summed into
    /// the scratch).
    #[allow(clippy::too_many_arguments)]
    fn input(
        &mut self,
        terms: &[Term],
        len: usize,
        target: usize,
        what: &str,
        delta: bool,
        in_place: bool,
        ops: &mut Vec<Projection>,
    ) -> Result<InputSpec> {
        if terms.is_empty() {
            return Ok(InputSpec::None);
        }

        // Terms that add to fixed-point sums: event projections and Poisson drives.
        let summed = |t: &Term| {
            matches!(t.comm, Comm::Event(_) | Comm::Procedural(_))
                || matches!(t.source, Source::Poisson(_))
        };
        // Every value a term brings: its constant and its scale.
        for t in terms {
            let constant = match t.source {
                Source::Constant(c) => Some(c),
                _ => None,
            };
            for (name, v) in [("constant", constant), ("scale", Some(t.scale))] {
                if let Some(v) = v
                    && !crate::model::finite(v)
                {
                    return Err(Error::invalid(what, name, v, crate::model::FINITE));
                }
            }
        }
        let events = terms.iter().filter(|t| summed(t)).count();
        if events > 0 && terms.iter().any(|t| t.row_scales.is_some()) {
            return Err(Error::invalid(
                what,
                "scale",
                "per instance",
                "event projections and Poisson drives carry their weights: only plain and dense terms take scales per instance",
            ));
        }
        if events > 0 {
            if events != terms.len() || !delta {
                return Err(Error::invalid(
                    what,
                    "term",
                    "an event-driven projection or Poisson drive",
                    "event-driven projections and Poisson drives feed delta inputs, and then all of its terms must be of these",
                ));
            }
            // The largest sum each target can receive in a step (fixing the units).
            let mut max_sums = vec![0.0; len];
            let mut resolved = Vec::new();
            let mut drives = Vec::new();
            let mut procedural = Vec::new();
            let mut slots = 1;
            for t in terms {
                if let Source::Poisson(drive) = &t.source {
                    if t.comm != Comm::Identity || t.delay > 0 || t.slice.is_some() {
                        return Err(Error::invalid(
                            what,
                            "term",
                            "a Poisson drive",
                            "is drawn for every target: it cannot be projected, delayed or sliced",
                        ));
                    }
                    let drive = PoissonDrive {
                        weight: drive.weight() * t.scale,
                        ..drive.clone()
                    };
                    let binomial = drive.binomial(self.dt, what)?;
                    let most = PoissonProjection::max_sum(&drive, &binomial);
                    max_sums.iter_mut().for_each(|s| *s += most);
                    drives.push((drive, binomial));
                    continue;
                }
                // An event-driven term: its source's place and the steps it reads that source
                // late, its shape and scale checked.
                let (kind, n_pre, n_post) = match &t.comm {
                    Comm::Procedural(c) => {
                        c.validate(what)?;
                        ("procedural", c.n_pre, c.n_post)
                    }
                    Comm::Event(c) => {
                        c.validate(what)?;
                        ("event", c.n_pre(), c.n_post())
                    }
                    _ => unreachable!("checked above"),
                };
                let (src, n) = self.place(t, n_pre, what)?;
                if n != n_pre || n_post != len {
                    return Err(Error::shape(
                        format!("{kind} projection into {what}"),
                        format!("{n} presynaptic → {len} postsynaptic neurons"),
                        format!("{n_pre} → {n_post}"),
                    ));
                }
                if t.scale != 1.0 {
                    return Err(Error::invalid(
                        what,
                        "scale",
                        t.scale,
                        "an event-driven projection carries its weights, not a scale",
                    ));
                }
                let lag = self.lag(&t.source);
                match &t.comm {
                    Comm::Procedural(conn) => {
                        conn.add_in_sums(&mut max_sums);
                        let delays = match conn.delay {
                            Some(d) => Delays::Homogeneous(d),
                            None => Delays::None,
                        };
                        let arrival = Arrival::constant(&delays, self.dt, lag, what)?;
                        slots = slots.max(arrival.max() as usize + 1);
                        procedural.push((src, conn.clone(), arrival));
                    }
                    Comm::Event(conn) => {
                        conn.add_in_sums(&mut max_sums);
                        let arrival = Arrival::of(conn, self.dt, lag, what)?;
                        slots = slots.max(arrival.max() as usize + 1);
                        resolved.push((src, conn.clone(), arrival));
                    }
                    _ => unreachable!("checked above"),
                }
            }
            let acc = self.acc_len;
            let set = self.rows * len;
            let end = slots
                .checked_mul(set)
                .and_then(|n| n.checked_add(acc))
                .filter(|&n| n <= u32::MAX as usize);
            let fits = |end: usize| self.binding_limit.is_none_or(|l| end as u64 * 4 <= l);
            match end {
                Some(end) if fits(end) => self.acc_len = align(end),
                _ => {
                    return Err(Error::LimitExceeded {
                        what: format!(
                            "the event sums of {what}: {slots} sets (its longest delay, in steps, plus one) of {set} (batch × neurons), after {acc} of other sums"
                        ),
                        requested: (acc as u64)
                            .saturating_add((slots as u64).saturating_mul(set as u64))
                            .saturating_mul(4),
                        limit_name: "max_storage_buffer_binding_size",
                        limit: self.binding_limit.unwrap_or(u32::MAX as u64 * 4),
                    });
                }
            }
            let units = Units::choose(&max_sums);
            for (src, conn, arrival) in procedural {
                ops.push(Projection::Procedural(ProceduralProjection::new(
                    src,
                    conn,
                    acc,
                    units.clone(),
                    slots,
                    arrival,
                )));
            }
            for (drive, binomial) in drives {
                ops.push(Projection::Poisson(PoissonProjection {
                    acc,
                    slots,
                    set,
                    ..PoissonProjection::new(&drive, binomial, len, &units)
                }));
            }
            for (src, mut conn, arrival) in resolved {
                // Units per target make one weight for all a weight per synapse (see
                // `EventProjection::table`); counted here, before the table is cut in blocks.
                if let (Weights::Homogeneous(w), false) = (&conn.weights, units.is_shared()) {
                    conn.weights = Weights::PerSynapse(vec![*w; conn.synapses().len()].into());
                }
                // Blocks keep the projection's arrival: per synapse, it is worked out from
                // each block's own delays.
                for (src, conn) in self.row_blocks(src, conn) {
                    ops.push(Projection::Event(EventProjection {
                        src,
                        conn,
                        acc,
                        units: units.clone(),
                        slots,
                        arrival: arrival.clone(),
                    }));
                }
            }
            // The population reads the units as its last parameter.
            let params = &mut self.nodes[target].params;
            params.push(units.param());
            return Ok(InputSpec::Acc {
                offset: acc,
                unit_param: params.len() - 1,
                slots,
                set,
            });
        }
        // A single plain term is read where it lies, unless the kernel could not address it
        // there: rows of another length than its own (a slice of a batched source), the
        // population's own states (which its update overwrites), or a stream as a delta input
        // (the delta input has no per-step offset).
        if let [t] = terms
            && in_place
            && t.comm == Comm::Identity
            && t.scale == 1.0
            && t.row_scales.is_none()
        {
            let own =
                matches!(&t.source, Source::Output(id) | Source::State(id, _) if id.0 == target);
            let readable = match (&t.source, t.delay) {
                (Source::Constant(c), _) => return Ok(InputSpec::Scalar(*c)),
                (Source::External(_), _) => !delta,
                (Source::Values(_), _) => true,
                (Source::Output(_) | Source::State(..), 0) => !own,
                _ => false,
            };
            if readable {
                let (src, n) = self.place(t, len, what)?;
                if n != len {
                    return Err(Error::shape(
                        what,
                        format!("{len} values per sample"),
                        format!("{n}"),
                    ));
                }
                match src {
                    Place::Stream { ext, pitch } => return Ok(InputSpec::Stream { ext, pitch }),
                    Place::Arena { offset, pitch } if pitch == len || self.rows == 1 => {
                        return Ok(InputSpec::Arena { offset, pitch: len });
                    }
                    _ => {}
                }
            }
        }
        let dst = self.scratch(self.rows * len);
        for (i, t) in terms.iter().enumerate() {
            // A dense projection reads `n_in` values per row; a constant it reads is laid out
            // as that many values.
            let src_len = match &t.comm {
                Comm::Dense(d) => d.n_in,
                _ => len,
            };
            let (mut src, mut n) = self.place(t, src_len, what)?;
            let row_scales = match &t.row_scales {
                None => None,
                Some(s) if s.len() != self.rows => {
                    return Err(Error::shape(
                        format!("scales per instance of a term of {what}"),
                        format!("{} values (one per instance)", self.rows),
                        format!("{} values", s.len()),
                    ));
                }
                Some(s) => {
                    if let Some(bad) = s
                        .iter()
                        .map(|&x| t.scale * x)
                        .find(|&v| !crate::model::finite(v))
                    {
                        return Err(Error::invalid(what, "scale", bad, crate::model::FINITE));
                    }
                    // What each row multiplies by: the term's scale times the row's.
                    Some(s.iter().map(|&x| t.scale * x).collect::<Arc<[f64]>>())
                }
            };
            if let (Comm::Dense(_), Place::Constant(c)) = (&t.comm, src) {
                let values = ParamValue::PerNeuron(vec![c; src_len].into());
                (src, n) = (self.constants(&values, src_len, what)?, src_len);
            }
            let accumulate = i > 0;
            match &t.comm {
                Comm::Identity => {
                    if n != len && !matches!(src, Place::Constant(_)) {
                        return Err(Error::shape(
                            what,
                            format!("{len} values per sample"),
                            format!("{n}"),
                        ));
                    }
                    ops.push(Projection::Axpy(AxpyProjection {
                        src,
                        count: len,
                        dst,
                        accumulate,
                        scale: t.scale,
                        row_scales: row_scales.clone(),
                    }));
                }
                Comm::Dense(d) => {
                    d.validate(what)?;
                    if n != d.n_in || d.n_out != len {
                        return Err(Error::shape(
                            format!("dense projection into {what}"),
                            format!("({n}, {len})"),
                            format!("({}, {})", d.n_in, d.n_out),
                        ));
                    }
                    ops.push(Projection::Dense(DenseProjection {
                        src,
                        dense: d.clone(),
                        dst,
                        accumulate,
                        scale: t.scale,
                        row_scales: row_scales.clone(),
                    }));
                }
                Comm::Event(_) | Comm::Procedural(_) => unreachable!("handled above"),
            }
        }
        Ok(InputSpec::Scratch {
            offset: dst,
            pitch: len,
        })
    }

    fn statement(&mut self, node: NodeId, wiring: &Wiring) -> Result<Statement> {
        let target = self.node(node, "Network::update")?;
        let owner = format!("{} `{}`", target.model.kind(), target.name);
        let accepts = target.model.accepts();
        let x_n = target.model.x_size().map_or(target.n, |s| s.numel());
        let n = target.n;
        if !wiring.delta.is_empty() && !accepts.delta {
            return Err(Error::invalid(
                &owner,
                "delta input",
                "wired",
                "this model reads no delta inputs",
            ));
        }
        if !wiring.currents.is_empty() && !accepts.currents {
            return Err(Error::invalid(
                &owner,
                "current input",
                "wired",
                "this model reads no current inputs",
            ));
        }
        // Terms given with a dimension must have the one their input takes.
        let (x_takes, delta_takes) = target.model.input_dimensions();
        for (terms, takes, input) in [
            (&wiring.x, x_takes, "x"),
            (&wiring.delta, delta_takes, "delta input"),
        ] {
            for t in terms {
                if let (Some(given), Some(takes)) = (t.dimension(), takes)
                    && given != takes
                {
                    return Err(Error::invalid(
                        format!("{input} of {owner}"),
                        "term",
                        format!("a {given}"),
                        format!("this input takes a {takes}"),
                    ));
                }
            }
        }
        let mut ops = Vec::new();
        let mut channels = Vec::new();
        for (c, (out, term)) in wiring.currents.iter().enumerate() {
            out.validate()?;
            let what = format!("conductance of current input {c} of {owner}");
            let plain = term.comm == Comm::Identity
                && term.scale == 1.0
                && term.row_scales.is_none()
                && term.delay == 0
                && term.slice.is_none();
            let in_place = match &term.source {
                Source::Output(id) | Source::State(id, _) if plain && id.0 != node.0 => {
                    let (src, len) = self.place(term, n, &what)?;
                    match src {
                        Place::Arena { offset, .. } if len == n => Some(offset),
                        _ => return Err(Error::shape(what, format!("{n} values per sample"), len)),
                    }
                }
                _ => None,
            };
            let at = match in_place {
                Some(offset) => ChannelSrc::Arena(offset),
                None => match self.input(
                    std::slice::from_ref(term),
                    n,
                    node.0,
                    &what,
                    false,
                    false,
                    &mut ops,
                )? {
                    InputSpec::Scratch { offset, .. } => ChannelSrc::Scratch(offset),
                    _ => unreachable!("forced through the scratch"),
                },
            };
            channels.push((*out, at));
        }
        let x = self.input(
            &wiring.x,
            x_n,
            node.0,
            &format!("x of {owner}"),
            false,
            true,
            &mut ops,
        )?;
        let delta = self.input(
            &wiring.delta,
            n,
            node.0,
            &format!("delta input of {owner}"),
            true,
            true,
            &mut ops,
        )?;
        let labelled = (wiring
            .x
            .iter()
            .enumerate()
            .map(|(i, t)| (format!("x{i}"), t)))
        .chain(
            wiring
                .delta
                .iter()
                .enumerate()
                .map(|(i, t)| (format!("delta{i}"), t)),
        )
        .chain(
            wiring
                .currents
                .iter()
                .enumerate()
                .map(|(i, (_, t))| (format!("current{i}"), t)),
        );
        let weights = labelled
            .filter_map(|(label, t)| match &t.comm {
                Comm::Dense(d) => Some((label, Weighted::Dense(d.clone()))),
                Comm::Event(s) => Some((label, Weighted::Sparse(s.clone()))),
                _ => None,
            })
            .collect();
        Ok(Statement {
            node: node.0,
            ops,
            x,
            x_n,
            delta,
            channels,
            ring: None,
            weights,
        })
    }
}

/// What one array of the plan may take on its device, found once per build.
#[derive(Clone, Copy)]
enum Budget {
    /// A GPU's largest storage binding, in bytes (4-byte words).
    Binding(u64),
    /// The f64 device's memory budget, in bytes (8-byte values, twice: an array and the
    /// initial values it is made from).
    Host(u64),
}

impl Budget {
    fn of(binding_limit: Option<u64>) -> Budget {
        match binding_limit {
            Some(limit) => Budget::Binding(limit),
            None => Budget::Host(crate::tensor::Device::cpu_memory_budget()),
        }
    }

    /// Checks an array of `words` values against the budget.
    fn check(self, what: impl FnOnce() -> String, words: usize) -> Result<()> {
        match self {
            Budget::Binding(limit) => {
                let requested = (words as u64).saturating_mul(4);
                if requested > limit {
                    return Err(Error::LimitExceeded {
                        what: what(),
                        requested,
                        limit_name: "max_storage_buffer_binding_size",
                        limit,
                    });
                }
                Ok(())
            }
            Budget::Host(limit) => {
                crate::tensor::Device::check_host_values(what, words as u64, limit)
            }
        }
    }
}

/// Validates `net` and lays it out for `batch` and `dt`.
/// `binding_limit`: the device's largest storage binding in bytes, which the state arena must
/// fit (checked before any state is generated) and each event projection's table (split into
/// blocks of presynaptic neurons where it does not).
pub(crate) fn build(
    net: &Network,
    batch: Option<usize>,
    dt: f64,
    binding_limit: Option<u64>,
) -> Result<Plan> {
    validate_batch("Network", batch)?;
    let budget = Budget::of(binding_limit);
    let rows = batch.unwrap_or(1);
    let mut arena = 0;
    let mut nodes = Vec::new();
    for def in &net.nodes {
        let owner = format!("{} `{}`", def.model.kind(), def.name);
        def.in_size.validate(&owner)?;
        let n = def.in_size.numel();
        def.model.validate(n)?;
        let total = crate::shape::elements(&owner, rows, n)?;
        let vars = def.model.state_names().len();
        let state_base = arena;
        let too_large = || Error::LimitExceeded {
            what: format!("the states of the network up to {owner} (batch {rows})"),
            requested: u64::MAX,
            limit_name: "elements a 32-bit index reaches",
            limit: crate::shape::MAX_ELEMENTS as u64,
        };
        // `arena + words`, aligned, within what a 32-bit index reaches.
        let grow = |arena: usize, words: Option<usize>| {
            words
                .and_then(|w| w.checked_add(arena))
                .filter(|&w| w <= crate::shape::MAX_ELEMENTS)
                .map(align)
                .ok_or_else(too_large)
        };
        arena = grow(arena, vars.checked_mul(total))?;
        let emits = def.model.output() == Output::Emitted;
        let out = match def.model.output() {
            Output::State(k) => state_base + k * total,
            Output::Emitted => {
                let at = arena;
                arena = grow(arena, Some(total))?;
                at
            }
        };
        let params = def.model.kernel_params(dt);
        crate::model::check_instances(&params, &owner, rows, n)?;
        nodes.push(PlanNode {
            name: def.name.clone(),
            model: def.model.clone(),
            in_size: def.in_size.clone(),
            n,
            total,
            vars,
            state_base,
            out,
            emits,
            params,
            initial: Vec::new(),
        });
    }
    // The device's limit, before anything of the size of the network is made on the host.
    budget.check(|| {
            format!(
                "the states of the network's {} populations (batch {rows}), which live in one storage buffer",
                nodes.len()
            )
        },
        arena,
    )?;
    for node in &mut nodes {
        let (vars, total) = (node.vars, node.total);
        let initial = node.model.initial_state(rows, node.n);
        if initial.len() != vars || initial.iter().any(|v| v.len() != total) {
            return Err(Error::shape(
                format!("initial state of {} `{}`", node.model.kind(), node.name),
                format!("{vars} arrays of {total} values"),
                format!("{} arrays", initial.len()),
            ));
        }
        node.initial = initial;
    }
    let mut b = Builder {
        net,
        rows,
        nodes,
        arena_len: arena,
        constants: Vec::new(),
        scratch_len: 0,
        acc_len: 0,
        rings: Vec::new(),
        ring_len: 0,
        order: vec![0; net.nodes.len()],
        current: 0,
        binding_limit,
        dt,
    };
    // Each population updates exactly once per step.
    let mut updated = vec![0usize; b.nodes.len()];
    for (node, _) in &net.program {
        if node.0 >= b.nodes.len() {
            return Err(Error::invalid(
                "Network::update",
                "node",
                node.0,
                "is not a population of this network",
            ));
        }
        updated[node.0] += 1;
    }
    for (i, count) in updated.iter().enumerate() {
        if *count != 1 {
            return Err(Error::invalid(
                "Network",
                "program",
                format!("`{}` updated {count} times per step", b.nodes[i].name),
                "every population must update exactly once per step",
            ));
        }
    }
    for (i, (node, _)) in net.program.iter().enumerate() {
        b.order[node.0] = i;
    }
    let mut statements = Vec::with_capacity(net.program.len());
    for (i, (node, wiring)) in net.program.iter().enumerate() {
        b.current = i;
        statements.push(b.statement(*node, wiring)?);
    }
    budget.check(|| {
            format!(
                "the states of the network's {} populations and its {} arrays of constants (batch {rows}), which live in one storage buffer",
                b.nodes.len(),
                b.constants.len()
            )
        },
        b.arena_len,
    )?;
    let mut ring_len: usize = 0;
    for (i, ring) in b.rings.iter_mut().enumerate() {
        ring.base = ring_len;
        ring_len = ring
            .depth
            .checked_mul(ring.len)
            .and_then(|w| w.checked_add(ring_len))
            .map(align)
            .unwrap_or(usize::MAX);
        budget.check(|| {
                "the delay rings of the network's outputs (delay steps + 1 copies of each delayed population's output)".to_string()
            },
            ring_len,
        )?;
        let s = statements
            .iter_mut()
            .find(|s| s.node == ring.node)
            .expect("every node has a statement");
        s.ring = Some(i);
    }
    b.ring_len = ring_len;
    // On the host, everything the f64 device holds at once.
    if let Budget::Host(_) = budget {
        let all = [b.arena_len, b.arena_len, b.scratch_len, b.acc_len, ring_len]
            .iter()
            .try_fold(0usize, |s, &w| s.checked_add(w))
            .unwrap_or(usize::MAX);
        budget.check(|| "the network's arrays on the f64 device".to_string(), all)?;
    }
    Ok(Plan {
        rows,
        dt,
        nodes: b.nodes,
        externals: net
            .externals
            .iter()
            .map(|e| PlanExternal {
                name: e.name.clone(),
                n: e.size.numel(),
            })
            .collect(),
        statements,
        arena_len: b.arena_len,
        constants: b.constants,
        scratch_len: b.scratch_len,
        acc_len: b.acc_len,
        rings: b.rings,
        ring_len: b.ring_len,
        fold_values: !net.reads_values() && super::compose::fold_by_default(),
    })
}
