//! The per-step GPU executor of a plan: per step, dispatches for the projections, the
//! population updates (consecutive element-wise ones composed into one), delay ring stores and
//! monitors, built once with their bind groups; a run records a chunk of steps into one
//! compute pass and one submission, the step selected by the clock entry's dynamic offset.
//! Event projections that read the previous step's spikes are pushed by the source's update
//! instead ([`Push`]), and composed neuron updates count their spikes for count monitors, so a
//! network like COBA takes one dispatch per step. Nothing is read back inside a chunk;
//! monitors are read once per chunk.

use std::fmt::Write;
use std::sync::Arc;

use super::{Exec, MAX_CHUNK};
use crate::abi::{InputMode, SimInput};
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::gpu::{
    CLOCK_STRIDE, CommBindings, CommUniform, DeviceLimits, Dispatch, ElementBindings, Gpu,
    GpuArray, Grid, NetworkBindings,
};
use crate::module::pack_params;
use crate::network::Monitor;
use crate::network::StepCost;
use crate::network::compose::{
    channel_records, clock_entries, constant_params, constant_words, dense_columns, elementwise,
    event_table, param_table, sim_input, statement_sim,
};
use crate::network::plan::{ChannelSrc, CommOp, InputSpec, Plan, Src, Statement};
use crate::network::record::{entries, entry_layout, longest_chunk, read_back};
use crate::shaders::{KernelDef, NETWORK_ARENA, NETWORK_MEMORY, NETWORK_TABLES, builtin};

/// Bytes that the per-chunk buffers (input streams, monitors) may take together.
const CHUNK_BUDGET: u64 = 256 << 20;

/// Batches at least this large use the tiled dense kernel (128 × 128 output blocks).
const TILED_ROWS: usize = 16;

/// Spike counters per sample of a population counted inside its composed update (spread so
/// that a step's spikes do not all add to one address).
const COUNTERS: usize = 32;

/// A monitor's chunk buffer and how to read it.
struct MonitorBuf {
    buffer: GpuArray,
    /// Words one step (spikes) or one sample (states) takes.
    per_entry: usize,
    /// For state monitors: the cfg uniform whose w4 is set before each run, and `every`.
    sampling: Option<(GpuArray, CommUniform, usize)>,
    /// The monitor's own dispatch, or, for a count monitor of a population whose composed
    /// update counts its spikes, where its counters start in `acc`.
    dispatch: Option<Dispatch>,
    counters: Option<usize>,
}

pub(crate) struct PerStep {
    gpu: Gpu,
    plan: Arc<Plan>,
    arena: GpuArray,
    /// One buffer per external stream: `stream_chunk` steps of `rows × n` values.
    streams: Vec<GpuArray>,
    stream_chunk: usize,
    clock: GpuArray,
    /// The clock entries and step ranges of composed dispatches, when there are any.
    composed: Option<ComposedClock>,
    /// Bytes per step the plan counts and the composed updates' caches do not move.
    cached_bytes: u64,
    /// One step's dispatches, in program order.
    step: Vec<Dispatch>,
    monitors: Vec<MonitorBuf>,
    monitor_chunk: usize,
    /// Bytes per step the plan counts for reading the spikes of pushed event projections,
    /// which their sources deliver as they emit them.
    pushed_bytes: u64,
    /// The fixed-point sums (and spike counters), and where each population whose composed
    /// update counts its spikes has its counters (`COUNTERS` per sample).
    acc: GpuArray,
    counters: Vec<(usize, usize)>,
    /// Bytes per step the plan counts for the count monitors that the updates serve.
    counted_bytes: u64,
    /// The kernels it generated (composed updates, runs of event projections).
    generated: Vec<KernelDef>,
    // Buffers only the dispatches' bind groups refer to, kept with them.
    _keep: Vec<GpuArray>,
}

/// What a run tells the composed dispatches: the clock entries of its steps (4 words each), and
/// in the step ranges, the steps on which deferred outputs reach the arena.
struct ComposedClock {
    clock: GpuArray,
    range: GpuArray,
    /// The populations whose outputs are deferred ([`StepRow`]).
    deferred: Vec<usize>,
    /// Whether a monitor reads a deferred output, so every step stores them.
    every_step: bool,
    /// The step range whose `store_outputs` is set for the end of a run, if one is.
    flagged: Option<usize>,
}

impl ComposedClock {
    /// Sets `store_outputs` on the steps that must store deferred outputs: every step, or
    /// the last of a run of `steps`.
    fn flag(&mut self, steps: usize) {
        let want = if self.every_step {
            usize::MAX
        } else {
            steps - 1
        };
        let word = |j: usize| j * CLOCK_STRIDE as usize / 4 + 2;
        match self.flagged {
            Some(j) if j == want => return,
            Some(j) if j != usize::MAX && want != usize::MAX => {
                self.range.write(word(j), &[0]);
                self.range.write(word(want), &[1]);
            }
            _ => self
                .range
                .write(0, &step_ranges(|j| want == usize::MAX || j == want)),
        }
        self.flagged = Some(want);
    }
}

/// The step ranges of composed per-step dispatches, one per step at its dynamic offset: the
/// step's index in the chunk, 1 step, and whether deferred outputs are stored.
fn step_ranges(store: impl Fn(usize) -> bool) -> Vec<u32> {
    let stride = CLOCK_STRIDE as usize / 4;
    let mut words = vec![0u32; MAX_CHUNK * stride];
    for j in 0..MAX_CHUNK {
        words[j * stride..j * stride + 3].copy_from_slice(&[j as u32, 1, store(j) as u32]);
    }
    words
}

/// How many items of `per` bytes fit in `budget` bytes (any number when they take none).
fn fit(budget: u64, per: u64) -> usize {
    budget.checked_div(per).map_or(usize::MAX, |c| c as usize)
}

fn f32_bits(x: f64) -> u32 {
    (x as f32).to_bits()
}

/// A source's buffer and its words: base, row pitch, and the `source_base` words w12..w14.
fn source<'a>(
    src: Src,
    plan: &Plan,
    arena: &'a GpuArray,
    rings: &'a GpuArray,
    streams: &'a [GpuArray],
) -> (Option<&'a GpuArray>, u32, u32, [u32; 3]) {
    match src {
        Src::Arena { offset, pitch } => (Some(arena), offset as u32, pitch as u32, [0, 0, 0]),
        Src::Ring {
            ring,
            delay,
            offset,
            pitch,
        } => {
            let r = &plan.rings[ring];
            (
                Some(rings),
                (r.base + offset) as u32,
                pitch as u32,
                [r.depth as u32, delay as u32, r.len as u32],
            )
        }
        Src::Stream { ext, pitch } => {
            let per_step = plan.rows * plan.externals[ext].n;
            (
                Some(&streams[ext]),
                0,
                pitch as u32,
                [0, 0, per_step as u32],
            )
        }
        Src::Constant(_) => (None, 0, 0, [0, 0, 0]),
    }
}

/// An event projection that the update of its source population delivers ("pushes") as
/// each spike is emitted, instead of a projection dispatch reading the spikes in the next
/// step: op `oi` of statement `si`, whose source is element `slice` on of the output of the
/// population that statement `source` updates. The source's update comes after statement `si`
/// in program order (so the projection reads the previous step's spikes), and the sums it
/// fills are filled by pushes alone. Sums come in two sets, for even and odd steps: an update
/// pushes into the next step's set while the consumers of this step read and clear theirs.
/// Integer sums make the order of delivery irrelevant, so results are those of the pull.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Push {
    si: usize,
    oi: usize,
    source: usize,
    slice: usize,
}

/// The event projections that can be pushed (both statements compose into network kernels),
/// as many as fit `room` words of tables (in program order).
fn pushes(plan: &Plan, room: usize) -> Vec<Push> {
    let statement_of = |node: usize| plan.statements.iter().position(|s| s.node == node);
    let mut out: Vec<Push> = Vec::new();
    for (si, s) in plan.statements.iter().enumerate() {
        for (oi, op) in s.ops.iter().enumerate() {
            let CommOp::Event {
                src: Src::Arena { offset, pitch },
                conn,
                acc,
                ..
            } = op
            else {
                continue;
            };
            let source = plan.nodes.iter().enumerate().find(|(_, m)| {
                m.emits
                    && (m.out..m.out + m.n).contains(offset)
                    && offset + conn.n_pre <= m.out + m.n
                    && (*pitch == m.n || plan.rows == 1)
            });
            let Some((node, m)) = source else { continue };
            let Some(source) = statement_of(node) else {
                continue;
            };
            if source > si
                && composable(plan, s)
                && composable(plan, &plan.statements[source])
                && matches!(s.delta, InputSpec::Acc { offset, .. } if offset == *acc)
            {
                out.push(Push {
                    si,
                    oi,
                    source,
                    slice: offset - m.out,
                });
            }
        }
    }
    // Sums that a projection left to pull also fills stay pulled.
    let pulled: Vec<usize> = plan
        .statements
        .iter()
        .enumerate()
        .flat_map(|(si, s)| s.ops.iter().enumerate().map(move |(oi, op)| (si, oi, op)))
        .filter(|&(si, oi, _)| !out.iter().any(|p| p.si == si && p.oi == oi))
        .filter_map(|(_, _, op)| match op {
            CommOp::Event { acc, .. } => Some(*acc),
            _ => None,
        })
        .collect();
    let sums = |p: &Push| match &plan.statements[p.si].ops[p.oi] {
        CommOp::Event { acc, .. } => *acc,
        _ => unreachable!("pushes are event projections"),
    };
    out.retain(|p| !pulled.contains(&sums(p)));
    // The pushed tables share one binding with the parameters: sums whose projections' tables
    // do not fit beside those of earlier sums are pulled.
    let mut pushed: Vec<usize> = Vec::new();
    let mut used = 0;
    for p in &out {
        let acc = sums(p);
        if pushed.contains(&acc) {
            continue;
        }
        let words: usize = out
            .iter()
            .filter(|q| sums(q) == acc)
            .map(|q| plan.statements[q.si].ops[q.oi].table_words())
            .sum();
        if used + words <= room {
            used += words;
            pushed.push(acc);
        }
    }
    out.retain(|p| pushed.contains(&sums(p)));
    out
}

/// The table of composed dispatches (`shaders/abi/network.wgsl`): every population's
/// parameters, the channel records of grouped updates and the pushed event tables, with where
/// each starts.
struct ComposedTable {
    params_base: Vec<usize>,
    channels_base: Vec<usize>,
    /// The table's words, uploaded once and the source of composed kernels' constants.
    words: Vec<u32>,
    /// The pushed event projections, where each one's event table starts in `words`, and the
    /// distance from the even steps' sums to the odd steps' in `acc`.
    pushes: Vec<(Push, usize)>,
    flip: usize,
    /// (population, first counter in `acc`) of the populations whose updates count spikes.
    counters: Vec<(usize, usize)>,
}

impl ComposedTable {
    fn new(
        plan: &Plan,
        limits: &DeviceLimits,
        groups: &[&Vec<usize>],
        pushes: &[Push],
        counters: &[(usize, usize)],
    ) -> Result<ComposedTable> {
        let (mut table, params_base) = param_table(plan);
        let mut channels_base = vec![0; plan.statements.len()];
        for group in groups {
            for &si in group.iter() {
                channels_base[si] = table.len();
                table.extend(channel_records(&plan.statements[si]));
            }
        }
        let mut placed = Vec::new();
        for p in pushes {
            let CommOp::Event { conn, scale, .. } = &plan.statements[p.si].ops[p.oi] else {
                unreachable!("pushes are event projections")
            };
            placed.push((*p, table.len()));
            table.extend(event_table(conn, *scale).0);
        }
        limits.check_words(
            "the parameters and pushed event tables of composed updates (one storage buffer)",
            table.len(),
        )?;
        Ok(ComposedTable {
            words: table,
            params_base,
            channels_base,
            pushes: placed,
            flip: plan.acc_len,
            counters: counters.to_vec(),
        })
    }
}

/// The buffers composed dispatches bind.
struct ComposedBuffers {
    arena: GpuArray,
    scratch: GpuArray,
    acc: GpuArray,
    /// The [`ComposedTable`] on the device.
    table: GpuArray,
    /// The chunk's clock entries, 4 words per step.
    clock: GpuArray,
    /// Per step, at its dynamic offset: the step's index in the chunk, 1 step, whether
    /// deferred outputs are stored ([`step_ranges`]).
    range: GpuArray,
}

impl ComposedBuffers {
    fn new(gpu: &Gpu, table: &ComposedTable, buffers: [&GpuArray; 3]) -> Result<ComposedBuffers> {
        let range = gpu.alloc_uniform("network step index", MAX_CHUNK * CLOCK_STRIDE as usize);
        range.write(0, &step_ranges(|_| false));
        let [arena, scratch, acc] = buffers.map(GpuArray::clone);
        Ok(ComposedBuffers {
            arena,
            scratch,
            acc,
            table: gpu.upload("network parameter table", &table.words)?,
            clock: gpu.alloc("network clock entries", 4 * MAX_CHUNK)?,
            range,
        })
    }

    /// A dispatch of a composed `kernel` over `threads` invocations, with `tables` (the
    /// composed table unless given) as its parameters.
    fn dispatch(
        &self,
        gpu: &Gpu,
        kernel: &KernelDef,
        threads: usize,
        tables: Option<&GpuArray>,
    ) -> Result<Dispatch> {
        let grid = gpu.grid(kernel.name(), threads)?;
        gpu.network_dispatch(
            kernel,
            &NetworkBindings {
                arena: &self.arena,
                scratch: &self.scratch,
                acc: &self.acc,
                params: tables.unwrap_or(&self.table),
                control: &self.clock,
                range: &self.range,
            },
            grid,
        )
    }
}

fn is_arena_event(plan: &Plan, (si, oi): (usize, usize)) -> bool {
    matches!(
        plan.statements[si].ops[oi],
        CommOp::Event {
            src: Src::Arena { .. },
            ..
        }
    )
}

/// Whether `run` (of a group's projections) is two or more event projections from the arena,
/// which share one composed dispatch.
fn is_event_run(plan: &Plan, run: &[(usize, usize)]) -> bool {
    run.len() > 1 && is_arena_event(plan, run[0])
}

/// A group's projections as (statement, op), in order, split into runs of arena event
/// projections whose tables together fit `room` words (one binding) and runs of the others;
/// pushed projections are left out.
fn projection_runs(
    plan: &Plan,
    group: &[usize],
    pushes: &[Push],
    room: usize,
) -> Vec<Vec<(usize, usize)>> {
    let ops: Vec<(usize, usize)> = group
        .iter()
        .flat_map(|&si| (0..plan.statements[si].ops.len()).map(move |oi| (si, oi)))
        .filter(|&(si, oi)| !pushes.iter().any(|p| p.si == si && p.oi == oi))
        .collect();
    let words = |(si, oi): (usize, usize)| plan.statements[si].ops[oi].table_words();
    let mut runs: Vec<Vec<(usize, usize)>> = Vec::new();
    let mut used = 0;
    for op in ops {
        let joins = runs.last().is_some_and(|run| {
            is_arena_event(plan, run[0]) == is_arena_event(plan, op)
                && (!is_arena_event(plan, op) || used + words(op) <= room)
        });
        match runs.last_mut() {
            Some(run) if joins => run.push(op),
            _ => {
                runs.push(vec![op]);
                used = 0;
            }
        }
        used += words(op);
    }
    runs
}

/// Whether a statement's update can share a composed dispatch: element-wise, and no input
/// stream (streams have their own buffers here).
fn composable(plan: &Plan, s: &Statement) -> bool {
    elementwise(plan, s) && !matches!(s.x, InputSpec::Stream { .. })
}

/// The statements in order, in groups whose updates run in one dispatch: consecutive
/// composable statements over the same elements, no delay ring before the last, and each
/// one's projections free to run before the group (they read nothing the group's earlier
/// updates write).
fn groups(plan: &Plan) -> Vec<Vec<usize>> {
    let writes = |si: usize, offset: usize| {
        let node = &plan.nodes[plan.statements[si].node];
        let states = node.state_base..node.state_base + node.vars * node.total;
        states.contains(&offset) || (node.out..node.out + node.total).contains(&offset)
    };
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (si, s) in plan.statements.iter().enumerate() {
        let node = &plan.nodes[s.node];
        let joins = groups.last().is_some_and(|g| {
            g.iter().all(|&m| {
                let ms = &plan.statements[m];
                let mn = &plan.nodes[ms.node];
                composable(plan, ms)
                    && ms.ring.is_none()
                    && mn.n == node.n
                    && mn.total == node.total
            }) && composable(plan, s) && s.ops.iter().all(|op| {
                !matches!(op.src(), Src::Arena { offset, .. } if g.iter().any(|&m| writes(m, offset)))
            })
        });
        match groups.last_mut() {
            Some(g) if joins => g.push(si),
            _ => groups.push(vec![si]),
        }
    }
    groups
}

/// A row of one of a composed group's populations (a state variable or its output) that each
/// invocation of the group's dispatch keeps in private variables for the step: a state loaded
/// at the start (all of them at once, so that their loads are in flight together, as a vector
/// load's would be), an output at its first read; stored at the end if it was written and its
/// bits changed (a state that a step leaves alone, like the time of the last spike, costs no
/// write). An output that nothing outside the group reads during a run, and no update of the
/// group reads before it is written, is `deferred`: stored only when `range.store_outputs`
/// asks (a run's last step, or every step while a monitor reads it).
#[derive(Clone, Copy, Debug, PartialEq)]
struct StepRow {
    base: usize,
    /// The statement whose update writes the row.
    si: usize,
    /// A state variable (else an output).
    state: bool,
    deferred: bool,
}

/// The rows of `group`'s populations, each output marked deferred where it can be.
fn step_rows(plan: &Plan, group: &[usize], pushes: &[Push]) -> Vec<StepRow> {
    let mut out = Vec::new();
    for (p, &si) in group.iter().enumerate() {
        let node = &plan.nodes[plan.statements[si].node];
        for v in 0..node.vars {
            out.push(StepRow {
                base: node.state_base + v * node.total,
                si,
                state: true,
                deferred: false,
            });
        }
        if node.emits {
            out.push(StepRow {
                base: node.out,
                si,
                state: false,
                deferred: deferrable(plan, group, p, pushes),
            });
        }
    }
    out
}

/// Whether the output of the update at place `p` of `group` is read during a run only by the
/// group's later updates, element by element (pushed projections read it from the cache).
fn deferrable(plan: &Plan, group: &[usize], p: usize, pushes: &[Push]) -> bool {
    let rows = plan.rows;
    let s = &plan.statements[group[p]];
    let node = &plan.nodes[s.node];
    let (start, end) = (node.out, node.out + node.total);
    let hits = |a: usize, b: usize| a < end && start < b;
    if s.ring.is_some() {
        return false;
    }
    plan.statements.iter().enumerate().all(|(ti, t)| {
        let pulled = t.ops.iter().enumerate().any(|(oi, op)| {
            !pushes.iter().any(|q| q.si == ti && q.oi == oi)
                && matches!(op.src(), Src::Arena { offset, pitch }
                    if hits(offset, offset + (rows - 1) * pitch + op.src_len()))
        });
        let later = group[p + 1..].contains(&ti);
        !pulled && arena_reads(plan, t).all(|(a, b)| !hits(a, b) || (later && a == start))
    })
}

/// The arena ranges a statement's update reads, `[start, end)`: its `x` and delta inputs from
/// the arena and its conductances.
fn arena_reads<'a>(plan: &'a Plan, t: &'a Statement) -> impl Iterator<Item = (usize, usize)> + 'a {
    let reader = &plan.nodes[t.node];
    let inputs =
        [(t.x, t.x_n), (t.delta, reader.n)]
            .into_iter()
            .filter_map(|(spec, len)| match spec {
                InputSpec::Arena { offset, pitch } => {
                    Some((offset, offset + (plan.rows - 1) * pitch + len))
                }
                _ => None,
            });
    let channels = t.channels.iter().filter_map(|(_, at)| match *at {
        ChannelSrc::Arena(a) => Some((a, a + reader.total)),
        _ => None,
    });
    inputs.chain(channels)
}

/// Bytes per step the plan counts and a composed group's cache does not move: deferred
/// outputs, and reads of the group's rows that the cache serves (a state row read again as a
/// conductance or an input, an output read by a later update).
fn cached_bytes(plan: &Plan, group: &[usize], rows: &[StepRow]) -> u64 {
    let mut bytes = 0;
    for (q, &ti) in group.iter().enumerate() {
        let t = &plan.statements[ti];
        let total = plan.nodes[t.node].total as u64;
        for (at, _) in arena_reads(plan, t) {
            let Some(row) = rows.iter().find(|r| r.base == at) else {
                continue;
            };
            let owner = &plan.nodes[plan.statements[row.si].node];
            let written_before = group[..q].contains(&row.si);
            if at != owner.out || written_before {
                bytes += 4 * total;
            }
        }
    }
    let deferred = rows.iter().filter(|r| r.deferred);
    bytes
        + deferred
            .map(|r| 4 * plan.nodes[plan.statements[r.si].node].total as u64)
            .sum::<u64>()
}

/// The `arena_read`/`arena_write` hooks of a composed update dispatch over `rows` (a `switch`
/// on the row's constant base, which the compiler resolves; other rows are read and written in
/// place, as `shaders/abi/network_arena.wgsl` does), `arena_prefetch(e)`, which loads the
/// states at the start of the dispatch, and `arena_flush(e)`, which stores the rows at its end.
fn arena_hooks(rows: &[StepRow]) -> String {
    let (mut vars, mut read, mut write) = (String::new(), String::new(), String::new());
    let (mut prefetch, mut flush) = (String::new(), String::new());
    // Flags per row: 1 the value is held, 2 it was loaded (`o` is the arena's), 4 written.
    for (k, r) in rows.iter().enumerate() {
        let base = r.base;
        let _ = writeln!(
            vars,
            "var<private> c{k}: f32;\nvar<private> o{k}: f32;\nvar<private> f{k}: u32;"
        );
        let load = format!("c{k} = state[{base}u + e.i];\n    o{k} = c{k};\n    f{k} = 3u;");
        if r.state {
            let _ = writeln!(prefetch, "    {load}");
            let _ = writeln!(read, "        case {base}u: {{ return c{k}; }}");
        } else {
            let _ = writeln!(
                read,
                "        case {base}u: {{\n            if ((f{k} & 1u) == 0u) {{\n                {}\n            }}\n            return c{k};\n        }}",
                load.replace("\n    ", "\n                ")
            );
        }
        let _ = writeln!(
            write,
            "        case {base}u: {{\n            c{k} = value;\n            f{k} = f{k} | 5u;\n        }}"
        );
        let store = if r.deferred {
            "range.store_outputs != 0u".to_string()
        } else {
            format!("((f{k} & 2u) == 0u || bitcast<u32>(c{k}) != bitcast<u32>(o{k}))")
        };
        let _ = writeln!(
            flush,
            "    if ((f{k} & 4u) != 0u && {store}) {{\n        state[{base}u + e.i] = c{k};\n    }}"
        );
    }
    format!(
        "{vars}fn arena_read(base: u32, e: Elem) -> f32 {{\n    switch base {{\n{read}        default: {{ return state[base + e.i]; }}\n    }}\n}}\n\
         fn arena_write(base: u32, e: Elem, value: f32) {{\n    switch base {{\n{write}        default: {{ state[base + e.i] = value; }}\n    }}\n}}\n\
         fn arena_prefetch(e: Elem) {{\n{prefetch}}}\n\
         fn arena_flush(e: Elem) {{\n{flush}}}\n"
    )
}

/// The kernel that runs the updates of `group` for every element, in order, with the
/// invocations it needs.
fn composed_kernel(
    plan: &Plan,
    group: &[usize],
    rows: &[StepRow],
    c: &ComposedTable,
) -> (KernelDef, usize) {
    let mut families: Vec<&str> = Vec::new();
    let mut body = String::new();
    for &si in group {
        let s = &plan.statements[si];
        let node = &plan.nodes[s.node];
        let src = node.model.kernel().source();
        if !families.contains(&src) {
            families.push(src);
        }
        // Sums filled by pushes are read from this step's set.
        let mut delta = sim_input(s.delta);
        if c.pushes.iter().any(|(p, _)| p.si == si) {
            delta.mode = InputMode::PushedSums;
        }
        let _ = writeln!(
            body,
            "    sim = {};\n    {}(e);",
            statement_sim(
                plan,
                s,
                sim_input(s.x),
                delta,
                c.params_base[s.node],
                c.channels_base[si],
                c.flip
            )
            .wgsl(),
            node.model.kernel().step_fn()
        );
        // Spikes counted for count monitors.
        if let Some((_, at)) = c.counters.iter().find(|(node, _)| *node == s.node) {
            let _ = writeln!(
                body,
                "    if (arena_read({}u, e) != 0.0) {{\n        atomicAdd(&acc[{at}u + e.b * {COUNTERS}u + e.j % {COUNTERS}u], 1);\n    }}",
                node.out
            );
        }
        // Spikes just emitted, delivered into the next step's sums.
        for (p, at) in c.pushes.iter().filter(|(p, _)| p.source == si) {
            let CommOp::Event {
                conn,
                acc,
                scale: unit,
                ..
            } = &plan.statements[p.si].ops[p.oi]
            else {
                unreachable!("pushes are event projections")
            };
            let (_, weight, per_synapse) = event_table(conn, *unit);
            let _ = writeln!(
                body,
                "    if (arena_read({out}u, e) != 0.0 && e.j >= {lo}u && e.j < {hi}u) {{\n        \
                 deliver_spike(e.j - {lo}u, {n_pre}u, {k}u, {acc}u + ((clk.k + 1u) % 2u) * {flip}u + e.b * {n_post}u, {weight}i, {per_synapse}, {at}u, false);\n    }}",
                out = node.out,
                lo = p.slice,
                hi = p.slice + conn.n_pre,
                n_pre = conn.n_pre,
                k = conn.k,
                flip = c.flip,
                n_post = conn.n_post,
            );
        }
    }
    // The group's channel records, as constants.
    let channel_words: Vec<(usize, u32)> = group
        .iter()
        .flat_map(|&si| {
            let at = c.channels_base[si];
            (at..at + 8 * plan.statements[si].channels.len()).map(|w| (w, c.words[w]))
        })
        .collect();
    let first = &plan.nodes[plan.statements[group[0]].node];
    let names: Vec<&str> = group
        .iter()
        .map(|&si| plan.nodes[plan.statements[si].node].name.as_str())
        .collect();
    let source = format!(
        "{}\n{NETWORK_MEMORY}\n{}{}{}\n\
         @compute @workgroup_size(WORKGROUP_SIZE)\n\
         fn network(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {{\n    \
         let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;\n    \
         if (i >= {total}u) {{\n        return;\n    }}\n    \
         clk = load_clock(4u * range.first);\n    \
         let row = i / {n}u;\n    \
         let e = Elem(i, i - row * {n}u, row);\n    arena_prefetch(e);\n{body}    arena_flush(e);\n}}\n",
        families.join("\n"),
        arena_hooks(rows),
        constant_words(
            "param_word",
            &constant_params(
                plan,
                group.iter().map(|&si| plan.statements[si].node),
                &c.words,
                &c.params_base
            ),
            "params[at]"
        ),
        constant_words("channel_word", &channel_words, "params[at]"),
        total = first.total,
        n = first.n,
    );
    let kernel = KernelDef::network(
        format!("updates of {}", names.join(", ")),
        source,
        "network",
    );
    (kernel, first.total)
}

/// The kernel of a run of event projections from the arena: one invocation per sample and
/// presynaptic neuron of each, the projections one after another, their tables in one
/// buffer. Returns the kernel, its invocations and the tables.
fn events_kernel(
    plan: &Plan,
    limits: &DeviceLimits,
    run: &[(usize, usize)],
) -> Result<(KernelDef, usize, Vec<u32>)> {
    let rows = plan.rows;
    let mut body = String::new();
    let mut tables: Vec<u32> = Vec::new();
    let mut start = 0;
    for &(si, oi) in run {
        let CommOp::Event {
            src: Src::Arena { offset, pitch },
            conn,
            acc,
            scale: unit,
        } = &plan.statements[si].ops[oi]
        else {
            unreachable!("a run holds event projections from the arena")
        };
        let (table, weight, per_synapse) = event_table(conn, *unit);
        let end = start + rows * conn.n_pre;
        let _ = writeln!(
            body,
            "    if (i >= {start}u && i < {end}u) {{\n        let row = (i - {start}u) / {n_pre}u;\n        \
             deliver(i - {start}u - row * {n_pre}u, {offset}u + row * {pitch}u, 0u, {n_pre}u, {k}u, {acc}u + row * {n_post}u, {weight}i, {per_synapse}, {at}u);\n    }}",
            n_pre = conn.n_pre,
            k = conn.k,
            n_post = conn.n_post,
            at = tables.len(),
        );
        tables.extend(table);
        start = end;
    }
    limits.check_words(
        "the event projections' tables (one storage buffer)",
        tables.len(),
    )?;
    let source = format!(
        "{NETWORK_MEMORY}\n{NETWORK_ARENA}\n{NETWORK_TABLES}\n\
         @compute @workgroup_size(WORKGROUP_SIZE)\n\
         fn network(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {{\n    \
         let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;\n    \
         clk = load_clock(4u * range.first);\n{body}}}\n"
    );
    let kernel = KernelDef::network(
        format!("{} event projections", run.len()),
        source,
        "network",
    );
    Ok((kernel, start, tables))
}

/// One dispatch of a step, in program order, as [`Schedule`] plans it.
enum Planned {
    /// A run of event projections from the arena in one generated kernel over `threads`
    /// invocations, with its tables.
    Events {
        kernel: KernelDef,
        threads: usize,
        tables: Vec<u32>,
    },
    /// Projection `oi` of statement `si` by its built-in kernel.
    Op { si: usize, oi: usize },
    /// The updates of a group of statements in one generated kernel.
    Composed { kernel: KernelDef, threads: usize },
    /// The update of statement `si` by its model's element kernel.
    Update(usize),
    /// The delay ring store of statement `si`.
    Ring(usize),
}

/// What the per-step executor decides from the plan and the device's limits before any
/// buffer exists: which event projections are pushed, which updates compose, which spikes
/// the updates count, and every dispatch of a step with its generated kernel.
struct Schedule {
    /// Words of `acc`: the sums (two sets when some are pushed), then the spike counters.
    acc_len: usize,
    counters: Vec<(usize, usize)>,
    stream_chunk: usize,
    composed: Option<ComposedTable>,
    steps: Vec<Planned>,
    cached_bytes: u64,
    deferred: Vec<usize>,
    pushed_bytes: u64,
}

impl Schedule {
    fn new(plan: &Plan, limits: &DeviceLimits) -> Result<Schedule> {
        let rows = plan.rows;
        // Event projections delivered by their sources' updates need a second set of sums.
        // Words of tables one binding holds beside the parameters and channel records.
        let room = (limits.max_storage_binding / 4) as usize;
        let beside = param_table(plan).0.len()
            + plan
                .statements
                .iter()
                .map(|s| channel_records(s).len())
                .sum::<usize>();
        let pushes = pushes(plan, room.saturating_sub(beside));
        let sum_sets = if pushes.is_empty() { 1 } else { 2 };
        // Neurons whose updates compose count their spikes as they emit them, so that a count
        // monitor needs no dispatch of its own.
        let groups = groups(plan);
        let counted = |si: usize| {
            let s = &plan.statements[si];
            let node = &plan.nodes[s.node];
            composable(plan, s)
                && plan.is_spike_source(Src::Arena {
                    offset: node.out,
                    pitch: node.n,
                })
        };
        let mut counters = Vec::new();
        let mut acc_len = sum_sets * plan.acc_len;
        for si in groups.iter().flatten().copied().filter(|&si| counted(si)) {
            counters.push((plan.statements[si].node, acc_len));
            acc_len += rows * COUNTERS;
        }
        // Streams: as many steps per chunk as the budget and the binding limit allow.
        let stream_step_bytes: u64 = plan.externals.iter().map(|e| (4 * rows * e.n) as u64).sum();
        let largest = plan
            .externals
            .iter()
            .map(|e| (4 * rows * e.n) as u64)
            .max()
            .unwrap_or(0);
        let stream_chunk = MAX_CHUNK
            .min(fit(CHUNK_BUDGET, stream_step_bytes))
            .min(fit(limits.max_storage_binding, largest))
            .max(1);
        // Consecutive element-wise updates run as one composed dispatch (their projections
        // first, where that changes nothing they read), runs of event projections as another.
        // Groups updated by a composed dispatch: more than one update, a push to deliver or to
        // read, or spikes to count.
        let composed_group = |g: &Vec<usize>| {
            g.len() > 1
                || pushes
                    .iter()
                    .any(|p| g.contains(&p.si) || g.contains(&p.source))
                || g.iter().any(|&si| counted(si))
        };
        let composes = groups.iter().any(|g| {
            composed_group(g)
                || projection_runs(plan, g, &pushes, room)
                    .iter()
                    .any(|r| is_event_run(plan, r))
        });
        let composed = match composes {
            true => Some(ComposedTable::new(
                plan,
                limits,
                &groups
                    .iter()
                    .filter(|g| composed_group(g))
                    .collect::<Vec<_>>(),
                &pushes,
                &counters,
            )?),
            false => None,
        };
        let (mut cached_bytes, mut deferred, mut steps) = (0, Vec::new(), Vec::new());
        for group in &groups {
            // The group's projections, in order; runs of event projections share a dispatch.
            for run in projection_runs(plan, group, &pushes, room) {
                if is_event_run(plan, &run) {
                    let (kernel, threads, tables) = events_kernel(plan, limits, &run)?;
                    steps.push(Planned::Events {
                        kernel,
                        threads,
                        tables,
                    });
                } else {
                    steps.extend(run.into_iter().map(|(si, oi)| Planned::Op { si, oi }));
                }
            }
            let last = *group.last().expect("groups are not empty");
            if composed_group(group) {
                let c = composed.as_ref().expect("built for the groups");
                let cached = step_rows(plan, group, &pushes);
                cached_bytes += self::cached_bytes(plan, group, &cached);
                deferred.extend(
                    cached
                        .iter()
                        .filter(|r| r.deferred)
                        .map(|r| plan.statements[r.si].node),
                );
                let (kernel, threads) = composed_kernel(plan, group, &cached, c);
                steps.push(Planned::Composed { kernel, threads });
            } else {
                steps.push(Planned::Update(last));
            }
            if plan.statements[last].ring.is_some() {
                steps.push(Planned::Ring(last));
            }
        }
        let pushed_bytes = pushes
            .iter()
            .map(|p| match &plan.statements[p.si].ops[p.oi] {
                CommOp::Event { conn, .. } => 4 * (rows * conn.n_pre) as u64,
                _ => 0,
            })
            .sum();
        Ok(Schedule {
            acc_len,
            counters,
            stream_chunk,
            composed,
            steps,
            cached_bytes,
            deferred,
            pushed_bytes,
        })
    }

    /// The kernels it generates.
    fn kernels(&self) -> Vec<KernelDef> {
        self.steps
            .iter()
            .filter_map(|p| match p {
                Planned::Events { kernel, .. } | Planned::Composed { kernel, .. } => {
                    Some(kernel.clone())
                }
                _ => None,
            })
            .collect()
    }
}

/// The kernels the per-step executor generates for `plan` on a device with `limits` (the
/// composed updates and runs of event projections; the rest are built-in kernels).
pub(crate) fn kernels(plan: &Plan, limits: &DeviceLimits) -> Result<Vec<KernelDef>> {
    Ok(Schedule::new(plan, limits)?.kernels())
}

impl PerStep {
    pub fn new(gpu: &Gpu, plan: Arc<Plan>) -> Result<PerStep> {
        let rows = plan.rows;
        let init = plan.initial_arena_f32();
        gpu.check_words(
            "the network's states (one arena for all populations)",
            init.len(),
        )?;
        let schedule = Schedule::new(&plan, &gpu.limits())?;
        let room = (gpu.max_storage_binding() / 4) as usize;
        let arena = gpu.upload("network arena", &init)?;
        let scratch = gpu.alloc("network scratch (summed inputs)", plan.scratch_len)?;
        let acc = gpu.alloc(
            "network fixed-point accumulators and spike counters",
            schedule.acc_len,
        )?;
        let rings = gpu.alloc("network delay rings", plan.ring_len)?;
        let streams = plan
            .externals
            .iter()
            .map(|e| {
                gpu.alloc(
                    &format!("input stream `{}`", e.name),
                    schedule.stream_chunk * rows * e.n,
                )
            })
            .collect::<Result<Vec<_>>>()?;
        let clock = gpu.alloc_uniform("network clock", MAX_CHUNK * CLOCK_STRIDE as usize);
        let composed = match &schedule.composed {
            Some(t) => Some(ComposedBuffers::new(gpu, t, [&arena, &scratch, &acc])?),
            None => None,
        };
        let mut keep = Vec::new();
        let mut step = Vec::new();
        let uniform = |keep: &mut Vec<GpuArray>, what: &str, words: &[u32]| -> GpuArray {
            let u = gpu.alloc_uniform(what, std::mem::size_of_val(words));
            u.write(0, words);
            keep.push(u.clone());
            u
        };
        for planned in &schedule.steps {
            match planned {
                Planned::Events {
                    kernel,
                    threads,
                    tables,
                } => {
                    let c = composed.as_ref().expect("built for the event runs");
                    let tables = gpu.upload("event tables", tables)?;
                    step.push(c.dispatch(gpu, kernel, *threads, Some(&tables))?);
                    keep.push(tables);
                }
                Planned::Composed { kernel, threads } => {
                    let c = composed.as_ref().expect("built for the groups");
                    step.push(c.dispatch(gpu, kernel, *threads, None)?);
                }
                &Planned::Op { si, oi } => {
                    let op = &plan.statements[si].ops[oi];
                    match op {
                        CommOp::Axpy {
                            src,
                            count,
                            dst,
                            accumulate,
                            scale,
                        } => {
                            let (buf, base, pitch, loc) =
                                source(*src, &plan, &arena, &rings, &streams);
                            let constant = src.constant();
                            let mut w = [0u32; 16];
                            w[..10].copy_from_slice(&[
                                *count as u32,
                                rows as u32,
                                base,
                                pitch,
                                *dst as u32,
                                *accumulate as u32,
                                f32_bits(*scale),
                                constant.is_some() as u32,
                                f32_bits(constant.unwrap_or(0.0)),
                                *count as u32,
                            ]);
                            w[12..15].copy_from_slice(&loc);
                            let cfg = uniform(&mut keep, "axpy cfg", &w);
                            step.push(gpu.comm_dispatch(
                                &builtin::AXPY,
                                &CommBindings {
                                    cfg: &cfg,
                                    src: buf,
                                    index: None,
                                    weights: None,
                                    dst: Some(&scratch),
                                    acc: None,
                                    clock: &clock,
                                },
                                Grid::Flat(count * rows),
                            )?);
                        }
                        CommOp::Dense {
                            src,
                            dense,
                            dst,
                            accumulate,
                            scale,
                        } => {
                            let (buf, base, pitch, loc) =
                                source(*src, &plan, &arena, &rings, &streams);
                            // Weights larger than one binding: one dispatch per block of
                            // outputs, each with its own columns (whole 128-output tiles
                            // where they fit). Each output sums its inputs in order either
                            // way, so the results are those of the whole matrix.
                            let per_output = dense.n_in + dense.bias.is_some() as usize;
                            let fit = room / per_output.max(1);
                            let width = match fit {
                                f if f >= dense.n_out => dense.n_out,
                                f if f >= 128 => f / 128 * 128,
                                f => f.max(1),
                            };
                            for j0 in (0..dense.n_out).step_by(width.max(1)) {
                                let cols = j0..(j0 + width).min(dense.n_out);
                                let table = dense_columns(dense, cols.clone());
                                gpu.check_words(
                                    &format!("dense weights ({} × {})", dense.n_in, cols.len()),
                                    table.len(),
                                )?;
                                let weights = gpu.upload("dense weights", &table)?;
                                keep.push(weights.clone());
                                let mut w = [0u32; 16];
                                w[..10].copy_from_slice(&[
                                    dense.n_in as u32,
                                    cols.len() as u32,
                                    rows as u32,
                                    base,
                                    pitch,
                                    (dst + j0) as u32,
                                    *accumulate as u32,
                                    f32_bits(*scale),
                                    dense.bias.is_some() as u32,
                                    dense.n_out as u32,
                                ]);
                                w[12..15].copy_from_slice(&loc);
                                let cfg = uniform(&mut keep, "dense cfg", &w);
                                let (kernel, grid) = if rows >= TILED_ROWS {
                                    (
                                        &builtin::DENSE_TILED,
                                        Grid::Groups(
                                            cols.len().div_ceil(128) as u32,
                                            rows.div_ceil(128) as u32,
                                        ),
                                    )
                                } else {
                                    (&builtin::DENSE, Grid::Flat(cols.len() * rows))
                                };
                                step.push(gpu.comm_dispatch(
                                    kernel,
                                    &CommBindings {
                                        cfg: &cfg,
                                        src: buf,
                                        index: None,
                                        weights: Some(&weights),
                                        dst: Some(&scratch),
                                        acc: None,
                                        clock: &clock,
                                    },
                                    grid,
                                )?);
                            }
                        }
                        CommOp::Event {
                            src,
                            conn,
                            acc: at,
                            scale: unit,
                        } => {
                            let (buf, base, pitch, loc) =
                                source(*src, &plan, &arena, &rings, &streams);
                            let (index, homogeneous, per_synapse) = event_table(conn, *unit);
                            gpu.check_words(
                                &format!("event projection ({} × {} synapses)", conn.n_pre, conn.k),
                                index.len(),
                            )?;
                            let table = gpu.upload("event targets", &index)?;
                            keep.push(table.clone());
                            let mut w = [0u32; 16];
                            w[..9].copy_from_slice(&[
                                conn.n_pre as u32,
                                conn.k as u32,
                                rows as u32,
                                base,
                                pitch,
                                *at as u32,
                                conn.n_post as u32,
                                homogeneous as u32,
                                per_synapse as u32,
                            ]);
                            w[12..15].copy_from_slice(&loc);
                            let cfg = uniform(&mut keep, "event cfg", &w);
                            step.push(gpu.comm_dispatch(
                                &builtin::EVENT_FIXED,
                                &CommBindings {
                                    cfg: &cfg,
                                    src: buf,
                                    index: Some(&table),
                                    weights: None,
                                    dst: None,
                                    acc: Some(&acc),
                                    clock: &clock,
                                },
                                Grid::Flat(conn.n_pre * rows),
                            )?);
                        }
                    }
                }
                &Planned::Update(si) => {
                    let s = &plan.statements[si];
                    let node = &plan.nodes[s.node];
                    // The population's update.
                    // Each input as `Sim` reads it, and the buffer it is bound from.
                    let input = |spec: InputSpec| -> (SimInput, Option<&GpuArray>) {
                        match spec {
                            InputSpec::Scratch { .. } => (sim_input(spec), Some(&scratch)),
                            InputSpec::Stream { ext, .. } => (
                                SimInput {
                                    step: rows * plan.externals[ext].n,
                                    ..SimInput::at(InputMode::Rows, 0)
                                },
                                Some(&streams[ext]),
                            ),
                            other => (sim_input(other), None),
                        }
                    };
                    let (x, x_buf) = input(s.x);
                    let (delta, mut d_buf) = input(s.delta);
                    // Conductances computed into the scratch are read through the delta binding, which
                    // is free unless the delta input itself is in the scratch.
                    if s.channels
                        .iter()
                        .any(|(_, at)| matches!(at, ChannelSrc::Scratch(_)))
                    {
                        d_buf = Some(&scratch);
                    }
                    let sim = statement_sim(&plan, s, x, delta, 0, 0, 0);
                    let sim = uniform(&mut keep, "sim", bytemuck::cast_slice(&[sim]));
                    let params = gpu.upload("parameters", &pack_params(&node.params))?;
                    keep.push(params.clone());
                    let channels = if s.channels.is_empty() {
                        None
                    } else {
                        let words = channel_records(s);
                        let c = gpu.upload("current inputs", &words)?;
                        keep.push(c.clone());
                        Some(c)
                    };
                    step.push(gpu.element_dispatch(
                        node.model.kernel(),
                        &ElementBindings {
                            sim: &sim,
                            state: &arena,
                            params: &params,
                            x: x_buf,
                            out: node.emits.then_some(&arena),
                            delta: d_buf,
                            acc: matches!(s.delta, InputSpec::Acc { .. }).then_some(&acc),
                            channels: channels.as_ref(),
                            clock: &clock,
                        },
                        node.total,
                    )?);
                }
                &Planned::Ring(si) => {
                    let s = &plan.statements[si];
                    let node = &plan.nodes[s.node];
                    let ring = &plan.rings[s.ring.expect("planned for a ring")];
                    let w = [
                        ring.len as u32,
                        node.out as u32,
                        ring.base as u32,
                        ring.depth as u32,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                    ];
                    let cfg = uniform(&mut keep, "ring cfg", &w);
                    step.push(gpu.comm_dispatch(
                        &builtin::RING_STORE,
                        &CommBindings {
                            cfg: &cfg,
                            src: Some(&arena),
                            index: None,
                            weights: None,
                            dst: Some(&rings),
                            acc: None,
                            clock: &clock,
                        },
                        Grid::Flat(ring.len),
                    )?);
                }
            }
        }
        keep.extend([scratch, rings]);
        let generated = schedule.kernels();
        Ok(PerStep {
            gpu: gpu.clone(),
            pushed_bytes: schedule.pushed_bytes,
            acc,
            counters: schedule.counters,
            counted_bytes: 0,
            plan,
            arena,
            streams,
            stream_chunk: schedule.stream_chunk,
            clock,
            composed: composed.map(|c| ComposedClock {
                clock: c.clock,
                range: c.range,
                deferred: schedule.deferred,
                every_step: false,
                flagged: None,
            }),
            cached_bytes: schedule.cached_bytes,
            step,
            monitors: Vec::new(),
            monitor_chunk: MAX_CHUNK,
            generated,
            _keep: keep,
        })
    }

    /// Bytes per step the plan counts and this executor does not move: the spike reads of
    /// pushed event projections and of count monitors counted by the updates, and what the
    /// composed updates' caches serve ([`StepRow`]).
    fn unmoved_bytes_per_step(&self) -> u64 {
        // Deferred outputs that a monitor makes the updates store every step.
        let restored: u64 = self
            .composed
            .iter()
            .filter(|c| c.every_step)
            .flat_map(|c| &c.deferred)
            .map(|&n| 4 * self.plan.nodes[n].total as u64)
            .sum();
        self.pushed_bytes + self.counted_bytes + self.cached_bytes - restored
    }

    /// Dispatches recorded per step, monitors included.
    fn dispatches_per_step(&self) -> usize {
        self.step.len()
            + self
                .monitors
                .iter()
                .filter(|m| m.dispatch.is_some())
                .count()
    }
}

impl Exec for PerStep {
    fn name(&self) -> &'static str {
        "per-step"
    }

    fn generated(&self) -> Vec<KernelDef> {
        self.generated.clone()
    }

    /// The most steps one run records into one submission.
    fn chunk_len(&self) -> usize {
        self.stream_chunk.min(self.monitor_chunk)
    }

    fn cost(&self, (bytes, _): (u64, usize)) -> StepCost {
        StepCost {
            bytes: bytes - self.unmoved_bytes_per_step(),
            dispatches: self.dispatches_per_step() as f64,
            executor: self.name(),
            steps_per_dispatch: 1,
            registers: 0,
            barriers: 0,
        }
    }

    /// Builds the chunk buffers and dispatches of `monitors`.
    fn set_monitors(&mut self, monitors: &[Monitor]) -> Result<()> {
        let gpu = &self.gpu;
        let plan = &self.plan;
        // Each monitor's chunk fits one binding, and all of them the budget.
        let layouts: Vec<(usize, usize)> = monitors.iter().map(|m| entry_layout(plan, m)).collect();
        let bytes = |chunk: usize| {
            layouts
                .iter()
                .map(move |&(w, every)| 4 * (entries(chunk, every) * w) as u64)
        };
        let chunk = longest_chunk(MAX_CHUNK, |c| {
            bytes(c).sum::<u64>() <= CHUNK_BUDGET
                && bytes(c).all(|b| b <= gpu.max_storage_binding())
        });
        let step_bytes: u64 = bytes(1).sum();
        if chunk == 0 {
            return Err(Error::LimitExceeded {
                what: "one step of the monitors".into(),
                requested: step_bytes,
                limit_name: "max_storage_buffer_binding_size",
                limit: gpu.max_storage_binding(),
            });
        }
        let mut bufs = Vec::with_capacity(monitors.len());
        let mut counted_bytes = 0;
        for (m, &(words, every)) in monitors.iter().zip(&layouts) {
            if let Monitor::Count(r) = m
                && let Some(&(_, at)) = self.counters.iter().find(|(node, _)| *node == r.node)
            {
                counted_bytes += 4 * plan.nodes[r.node].total as u64;
                bufs.push(MonitorBuf {
                    buffer: self.acc.clone(),
                    per_entry: words,
                    sampling: None,
                    dispatch: None,
                    counters: Some(at),
                });
                continue;
            }
            let buffer = gpu.alloc("monitor chunk", entries(chunk, every) * words)?;
            let (cfg_words, kernel, grid, sampling) = match m {
                Monitor::Spikes(r) => {
                    let node = &plan.nodes[r.node];
                    let mut w = [0u32; 16];
                    w[..6].copy_from_slice(&[
                        node.n as u32,
                        r.rows as u32,
                        node.out as u32,
                        node.n as u32,
                        0,
                        r.words_per_row() as u32,
                    ]);
                    (w, &builtin::SPIKE_BITS, Grid::Flat(words), false)
                }
                Monitor::State(r) => {
                    let node = &plan.nodes[r.node];
                    let mut w = [0u32; 16];
                    w[..5].copy_from_slice(&[
                        node.total as u32,
                        (node.state_base + r.var_index * node.total) as u32,
                        0,
                        r.every as u32,
                        0,
                    ]);
                    (w, &builtin::SAMPLE_STATE, Grid::Flat(words), true)
                }
                Monitor::Count(r) => {
                    let node = &plan.nodes[r.node];
                    let mut w = [0u32; 16];
                    w[..3].copy_from_slice(&[node.n as u32, r.rows as u32, node.out as u32]);
                    (w, &builtin::SPIKE_COUNT, Grid::Flat(node.total), false)
                }
            };
            let cfg = gpu.alloc_uniform("monitor cfg", 64);
            cfg.write(0, &cfg_words);
            let spikes = !sampling;
            let dispatch = gpu.comm_dispatch(
                kernel,
                &CommBindings {
                    cfg: &cfg,
                    src: Some(&self.arena),
                    index: None,
                    weights: None,
                    dst: (!spikes).then_some(&buffer),
                    acc: spikes.then_some(&buffer),
                    clock: &self.clock,
                },
                grid,
            )?;
            bufs.push(MonitorBuf {
                buffer,
                per_entry: words,
                sampling: sampling.then_some((cfg, CommUniform { words: cfg_words }, every)),
                dispatch: Some(dispatch),
                counters: None,
            });
        }
        // A monitor that reads a deferred output from the arena needs it stored every step.
        if let Some(o) = &mut self.composed {
            o.every_step = monitors.iter().zip(&bufs).any(|(m, b)| {
                let node = match m {
                    Monitor::Spikes(r) => r.node,
                    Monitor::Count(r) => r.node,
                    Monitor::State(_) => return false,
                };
                b.dispatch.is_some() && o.deferred.contains(&node)
            });
        }
        self.monitors = bufs;
        self.counted_bytes = counted_bytes;
        self.monitor_chunk = chunk;
        Ok(())
    }

    /// Runs `steps` (at most [`Self::chunk_len`]) steps from `clock`'s step, reading back the
    /// monitors at the end.
    fn run(
        &mut self,
        clock: &Clock,
        steps: usize,
        streams: &[&[f64]],
        monitors: &mut [Monitor],
    ) -> Result<()> {
        assert!(steps <= self.chunk_len(), "a run is at most one chunk");
        if steps == 0 {
            return Ok(());
        }
        let k0 = clock.step();
        let ticks = clock_entries(clock, steps);
        let stride = CLOCK_STRIDE as usize / 4;
        let mut entries = vec![0u32; steps * stride];
        for (j, tick) in ticks.iter().enumerate() {
            entries[j * stride..j * stride + 4].copy_from_slice(tick);
        }
        self.clock.write(0, &entries);
        if let Some(composed) = &mut self.composed {
            composed.clock.write(0, ticks.as_flattened());
            composed.flag(steps);
        }
        for (buf, data) in self.streams.iter().zip(streams) {
            buf.write_f64(0, data);
        }
        for (m, record) in self.monitors.iter().zip(monitors.iter()) {
            if let Some((cfg, words, every)) = &m.sampling {
                let mut w = words.words;
                w[4] = k0.div_ceil(*every as u64) as u32;
                cfg.write(0, &w);
            }
            match (record, m.counters) {
                (Monitor::Count(_), Some(at)) => {
                    m.buffer.write(at, &vec![0u32; m.per_entry * COUNTERS])
                }
                (Monitor::Count(_), None) => m.buffer.write(0, &vec![0u32; m.per_entry]),
                _ => {}
            }
        }
        let mut per_step: Vec<&Dispatch> = self.step.iter().collect();
        per_step.extend(self.monitors.iter().filter_map(|m| m.dispatch.as_ref()));
        self.gpu.run(
            &[],
            (0..steps).map(|j| ((j as u64 * CLOCK_STRIDE) as u32, &per_step[..])),
        )?;
        for (m, record) in self.monitors.iter().zip(monitors.iter_mut()) {
            match (record, m.counters) {
                (Monitor::Count(r), Some(at)) => {
                    let counters: Vec<u32> = m.buffer.view(at, m.per_entry * COUNTERS).read()?;
                    let per_row = counters.chunks(COUNTERS);
                    r.add(
                        steps,
                        per_row.map(|c| c.iter().map(|&x| u64::from(x)).sum()),
                    );
                }
                (record, _) => read_back(record, &m.buffer, 0, m.per_entry, k0, steps)?,
            }
        }
        Ok(())
    }

    fn read_arena(&self, at: usize, len: usize) -> Result<Vec<f64>> {
        self.arena.read_f64(at, len)
    }

    fn write_arena(&mut self, at: usize, data: &[f64]) {
        self.arena.write_f64(at, data);
    }

    /// Waits until everything submitted has run.
    fn synchronize(&mut self) -> Result<()> {
        self.gpu.synchronize()
    }
}
