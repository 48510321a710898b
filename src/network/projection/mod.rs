//! Projections: what a statement computes from a source before its population updates. One
//! module per kind, each owning everything about it — its fields, its table on the device, its
//! f64 apply (the oracle), the bytes a step of it moves, its call in a fused kernel with an
//! estimate of the loop iterations, and its dispatch in the per-step executor:
//!
//! - [`dense`]: `dst = [dst +] scale·(src @ W + b)` (brainstate's `Linear`);
//! - [`axpy`]: `dst = [dst +] scale·src`, a scaled copy or sum (or a constant);
//! - [`event`]: the spikes of `src` add their synapses' weights to fixed-point sums;
//! - [`procedural`]: as `event`, the targets regenerated from the rule at each spike;
//! - [`poisson`]: a Poisson drive adds binomial counts times a weight to fixed-point sums.
//!
//! [`fixed_point`] chooses the units of those sums (one for all targets, or one per target).
//!
//! Their WGSL: `shaders/comm/<kind>.wgsl` (per-step dispatches) and the `op_<kind>` functions
//! of `shaders/network/ops.wgsl` (fused kernels). Adding a kind: a module here implementing
//! [`Kind`], a variant of [`Projection`] and its arm in [`Projection::kind`]; the executors
//! reach it only through [`Kind`].

pub(crate) mod axpy;
pub(crate) mod dense;
pub(crate) mod event;
pub(crate) mod fixed_point;
mod place;
pub(crate) mod poisson;
pub(crate) mod procedural;

pub(crate) use axpy::AxpyProjection;
pub(crate) use dense::DenseProjection;
pub(crate) use event::{Arrival, EventProjection, PER_SYNAPSE_DELAY};
pub(crate) use fixed_point::Units;
pub(crate) use place::Place;
pub(crate) use poisson::PoissonProjection;
pub(crate) use procedural::ProceduralProjection;

use super::plan::Plan;
use crate::error::Result;
use crate::gpu::{CommBindings, Dispatch, Gpu, GpuArray, Grid};
use crate::network::compose;
use crate::shaders::KernelDef;

/// One projection of a statement.
#[derive(Clone, Debug)]
pub(crate) enum Projection {
    Dense(DenseProjection),
    Axpy(AxpyProjection),
    Event(EventProjection),
    Poisson(PoissonProjection),
    Procedural(ProceduralProjection),
}

impl Projection {
    /// The projection as its kind.
    pub fn kind(&self) -> &dyn Kind {
        match self {
            Projection::Dense(p) => p,
            Projection::Axpy(p) => p,
            Projection::Event(p) => p,
            Projection::Poisson(p) => p,
            Projection::Procedural(p) => p,
        }
    }

    /// What it reads.
    pub fn src(&self) -> Place {
        self.kind().src()
    }

    /// Where it writes its results in the scratch and how many per row (`None` for
    /// projections that add to fixed-point sums).
    pub fn results(&self) -> Option<(usize, usize)> {
        self.kind().results()
    }

    /// Words of its table on the device.
    pub fn table_words(&self) -> usize {
        self.kind().table_words()
    }

    /// How many values of each row of its source it reads.
    pub fn src_len(&self) -> usize {
        self.kind().src_len()
    }

    /// Where the fixed-point sums it adds to start, for projections that add to sums.
    pub fn sums(&self) -> Option<usize> {
        match self {
            Projection::Event(e) => Some(e.acc),
            Projection::Poisson(p) => Some(p.acc),
            Projection::Procedural(p) => Some(p.acc),
            _ => None,
        }
    }

    /// The event projection, if it is one.
    pub fn as_event(&self) -> Option<&EventProjection> {
        match self {
            Projection::Event(e) => Some(e),
            _ => None,
        }
    }
}

/// What every kind of projection provides.
pub(crate) trait Kind {
    /// What it reads.
    fn src(&self) -> Place;

    /// How many values of each row of its source it reads.
    fn src_len(&self) -> usize;

    /// Where it writes its results in the scratch and how many per row, and whether it adds
    /// them to what is there; `None` for projections that add to fixed-point sums.
    fn results(&self) -> Option<(usize, usize)> {
        None
    }

    /// Whether it adds its results to the scratch rather than overwriting them.
    fn accumulates(&self) -> bool {
        false
    }

    /// Words of its table on the device (weights, targets).
    fn table_words(&self) -> usize {
        0
    }

    /// Applies it in f64 (the oracle of both GPU executors).
    fn apply_f64(&self, cx: &mut F64Cx<'_>);

    /// Bytes of device memory one step of it reads and writes (its source, its table, its
    /// results) for `rows` batch rows.
    fn bytes_per_step(&self, rows: u64) -> u64;

    /// Its call in a fused kernel (one statement of WGSL, after `lane` and the row are known),
    /// with its table appended to `cx.table`, and the loop iterations one invocation runs for
    /// it per step.
    fn fused(&self, cx: &mut FusedCx<'_>) -> (String, usize);

    /// Its dispatches in the per-step executor, pushed onto `cx.step`.
    fn per_step(&self, cx: &mut PerStepCx<'_>) -> Result<()>;
}

/// What the f64 executor offers a projection: `read(src, b, idx)` is value `idx` of sample
/// `b`'s row of a source this step; results go to `scratch`, event sums (exact) to `acc`.
pub(crate) struct F64Cx<'a> {
    pub rows: usize,
    /// The step being computed (event projections with delays add to the sums of a later one).
    pub step: u64,
    pub read: &'a dyn Fn(Place, usize, usize) -> f64,
    pub scratch: &'a mut [f64],
    pub acc: &'a mut [f64],
}

/// What a fused kernel offers a projection's call: where sources and results live in it.
pub(crate) struct FusedCx<'a> {
    pub plan: &'a Plan,
    /// Elements of `n` per invocation.
    pub per_lane: &'a dyn Fn(usize) -> usize,
    /// A source's first value this step as WGSL, and its space (0: the arena, 1: the
    /// scratch, 2: workgroup rows).
    pub src_expr: &'a dyn Fn(Place) -> (String, u32),
    /// Where results of `n` per row starting at scratch offset `dst` go, as WGSL.
    pub destination: &'a dyn Fn(usize, usize) -> String,
    /// For a source that the kernel keeps as spike bits: its first word and the offset of the
    /// source's first element in that row of bits.
    pub bits: &'a dyn Fn(Place) -> Option<(usize, usize)>,
    /// Where fixed-point sums at `acc` live in workgroup memory, if they do.
    pub local_sums: &'a dyn Fn(usize) -> Option<usize>,
    /// Whether dense projections may gather or stage their inputs in workgroup memory.
    pub gathers: bool,
    /// The kernel's table: parameters, weights and connectivity, in one buffer.
    pub table: &'a mut Vec<u32>,
}

/// Values of the kernel as WGSL: literals when the plan folds values, else reads of words
/// appended to the kernel's table (`Plan::fold_values`, `compose::value_expr`).
impl FusedCx<'_> {
    /// An f32 value.
    pub fn f32_value(&mut self, x: f64) -> String {
        compose::f32_value(self.plan.fold_values, self.table, x as f32)
    }

    /// An i32 value.
    pub fn i32_value(&mut self, x: i32) -> String {
        compose::i32_value(self.plan.fold_values, self.table, x)
    }

    /// A u32 value.
    pub fn u32_value(&mut self, x: u32) -> String {
        compose::u32_value(self.plan.fold_values, self.table, x)
    }
}

/// What the per-step executor offers a projection's dispatches.
pub(crate) struct PerStepCx<'a> {
    pub gpu: &'a Gpu,
    pub plan: &'a Plan,
    /// Words of a table one binding holds.
    pub room: usize,
    /// A source's buffer and its words: base, row pitch, and the `source_base` words w12..w14.
    pub binding: &'a dyn Fn(Place) -> (Option<&'a GpuArray>, u32, u32, [u32; 3]),
    pub scratch: &'a GpuArray,
    pub acc: &'a GpuArray,
    pub clock: &'a GpuArray,
    /// Buffers only the dispatches' bind groups refer to, kept with them.
    pub keep: &'a mut Vec<GpuArray>,
    /// The step's dispatches, in order.
    pub step: &'a mut Vec<Dispatch>,
}

impl PerStepCx<'_> {
    /// A configuration uniform holding `words`, kept with the dispatches.
    pub fn uniform(&mut self, what: &str, words: &[u32]) -> GpuArray {
        let u = self.gpu.alloc_uniform(what, std::mem::size_of_val(words));
        u.write(0, words);
        self.keep.push(u.clone());
        u
    }

    /// A table uploaded and kept with the dispatches.
    pub fn table(&mut self, what: &str, words: &[u32]) -> Result<GpuArray> {
        let t = self.gpu.upload(what, words)?;
        self.keep.push(t.clone());
        Ok(t)
    }

    /// Pushes a dispatch of `kernel` over `grid` that adds into the fixed-point sums: its
    /// configuration words, source buffer and integer table.
    pub fn dispatch_into_sums(
        &mut self,
        kernel: &KernelDef,
        (what, words): (&str, &[u32]),
        src: Option<&GpuArray>,
        table: &GpuArray,
        grid: Grid,
    ) -> Result<()> {
        let cfg = self.uniform(what, words);
        let bindings = CommBindings {
            cfg: &cfg,
            src,
            index: Some(table),
            weights: None,
            dst: None,
            acc: Some(self.acc),
            clock: self.clock,
        };
        self.dispatch(kernel, &bindings, grid)
    }

    /// Pushes a dispatch of `kernel` over `grid`.
    pub fn dispatch(
        &mut self,
        kernel: &KernelDef,
        bindings: &CommBindings<'_>,
        grid: Grid,
    ) -> Result<()> {
        let d = self.gpu.comm_dispatch(kernel, bindings, grid)?;
        self.step.push(d);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::classic::FeedForward;
    use crate::network::connect::{Delays, Dense, FixedProb, Sparse, Weights};
    use crate::network::connectivity::Synapses;
    use crate::network::plan;

    const ARENA: Place = Place::Arena {
        offset: 0,
        pitch: 3,
    };

    /// Two rows of three source values: row b, value q = 10·b + q (0 is "silent"); a constant
    /// reads as itself, as the f64 executor's reader does.
    fn read(place: Place, b: usize, q: usize) -> f64 {
        match place {
            Place::Constant(c) => c,
            _ => (10 * b + q) as f64,
        }
    }

    fn apply(p: &dyn Kind, rows: usize, scratch: usize, acc: usize) -> (Vec<f64>, Vec<f64>) {
        apply_at(p, rows, scratch, acc, 0)
    }

    fn apply_at(
        p: &dyn Kind,
        rows: usize,
        scratch: usize,
        acc: usize,
        step: u64,
    ) -> (Vec<f64>, Vec<f64>) {
        let (mut s, mut a) = (vec![1.0; scratch], vec![0.0; acc]);
        p.apply_f64(&mut F64Cx {
            rows,
            step,
            read: &read,
            scratch: &mut s,
            acc: &mut a,
        });
        (s, a)
    }

    #[test]
    fn dense_sums_inputs_times_weights_plus_bias_scaled_into_its_rows() {
        let w = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]; // 3 inputs × 2 outputs
        let p = DenseProjection {
            src: ARENA,
            dense: Dense::new(3, 2, w).bias(vec![0.5, -0.5]),
            dst: 1,
            accumulate: true,
            scale: 2.0,
            row_scales: None,
        };
        let (s, _) = apply(&p, 2, 5, 0);
        // Row 0: x = (0, 1, 2): y = (0·1 + 1·3 + 2·5, 0·2 + 1·4 + 2·6) + b = (13.5, 15.5).
        // Row 1: x = (10, 11, 12): (10 + 33 + 60 + 0.5, 20 + 44 + 72 − 0.5) = (103.5, 135.5).
        assert_eq!(
            s,
            vec![1.0, 1.0 + 27.0, 1.0 + 31.0, 1.0 + 207.0, 1.0 + 271.0]
        );
        assert_eq!(p.table_words(), 8);
        assert_eq!(p.columns(1..2), vec![2.0, 4.0, 6.0, -0.5]);
        assert_eq!(p.results(), Some((1, 2)));
        // Source (2 × 3), weights (6), results read and written (2 × 2 × 2), 4 bytes each.
        assert_eq!(p.bytes_per_step(2), 4 * (6 + 6 + 8));
    }

    #[test]
    fn axpy_copies_scales_and_sums_or_writes_a_constant() {
        let p = AxpyProjection {
            src: ARENA,
            count: 3,
            dst: 0,
            accumulate: false,
            scale: 0.5,
            row_scales: None,
        };
        let (s, _) = apply(&p, 2, 6, 0);
        assert_eq!(s, vec![0.0, 0.5, 1.0, 5.0, 5.5, 6.0]);
        // A scale per row instead.
        let r = AxpyProjection {
            row_scales: Some(vec![2.0, -1.0].into()),
            ..p.clone()
        };
        let (s, _) = apply(&r, 2, 6, 0);
        assert_eq!(s, vec![0.0, 2.0, 4.0, -10.0, -11.0, -12.0]);
        let c = AxpyProjection {
            src: Place::Constant(4.0),
            accumulate: true,
            ..p.clone()
        };
        let (s, _) = apply(&c, 2, 6, 0);
        assert_eq!(s, vec![3.0; 6]);
        // A constant is not read from memory; an accumulated result is.
        assert_eq!(c.bytes_per_step(2), 4 * 2 * 3 * 2);
        assert_eq!(p.bytes_per_step(2), 4 * 2 * 3 * 2);
    }

    #[test]
    fn event_adds_each_spiking_source_s_weights_to_its_targets_sums() {
        // 3 sources, 2 targets each among 4 neurons, per-synapse weights.
        let targets = vec![0, 1, 1, 2, 3, 0];
        let weights = vec![0.25, 0.5, 1.0, 2.0, 4.0, 8.0];
        let conn = FixedProb::from_targets(3, 4, 2, targets, Weights::PerSynapse(weights.into()));
        let p = EventProjection {
            src: ARENA,
            conn,
            acc: 0,
            units: Units::Shared(0.25),
            slots: 1,
            arrival: Arrival::Constant(0),
        };
        let (_, acc) = apply(&p, 2, 0, 8);
        // Row 0: sources 1 and 2 spike (value 1, 2; source 0 is 0): targets 1, 2 get 1 and 2,
        // targets 3, 0 get 4 and 8. Row 1: all three spike.
        assert_eq!(acc, vec![8.0, 1.0, 2.0, 4.0, 8.25, 1.5, 2.0, 4.0]);
        let (table, homogeneous, per_synapse) = p.table();
        // Every source has 2 synapses: the targets, then the weights in fixed-point units.
        assert_eq!(table, vec![0, 1, 1, 2, 3, 0, 1, 2, 4, 8, 16, 32]);
        assert_eq!((homogeneous, per_synapse), (0, true));
        let same = EventProjection {
            conn: FixedProb::per_pre(3, 4, 2, 0.75, 1),
            ..p.clone()
        };
        let (table, homogeneous, per_synapse) = same.table();
        assert_eq!((table.len(), homogeneous, per_synapse), (6, 3, false));
        assert_eq!(same.table_words(), 6);
        // Rows of 1, 2 and 0 synapses: the row offsets come first.
        let rows = Synapses::from_rows(3, 4, vec![0u32, 1, 3, 3], vec![2u32, 0, 3]).unwrap();
        let ragged = EventProjection {
            conn: Sparse::from_synapses(rows, Weights::Homogeneous(0.5)),
            ..p.clone()
        };
        assert_eq!(ragged.conn.degree_word(), u32::MAX);
        let (table, homogeneous, per_synapse) = ragged.table();
        assert_eq!(table, vec![0, 1, 3, 3, 2, 0, 3]);
        assert_eq!((homogeneous, per_synapse), (2, false));
        assert_eq!(ragged.table_words(), 7);
        let (_, acc) = apply(&ragged, 2, 0, 8);
        // Row 0: sources 1 (value 1) and 2 (no synapses) spike: targets 0 and 3 get 0.5.
        assert_eq!(acc, vec![0.5, 0.0, 0.0, 0.5, 0.5, 0.0, 0.5, 0.5]);
        // With a unit per target, one weight for all becomes each target's count of it.
        let per_target = EventProjection {
            units: Units::PerTarget(vec![0.5, 0.25, 0.125, 2f64.powi(-10)].into()),
            ..ragged.clone()
        };
        let (table, homogeneous, per_synapse) = per_target.table();
        assert_eq!(table, vec![0, 1, 3, 3, 2, 0, 3, 4, 1, 512]);
        assert_eq!((homogeneous, per_synapse), (0, true));
    }

    #[test]
    fn delayed_spikes_add_to_the_set_of_sums_of_their_arrival_step() {
        // 2 sources → 2 targets, synapses 0→0 and 1→1, arriving 0 and 2 steps later; a ring of
        // 3 sets of 1 row × 2 sums.
        // (Delays of 1 and 3 steps of 1 ms, read one step late: arrivals 0 and 2.)
        let rows = Synapses::from_rows(2, 2, vec![0u32, 1, 2], vec![0u32, 1]).unwrap();
        let conn = Sparse::from_synapses(rows, Weights::Homogeneous(1.0))
            .delayed(Delays::PerSynapse(vec![1.0, 3.0].into()))
            .unwrap();
        let arrival = Arrival::of(&conn, 1.0, 1, "test").unwrap();
        assert_eq!(arrival.max(), 2);
        let p = EventProjection {
            src: ARENA,
            conn,
            acc: 0,
            units: Units::Shared(1.0),
            slots: 3,
            arrival,
        };
        // Source values 0, 1 in row 0: only source 1 spikes. Step 5: set (5 + 2) mod 3 = 1.
        let (_, acc) = apply_at(&p, 1, 0, 6, 5);
        assert_eq!(acc, vec![0.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
        // The arrivals follow the weights in the table.
        let (table, ..) = p.table();
        assert_eq!(table, vec![0, 1, 0, 2]);
        assert_eq!(p.arrival.word(), PER_SYNAPSE_DELAY);
        // A constant arrival is a word of the call, not the table.
        let q = EventProjection {
            arrival: Arrival::Constant(1),
            ..p.clone()
        };
        assert_eq!(q.table().0, vec![0, 1]);
        // Step 5 + 1 wraps to set 0.
        let (_, acc) = apply_at(&q, 1, 0, 6, 5);
        assert_eq!(acc, vec![0.0, 1.0, 0.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn a_spike_fed_dense_projection_gathers_its_nonzero_inputs_in_a_fused_kernel() {
        let ff = FeedForward::benchmark(0).build().unwrap();
        let plan = plan::build(&ff.network, None, 0.1, None).unwrap();
        let call = |gathers: bool| {
            let op = plan
                .statements
                .iter()
                .flat_map(|s| &s.ops)
                .find_map(|op| match op {
                    Projection::Dense(d) => Some(d.clone()),
                    _ => None,
                })
                .expect("FF has dense projections");
            let mut table = Vec::new();
            let mut cx = FusedCx {
                plan: &plan,
                per_lane: &|n| n.div_ceil(256),
                src_expr: &|_| ("0u".to_string(), 0),
                destination: &|dst, _| format!("{dst}u"),
                bits: &|_| None,
                local_sums: &|_| None,
                gathers,
                table: &mut table,
            };
            let (code, loops) = op.fused(&mut cx);
            assert_eq!(table.len(), op.table_words());
            (code, loops)
        };
        let (sparse, few) = call(true);
        let (plain, many) = call(false);
        assert!(sparse.starts_with("op_dense_sparse("), "{sparse}");
        assert!(plain.starts_with("op_dense("), "{plain}");
        assert!(few < many, "gathering spikes loops less: {few} vs {many}");
    }
}
