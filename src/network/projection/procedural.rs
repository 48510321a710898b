//! Procedural event projection ([`Procedural`]): each spiking source regenerates its `k`
//! targets from its Threefry draws instead of reading them from a table, and adds the one
//! weight to their fixed-point sums. Kernels: those of [`event`](super::event) — the degree
//! word's top bit (`PROCEDURAL`) tells `deliver_spike` and `event_fixed` that the table is
//! the rule's key, not the synapses.

use std::sync::Arc;

use super::event::{Arrival, Delivery};
use super::fixed_point::Units;
use super::{F64Cx, FusedCx, Kind, PerStepCx};
use crate::error::Result;
use crate::network::connect::{PROCEDURAL, Procedural};
use crate::network::plan::Place;

/// A procedural projection of a statement.
#[derive(Clone, Debug)]
pub(crate) struct ProceduralProjection {
    pub src: Place,
    pub conn: Procedural,
    /// Where its sums start in `acc`, their fixed-point units, the ring's sets.
    pub acc: usize,
    pub units: Units,
    pub slots: usize,
    pub arrival: Arrival,
    /// Its table for `units` (made once: the f64 executor reads it every
    /// step).
    pub table: Arc<[u32]>,
}

impl ProceduralProjection {
    pub fn new(
        src: Place,
        conn: Procedural,
        acc: usize,
        units: Units,
        slots: usize,
        arrival: Arrival,
    ) -> Self {
        let table = conn.table(&units).into();
        ProceduralProjection {
            src,
            conn,
            acc,
            units,
            slots,
            arrival,
            table,
        }
    }

    fn delivery(&self) -> Delivery {
        Delivery {
            src: self.src,
            acc: self.acc,
            n_pre: self.conn.n_pre,
            n_post: self.conn.n_post,
            degree: PROCEDURAL | self.conn.k as u32,
            synapses: self.conn.len(),
            mean_degree: self.conn.mean_degree(),
            weight: self.conn.weight_word(&self.units),
            per_synapse: self.conn.levels.is_some(),
            slots: self.slots,
            delay: self.arrival.word(),
        }
    }
}

impl Kind for ProceduralProjection {
    fn src(&self) -> Place {
        self.src
    }

    fn src_len(&self) -> usize {
        self.conn.n_pre
    }

    fn table_words(&self) -> usize {
        self.table.len()
    }

    fn apply_f64(&self, cx: &mut F64Cx<'_>) {
        let (conn, table) = (&self.conn, &self.table[..]);
        let set = cx.rows * conn.n_post;
        let slot = (cx.step + u64::from(self.arrival.max())) % self.slots as u64;
        for b in 0..cx.rows {
            let row = self.acc + slot as usize * set + b * conn.n_post;
            for pre in 0..conn.n_pre {
                if (cx.read)(self.src, b, pre) == 0.0 {
                    continue;
                }
                conn.row(table, pre, |j, t| {
                    cx.acc[row + t as usize] += conn.weight_of(table, pre, j);
                });
            }
        }
    }

    /// Reads its sources; its synapses cost arithmetic, not memory.
    fn bytes_per_step(&self, rows: u64) -> u64 {
        4 * rows * self.conn.n_pre as u64
    }

    fn fused(&self, cx: &mut FusedCx<'_>) -> (String, usize) {
        self.delivery().fused(cx, &self.table)
    }

    fn per_step(&self, cx: &mut PerStepCx<'_>) -> Result<()> {
        self.delivery().per_step(cx, &self.table)
    }
}
