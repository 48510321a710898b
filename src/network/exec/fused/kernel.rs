//! The fused executor's kernel: the WGSL of a [`Layout`] with a set of monitors (the
//! statements' code in program order between barriers, the monitors' recording, the loads and
//! stores of the registers) and what it keeps on chip. No device needed.

use crate::network::RateRecord;
use std::fmt::Write;

use crate::error::{Error, Result};
use crate::gpu::CLOCK_WORDS;
use crate::network::Record;
use crate::network::compose::{constant_words, is_channel_value};
use crate::network::plan::{ChannelSrc, InputSpec, Place, Plan};
use crate::network::projection::Projection;
use crate::network::record::{entries, entry_layout, longest_chunk};
use crate::shaders::KernelDef;

use super::layout::Layout;
use super::placement::*;
use super::{MAX_CHUNK, SOFTWARE_LOOP_BUDGET};

/// Where a monitor's chunk lives in `acc`.
pub(crate) struct MonitorSlot {
    pub(super) at: usize,
    /// Words per step (spikes) or per sample (states).
    pub(super) per_entry: usize,
    /// State monitors: the `control` word holding the run's first sample index, `every`, and
    /// the shift of their sampling grid (see `StateRecord`).
    pub(super) sampling: Option<(usize, usize, u64)>,
    /// Count monitors: one counter per sample for the whole run.
    pub(super) count: bool,
}

/// The kernel of a [`Layout`] with a set of monitors, and where the monitors record.
pub(crate) struct Kernel {
    pub(super) def: KernelDef,
    /// The rows kept in registers (the monitors decide some).
    pub(super) resident: Vec<Resident>,
    /// Bytes per step counted by the plan that stay on chip.
    pub(super) on_chip: u64,
    /// Barriers between statements per step.
    pub(super) barriers: usize,
    pub(super) monitors: Vec<MonitorSlot>,
    /// Words of `acc` (accumulators, work counters, monitor chunks) and of `control`.
    pub(super) acc_len: usize,
    pub(super) control_len: usize,
    pub(super) clock_at: usize,
    pub(super) status_at: usize,
    pub(super) steps_per_dispatch: usize,
    /// The most steps one run takes.
    pub(super) chunk: usize,
}

/// The kernel's `arena_read`/`arena_write` hooks over the resident rows (a `switch` on the
/// row's constant base, which the compiler resolves), its register array, and the code that
/// loads the rows at the start of a dispatch and stores them at the end.
pub(super) fn resident_code(
    rows: &[Resident],
    bits: &[BitRow],
    wg_rows: &[WorkgroupRow],
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
    for w in wg_rows {
        on_chip(w.out, format!("wg_rows[{}u + e.j] = value;", w.at));
    }
    for b in bits {
        on_chip(b.out, format!("set_spike_bit({}u, e.j, value);", b.word));
    }
    for w in wg_rows {
        let _ = writeln!(
            read,
            "        case {}u: {{ return wg_rows[{}u + e.j]; }}",
            w.out, w.at
        );
        let _ = writeln!(
            load,
            "    for (var j = lane; j < {n}u; j = j + WORKGROUP_SIZE) {{\n        wg_rows[{at}u + j] = state[{out}u + row * {n}u + j];\n    }}",
            n = w.n,
            at = w.at,
            out = w.out,
        );
    }
    for b in bits {
        let _ = writeln!(
            load,
            "    for (var w = lane; w < {words}u; w = w + WORKGROUP_SIZE) {{\n        var word = 0u;\n        for (var j = w * 32u; j < min(w * 32u + 32u, {n}u); j = j + 1u) {{\n            word = word | select(0u, 1u << (j % 32u), state[{out}u + row * {n}u + j] != 0.0);\n        }}\n        atomicStore(&wg_spikes[{at}u + w], word);\n    }}",
            words = b.n.div_ceil(32),
            n = b.n,
            out = b.out,
            at = b.word,
        );
    }
    if !bits.is_empty() || !wg_rows.is_empty() {
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
        "var<private> regs: array<f32, {}>;\nvar<private> last_step: bool;\nvar<workgroup> wg_spikes: array<atomic<u32>, {}>;\nvar<workgroup> wg_rows: array<f32, {}>;\n\
         fn arena_read(base: u32, e: Elem) -> f32 {{\n    switch base {{\n{read}        default: {{ return state[base + e.i]; }}\n    }}\n}}\n\
         fn arena_write(base: u32, e: Elem, value: f32) {{\n    switch base {{\n{write}        default: {{ state[base + e.i] = value; }}\n    }}\n}}\n",
        regs.max(1),
        bits.iter().map(|b| b.n.div_ceil(32)).sum::<usize>().max(1),
        wg_rows.iter().map(|w| w.n).sum::<usize>().max(1),
    );
    (hooks, load, store)
}

impl Layout {
    /// The kernel of this layout with `monitors`, and where they record.
    pub fn kernel(&self, plan: &Plan, monitors: &[Record]) -> Result<Kernel> {
        let rows = plan.rows;
        let lanes = self.lanes;
        // acc: the accumulators, a work counter per row, then the monitors' chunks.
        let status_at = plan.acc_len;
        let mut acc_len = status_at + rows;
        let per_step: Vec<(usize, usize)> = monitors.iter().map(entry_layout).collect();
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
            let count = matches!(m, Record::Count(_));
            slots.push(MonitorSlot {
                at: acc_len,
                per_entry: *words,
                sampling: match m {
                    Record::State(r) => Some((i, *every, r.shift)),
                    _ => None,
                },
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
        let wrow = |node: usize| self.wg_rows.iter().find(|w| w.node == node);
        let spiked = |node: usize| match self.bits.iter().find(|b| b.node == node) {
            Some(b) => format!("spike_bit({}u, e.j)", b.word),
            None if wrow(node).is_some() => {
                format!("wg_rows[{}u + e.j] != 0.0", wrow(node).map_or(0, |w| w.at))
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
                    Record::Spikes(r) | Record::Rate(RateRecord { bits: r, .. })
                        if r.node == s.node =>
                    {
                        let words = r.words_per_row();
                        let _ = write!(
                            after,
                            "\n            if ({spiked}) {{\n                atomicOr(&acc[{at}u + clk.local * {step}u + row * {words}u + e.j / 32u], bitcast<i32>(1u << (e.j % 32u)));\n            }}",
                            spiked = spiked(s.node),
                            at = slot.at,
                            step = rows * words,
                        );
                    }
                    Record::Count(r) if r.node == s.node => {
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
                    Record::State(r) if r.node == s.node => {
                        let (first, every, shift) = slot.sampling.expect("a state monitor samples");
                        let var = node.state_base + r.var_index * node.total;
                        let entry = r.rows * r.n;
                        let _ = writeln!(
                            body,
                            "        if ((clk.k + {shift}u) % {every}u == 0u) {{\n            let slot = (clk.k + {shift}u) / {every}u - control[{first}u];",
                        );
                        // Each element is read by the invocation that updated it (its states
                        // may be its own until the next barrier): a subset walks its constant
                        // list and each invocation stores the neurons it owns.
                        if r.subset {
                            let idx: Vec<String> =
                                r.neurons.iter().map(|j| format!("{j}u")).collect();
                            let _ = writeln!(
                                body,
                                "            var sampled = array<u32, {k}>({list});\n            for (var q = 0u; q < {k}u; q = q + 1u) {{\n                let j = sampled[q];\n                if (j % WORKGROUP_SIZE == lane) {{\n                    atomicStore(&acc[{at}u + slot * {entry}u + row * {k}u + q], bitcast<i32>(state[{var}u + row * {n}u + j]));\n                }}\n            }}\n        }}",
                                k = r.n,
                                list = idx.join(", "),
                                n = node.n,
                                at = slot.at,
                            );
                        } else {
                            let _ = writeln!(
                                body,
                                "            for (var j = lane; j < {n}u; j = j + WORKGROUP_SIZE) {{\n                atomicStore(&acc[{at}u + slot * {entry}u + row * {n}u + j], bitcast<i32>(state[{var}u + row * {n}u + j]));\n            }}\n        }}",
                                n = node.n,
                                at = slot.at,
                            );
                        }
                        iterations += if r.subset { r.n } else { lanes.per(r.n) };
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
        let (hooks, load, store) = resident_code(&resident, &self.bits, &self.wg_rows, self.lanes);
        let mut source = families.join("\n");
        // A sum is read and cleared by its own element's invocation between the barriers that
        // fence the event projections, so plain atomic loads and stores suffice.
        let _ = write!(
            source,
            "\nvar<workgroup> wg_sums: array<atomic<i32>, {}>;\n\
             fn take_local(i: u32) -> i32 {{\n    let sum = atomicLoad(&wg_sums[i]);\n    atomicStore(&wg_sums[i], 0);\n    return sum;\n}}\n\
             var<workgroup> wg_results: array<f32, {}>;\n{hooks}{}{}{}",
            self.local_sums.max(1),
            self.wg_results.iter().map(|w| w.1).sum::<usize>().max(1),
            constant_words(
                "channel_word",
                &self
                    .channel_words
                    .iter()
                    .copied()
                    .enumerate()
                    .filter(|(w, _)| plan.fold_values || !is_channel_value(*w))
                    .collect::<Vec<_>>(),
                &if plan.fold_values {
                    "0u".to_string()
                } else {
                    format!("params[{}u + at]", self.channel_values)
                }
            ),
            self.barrier,
            self.param_words,
        );
        if self.local_sums > 0 {
            let _ = writeln!(
                counters,
                "    for (var i = lane; i < {}u; i = i + WORKGROUP_SIZE) {{\n        atomicStore(&wg_sums[i], 0);\n    }}\n    workgroupBarrier();",
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
             clk = load_clock({clock_at}u + {CLOCK_WORDS}u * (range.first + s));\n        \
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
            control_len: clock_at + CLOCK_WORDS * MAX_CHUNK,
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
    fn on_chip_bytes(&self, plan: &Plan, resident: &[Resident], monitors: &[Record]) -> u64 {
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
                    matches!(op.src(), Place::Arena { offset, .. } if (start..start + n).contains(&offset))
                })
                .map(Projection::src_len)
                .sum()
        };
        let spike_monitors = |node: usize| {
            monitors
                .iter()
                .filter(|m| match m {
                    Record::Spikes(r) | Record::Rate(RateRecord { bits: r, .. }) => r.node == node,
                    Record::Count(r) => r.node == node,
                    Record::State(_) => false,
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
            .chain(self.wg_rows.iter().map(|w| (w.node, w.out, w.n)))
            .map(|(node, out, n)| {
                n * (1 + element_reads(out) + spike_monitors(node)) + projection_reads(out, n)
            })
            .sum();
        // A projection's results in workgroup memory: written (and read when summed) by the
        // projections, read by the update.
        let inputs: usize = self
            .wg_results
            .iter()
            .map(|&(dst, n, _)| {
                let written: usize = plan
                    .statements
                    .iter()
                    .flat_map(|s| &s.ops)
                    .map(|op| match op.results() {
                        Some((d, _)) if d == dst => n * (1 + op.kind().accumulates() as usize),
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
