//! Projections: what a statement computes from a source before its population updates. One
//! module per kind, each owning everything about it — its fields, its table on the device, its
//! f64 apply (the oracle), the bytes a step of it moves, its call in a fused kernel with an
//! estimate of the loop iterations, and its dispatch in the per-step executor:
//!
//! - [`dense`]: `dst = [dst +] scale·(src @ W + b)` (brainstate's `Linear`);
//! - [`axpy`]: `dst = [dst +] scale·src`, a scaled copy or sum (or a constant);
//! - [`event`]: the spikes of `src` add their synapses' weights to fixed-point sums.
//!
//! Their WGSL: `shaders/comm/<kind>.wgsl` (per-step dispatches) and the `op_<kind>` functions
//! of `shaders/network/ops.wgsl` (fused kernels). Adding a kind: a module here implementing
//! [`Kind`], a variant of [`Projection`] and its arm in [`Projection::kind`]; the executors
//! reach it only through [`Kind`].

pub(crate) mod axpy;
pub(crate) mod dense;
pub(crate) mod event;

pub(crate) use axpy::AxpyProjection;
pub(crate) use dense::DenseProjection;
pub(crate) use event::EventProjection;

use super::plan::{Place, Plan};
use crate::error::Result;
use crate::gpu::{CommBindings, Dispatch, Gpu, GpuArray, Grid};
use crate::shaders::KernelDef;

/// One projection of a statement.
#[derive(Clone, Debug)]
pub(crate) enum Projection {
    Dense(DenseProjection),
    Axpy(AxpyProjection),
    Event(EventProjection),
}

impl Projection {
    /// The projection as its kind.
    pub fn kind(&self) -> &dyn Kind {
        match self {
            Projection::Dense(p) => p,
            Projection::Axpy(p) => p,
            Projection::Event(p) => p,
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
