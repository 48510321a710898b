//! Event-driven projection: each spiking (nonzero) source element adds its synapses' weights
//! to the fixed-point sums of their targets — integer sums, so that every run and every order
//! of delivery gives the same sums. Kernels: `event_fixed` of `shaders/comm/event.wgsl` (per
//! step), `op_event*` of `shaders/network/ops.wgsl` (fused: from spike bits or values, into
//! sums in workgroup or device memory), and the pushes of composed per-step updates
//! (`deliver_spike`).

use super::{F64Cx, FusedCx, Kind, PerStepCx};
use crate::abi::EventCfg;
use crate::error::Result;
use crate::gpu::{CommBindings, Grid};
use crate::network::connect::{Sparse, VARIABLE_DEGREE, Weights};
use crate::network::plan::Place;
use crate::shaders::builtin;

/// An event projection of a statement.
#[derive(Clone, Debug)]
pub(crate) struct EventProjection {
    pub src: Place,
    pub conn: Sparse,
    /// Where its sums start in `acc` (`n_post` per row).
    pub acc: usize,
    /// The value of one fixed-point unit.
    pub unit: f64,
}

/// A weight as a whole number of fixed-point units.
fn fixed_point(x: f64, unit: f64) -> i32 {
    (x / unit).round() as i32
}

impl EventProjection {
    /// Its table as the kernels read it — `n_pre + 1` row offsets when rows differ in length
    /// (see [`Sparse::degree_word`]), the targets (source-major), then, for per-synapse
    /// weights, each synapse's weight in fixed-point units — with the homogeneous weight (0
    /// when per-synapse) and whether the weights are per synapse.
    pub fn table(&self) -> (Vec<u32>, i32, bool) {
        let syn = self.conn.synapses();
        let mut table = Vec::with_capacity(self.conn.table_words());
        if self.conn.degree_word() == VARIABLE_DEGREE {
            table.extend_from_slice(syn.offsets());
        }
        table.extend_from_slice(syn.post());
        match &self.conn.weights {
            Weights::Homogeneous(w) => (table, fixed_point(*w, self.unit), false),
            Weights::PerSynapse(w) => {
                table.extend(w.iter().map(|&x| fixed_point(x, self.unit) as u32));
                (table, 0, true)
            }
        }
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
        for b in 0..cx.rows {
            let row = self.acc + b * conn.n_post();
            for pre in 0..conn.n_pre() {
                if (cx.read)(self.src, b, pre) == 0.0 {
                    continue;
                }
                let synapses = offsets[pre] as usize..offsets[pre + 1] as usize;
                for (s, &t) in synapses.clone().zip(&post[synapses]) {
                    cx.acc[row + t as usize] += conn.weight(s);
                }
            }
        }
    }

    fn bytes_per_step(&self, rows: u64) -> u64 {
        4 * rows * self.conn.n_pre() as u64
    }

    fn fused(&self, cx: &mut FusedCx<'_>) -> (String, usize) {
        let conn = &self.conn;
        let (base, space) = (cx.src_expr)(self.src);
        let start = cx.table.len();
        let (words, weight, per_synapse) = self.table();
        cx.table.extend(words);
        let per = cx.per_lane;
        if let Some((word, first)) = (cx.bits)(self.src) {
            let (sums, local) = match (cx.local_sums)(self.acc) {
                Some(l) => (format!("{l}u"), true),
                None => (format!("{}u + row * {}u", self.acc, conn.n_post()), false),
            };
            let call = format!(
                "op_event_bits(lane, {word}u, {first}u, {}u, {}u, {sums}, {weight}i, {per_synapse}, {start}u, {local});",
                conn.n_pre(),
                conn.degree_word(),
            );
            // A quarter of each word's 32 sources spiking at most.
            let words = (first + conn.n_pre()).div_ceil(32) - first / 32;
            return (call, per(words) * (1 + 8 * (1 + conn.mean_degree())));
        }
        let call = match (cx.local_sums)(self.acc) {
            Some(l) => format!(
                "op_event_local(lane, {base}, {space}u, {}u, {}u, {l}u, {weight}i, {per_synapse}, {start}u);",
                conn.n_pre(),
                conn.degree_word(),
            ),
            None => format!(
                "op_event(lane, {base}, {space}u, {}u, {}u + row * {}u, {weight}i, {per_synapse}, {start}u);",
                conn.n_pre(),
                self.acc,
                conn.n_post(),
            ),
        };
        // Assumes at most a quarter of the sources spike in one step.
        (call, per(conn.n_pre()) * (1 + conn.mean_degree() / 4))
    }

    fn per_step(&self, cx: &mut PerStepCx<'_>) -> Result<()> {
        let conn = &self.conn;
        let rows = cx.plan.rows;
        let (buf, base, pitch, loc) = (cx.binding)(self.src);
        let (index, homogeneous, per_synapse) = self.table();
        cx.gpu.check_words(
            &format!(
                "event projection ({} sources, {} synapses)",
                conn.n_pre(),
                conn.synapses().len()
            ),
            index.len(),
        )?;
        let table = cx.table("event targets", &index)?;
        let w = EventCfg {
            n_pre: conn.n_pre() as u32,
            k: conn.degree_word(),
            synapses: conn.synapses().len() as u32,
            rows: rows as u32,
            src_base: base,
            src_pitch: pitch,
            sums: self.acc as u32,
            n_post: conn.n_post() as u32,
            weight: homogeneous,
            per_synapse,
        }
        .words(loc);
        let cfg = cx.uniform("event cfg", &w);
        let bindings = CommBindings {
            cfg: &cfg,
            src: buf,
            index: Some(&table),
            weights: None,
            dst: None,
            acc: Some(cx.acc),
            clock: cx.clock,
        };
        cx.dispatch(
            &builtin::EVENT_FIXED,
            &bindings,
            Grid::Flat(conn.n_pre() * rows),
        )
    }
}
