//! Poisson drive ([`PoissonDrive`]) as a projection: every target neuron of every row adds
//! `weight · c` to its fixed-point sum (the weight in counts of that target's unit), `c` a binomial count drawn by inversion from one
//! Threefry word. Kernels: `poisson_drive` of `shaders/comm/poisson.wgsl` (per step),
//! `op_poisson` of `shaders/network/ops.wgsl` (fused).

use super::fixed_point::Units;
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
    /// The weight of one count in fixed-point counts: of the one unit (one word), or of each
    /// target's unit (one word per target, in the table after the thresholds); and in f64 (the
    /// f64 executor).
    pub weights: Vec<u32>,
    pub weight_f64: f64,
    pub binomial: Binomial,
    pub key: [u32; 2],
}

impl PoissonProjection {
    pub fn new(drive: &PoissonDrive, binomial: Binomial, n: usize, units: &Units) -> Self {
        PoissonProjection {
            n,
            acc: 0,
            slots: 1,
            set: 0,
            weights: (0..if units.is_shared() { 1 } else { n })
                .map(|j| units.fixed(drive.weight(), j) as u32)
                .collect(),
            weight_f64: drive.weight(),
            binomial,
            key: drive.key(),
        }
    }

    /// The largest sum it adds to one target in a step.
    pub fn max_sum(drive: &PoissonDrive, binomial: &Binomial) -> f64 {
        drive.weight().abs() * binomial.max as f64
    }

    /// Whether each target has its own weight.
    fn per_target(&self) -> bool {
        self.weights.len() > 1
    }

    /// Its table: the thresholds, then (units per target) the weight per target.
    fn table(&self) -> Vec<u32> {
        let mut t = self.binomial.thresholds.clone();
        if self.per_target() {
            t.extend_from_slice(&self.weights);
        }
        t
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
        self.binomial.thresholds.len() + if self.per_target() { self.n } else { 0 }
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

    /// An atomic add per target and row (and a weight read, with units per target).
    fn bytes_per_step(&self, rows: u64) -> u64 {
        (4 + 4 * u64::from(self.per_target())) * rows * self.n as u64
    }

    fn fused(&self, cx: &mut FusedCx<'_>) -> (String, usize) {
        let start = cx.table.len();
        cx.table.extend(self.table());
        let (sums, local) = match (cx.local_sums)(self.acc) {
            Some(l) => (format!("{l}u"), true),
            None => (format!("{}u + row * {}u", self.acc, self.n), false),
        };
        let (w, k0, k1) = (
            cx.i32_value(self.weights[0] as i32),
            cx.u32_value(self.key[0]),
            cx.u32_value(self.key[1]),
        );
        let len = self.binomial.thresholds.len();
        let per_target = self.per_target();
        let call = format!(
            "op_poisson(lane, {n}u, row, {sums}, {slots}u, {set}u, {w}, {per_target}, {first}u, {start}u, {len}u, vec2<u32>({k0}, {k1}), {local});",
            n = self.n,
            slots = self.slots,
            set = self.set,
            first = self.binomial.first,
        );
        // A Threefry block and a binary search per target.
        let search = usize::BITS as usize - len.leading_zeros() as usize;
        (call, (cx.per_lane)(self.n) * (20 + search))
    }

    fn per_step(&self, cx: &mut PerStepCx<'_>) -> Result<()> {
        let rows = cx.plan.rows;
        // A binding may not be empty: one word stands in for an empty table.
        let mut words = self.table();
        if words.is_empty() {
            words.push(0);
        }
        let table = cx.table("Poisson drive thresholds and weights", &words)?;
        let w = PoissonCfg {
            n: self.n as u32,
            rows: rows as u32,
            sums: self.acc as u32,
            slots: self.slots as u32,
            set: self.set as u32,
            weight: self.weights[0] as i32,
            per_target: self.per_target(),
            first: self.binomial.first,
            len: self.binomial.thresholds.len() as u32,
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
