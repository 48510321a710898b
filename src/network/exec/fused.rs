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
//! iterations have run in one dispatch (shared/gpu/WGPU-NOTES.md). On a software adapter the
//! steps per dispatch are therefore bounded by an estimate of the iterations per step, and
//! every invocation reports the steps it completed, which the run checks.

use std::fmt::Write;
use std::sync::Arc;

use crate::abi::{InputMode, SimInput};
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::gpu::{CLOCK_STRIDE, DeviceLimits, Dispatch, Gpu, GpuArray, NetworkBindings};
use crate::network::Monitor;
use crate::network::compose::{
    channel_records, clock_entries, constant_params, constant_words, dense_table, elementwise,
    event_table, f32_lit, param_table, sim_input, statement_sim,
};
use crate::network::plan::{ChannelSrc, CommOp, InputSpec, Plan, Src};
use crate::network::record::{entries, entry_layout, longest_chunk, read_back};
use crate::shaders::KernelDef;

use super::{Exec, MAX_CHUNK};
use crate::network::StepCost;

/// Loop iterations one invocation may run per dispatch on a software adapter (lavapipe cuts
/// every loop after 65 535).
const SOFTWARE_LOOP_BUDGET: usize = 40_000;

/// The most inputs a spike-fed dense projection gathers (`GATHER_MAX` in ops.wgsl), and the
/// workgroup memory its arrays take.
const GATHER_MAX: usize = 4096;
const GATHER_BYTES: usize = 4 * (GATHER_MAX + 1024 + 32);

/// Populations of at most this many elements per row in all run fused by default (above it,
/// one workgroup per instance is too little parallelism and the per-step executor is faster).
const FUSED_MAX_ELEMENTS: usize = 32_768;

/// Batches from this size run dense projections of real values on the per-step executor.
const DENSE_BATCH: usize = 64;

/// Where a monitor's chunk lives in `acc`.
struct MonitorSlot {
    at: usize,
    /// Words per step (spikes) or per sample (states).
    per_entry: usize,
    /// State monitors: the `control` word holding the run's first sample index, and `every`.
    sampling: Option<(usize, usize)>,
    /// Count monitors: one counter per sample for the whole run.
    count: bool,
}

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

/// Where the fused executor keeps every row of a plan on a device with given limits, and the
/// statements' code: decided from the plan and the limits alone, before any buffer exists.
pub(crate) struct Layout {
    limits: DeviceLimits,
    /// Invocations per workgroup.
    lanes: Lanes,
    /// The arena's initial values, the delay rings after them.
    arena: Vec<f32>,
    /// Words of the scratch: the summed inputs, then the input streams.
    scratch_len: usize,
    /// Parameters, channel records, weights and event tables.
    table: Vec<u32>,
    /// The statements' code (projections and updates with their constants), written once;
    /// the monitors' code is added per statement when they change.
    statements: Vec<Statement>,
    /// The statements' channel records (`channel_word` of the kernel).
    channel_words: Vec<u32>,
    /// The outputs kept as spike bits, and as values, in workgroup memory.
    bits: Vec<BitRow>,
    wrows: Vec<WorkgroupRow>,
    /// The projections' results kept in workgroup memory (scratch offset, per row, place).
    wscr: Vec<(usize, usize, usize)>,
    /// `step_barrier()`, the barrier between statements, with the memory it orders.
    barrier: String,
    /// The `param_word` hook: parameter headers and single values as constants.
    param_words: String,
    /// Words of fixed-point sums each workgroup keeps in workgroup memory (0: none).
    local_sums: usize,
    /// Where each input stream starts in `scratch`, and the steps a stream chunk holds.
    stream_base: Vec<usize>,
    stream_chunk: usize,
    /// Bytes per step of event sums read from workgroup memory instead of device memory.
    local_bytes: u64,
}

/// The kernel of a [`Layout`] with a set of monitors, and where the monitors record.
pub(crate) struct Kernel {
    def: KernelDef,
    /// The rows kept in registers (the monitors decide some).
    resident: Vec<Resident>,
    /// Bytes per step counted by the plan that stay on chip.
    on_chip: u64,
    /// Barriers between statements per step.
    barriers: usize,
    monitors: Vec<MonitorSlot>,
    /// Words of `acc` (accumulators, work counters, monitor chunks) and of `control`.
    acc_len: usize,
    control_len: usize,
    clock_at: usize,
    status_at: usize,
    steps_per_dispatch: usize,
    /// The most steps one run takes.
    chunk: usize,
}

/// One statement's WGSL: its projections (between barriers), its update (the `Sim` record,
/// the calls of the step function, then the delay ring's store), and an estimate of the loop
/// iterations one invocation runs for it per step.
struct Statement {
    ops: Vec<String>,
    sim: String,
    calls: Calls,
    ring: String,
    crossing: bool,
    iterations: usize,
}

/// How a statement's update reaches the elements of an invocation: one straight-line call per
/// element, each with its register slot, for populations of up to `MAX_UNROLL` elements per
/// invocation, else a loop.
struct Calls {
    step: String,
    n: usize,
    lanes: Lanes,
}

impl Calls {
    /// The calls, each followed by `after` (WGSL that sees the element as `e`).
    fn code(&self, after: &str) -> String {
        let (step, n, lanes) = (&self.step, self.n, self.lanes);
        let mut code = String::new();
        if lanes.unrolled(n) {
            for (slot, j, guard) in lanes.slots(n) {
                let call = format!(
                    "let e = Elem(row * {n}u + {j}, {j}, row);\n            {step}(e);{after}"
                );
                let _ = writeln!(
                    code,
                    "        reg_slot = {slot}u;\n        {guard}{{\n            {call}\n        }}"
                );
            }
        } else {
            let _ = writeln!(
                code,
                "        for (var j = lane; j < {n}u; j = j + WORKGROUP_SIZE) {{\n            let e = Elem(row * {n}u + j, j, row);\n            {step}(e);{after}\n        }}"
            );
        }
        code
    }
}

/// The invocations of a workgroup: element `j` of every population belongs to invocation
/// `j mod size`, its slot is `j / size`.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Lanes(usize);

impl Lanes {
    /// Elements of a population of `n` per invocation.
    fn per(self, n: usize) -> usize {
        n.div_ceil(self.0)
    }

    /// Whether a population of `n` is updated by straight-line code, one call per element.
    fn unrolled(self, n: usize) -> bool {
        self.per(n) <= MAX_UNROLL
    }

    /// An invocation's elements of a population of `n`, for straight-line code: per slot, the
    /// element's index (WGSL of `lane`) and the guard that the last slot needs when `n` is not
    /// a multiple of the lanes (`if (j < n) `, else empty).
    fn slots(self, n: usize) -> impl Iterator<Item = (usize, String, String)> {
        (0..self.per(n)).map(move |slot| {
            let j = format!("lane + {}u", slot * self.0);
            let guard = if (slot + 1) * self.0 <= n {
                String::new()
            } else {
                format!("if ({j} < {n}u) ")
            };
            (slot, j, guard)
        })
    }
}

/// Populations of at most this many elements per invocation are updated by straight-line code,
/// one call per element, so that their rows can live in registers.
const MAX_UNROLL: usize = 16;

/// The most registers per invocation that hold arena rows across steps.
const MAX_RESIDENT: usize = 64;

/// An arena row (a state variable or output of one population, `n` per batch row) that the
/// fused kernel keeps in registers across the steps of a dispatch: loaded at the start, written
/// back at the end, and read and written in between only by its own element.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Resident {
    base: usize,
    n: usize,
    /// A state variable (read and written each step), or an emitted output (written).
    state: bool,
    /// Its first register.
    reg: usize,
}

/// The rows that can live in registers: rows of unrolled populations that nothing reads as a
/// whole row (projections, `x` or delta inputs from the arena, delay rings, monitors) and that
/// are read elsewhere only as the conductance of a current input of the same size (the same
/// element, so the same invocation and slot). In population order, while registers last.
fn residents(plan: &Plan, monitors: &[Monitor], lanes: Lanes) -> Vec<Resident> {
    let rows = plan.rows;
    // Arena ranges read as whole rows, and rows read element by element (base, size).
    let mut shared: Vec<(usize, usize)> = Vec::new();
    let mut aligned: Vec<(usize, usize)> = Vec::new();
    for s in &plan.statements {
        let node = &plan.nodes[s.node];
        // `len` values from `offset`, in rows `pitch` apart.
        let extent =
            |offset: usize, pitch: usize, len: usize| (offset, offset + (rows - 1) * pitch + len);
        for op in &s.ops {
            if let Src::Arena { offset, pitch } = op.src() {
                shared.push(extent(offset, pitch, op.src_len()));
            }
        }
        for (spec, len) in [(s.x, s.x_n), (s.delta, node.n)] {
            if let InputSpec::Arena { offset, pitch } = spec {
                // A row of the statement's own size is read element by element (`arena_read`).
                if len == node.n && pitch == node.n {
                    aligned.push((offset, node.n));
                } else {
                    shared.push(extent(offset, pitch, len));
                }
            }
        }
        if s.ring.is_some() {
            shared.push((node.out, node.out + node.total));
        }
        for (_, at) in &s.channels {
            if let ChannelSrc::Arena(a) = *at {
                aligned.push((a, node.n));
            }
        }
    }
    for m in monitors {
        let (node, var) = match m {
            Monitor::State(r) => (&plan.nodes[r.node], Some(r.var_index)),
            Monitor::Spikes(r) => (&plan.nodes[r.node], None),
            Monitor::Count(r) => (&plan.nodes[r.node], None),
        };
        let base = var.map_or(node.out, |v| node.state_base + v * node.total);
        shared.push((base, base + node.total));
    }
    let mut out = Vec::new();
    let mut regs = 0;
    for node in plan.nodes.iter().filter(|n| lanes.unrolled(n.n)) {
        let mut bases: Vec<(usize, bool)> = (0..node.vars)
            .map(|v| (node.state_base + v * node.total, true))
            .collect();
        if node.emits {
            bases.push((node.out, false));
        }
        for (base, state) in bases {
            let end = base + node.total;
            let whole = shared.iter().any(|&(a, b)| a < end && base < b);
            let misaligned = aligned.iter().any(|&(a, n)| {
                (a == base && n != node.n) || (a != base && a < end && base < a + n * rows)
            });
            if whole || misaligned || regs + lanes.per(node.n) > MAX_RESIDENT {
                continue;
            }
            out.push(Resident {
                base,
                n: node.n,
                state,
                reg: regs,
            });
            regs += lanes.per(node.n);
        }
    }
    out
}

/// An emitted output kept as values in workgroup memory (`wrows`): read only by the
/// workgroup's projections (from its own batch row), by elements of the same size (their own
/// value) and by spike monitors. Its values reach the arena on the last step of a dispatch.
#[derive(Clone, Copy, Debug, PartialEq)]
struct WorkgroupRow {
    node: usize,
    out: usize,
    n: usize,
    /// Where it starts in `wrows`.
    at: usize,
}

/// The outputs, other than spike bits, that projections read and that nothing reads as a
/// whole from memory (a delay ring, an arena input of another size, another batch row), while
/// `room` words last.
fn workgroup_rows(plan: &Plan, bits: &[BitRow], room: usize) -> Vec<WorkgroupRow> {
    let mut out = Vec::new();
    let mut words = 0;
    for (ni, node) in plan.nodes.iter().enumerate().filter(|(_, n)| n.emits) {
        if bits.iter().any(|b| b.node == ni) {
            continue;
        }
        if let Some((events, others, _)) = output_readers(plan, ni)
            && events + others > 0
            && words + node.n <= room
        {
            out.push(WorkgroupRow {
                node: ni,
                out: node.out,
                n: node.n,
                at: words,
            });
            words += node.n;
        }
    }
    out
}

/// The projections' results that can live in workgroup memory (`wscr`): each statement's
/// scratch rows that its projections write and only its own update reads (as `x`, delta or a
/// conductance), while `room` words last — (scratch offset, values per row, place in `wscr`).
/// They live only within a step, so nothing is loaded or stored.
fn workgroup_inputs(plan: &Plan, room: usize) -> Vec<(usize, usize, usize)> {
    let mut out: Vec<(usize, usize, usize)> = Vec::new();
    let mut words = 0;
    for (si, s) in plan.statements.iter().enumerate() {
        for (dst, len) in s.ops.iter().filter_map(CommOp::results) {
            if out.iter().any(|&(o, _, _)| o == dst) {
                continue;
            }
            // Read by this statement alone, and written only by its projections.
            let reads = |t: &crate::network::plan::Statement| {
                let input =
                    |spec| matches!(spec, InputSpec::Scratch { offset, .. } if offset == dst);
                input(t.x)
                    || input(t.delta)
                    || t.channels
                        .iter()
                        .any(|(_, at)| *at == ChannelSrc::Scratch(dst))
            };
            let elsewhere = plan.statements.iter().enumerate().any(|(ti, t)| {
                ti != si
                    && (reads(t)
                        || t.ops
                            .iter()
                            .any(|o| o.results().is_some_and(|(d, _)| d == dst)))
            });
            if !elsewhere && reads(s) && words + len <= room {
                out.push((dst, len, words));
                words += len;
            }
        }
    }
    out
}

/// The kernel's `arena_read`/`arena_write` hooks over the resident rows (a `switch` on the
/// row's constant base, which the compiler resolves), its register array, and the code that
/// loads the rows at the start of a dispatch and stores them at the end.
fn resident_code(
    rows: &[Resident],
    bits: &[BitRow],
    wrows: &[WorkgroupRow],
    lanes: Lanes,
) -> (String, String, String) {
    let regs: usize = rows.iter().map(|r| lanes.per(r.n)).sum();
    let (mut read, mut write) = (String::new(), String::new());
    let (mut load, mut store) = (String::new(), String::new());
    // An output kept on chip: `keep` stores the value there; it reaches the arena on the
    // dispatch's last step.
    let mut on_chip = |out: usize, keep: String| {
        let _ = writeln!(
            write,
            "        case {out}u: {{\n            {keep}\n            if (last_step) {{\n                state[base + e.i] = value;\n            }}\n        }}"
        );
    };
    for w in wrows {
        on_chip(w.out, format!("wrows[{}u + e.j] = value;", w.at));
    }
    for b in bits {
        on_chip(b.out, format!("set_spike_bit({}u, e.j, value);", b.word));
    }
    for w in wrows {
        let _ = writeln!(
            read,
            "        case {}u: {{ return wrows[{}u + e.j]; }}",
            w.out, w.at
        );
        let _ = writeln!(
            load,
            "    for (var j = lane; j < {n}u; j = j + WORKGROUP_SIZE) {{\n        wrows[{at}u + j] = state[{out}u + row * {n}u + j];\n    }}",
            n = w.n,
            at = w.at,
            out = w.out,
        );
    }
    for b in bits {
        let _ = writeln!(
            load,
            "    for (var w = lane; w < {words}u; w = w + WORKGROUP_SIZE) {{\n        var word = 0u;\n        for (var j = w * 32u; j < min(w * 32u + 32u, {n}u); j = j + 1u) {{\n            word = word | select(0u, 1u << (j % 32u), state[{out}u + row * {n}u + j] != 0.0);\n        }}\n        atomicStore(&wbits[{at}u + w], word);\n    }}",
            words = b.n.div_ceil(32),
            n = b.n,
            out = b.out,
            at = b.word,
        );
    }
    if !bits.is_empty() || !wrows.is_empty() {
        load.push_str("    workgroupBarrier();\n");
    }
    for r in rows {
        let _ = writeln!(
            read,
            "        case {}u: {{ return regs[{}u + reg_slot]; }}",
            r.base, r.reg
        );
        let _ = writeln!(
            write,
            "        case {}u: {{ regs[{}u + reg_slot] = value; }}",
            r.base, r.reg
        );
        for (slot, j, guard) in lanes.slots(r.n) {
            let at = format!("{}u + row * {}u + {j}", r.base, r.n);
            let reg = r.reg + slot;
            let _ = writeln!(load, "    {guard}{{ regs[{reg}u] = state[{at}]; }}");
            let _ = writeln!(store, "    {guard}{{ state[{at}] = regs[{reg}u]; }}");
        }
    }
    let hooks = format!(
        "var<private> regs: array<f32, {}>;\nvar<private> last_step: bool;\nvar<workgroup> wbits: array<atomic<u32>, {}>;\nvar<workgroup> wrows: array<f32, {}>;\n\
         fn arena_read(base: u32, e: Elem) -> f32 {{\n    switch base {{\n{read}        default: {{ return state[base + e.i]; }}\n    }}\n}}\n\
         fn arena_write(base: u32, e: Elem, value: f32) {{\n    switch base {{\n{write}        default: {{ state[base + e.i] = value; }}\n    }}\n}}\n",
        regs.max(1),
        bits.iter().map(|b| b.n.div_ceil(32)).sum::<usize>().max(1),
        wrows.iter().map(|w| w.n).sum::<usize>().max(1),
    );
    (hooks, load, store)
}

/// An emitted output kept as bits in workgroup memory (`wbits`): the spikes of a population
/// that only event projections read. Its values reach the arena on the last step of a dispatch.
#[derive(Clone, Copy, Debug, PartialEq)]
struct BitRow {
    node: usize,
    out: usize,
    n: usize,
    /// Its first word in `wbits`.
    word: usize,
}

/// Who reads population `ni`'s emitted output: event projections and other projections of
/// the reading workgroup's own batch row, and elements of the same size reading their own
/// value (`arena_read`) — or `None` when something reads it from memory as a whole (a delay
/// ring, an input of another size, another batch row's values).
fn output_readers(plan: &Plan, ni: usize) -> Option<(usize, usize, bool)> {
    let rows = plan.rows;
    let node = &plan.nodes[ni];
    let (start, end) = (node.out, node.out + node.total);
    let hits = |a: usize, b: usize| a < end && start < b;
    let (mut events, mut others, mut elements) = (0, 0, false);
    for s in &plan.statements {
        if s.node == ni && s.ring.is_some() {
            return None;
        }
        let reader = &plan.nodes[s.node];
        for op in &s.ops {
            match op.src() {
                Src::Arena { offset, pitch } => {
                    let len = op.src_len();
                    let own = offset >= start
                        && offset + len <= start + node.n
                        && (pitch == node.n || rows == 1);
                    match op {
                        _ if !own && hits(offset, offset + (rows - 1) * pitch + len) => {
                            return None;
                        }
                        _ if !own => {}
                        CommOp::Event { .. } => events += 1,
                        _ => others += 1,
                    }
                }
                Src::Ring { ring, .. } if plan.rings[ring].node == ni => return None,
                _ => {}
            }
        }
        let aligned = |a: usize, len: usize, pitch: usize| {
            a == start && len == node.n && reader.n == node.n && (pitch == node.n || rows == 1)
        };
        for (spec, len) in [(s.x, s.x_n), (s.delta, reader.n)] {
            if let InputSpec::Arena { offset, pitch } = spec {
                if aligned(offset, len, pitch) {
                    elements = true;
                } else if hits(offset, offset + (rows - 1) * pitch + len) {
                    return None;
                }
            }
        }
        for (_, at) in &s.channels {
            if let ChannelSrc::Arena(a) = *at {
                if aligned(a, reader.n, reader.n) {
                    elements = true;
                } else if hits(a, a + reader.total) {
                    return None;
                }
            }
        }
    }
    Some((events, others, elements))
}

/// The outputs that only event projections read, while `room` words last.
fn bit_rows(plan: &Plan, room: usize) -> Vec<BitRow> {
    let mut out = Vec::new();
    let mut words = 0;
    for (ni, node) in plan.nodes.iter().enumerate().filter(|(_, n)| n.emits) {
        let need = node.n.div_ceil(32);
        if let Some((events, 0, false)) = output_readers(plan, ni)
            && events > 0
            && words + need <= room
        {
            out.push(BitRow {
                node: ni,
                out: node.out,
                n: node.n,
                word: words,
            });
            words += need;
        }
    }
    out
}

/// Where each statement's projections run: the projections of later statements join an
/// earlier statement's (one pair of barriers for all) when they read nothing that the updates
/// in between write — a population's states and output, its delay ring. Entry `i` lists the
/// statements whose projections run just before update `i`. (A statement's projections write
/// only its own inputs, which no other update reads.)
fn op_regions(plan: &Plan) -> Vec<Vec<usize>> {
    let rows = plan.rows;
    let mut regions = vec![Vec::new(); plan.statements.len()];
    let mut i = 0;
    while i < plan.statements.len() {
        if plan.statements[i].ops.is_empty() {
            i += 1;
            continue;
        }
        regions[i].push(i);
        // Arena ranges and rings the updates from statement i on write.
        let mut rows_written: Vec<(usize, usize)> = Vec::new();
        let mut rings_written: Vec<usize> = Vec::new();
        let mut t = i;
        loop {
            let s = &plan.statements[t];
            let node = &plan.nodes[s.node];
            rows_written.push((node.state_base, node.state_base + node.vars * node.total));
            rows_written.push((node.out, node.out + node.total));
            rings_written.extend(s.ring);
            t += 1;
            let Some(next) = plan.statements.get(t) else {
                break;
            };
            if next.ops.is_empty() {
                continue;
            }
            let conflict = next.ops.iter().any(|op| match op.src() {
                Src::Arena { offset, pitch } => {
                    let end = offset + (rows - 1) * pitch + op.src_len();
                    rows_written.iter().any(|&(a, b)| offset < b && a < end)
                }
                Src::Ring { ring, .. } => rings_written.contains(&ring),
                Src::Stream { .. } | Src::Constant(_) => false,
            });
            if conflict {
                break;
            }
            regions[i].push(t);
        }
        i = t;
    }
    regions
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
            .any(|op| matches!(op, CommOp::Dense { src, .. } if !plan.is_spike_source(*src)));
        // Parameters, weights and connectivity share one binding.
        let table: usize = param_table(plan).0.len()
            + plan
                .statements
                .iter()
                .flat_map(|s| &s.ops)
                .map(CommOp::table_words)
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

impl Layout {
    /// The layout of `plan` on a device with `limits`, `workgroup` invocations per workgroup.
    pub fn new(plan: &Plan, limits: DeviceLimits, workgroup: u32) -> Result<Layout> {
        let rows = plan.rows;
        let lanes = Lanes(workgroup as usize);
        // The arena and the rings after it.
        let ring_base = plan.arena_len;
        let mut init = plan.initial_arena_f32();
        init.resize((plan.arena_len + plan.ring_len).max(1), 0.0);
        limits.check_words(
            "the network's states and delay rings (one storage buffer)",
            init.len(),
        )?;
        // The scratch and the streams after it.
        let stream_step: usize = plan.externals.iter().map(|e| rows * e.n).sum();
        let room = (limits.max_storage_binding / 4) as usize;
        let stream_chunk = MAX_CHUNK
            .min(
                room.saturating_sub(plan.scratch_len)
                    .checked_div(stream_step)
                    .unwrap_or(MAX_CHUNK),
            )
            .max(1);
        let mut stream_base = Vec::new();
        let mut scratch_len = plan.scratch_len;
        for e in &plan.externals {
            stream_base.push(scratch_len);
            scratch_len += stream_chunk * rows * e.n;
        }
        limits.check_words("the network's summed inputs and input streams", scratch_len)?;

        // The table (parameters, channel records, weights, event tables) and the code.
        let (mut table, params_base) = param_table(plan);
        // Where a source row starts this step, and whether it is in the scratch.
        // Channel records, as constants of the kernel.
        let mut channel_words = Vec::new();
        // Event sums in workgroup memory when the row's sums fit beside the gather arrays.
        let mut local: Vec<(usize, usize)> = Vec::new();
        let mut local_sums = 0;
        for s in &plan.statements {
            if let InputSpec::Acc { offset, .. } = s.delta {
                local.push((offset, local_sums));
                local_sums += plan.nodes[s.node].n;
            }
        }
        // Dense projections gather or stage their inputs in workgroup memory where it holds
        // the arrays (else they read every input from where it is).
        let budget = limits.max_workgroup_storage as usize;
        let gathers =
            GATHER_BYTES <= budget
                && plan.statements.iter().flat_map(|s| &s.ops).any(
                    |op| matches!(op, CommOp::Dense { dense, .. } if dense.n_in <= GATHER_MAX),
                );
        let gather_bytes = if gathers { GATHER_BYTES } else { 0 };
        if local_sums == 0 || 4 * local_sums + gather_bytes > budget {
            local.clear();
            local_sums = 0;
        }
        let local_base = |offset: usize| local.iter().find(|(o, _)| *o == offset).map(|(_, b)| *b);
        // Spikes as bits in what workgroup memory is left.
        let room = budget.saturating_sub(4 * local_sums + gather_bytes) / 4;
        let bits = bit_rows(plan, room);
        let bit_row = |offset: usize| {
            bits.iter()
                .find(|b| offset >= b.out && offset < b.out + b.n)
        };
        // Other outputs that only this workgroup reads, as values in what is left.
        let bit_words: usize = bits.iter().map(|b| b.n.div_ceil(32)).sum();
        let wrows = workgroup_rows(plan, &bits, room - bit_words);
        let wrow = |offset: usize| {
            wrows
                .iter()
                .find(|w| offset >= w.out && offset < w.out + w.n)
        };
        // The projections' results, which only their own statement's update reads within the
        // step, in what is left: (scratch offset, values per row, place in `wscr`).
        let wrow_words: usize = wrows.iter().map(|w| w.n).sum();
        let wscr = workgroup_inputs(plan, room - bit_words - wrow_words);
        let in_wscr = |offset: usize| {
            wscr.iter()
                .find(|&&(o, _, _)| o == offset)
                .map(|&(_, _, at)| at)
        };
        // Where a projection writes: its scratch row, or its place in `wscr` (bit 31 set).
        let destination = |dst: usize, n: usize| match in_wscr(dst) {
            Some(at) => format!("{}u", at as u32 | 0x8000_0000),
            None => format!("{dst}u + row * {n}u"),
        };
        let source = |src: Src| -> (String, u32) {
            match src {
                Src::Arena { offset, pitch } => match wrow(offset) {
                    Some(w) => (format!("{}u", w.at + offset - w.out), 2),
                    None => (format!("{offset}u + row * {pitch}u"), 0),
                },
                Src::Ring {
                    ring,
                    delay,
                    offset,
                    pitch,
                } => {
                    let r = &plan.rings[ring];
                    (
                        format!(
                            "{}u + ((clk.k + {}u) % {}u) * {}u + row * {pitch}u",
                            ring_base + r.base + offset,
                            r.depth - delay,
                            r.depth,
                            r.len
                        ),
                        0,
                    )
                }
                Src::Stream { ext, pitch } => (
                    format!(
                        "{}u + clk.local * {}u + row * {pitch}u",
                        stream_base[ext],
                        rows * plan.externals[ext].n
                    ),
                    1,
                ),
                Src::Constant(_) => ("0u".into(), 0),
            }
        };
        let mut statements = Vec::new();
        for s in &plan.statements {
            let node = &plan.nodes[s.node];
            let mut ops = Vec::new();
            let mut iterations = 0;
            for op in &s.ops {
                match op {
                    CommOp::Axpy {
                        src,
                        count,
                        dst,
                        accumulate,
                        scale,
                    } => {
                        let (base, space) = source(*src);
                        let constant = src.constant();
                        ops.push(format!(
                            "op_axpy(lane, {base}, {space}u, {count}u, {}, {accumulate}, {}, {}, {});",
                            destination(*dst, *count),
                            f32_lit(*scale),
                            constant.is_some(),
                            f32_lit(constant.unwrap_or(0.0))
                        ));
                        iterations += lanes.per(*count);
                    }
                    CommOp::Dense {
                        src,
                        dense,
                        dst,
                        accumulate,
                        scale,
                    } => {
                        let (base, space) = source(*src);
                        let at = table.len();
                        table.extend(dense_table(dense).iter().map(|x| x.to_bits()));
                        let staged = gathers && dense.n_in <= GATHER_MAX;
                        let sparse = staged && plan.is_spike_source(*src);
                        ops.push(format!(
                            "{}(lane, {base}, {space}u, {}u, {}u, {}, {accumulate}, {}, {}, {at}u);",
                            if sparse {
                                "op_dense_sparse"
                            } else if staged {
                                "op_dense_staged"
                            } else {
                                "op_dense"
                            },
                            dense.n_in,
                            dense.n_out,
                            destination(*dst, dense.n_out),
                            f32_lit(*scale),
                            dense.bias.is_some(),
                        ));
                        // A sparse one loops over its share of the inputs twice, the scan
                        // (a group of 32 shares, then up to 32 groups), and (for a quarter of
                        // the inputs spiking at most) the active rows.
                        iterations += if sparse {
                            2 * lanes.per(dense.n_in)
                                + 64
                                + lanes.per(dense.n_out) * (dense.n_in / 4 + 1)
                        } else {
                            lanes.per(dense.n_out) * (dense.n_in + 1)
                        };
                    }
                    CommOp::Event {
                        src,
                        conn,
                        acc: at,
                        scale: unit,
                    } => {
                        let (base, space) = source(*src);
                        let start = table.len();
                        let (words, weight, per_synapse) = event_table(conn, *unit);
                        table.extend(words);
                        let bit_source = match *src {
                            Src::Arena { offset, .. } => bit_row(offset).map(|b| (b, offset)),
                            _ => None,
                        };
                        if let Some((b, offset)) = bit_source {
                            let (sums, local) = match local_base(*at) {
                                Some(l) => (format!("{l}u"), true),
                                None => (format!("{at}u + row * {}u", conn.n_post), false),
                            };
                            ops.push(format!(
                                "op_event_bits(lane, {}u, {}u, {}u, {}u, {sums}, {weight}i, {per_synapse}, {start}u, {local});",
                                b.word,
                                offset - b.out,
                                conn.n_pre,
                                conn.k,
                            ));
                            // A quarter of each word's 32 sources spiking at most.
                            let words =
                                (offset - b.out + conn.n_pre).div_ceil(32) - (offset - b.out) / 32;
                            iterations += lanes.per(words) * (1 + 8 * (1 + conn.k));
                            continue;
                        }
                        ops.push(match local_base(*at) {
                            Some(l) => format!(
                                "op_event_local(lane, {base}, {space}u, {}u, {}u, {l}u, {weight}i, {per_synapse}, {start}u);",
                                conn.n_pre, conn.k,
                            ),
                            None => format!(
                                "op_event(lane, {base}, {space}u, {}u, {}u, {at}u + row * {}u, {weight}i, {per_synapse}, {start}u);",
                                conn.n_pre, conn.k, conn.n_post,
                            ),
                        });
                        // Assumes at most a quarter of the sources spike in one step.
                        iterations += lanes.per(conn.n_pre) * (1 + conn.k / 4);
                    }
                }
            }
            // The population's Sim, as constants.
            let channels_base = channel_words.len();
            let mut records = channel_records(s);
            for (c, (_, at)) in s.channels.iter().enumerate() {
                if let ChannelSrc::Scratch(a) = *at
                    && let Some(w) = in_wscr(a)
                {
                    records[8 * c + 1] = w as u32;
                    records[8 * c + 7] = 2;
                }
            }
            channel_words.extend(records);
            let input = |spec: InputSpec| -> SimInput {
                match spec {
                    InputSpec::Scratch { offset, .. } if in_wscr(offset).is_some() => {
                        SimInput::at(InputMode::LocalValues, in_wscr(offset).unwrap_or(0))
                    }
                    InputSpec::Stream { ext, .. } => SimInput {
                        step: rows * plan.externals[ext].n,
                        ..SimInput::at(InputMode::Rows, stream_base[ext])
                    },
                    InputSpec::Acc { offset, unit } => match local_base(offset) {
                        Some(l) => SimInput {
                            unit,
                            ..SimInput::at(InputMode::LocalSums, l)
                        },
                        None => SimInput {
                            unit,
                            ..SimInput::at(InputMode::Sums, offset)
                        },
                    },
                    other => sim_input(other),
                }
            };
            let sim = format!(
                "        sim = {};\n",
                statement_sim(
                    plan,
                    s,
                    input(s.x),
                    input(s.delta),
                    params_base[s.node],
                    channels_base,
                    0
                )
                .wgsl(),
            );
            let calls = Calls {
                step: node.model.kernel().step_fn(),
                n: node.n,
                lanes,
            };
            iterations += lanes.per(node.n)
                * (1 + s.channels.len() + if s.x_n != node.n { s.x_n } else { 0 });
            // Reads of elements other invocations write need barriers around the update.
            let crossing = !elementwise(plan, s);
            let mut ring = String::new();
            if let Some(r) = s.ring {
                let r = &plan.rings[r];
                let _ = writeln!(
                    ring,
                    "        for (var j = lane; j < {n}u; j = j + WORKGROUP_SIZE) {{\n            state[{base}u + (clk.k % {depth}u) * {len}u + row * {n}u + j] = state[{out}u + row * {n}u + j];\n        }}",
                    n = node.n,
                    base = ring_base + r.base,
                    depth = r.depth,
                    len = r.len,
                    out = node.out
                );
                iterations += lanes.per(node.n);
            }
            statements.push(Statement {
                ops,
                sim,
                calls,
                ring,
                crossing,
                iterations,
            });
        }
        // What the barriers between statements must make visible: device memory, unless every
        // value that crosses invocations is in workgroup memory (event sums and spike bits,
        // between event projections and the updates that read them).
        let device_sync = statements.iter().any(|st| st.crossing)
            || plan.statements.iter().any(|s| {
                s.ring.is_some()
                    || matches!(s.delta, InputSpec::Acc { offset, .. } if local_base(offset).is_none())
                    || s.ops.iter().any(|op| {
                        // Sources in workgroup memory or written only by the host.
                        let on_chip = match op.src() {
                            Src::Arena { offset, .. } => {
                                bit_row(offset).is_some() || wrow(offset).is_some()
                            }
                            Src::Stream { .. } | Src::Constant(_) => true,
                            Src::Ring { .. } => false,
                        };
                        let results_on_chip = match op {
                            CommOp::Event { acc, .. } => local_base(*acc).is_some(),
                            CommOp::Dense { dst, .. } | CommOp::Axpy { dst, .. } => {
                                in_wscr(*dst).is_some()
                            }
                        };
                        !(on_chip && results_on_chip)
                    })
            });
        let barrier = format!(
            "fn step_barrier() {{\n{}{}}}\n",
            if device_sync {
                "    storageBarrier();\n"
            } else {
                ""
            },
            if local_sums > 0 || !bits.is_empty() || !wrows.is_empty() || !wscr.is_empty() {
                "    workgroupBarrier();\n"
            } else {
                ""
            },
        );
        limits.check_words(
            "the network's parameters, weights and connectivity (one storage buffer)",
            table.len(),
        )?;
        if table.is_empty() {
            table.push(0);
        }
        let param_words = constant_words(
            "param_word",
            &constant_params(plan, 0..plan.nodes.len(), &table, &params_base),
            "params[at]",
        );
        Ok(Layout {
            limits,
            lanes,
            arena: init,
            scratch_len,
            table,
            statements,
            channel_words,
            bits,
            wrows,
            wscr,
            barrier,
            param_words,
            local_sums,
            stream_base,
            stream_chunk,
            // Each sum read (4 bytes in the plan's count).
            local_bytes: 4 * (rows * local_sums) as u64,
        })
    }

    /// The kernel of this layout with `monitors`, and where they record.
    pub fn kernel(&self, plan: &Plan, monitors: &[Monitor]) -> Result<Kernel> {
        let rows = plan.rows;
        let lanes = self.lanes;
        // acc: the accumulators, a work counter per row, then the monitors' chunks.
        let status_at = plan.acc_len;
        let mut acc_len = status_at + rows;
        let per_step: Vec<(usize, usize)> =
            monitors.iter().map(|m| entry_layout(plan, m)).collect();
        let room = (self.limits.max_storage_binding / 4) as usize;
        let acc_words = |chunk: usize| -> usize {
            acc_len
                + per_step
                    .iter()
                    .map(|&(w, every)| entries(chunk, every) * w)
                    .sum::<usize>()
        };
        let chunk = longest_chunk(MAX_CHUNK.min(self.stream_chunk), |c| acc_words(c) <= room);
        if chunk == 0 {
            return Err(Error::LimitExceeded {
                what: "one step of the monitors with the network's accumulators".into(),
                requested: 4 * acc_words(1) as u64,
                limit_name: "max_storage_buffer_binding_size",
                limit: self.limits.max_storage_binding,
            });
        }
        // control: one word per state monitor (the run's first sample index), then the clock.
        let mut slots = Vec::new();
        for (i, (m, (words, every))) in monitors.iter().zip(&per_step).enumerate() {
            let count = matches!(m, Monitor::Count(_));
            slots.push(MonitorSlot {
                at: acc_len,
                per_entry: *words,
                sampling: matches!(m, Monitor::State(_)).then_some((i, *every)),
                count,
            });
            acc_len += entries(chunk, *every) * words;
        }
        let clock_at = monitors.len();

        // The kernel: the models' family files, then the steps.
        let mut families: Vec<&str> = Vec::new();
        for node in &plan.nodes {
            let src = node.model.kernel().source();
            if !families.contains(&src) {
                families.push(src);
            }
        }
        let mut body = String::new();
        let mut iterations = 1usize;
        // Whether element `e` of a population's output, just updated, is a spike (nonzero).
        let wrow = |node: usize| self.wrows.iter().find(|w| w.node == node);
        let spiked = |node: usize| match self.bits.iter().find(|b| b.node == node) {
            Some(b) => format!("spike_bit({}u, e.j)", b.word),
            None if wrow(node).is_some() => {
                format!("wrows[{}u + e.j] != 0.0", wrow(node).map_or(0, |w| w.at))
            }
            None => format!("state[{}u + e.i] != 0.0", plan.nodes[node].out),
        };
        // A barrier, unless the code just before is one.
        let fence = |body: &mut String| {
            if !body.ends_with("step_barrier();\n") {
                body.push_str("        step_barrier();\n");
            }
        };
        for (si, ((s, st), region)) in plan
            .statements
            .iter()
            .zip(&self.statements)
            .zip(op_regions(plan))
            .enumerate()
        {
            let node = &plan.nodes[s.node];
            if !region.is_empty() {
                fence(&mut body);
                for t in region {
                    for op in &self.statements[t].ops {
                        let _ = writeln!(body, "        {op}");
                    }
                }
                fence(&mut body);
            }
            let _ = writeln!(
                body,
                "        // statement {si}: {} `{}`",
                node.model.kind(),
                node.name
            );
            if st.crossing {
                fence(&mut body);
            }
            // Spike and count monitors record each element right after its update.
            let mut after = String::new();
            for (m, slot) in monitors.iter().zip(&slots) {
                match m {
                    Monitor::Spikes(r) if r.node == s.node => {
                        let words = r.words_per_row();
                        let _ = write!(
                            after,
                            "\n            if ({spiked}) {{\n                atomicOr(&acc[{at}u + clk.local * {step}u + row * {words}u + e.j / 32u], bitcast<i32>(1u << (e.j % 32u)));\n            }}",
                            spiked = spiked(s.node),
                            at = slot.at,
                            step = rows * words,
                        );
                    }
                    Monitor::Count(r) if r.node == s.node => {
                        let _ = write!(
                            after,
                            "\n            count_{slot} = count_{slot} + select(0u, 1u, {spiked});",
                            spiked = spiked(s.node),
                            slot = slot.at,
                        );
                    }
                    _ => {}
                }
            }
            body.push_str(&st.sim);
            body.push_str(&st.calls.code(&after));
            body.push_str(&st.ring);
            if st.crossing {
                fence(&mut body);
            }
            iterations += st.iterations;
            for (m, slot) in monitors.iter().zip(&slots) {
                match m {
                    Monitor::State(r) if r.node == s.node => {
                        let (first, every) = slot.sampling.expect("a state monitor samples");
                        let _ = writeln!(
                            body,
                            "        if (clk.k % {every}u == 0u) {{\n            let slot = clk.k / {every}u - control[{first}u];\n            for (var j = lane; j < {n}u; j = j + WORKGROUP_SIZE) {{\n                atomicStore(&acc[{at}u + slot * {total}u + row * {n}u + j], bitcast<i32>(state[{var}u + row * {n}u + j]));\n            }}\n        }}",
                            n = node.n,
                            total = node.total,
                            at = slot.at,
                            var = node.state_base + r.var_index * node.total,
                        );
                        iterations += lanes.per(node.n);
                    }
                    _ => {}
                }
            }
        }
        let (mut counters, mut totals) = (String::new(), String::new());
        for slot in slots.iter().filter(|s| s.count) {
            let _ = writeln!(counters, "    var count_{} = 0u;", slot.at);
            let _ = writeln!(
                totals,
                "    atomicAdd(&acc[{at}u + row], i32(count_{at}));",
                at = slot.at
            );
        }
        let barriers = body.matches("step_barrier();").count();
        let resident = residents(plan, monitors, self.lanes);
        let (hooks, load, store) = resident_code(&resident, &self.bits, &self.wrows, self.lanes);
        let mut source = families.join("\n");
        // A sum is read and cleared by its own element's invocation between the barriers that
        // fence the event projections, so plain atomic loads and stores suffice.
        let _ = write!(
            source,
            "\nvar<workgroup> wacc: array<atomic<i32>, {}>;\n\
             fn take_local(i: u32) -> i32 {{\n    let sum = atomicLoad(&wacc[i]);\n    atomicStore(&wacc[i], 0);\n    return sum;\n}}\n\
             var<workgroup> wscr: array<f32, {}>;\n{hooks}{}{}{}",
            self.local_sums.max(1),
            self.wscr.iter().map(|w| w.1).sum::<usize>().max(1),
            constant_words(
                "channel_word",
                &self
                    .channel_words
                    .iter()
                    .copied()
                    .enumerate()
                    .collect::<Vec<_>>(),
                "0u"
            ),
            self.barrier,
            self.param_words,
        );
        if self.local_sums > 0 {
            let _ = writeln!(
                counters,
                "    for (var i = lane; i < {}u; i = i + WORKGROUP_SIZE) {{\n        atomicStore(&wacc[i], 0);\n    }}\n    workgroupBarrier();",
                self.local_sums
            );
            iterations += lanes.per(self.local_sums);
        }
        let _ = write!(
            source,
            "\n@compute @workgroup_size(WORKGROUP_SIZE)\n\
             fn network(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {{\n    \
             let row = wid.x + wid.y * groups.x;\n    \
             if (row >= {rows}u) {{\n        return;\n    }}\n    \
             let lane = lid.x;\n    \
             var done = 0u;\n\
             {counters}{load}    \
             for (var s = 0u; s < range.count; s = s + 1u) {{\n        \
             clk = load_clock({clock_at}u + 4u * (range.first + s));\n        \
             last_step = s + 1u == range.count;\n\
             {body}        done = done + 1u;\n    }}\n\
             {store}    \
             atomicAdd(&acc[{status_at}u + row], i32(done));\n\
             {totals}}}\n"
        );
        let kernel = KernelDef::network(
            format!("network of {} populations", plan.nodes.len()),
            source,
            "network",
        )
        .with_workgroup(lanes.0 as u32);
        let steps_per_dispatch = if self.limits.software {
            (SOFTWARE_LOOP_BUDGET / iterations).clamp(1, MAX_CHUNK)
        } else {
            MAX_CHUNK
        };
        Ok(Kernel {
            def: kernel,
            on_chip: self.on_chip_bytes(plan, &resident, monitors),
            resident,
            barriers,
            monitors: slots,
            acc_len,
            control_len: clock_at + 4 * MAX_CHUNK,
            clock_at,
            status_at,
            steps_per_dispatch,
            chunk,
        })
    }

    /// What [`Plan::cost_per_step`] counts as device-memory traffic and this kernel keeps in
    /// registers or workgroup memory: the resident rows' reads and writes (a state's read and
    /// write, an output's write, each read as a conductance); the spike bits' and workgroup
    /// rows' writes and their reads by projections, elements and monitors; event sums
    /// accumulated in workgroup memory.
    fn on_chip_bytes(&self, plan: &Plan, resident: &[Resident], monitors: &[Monitor]) -> u64 {
        let rows = plan.rows;
        // Reads of the row at `base` by elements of the same size (conductances, inputs).
        let element_reads = |base: usize| -> usize {
            plan.statements
                .iter()
                .map(|s| {
                    let input =
                        |spec| matches!(spec, InputSpec::Arena { offset, .. } if offset == base);
                    s.channels
                        .iter()
                        .filter(|(_, at)| *at == ChannelSrc::Arena(base))
                        .count()
                        + input(s.x) as usize
                        + input(s.delta) as usize
                })
                .sum()
        };
        // Values the projections read from `n` values at `start`, per batch row.
        let projection_reads = |start: usize, n: usize| -> usize {
            plan.statements
                .iter()
                .flat_map(|s| &s.ops)
                .filter(|op| {
                    matches!(op.src(), Src::Arena { offset, .. } if (start..start + n).contains(&offset))
                })
                .map(CommOp::src_len)
                .sum()
        };
        let spike_monitors = |node: usize| {
            monitors
                .iter()
                .filter(|m| match m {
                    Monitor::Spikes(r) => r.node == node,
                    Monitor::Count(r) => r.node == node,
                    Monitor::State(_) => false,
                })
                .count()
        };
        let registers: usize = resident
            .iter()
            .map(|r| r.n * (1 + r.state as usize + element_reads(r.base)))
            .sum();
        // An output on chip: its write, its readers, its monitors.
        let outputs: usize = self
            .bits
            .iter()
            .map(|b| (b.node, b.out, b.n))
            .chain(self.wrows.iter().map(|w| (w.node, w.out, w.n)))
            .map(|(node, out, n)| {
                n * (1 + element_reads(out) + spike_monitors(node)) + projection_reads(out, n)
            })
            .sum();
        // A projection's results in workgroup memory: written (and read when summed) by the
        // projections, read by the update.
        let inputs: usize = self
            .wscr
            .iter()
            .map(|&(dst, n, _)| {
                let written: usize = plan
                    .statements
                    .iter()
                    .flat_map(|s| &s.ops)
                    .map(|op| match op {
                        CommOp::Dense {
                            dst: d, accumulate, ..
                        }
                        | CommOp::Axpy {
                            dst: d, accumulate, ..
                        } if *d == dst => n * (1 + *accumulate as usize),
                        _ => 0,
                    })
                    .sum();
                let read: usize = plan
                    .statements
                    .iter()
                    .map(|s| {
                        let node_n = plan.nodes[s.node].n;
                        let input = |spec, len| match spec {
                            InputSpec::Scratch { offset, .. } if offset == dst => len,
                            _ => 0,
                        };
                        input(s.x, s.x_n)
                            + input(s.delta, node_n)
                            + node_n
                                * s.channels
                                    .iter()
                                    .filter(|(_, at)| *at == ChannelSrc::Scratch(dst))
                                    .count()
                    })
                    .sum();
                written + read
            })
            .sum();
        4 * (rows * (registers + outputs + inputs)) as u64 + self.local_bytes
    }
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
    fn set_monitors(&mut self, monitors: &[Monitor]) -> Result<()> {
        let kernel = self.layout.kernel(&self.plan, monitors)?;
        self.control = self.gpu.alloc("network control", kernel.control_len)?;
        self.acc = self.gpu.alloc("network accumulators", kernel.acc_len)?;
        self.grid = self.gpu.group_grid(kernel.def.name(), self.plan.rows)?;
        self.kernel = kernel;
        self.dispatch = None;
        Ok(())
    }

    /// Runs `steps` (at most [`Self::chunk_len`]) steps from `clock`'s step.
    fn run(
        &mut self,
        clock: &Clock,
        steps: usize,
        streams: &[&[f64]],
        monitors: &mut [Monitor],
    ) -> Result<()> {
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
                Some((first, every)) => self
                    .control
                    .write(first, &[k0.div_ceil(every as u64) as u32]),
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

    fn write_arena(&mut self, at: usize, data: &[f64]) {
        self.arena.write_f64(at, data);
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
