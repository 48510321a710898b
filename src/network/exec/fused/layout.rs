//! The fused executor's layout: where every row of the plan lives and each statement's code,
//! from the plan and the device's limits alone (no device).

use std::fmt::Write;

use crate::abi::{InputMode, SimInput};
use crate::error::Result;
use crate::gpu::DeviceLimits;
use crate::network::compose::{
    channel_records, constant_params, constant_words, elementwise, f32_value, param_table,
    sim_input, statement_sim,
};
use crate::network::plan::{ChannelSrc, InputSpec, Place, Plan};
use crate::network::projection::dense::{GATHER_BYTES, GATHER_MAX};
use crate::network::projection::{FusedCx, Projection};

use super::MAX_CHUNK;
use super::placement::*;

/// Where the fused executor keeps every row of a plan on a device with given limits, and the
/// statements' code: decided from the plan and the limits alone, before any buffer exists.
pub(crate) struct Layout {
    pub(super) limits: DeviceLimits,
    /// Invocations per workgroup.
    pub(super) lanes: Lanes,
    /// The arena's initial values, the delay rings after them.
    pub(super) arena: Vec<f32>,
    /// Words of the scratch: the summed inputs, then the input streams.
    pub(super) scratch_len: usize,
    /// Parameters, channel records, weights and event tables.
    pub(super) table: Vec<u32>,
    /// The statements' code (projections and updates with their constants), written once;
    /// the monitors' code is added per statement when they change.
    pub(super) statements: Vec<StatementCode>,
    /// The statements' channel records (`channel_word` of the kernel).
    pub(super) channel_words: Vec<u32>,
    /// Where they are copied in the table, for kernels that read their values (not folded).
    pub(super) channel_values: usize,
    /// The outputs kept as spike bits, and as values, in workgroup memory.
    pub(super) bits: Vec<BitRow>,
    pub(super) wg_rows: Vec<WorkgroupRow>,
    /// The projections' results kept in workgroup memory (scratch offset, per row, place).
    pub(super) wg_results: Vec<(usize, usize, usize)>,
    /// `step_barrier()`, the barrier between statements, with the memory it orders.
    pub(super) barrier: String,
    /// The `param_word` hook: parameter headers and single values as constants.
    pub(super) param_words: String,
    /// Words of fixed-point sums each workgroup keeps in workgroup memory (0: none).
    pub(super) local_sums: usize,
    /// Where each input stream starts in `scratch`, and the steps a stream chunk holds.
    pub(super) stream_base: Vec<usize>,
    pub(super) stream_chunk: usize,
    /// Bytes per step of event sums read from workgroup memory instead of device memory.
    pub(super) local_bytes: u64,
}

/// One statement's WGSL: its projections (between barriers), its update (the `Sim` record,
/// the calls of the step function, then the delay ring's store), and an estimate of the loop
/// iterations one invocation runs for it per step.
pub(crate) struct StatementCode {
    pub(super) ops: Vec<String>,
    pub(super) sim: String,
    pub(super) calls: Calls,
    pub(super) ring: String,
    pub(super) crossing: bool,
    pub(super) iterations: usize,
}

/// How a statement's update reaches the elements of an invocation: one straight-line call per
/// element, each with its register slot, for populations of up to `MAX_UNROLL` elements per
/// invocation, else a loop.
pub(crate) struct Calls {
    pub(super) step: String,
    pub(super) n: usize,
    pub(super) lanes: Lanes,
}

impl Calls {
    /// The calls, each followed by `after` (WGSL that sees the element as `e`).
    pub(super) fn code(&self, after: &str) -> String {
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

impl Layout {
    /// The layout of `plan` on a device with `limits`, `workgroup` invocations per workgroup.
    pub fn new(plan: &Plan, limits: DeviceLimits, workgroup: u32) -> Result<Layout> {
        let rows = plan.rows;
        let lanes = Lanes(workgroup as usize);
        // The arena and the rings after it.
        let ring_base = plan.arena_len;
        limits.check_words(
            "the network's states and delay rings (one storage buffer)",
            plan.arena_len.saturating_add(plan.ring_len),
        )?;
        let mut init = plan.initial_arena_f32();
        init.resize((plan.arena_len + plan.ring_len).max(1), 0.0);
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
            // (A ring of sums for transmission delays stays in device memory.)
            if let InputSpec::Acc {
                offset, slots: 1, ..
            } = s.delta
            {
                local.push((offset, local_sums));
                local_sums += plan.nodes[s.node].n;
            }
        }
        // Dense projections gather or stage their inputs in workgroup memory where it holds
        // the arrays (else they read every input from where it is).
        let budget = limits.max_workgroup_storage as usize;
        let gathers = GATHER_BYTES <= budget
            && plan
                .statements
                .iter()
                .flat_map(|s| &s.ops)
                .any(|op| matches!(op, Projection::Dense(d) if d.dense.n_in <= GATHER_MAX));
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
        let wg_rows = workgroup_rows(plan, &bits, room - bit_words);
        let wrow = |offset: usize| {
            wg_rows
                .iter()
                .find(|w| offset >= w.out && offset < w.out + w.n)
        };
        // The projections' results, which only their own statement's update reads within the
        // step, in what is left: (scratch offset, values per row, place in `wg_results`).
        let wrow_words: usize = wg_rows.iter().map(|w| w.n).sum();
        let wg_results = workgroup_inputs(plan, room - bit_words - wrow_words);
        let in_wg_results = |offset: usize| {
            wg_results
                .iter()
                .find(|&&(o, _, _)| o == offset)
                .map(|&(_, _, at)| at)
        };
        // Where a projection writes: its scratch row, or its place in `wg_results` (bit 31 set).
        let destination = |dst: usize, n: usize| match in_wg_results(dst) {
            Some(at) => format!("{}u", at as u32 | 0x8000_0000),
            None => format!("{dst}u + row * {n}u"),
        };
        let src_expr = |src: Place| -> (String, u32) {
            match src {
                Place::Arena { offset, pitch } => match wrow(offset) {
                    Some(w) => (format!("{}u", w.at + offset - w.out), 2),
                    None => (format!("{offset}u + row * {pitch}u"), 0),
                },
                Place::Ring { .. } => {
                    let r = src.ring_read(plan).expect("a ring source");
                    let slot = format!("((clk.k + {}u) % {}u)", r.depth - r.delay, r.depth);
                    let at = format!("{}u + {slot} * {}u", ring_base + r.base, r.len);
                    (format!("{at} + row * {}u", r.pitch), 0)
                }
                Place::Stream { ext, pitch } => (
                    format!(
                        "{}u + clk.local * {}u + row * {pitch}u",
                        stream_base[ext],
                        rows * plan.externals[ext].n
                    ),
                    1,
                ),
                Place::Constant(_) => ("0u".into(), 0),
            }
        };
        // A source kept as spike bits: its first word and where the source starts in them.
        let bit_source = |src: Place| match src {
            Place::Arena { offset, .. } => bit_row(offset).map(|b| (b.word, offset - b.out)),
            _ => None,
        };
        let mut statements = Vec::new();
        for s in &plan.statements {
            let node = &plan.nodes[s.node];
            let mut ops = Vec::new();
            let mut iterations = 0;
            for op in &s.ops {
                let mut cx = FusedCx {
                    plan,
                    per_lane: &|n| lanes.per(n),
                    src_expr: &src_expr,
                    destination: &destination,
                    bits: &bit_source,
                    local_sums: &local_base,
                    gathers,
                    table: &mut table,
                };
                let (call, loops) = op.kind().fused(&mut cx);
                ops.push(call);
                iterations += loops;
            }
            // The population's Sim, as constants.
            let channels_base = channel_words.len();
            let mut records = channel_records(s);
            for (c, (_, at)) in s.channels.iter().enumerate() {
                if let ChannelSrc::Scratch(a) = *at
                    && let Some(w) = in_wg_results(a)
                {
                    records[8 * c + 1] = w as u32;
                    records[8 * c + 7] = 2;
                }
            }
            channel_words.extend(records);
            let input = |spec: InputSpec| -> SimInput {
                match spec {
                    InputSpec::Scratch { offset, .. } if in_wg_results(offset).is_some() => {
                        SimInput::at(InputMode::LocalValues, in_wg_results(offset).unwrap_or(0))
                    }
                    InputSpec::Stream { ext, .. } => SimInput {
                        step: rows * plan.externals[ext].n,
                        ..SimInput::at(InputMode::Rows, stream_base[ext])
                    },
                    InputSpec::Acc {
                        offset, unit_param, ..
                    } if local_base(offset).is_some() => SimInput {
                        unit_param,
                        ..SimInput::at(InputMode::LocalSums, local_base(offset).unwrap_or(0))
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
                )
                .wgsl_with(&mut |x| f32_value(plan.fold_values, &mut table, x)),
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
            statements.push(StatementCode {
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
                            Place::Arena { offset, .. } => {
                                bit_row(offset).is_some() || wrow(offset).is_some()
                            }
                            Place::Stream { .. } | Place::Constant(_) => true,
                            Place::Ring { .. } => false,
                        };
                        let results_on_chip = match op.sums() {
                            Some(acc) => local_base(acc).is_some(),
                            None => op.results().is_some_and(|(dst, _)| in_wg_results(dst).is_some()),
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
            if local_sums > 0 || !bits.is_empty() || !wg_rows.is_empty() || !wg_results.is_empty() {
                "    workgroupBarrier();\n"
            } else {
                ""
            },
        );
        let channel_values = table.len();
        if !plan.fold_values {
            table.extend_from_slice(&channel_words);
        }
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
            channel_values,
            bits,
            wg_rows,
            wg_results,
            barrier,
            param_words,
            local_sums,
            stream_base,
            stream_chunk,
            // Each sum read (4 bytes in the plan's count).
            local_bytes: 4 * (rows * local_sums) as u64,
        })
    }
}
