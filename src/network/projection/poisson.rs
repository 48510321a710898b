//! Poisson drive ([`PoissonDrive`]) as a projection: every target neuron of every row adds
//! `weight · c` to its fixed-point sum, `c` a binomial count drawn by inversion from one
//! Threefry word. Kernels: `poisson_drive` of `shaders/comm/poisson.wgsl` (per step),
//! `op_poisson` of `shaders/network/ops.wgsl` (fused).

use super::{F64Cx, FusedCx, Kind, PerStepCx};
use crate::abi::PoissonCfg;
use crate::error::Result;
use crate::gpu::Grid;
use crate::network::drive::{Binomial, PoissonDrive};
use crate::network::plan::Place;
use crate::shaders::builtin;

/// A Poisson drive into a statement's sums.
#[derive(Clone, Debug)]
pub(crate) struct PoissonProjection {
    /// Target neurons per row.
    pub n: usize,
    /// Where the sums start in `acc`, their sets and sums per set (as an event projection's).
    pub acc: usize,
    pub slots: usize,
    pub set: usize,
    /// The weight of one count in fixed-point units, and in f64 (the f64 executor).
    pub weight: i32,
    pub weight_f64: f64,
    pub binomial: Binomial,
    pub key: [u32; 2],
}

impl PoissonProjection {
    pub fn new(drive: &PoissonDrive, binomial: Binomial, n: usize, unit: f64) -> Self {
        PoissonProjection {
            n,
            acc: 0,
            slots: 1,
            set: 0,
            weight: (drive.weight() / unit).round() as i32,
            weight_f64: drive.weight(),
            binomial,
            key: drive.key(),
        }
    }

    /// The largest sum it adds to one target in a step.
    pub fn max_sum(drive: &PoissonDrive, binomial: &Binomial) -> f64 {
        drive.weight().abs() * binomial.max as f64
    }

    /// Its table: the thresholds.
    fn table(&self) -> &[u32] {
        &self.binomial.thresholds
    }
}

impl Kind for PoissonProjection {
    /// It reads no population: its draws are its source.
    fn src(&self) -> Place {
        Place::Constant(0.0)
    }

    fn src_len(&self) -> usize {
        self.n
    }

    fn table_words(&self) -> usize {
        self.table().len()
    }

    fn apply_f64(&self, cx: &mut F64Cx<'_>) {
        let k = cx.step as u32;
        let slot = (cx.step % self.slots as u64) as usize;
        for i in 0..cx.rows * self.n {
            let c = self
                .binomial
                .count(PoissonDrive::word(self.key, i as u32, k));
            cx.acc[self.acc + slot * self.set + i] += c as f64 * self.weight_f64;
        }
    }

    /// An atomic add per target and row.
    fn bytes_per_step(&self, rows: u64) -> u64 {
        4 * rows * self.n as u64
    }

    fn fused(&self, cx: &mut FusedCx<'_>) -> (String, usize) {
        let start = cx.table.len();
        cx.table.extend_from_slice(self.table());
        let (sums, local) = match (cx.local_sums)(self.acc) {
            Some(l) => (format!("{l}u"), true),
            None => (format!("{}u + row * {}u", self.acc, self.n), false),
        };
        let (w, k0, k1) = (
            cx.i32_value(self.weight),
            cx.u32_value(self.key[0]),
            cx.u32_value(self.key[1]),
        );
        let call = format!(
            "op_poisson(lane, {n}u, row, {sums}, {slots}u, {set}u, {w}, {first}u, {start}u, {len}u, vec2<u32>({k0}, {k1}), {local});",
            n = self.n,
            slots = self.slots,
            set = self.set,
            first = self.binomial.first,
            len = self.table().len(),
        );
        // A Threefry block and a binary search per target.
        let search = usize::BITS as usize - self.table().len().leading_zeros() as usize;
        (call, (cx.per_lane)(self.n) * (20 + search))
    }

    fn per_step(&self, cx: &mut PerStepCx<'_>) -> Result<()> {
        let rows = cx.plan.rows;
        // A binding may not be empty: one word stands in for an empty table.
        let words: Vec<u32> = if self.table().is_empty() {
            vec![0]
        } else {
            self.table().to_vec()
        };
        let table = cx.table("Poisson drive thresholds", &words)?;
        let w = PoissonCfg {
            n: self.n as u32,
            rows: rows as u32,
            sums: self.acc as u32,
            slots: self.slots as u32,
            set: self.set as u32,
            weight: self.weight,
            first: self.binomial.first,
            len: self.table().len() as u32,
            key0: self.key[0],
            key1: self.key[1],
        }
        .words([0, 0, 0]);
        cx.dispatch_into_sums(
            &builtin::POISSON_DRIVE,
            ("Poisson drive cfg", &w),
            None,
            &table,
            Grid::Flat(self.n * rows),
        )
    }
}
