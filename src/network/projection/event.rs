//! Event-driven projection: each spiking (nonzero) source element adds its synapses' weights
//! to the fixed-point sums of their targets — integer sums, so that every run and every order
//! of delivery gives the same sums. Kernels: `event_fixed` of `shaders/comm/event.wgsl` (per
//! step), `op_event*` of `shaders/network/ops.wgsl` (fused: from spike bits or values, into
//! sums in workgroup or device memory), and the pushes of composed per-step updates
//! (`deliver_spike`).

use super::fixed_point::Units;
use super::{F64Cx, FusedCx, Kind, PerStepCx};
use crate::abi::EventCfg;
use crate::error::Result;
use crate::gpu::Grid;
use crate::network::connect::{Delays, Sparse, VARIABLE_DEGREE, Weights, delay_steps, whole_steps};
use crate::network::plan::Place;
use crate::shaders::builtin;

/// An event projection of a statement.
#[derive(Clone, Debug)]
pub(crate) struct EventProjection {
    pub src: Place,
    pub conn: Sparse,
    /// Where its sums start in `acc` (`n_post` per row).
    pub acc: usize,
    /// The fixed-point units of its sums.
    pub units: Units,
    /// Sets of sums in the ring at `acc` (1: no delays), each `rows × n_post`.
    pub slots: usize,
    /// When its spikes arrive.
    pub arrival: Arrival,
}

/// When a projection's spikes arrive: how many steps after an undelayed term would read them
/// (its transmission delays in steps less the term's own lag), for all synapses or per
/// synapse. A spike read in step k adds to the sums of step `k + steps`. Per-synapse arrivals
/// are not kept: each is its delay (the projection's [`Delays::PerSynapse`]) in steps of `dt`
/// less `lag`, worked out where a table or the f64 executor needs it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Arrival {
    Constant(u32),
    PerSynapse { dt: f64, lag: u32, max: u32 },
}

/// The kernels' delay word for per-synapse delays (read from the table).
pub(crate) const PER_SYNAPSE_DELAY: u32 = u32::MAX;

impl Arrival {
    /// The arrival of `conn`'s spikes at a statement that reads its source `lag` steps late
    /// (every delay checked).
    pub fn of(conn: &Sparse, dt: f64, lag: usize, what: &str) -> Result<Arrival> {
        match conn.delays() {
            Delays::PerSynapse(d) => {
                let lag = lag as u32;
                let mut max = 0;
                for &ms in d.iter() {
                    max = max.max(delay_steps(what, ms, dt)?.saturating_sub(lag));
                }
                Ok(Arrival::PerSynapse { dt, lag, max })
            }
            constant => Arrival::constant(constant, dt, lag, what),
        }
    }

    /// The arrival of spikes through synapses with `delays` that are one value (or none).
    pub fn constant(delays: &Delays, dt: f64, lag: usize, what: &str) -> Result<Arrival> {
        match delays {
            Delays::None => Ok(Arrival::Constant(0)),
            Delays::Homogeneous(d) => Ok(Arrival::Constant(
                delay_steps(what, *d, dt)?.saturating_sub(lag as u32),
            )),
            Delays::PerSynapse(_) => unreachable!("per-synapse delays are not constant"),
        }
    }

    /// The latest arrival.
    pub fn max(&self) -> u32 {
        match self {
            Arrival::Constant(d) => *d,
            Arrival::PerSynapse { max, .. } => *max,
        }
    }

    /// Synapse `s`'s arrival, with `delays` the projection's.
    pub fn of_synapse(&self, delays: &Delays, s: usize) -> u32 {
        match (self, delays) {
            (Arrival::Constant(d), _) => *d,
            (Arrival::PerSynapse { dt, lag, .. }, Delays::PerSynapse(d)) => {
                (whole_steps(d[s], *dt) as u32).saturating_sub(*lag)
            }
            (Arrival::PerSynapse { .. }, _) => 0,
        }
    }

    /// The word the kernels read: the constant arrival, or [`PER_SYNAPSE_DELAY`].
    pub fn word(&self) -> u32 {
        match self {
            Arrival::Constant(d) => *d,
            Arrival::PerSynapse { .. } => PER_SYNAPSE_DELAY,
        }
    }
}

impl EventProjection {
    /// Its table as the kernels read it — `n_pre + 1` row offsets when rows differ in length
    /// (see [`Sparse::degree_word`]), the targets (source-major), then, for per-synapse
    /// weights, each synapse's weight in fixed-point units, then, for per-synapse delays, each
    /// synapse's arrival in steps — with the homogeneous weight (0 when per-synapse) and
    /// whether the weights are per synapse.
    pub fn table(&self) -> (Vec<u32>, i32, bool) {
        let syn = self.conn.synapses();
        let mut table = Vec::with_capacity(self.conn.table_words());
        if self.conn.degree_word() == VARIABLE_DEGREE {
            table.extend_from_slice(syn.offsets());
        }
        table.extend_from_slice(syn.post());
        // With units per target, even one weight for all becomes a weight per synapse (the
        // plan makes the connection's weights per synapse then, so that its size is counted).
        let (weight, per_synapse) = match (&self.conn.weights, &self.units) {
            (Weights::Homogeneous(w), Units::Shared(_)) => (self.units.fixed(*w, 0), false),
            (weights, units) => {
                let post = syn.post();
                table.extend((0..syn.len()).map(|s| {
                    let w = match weights {
                        Weights::Homogeneous(w) => *w,
                        Weights::PerSynapse(w) => w[s],
                    };
                    units.fixed(w, post[s] as usize) as u32
                }));
                (0, true)
            }
        };
        if let Arrival::PerSynapse { .. } = self.arrival {
            let delays = self.conn.delays();
            table.extend((0..syn.len()).map(|s| self.arrival.of_synapse(delays, s)));
        }
        (table, weight, per_synapse)
    }
}

impl EventProjection {
    fn delivery(&self, weight: i32, per_synapse: bool) -> Delivery {
        Delivery {
            src: self.src,
            acc: self.acc,
            n_pre: self.conn.n_pre(),
            n_post: self.conn.n_post(),
            degree: self.conn.degree_word(),
            synapses: self.conn.synapses().len(),
            mean_degree: self.conn.mean_degree(),
            weight,
            per_synapse,
            slots: self.slots,
            delay: self.arrival.word(),
        }
    }
}

/// What the kernels that deliver spikes into sums are told about a projection (both event
/// kinds, stored and procedural, share them: `deliver_spike` reads its table by `degree`).
pub(crate) struct Delivery {
    pub src: Place,
    pub acc: usize,
    pub n_pre: usize,
    pub n_post: usize,
    /// `k`, [`VARIABLE_DEGREE`], or `k | PROCEDURAL`.
    pub degree: u32,
    pub synapses: usize,
    pub mean_degree: usize,
    pub weight: i32,
    pub per_synapse: bool,
    pub slots: usize,
    pub delay: u32,
}

impl Delivery {
    /// Its call in a fused kernel, with `words` appended to the kernel's table.
    pub fn fused(&self, cx: &mut FusedCx<'_>, words: &[u32]) -> (String, usize) {
        let (base, space) = (cx.src_expr)(self.src);
        let start = cx.table.len();
        cx.table.extend_from_slice(words);
        let per = cx.per_lane;
        let (n_pre, degree, per_synapse) = (self.n_pre, self.degree, self.per_synapse);
        let weight = cx.i32_value(self.weight);
        // The ring of sums: its sets, their distance, the arrival word.
        let ring = format!(
            "{}u, {}u, {}u",
            self.slots,
            cx.plan.rows * self.n_post,
            self.delay
        );
        if let Some((word, first)) = (cx.bits)(self.src) {
            let (sums, local) = match (cx.local_sums)(self.acc) {
                Some(l) => (format!("{l}u"), true),
                None => (format!("{}u + row * {}u", self.acc, self.n_post), false),
            };
            let call = format!(
                "op_event_bits(lane, {word}u, {first}u, {n_pre}u, {degree}u, {sums}, {weight}, {per_synapse}, {start}u, {local}, {ring});",
            );
            // A quarter of each word's 32 sources spiking at most.
            let words = (first + n_pre).div_ceil(32) - first / 32;
            return (call, per(words) * (1 + 8 * (1 + self.mean_degree)));
        }
        let call = match (cx.local_sums)(self.acc) {
            Some(l) => format!(
                "op_event_local(lane, {base}, {space}u, {n_pre}u, {degree}u, {l}u, {weight}, {per_synapse}, {start}u);",
            ),
            None => format!(
                "op_event(lane, {base}, {space}u, {n_pre}u, {degree}u, {}u + row * {}u, {weight}, {per_synapse}, {start}u, {ring});",
                self.acc, self.n_post,
            ),
        };
        // Assumes at most a quarter of the sources spike in one step.
        (call, per(n_pre) * (1 + self.mean_degree / 4))
    }

    /// Its dispatch in the per-step executor, `words` its table.
    pub fn per_step(&self, cx: &mut PerStepCx<'_>, words: &[u32]) -> Result<()> {
        let rows = cx.plan.rows;
        let (buf, base, pitch, loc) = (cx.binding)(self.src);
        cx.gpu.check_words(
            &format!(
                "event projection ({} sources, {} synapses)",
                self.n_pre, self.synapses
            ),
            words.len(),
        )?;
        let table = cx.table("event targets", words)?;
        let w = EventCfg {
            n_pre: self.n_pre as u32,
            k: self.degree,
            synapses: self.synapses as u32,
            rows: rows as u32,
            src_base: base,
            src_pitch: pitch,
            sums: self.acc as u32,
            n_post: self.n_post as u32,
            weight: self.weight,
            per_synapse: self.per_synapse,
            slots: self.slots as u32,
            delay: self.delay,
        }
        .words(loc);
        cx.dispatch_into_sums(
            &builtin::EVENT_FIXED,
            ("event cfg", &w),
            buf,
            &table,
            Grid::Flat(self.n_pre * rows),
        )
    }
}

impl Kind for EventProjection {
    fn src(&self) -> Place {
        self.src
    }

    fn src_len(&self) -> usize {
        self.conn.n_pre()
    }

    fn table_words(&self) -> usize {
        self.conn.table_words()
    }

    fn apply_f64(&self, cx: &mut F64Cx<'_>) {
        let conn = &self.conn;
        let (offsets, post) = (conn.synapses().offsets(), conn.synapses().post());
        let set = cx.rows * conn.n_post();
        for b in 0..cx.rows {
            let row = self.acc + b * conn.n_post();
            for pre in 0..conn.n_pre() {
                if (cx.read)(self.src, b, pre) == 0.0 {
                    continue;
                }
                let synapses = offsets[pre] as usize..offsets[pre + 1] as usize;
                for (s, &t) in synapses.clone().zip(&post[synapses]) {
                    let slot = (cx.step + u64::from(self.arrival.of_synapse(conn.delays(), s)))
                        % self.slots as u64;
                    cx.acc[row + slot as usize * set + t as usize] += conn.weight(s);
                }
            }
        }
    }

    fn bytes_per_step(&self, rows: u64) -> u64 {
        4 * rows * self.conn.n_pre() as u64
    }

    fn fused(&self, cx: &mut FusedCx<'_>) -> (String, usize) {
        let (words, weight, per_synapse) = self.table();
        self.delivery(weight, per_synapse).fused(cx, &words)
    }

    fn per_step(&self, cx: &mut PerStepCx<'_>) -> Result<()> {
        let (words, weight, per_synapse) = self.table();
        self.delivery(weight, per_synapse).per_step(cx, &words)
    }
}
