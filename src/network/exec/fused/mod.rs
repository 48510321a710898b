//! The fused executor: the whole plan composed into one generated kernel
//! (`shaders/abi/network.wgsl`). One workgroup runs one batch row — one network instance —
//! through many steps inside a single dispatch; a batch is as many workgroups. Within a step,
//! the statements run in program order: projections between barriers, then each population's
//! step function over its elements, which need no barrier between them because element `j` of
//! every population belongs to the same invocation. This removes the per-dispatch overhead
//! that bounds small networks (≈ 2.5 µs per dependent dispatch on an H200) and keeps every
//! intermediate value in the same invocation or the workgroup.
//!
//! It runs the same [`Plan`] as the per-step executor, with the same arithmetic in the same
//! order; only where values live differs. The delay rings follow the arena, the input streams
//! follow the scratch, and weights and event tables share one table. Through the network ABI's
//! hooks the kernel keeps, for the whole dispatch: rows that only their own element touches in
//! registers ([`Resident`]); outputs that only event projections read as bits in workgroup
//! memory ([`BitRow`]), and other outputs that only the workgroup reads as values there
//! ([`WorkgroupRow`]), both stored to the arena on the last step; event sums in workgroup
//! memory; parameter headers, single values and channel records as constants. Projections that
//! do not depend on the updates between them share one pair of barriers ([`op_regions`]).
//!
//! lavapipe (the software adapter) stops every loop of an invocation once 65 535 loop
//! iterations have run in one dispatch (measured with wgpu 30 on Mesa 22.3). On a software adapter the
//! steps per dispatch are therefore bounded by an estimate of the iterations per step, and
//! every invocation reports the steps it completed, which the run checks.

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::gpu::{CLOCK_STRIDE, DeviceLimits, Dispatch, Gpu, GpuArray, NetworkBindings};
use crate::network::Record;
use crate::network::compose::{clock_entries, param_table};
use crate::network::plan::Plan;
use crate::network::projection::Projection;
use crate::network::record::read_back;
use crate::shaders::KernelDef;

mod kernel;
mod layout;
mod placement;

use kernel::Kernel;
use layout::Layout;

use super::{Carried, Chunk, Exec, MAX_CHUNK, read_sums, write_sums};
use crate::network::StepCost;

/// Loop iterations one invocation may run per dispatch on a software adapter (lavapipe cuts
/// every loop after 65 535).
const SOFTWARE_LOOP_BUDGET: usize = 40_000;

/// Populations of at most this many elements per row in all run fused by default (above it,
/// one workgroup per instance is too little parallelism and the per-step executor is faster).
const FUSED_MAX_ELEMENTS: usize = 32_768;

/// Batches from this size run dense projections of real values on the per-step executor.
const DENSE_BATCH: usize = 64;

pub(crate) struct Fused {
    gpu: Gpu,
    plan: Arc<Plan>,
    layout: Layout,
    /// The kernel generated with the current monitors, and its grid.
    kernel: Kernel,
    grid: (u32, u32),
    arena: GpuArray,
    scratch: GpuArray,
    acc: GpuArray,
    params: GpuArray,
    control: GpuArray,
    range: GpuArray,
    /// The kernel's dispatch: its pipeline (which the driver compiles, seconds for a large
    /// network on a software adapter) is built at the first run after the monitors change, so
    /// that adding several monitors compiles once.
    dispatch: Option<Dispatch>,
}

impl Fused {
    /// Whether `plan` suits this executor by default: few enough elements per instance that
    /// one workgroup per instance keeps the device busy without per-step dispatches, and no
    /// dense projection of real values over a large batch (each instance would read the
    /// whole weight matrix every step; the per-step executor's tiled kernel shares it across
    /// the batch); and its parameters, weights and connectivity fit one binding of
    /// `max_binding` bytes (the per-step executor binds each table on its own).
    pub fn suits(plan: &Plan, max_binding: u64) -> bool {
        let dense_matmul = plan
            .statements
            .iter()
            .flat_map(|s| &s.ops)
            .any(|op| matches!(op, Projection::Dense(d) if !plan.is_spike_source(d.src)));
        // Parameters, weights and connectivity share one binding.
        let table: usize = param_table(plan).0.len()
            + plan
                .statements
                .iter()
                .flat_map(|s| &s.ops)
                .map(Projection::table_words)
                .sum::<usize>();
        plan.nodes.iter().map(|n| n.n).sum::<usize>() <= FUSED_MAX_ELEMENTS
            && !(dense_matmul && plan.rows >= DENSE_BATCH)
            && 4 * table as u64 <= max_binding
    }

    /// The executor of `plan` with `workgroup` invocations per workgroup (a power of two the
    /// caller has checked against the device).
    pub fn new(gpu: &Gpu, plan: Arc<Plan>, workgroup: u32) -> Result<Fused> {
        let layout = Layout::new(&plan, gpu.limits(), workgroup)?;
        let kernel = layout.kernel(&plan, &[])?;
        // Checked now, so that an error in a model's WGSL is reported by `compile`, not by the
        // first run (which builds the pipeline).
        kernel.def.validate()?;
        let grid = gpu.group_grid(kernel.def.name(), plan.rows)?;
        Ok(Fused {
            gpu: gpu.clone(),
            arena: gpu.upload("network arena", &layout.arena)?,
            scratch: gpu.alloc("network scratch", layout.scratch_len)?,
            params: gpu.upload("network tables", &layout.table)?,
            range: gpu.alloc_uniform("network step ranges", MAX_CHUNK * CLOCK_STRIDE as usize),
            control: gpu.alloc("network control", kernel.control_len)?,
            acc: gpu.alloc("network accumulators", kernel.acc_len)?,
            layout,
            kernel,
            grid,
            dispatch: None,
            plan,
        })
    }
}

/// The kernel the fused executor generates for `plan` on a device with `limits`, with
/// `workgroup` invocations per workgroup and no monitors.
pub(crate) fn kernels(plan: &Plan, limits: DeviceLimits, workgroup: u32) -> Result<Vec<KernelDef>> {
    let layout = Layout::new(plan, limits, workgroup)?;
    Ok(vec![layout.kernel(plan, &[])?.def])
}

impl Fused {
    /// Builds the kernel's pipeline if the monitors changed since it was built.
    fn prepare(&mut self) -> Result<()> {
        if self.dispatch.is_none() {
            self.dispatch = Some(self.gpu.network_dispatch(
                &self.kernel.def,
                &NetworkBindings {
                    arena: &self.arena,
                    scratch: &self.scratch,
                    acc: &self.acc,
                    params: &self.params,
                    control: &self.control,
                    range: &self.range,
                },
                self.grid,
            )?);
        }
        Ok(())
    }

    /// Workgroup barriers between statements per step.
    fn barriers_per_step(&self) -> usize {
        self.kernel.barriers
    }

    /// Values each invocation keeps in registers across steps.
    fn registers(&self) -> usize {
        self.kernel
            .resident
            .iter()
            .map(|r| self.layout.lanes.per(r.n))
            .sum()
    }

    /// The bytes per step that [`Plan::cost_per_step`] counts and this executor keeps on chip:
    /// [`Layout::on_chip_bytes`] of the monitors it was built with.
    fn on_chip_bytes_per_step(&self) -> u64 {
        self.kernel.on_chip
    }
}

impl Exec for Fused {
    fn name(&self) -> &'static str {
        "fused"
    }

    fn generated(&self) -> Vec<KernelDef> {
        vec![self.kernel.def.clone()]
    }

    /// The most steps one run records into one submission.
    fn chunk_len(&self) -> usize {
        self.kernel.chunk
    }

    /// Generates the kernel with `monitors` and allocates their chunks; the pipeline is built
    /// at the next run.
    fn set_monitors(&mut self, monitors: &[Record]) -> Result<()> {
        let kernel = self.layout.kernel(&self.plan, monitors)?;
        self.control = self.gpu.alloc("network control", kernel.control_len)?;
        // The sums in flight move to the new accumulators (the monitors' chunks follow them).
        let sums = read_sums(&self.acc, self.plan.acc_len)?;
        self.acc = self.gpu.alloc("network accumulators", kernel.acc_len)?;
        write_sums(&self.acc, &sums);
        self.grid = self.gpu.group_grid(kernel.def.name(), self.plan.rows)?;
        self.kernel = kernel;
        self.dispatch = None;
        Ok(())
    }

    /// Runs `steps` (at most [`Self::chunk_len`]) steps from `clock`'s step.
    fn run(&mut self, chunk: &Chunk<'_>, monitors: &mut [Record]) -> Result<()> {
        let (clock, steps, streams) = (chunk.clock, chunk.steps, chunk.streams);
        assert!(steps <= self.kernel.chunk, "a run is at most one chunk");
        if steps == 0 {
            return Ok(());
        }
        let k0 = clock.step();
        self.control.write(
            self.kernel.clock_at,
            clock_entries(clock, steps).as_flattened(),
        );
        for (base, data) in self.layout.stream_base.iter().zip(streams) {
            self.scratch.write_f64(*base, data);
        }
        for slot in &self.kernel.monitors {
            match slot.sampling {
                Some((first, every, shift)) => self
                    .control
                    .write(first, &[(k0 + shift).div_ceil(every as u64) as u32]),
                None if slot.count => self.acc.write(slot.at, &vec![0u32; slot.per_entry]),
                None => self.acc.write(slot.at, &vec![0u32; steps * slot.per_entry]),
            }
        }
        let spd = self.kernel.steps_per_dispatch;
        let dispatches = steps.div_ceil(spd);
        let stride = CLOCK_STRIDE as usize / 4;
        let mut ranges = vec![0u32; dispatches * stride];
        for d in 0..dispatches {
            ranges[d * stride] = (d * spd) as u32;
            ranges[d * stride + 1] = spd.min(steps - d * spd) as u32;
        }
        self.range.write(0, &ranges);
        self.prepare()?;
        let dispatch = self.dispatch.as_ref().expect("built by prepare");
        let one = [dispatch];
        self.gpu.run(
            &[],
            (0..dispatches).map(|d| ((d as u64 * CLOCK_STRIDE) as u32, &one[..])),
        )?;
        if self.gpu.info().is_software() {
            let rows = self.plan.rows;
            let done: Vec<u32> = self.acc.view(self.kernel.status_at, rows).read()?;
            let want = (self.layout.lanes.0 * steps) as u32;
            if let Some(row) = done.iter().position(|&d| d != want) {
                return Err(Error::Gpu(format!(
                    "the software adapter cut the network kernel's loops short (row {row}: {} of {want} invocation-steps ran); \
                     its loop limit is 65 535 iterations per dispatch — use the per-step executor for this network",
                    done[row]
                )));
            }
            self.acc.write(self.kernel.status_at, &vec![0u32; rows]);
        }
        for (slot, record) in self.kernel.monitors.iter().zip(monitors.iter_mut()) {
            read_back(record, &self.acc, slot.at, slot.per_entry, k0, steps)?;
        }
        Ok(())
    }

    fn read_arena(&self, at: usize, len: usize) -> Result<Vec<f64>> {
        self.arena.read_f64(at, len)
    }

    fn write_arena(&mut self, at: usize, data: &[f64]) -> Result<()> {
        self.gpu.alive()?;
        self.arena.write_f64(at, data);
        Ok(())
    }

    /// The arena and the rings after it share one buffer; the sums are the first
    /// `plan.acc_len` words of `acc`.
    fn carried(&self) -> Result<Carried> {
        let (arena_len, ring_len) = (self.plan.arena_len, self.plan.ring_len);
        let mut arena = self.arena.read_f64(0, arena_len + ring_len)?;
        let rings = arena.split_off(arena_len);
        Ok(Carried {
            arena,
            rings,
            sums: read_sums(&self.acc, self.plan.acc_len)?,
        })
    }

    fn carried_lens(&self) -> [usize; 3] {
        [self.plan.arena_len, self.plan.ring_len, self.plan.acc_len]
    }

    fn set_carried(&mut self, c: &Carried) -> Result<()> {
        self.write_arena(0, &c.arena)?;
        if !c.rings.is_empty() {
            self.arena.write_f64(self.plan.arena_len, &c.rings);
        }
        write_sums(&self.acc, &c.sums);
        Ok(())
    }

    /// Builds what the next run needs and waits until everything submitted has run.
    fn synchronize(&mut self) -> Result<()> {
        self.prepare()?;
        self.gpu.synchronize()
    }

    /// Steps one dispatch runs.
    fn steps_per_dispatch(&self) -> usize {
        self.kernel.steps_per_dispatch
    }

    fn cost(&self, (bytes, _): (u64, usize)) -> StepCost {
        StepCost {
            bytes: bytes - self.on_chip_bytes_per_step(),
            dispatches: 1.0 / self.kernel.steps_per_dispatch as f64,
            executor: self.name(),
            steps_per_dispatch: self.kernel.steps_per_dispatch,
            registers: self.registers(),
            barriers: self.barriers_per_step(),
        }
    }
}
