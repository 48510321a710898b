//! The WGSL of the per-step executor's generated kernels: composed updates (several
//! populations' step functions in one dispatch, with their rows cached, spikes pushed and
//! counted) and runs of event projections, with the table they read. No device needed.

use std::fmt::Write;

use crate::error::Result;
use crate::gpu::{CLOCK_WORDS, DeviceLimits};
use crate::network::compose::{
    channel_records, constant_params, constant_words, f32_value, i32_value, is_channel_value,
    param_table, sim_input, statement_sim,
};
use crate::network::plan::{Place, Plan};
use crate::network::projection::{EventProjection, Projection};
use crate::shaders::{KernelDef, NETWORK_ARENA, NETWORK_MEMORY, NETWORK_TABLES};

use super::COUNTERS;
use super::schedule::{Push, StepRow};

/// The table of composed dispatches (`shaders/abi/network.wgsl`): every population's
/// parameters, the channel records of grouped updates and the pushed event tables, with where
/// each starts.
pub(super) struct ComposedTable {
    pub(super) params_base: Vec<usize>,
    pub(super) channels_base: Vec<usize>,
    /// The table's words, uploaded once and the source of composed kernels' constants.
    pub(super) words: Vec<u32>,
    /// The pushed event projections, where each one's event table starts in `words`, and the
    /// distance from the even steps' sums to the odd steps' in `acc`.
    pub(super) pushes: Vec<(Push, usize)>,
    pub(super) flip: usize,
    /// (population, first counter in `acc`) of the populations whose updates count spikes.
    pub(super) counters: Vec<(usize, usize)>,
}

impl ComposedTable {
    pub(super) fn new(
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
            let Some(e) = plan.statements[p.si].ops[p.oi].as_event() else {
                unreachable!("pushes are event projections")
            };
            placed.push((*p, table.len()));
            table.extend(e.table().0);
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

/// The `arena_read`/`arena_write` hooks of a composed update dispatch over `rows` (a `switch`
/// on the row's constant base, which the compiler resolves; other rows are read and written in
/// place, as `shaders/abi/network_arena.wgsl` does), `arena_prefetch(e)`, which loads the
/// states at the start of the dispatch, and `arena_flush(e)`, which stores the rows at its end.
pub(super) fn arena_hooks(rows: &[StepRow]) -> String {
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
pub(super) fn composed_kernel(
    plan: &Plan,
    group: &[usize],
    rows: &[StepRow],
    c: &mut ComposedTable,
) -> (KernelDef, usize) {
    let fold = plan.fold_values;
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
            delta.slots = 2;
            delta.slot_stride = c.flip;
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
            )
            .wgsl_with(&mut |x| f32_value(fold, &mut c.words, x)),
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
        // Spikes just emitted, delivered into the next step's sums: a ring of two sets `flip`
        // apart, every spike arriving one step later.
        for (p, at) in c.pushes.iter().filter(|(p, _)| p.source == si) {
            let Some(e) = plan.statements[p.si].ops[p.oi].as_event() else {
                unreachable!("pushes are event projections")
            };
            let (conn, acc) = (&e.conn, e.acc);
            let (_, weight, per_synapse) = e.table();
            let weight = i32_value(fold, &mut c.words, weight);
            let _ = writeln!(
                body,
                "    if (arena_read({out}u, e) != 0.0 && e.j >= {lo}u && e.j < {hi}u) {{\n        \
                 deliver_spike(e.j - {lo}u, {n_pre}u, {k}u, {acc}u + e.b * {n_post}u, {weight}, {per_synapse}, {at}u, false, 2u, {flip}u, 1u);\n    }}",
                out = node.out,
                lo = p.slice,
                hi = p.slice + conn.n_pre(),
                n_pre = conn.n_pre(),
                k = conn.degree_word(),
                flip = c.flip,
                n_post = conn.n_post(),
            );
        }
    }
    // The group's channel records, as constants (their values too where values are folded).
    let channel_words: Vec<(usize, u32)> = group
        .iter()
        .flat_map(|&si| {
            let at = c.channels_base[si];
            (at..at + 8 * plan.statements[si].channels.len())
                .filter(move |w| fold || !is_channel_value(w - at))
                .map(|w| (w, c.words[w]))
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
         clk = load_clock({CLOCK_WORDS}u * range.first);\n    \
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
pub(super) fn events_kernel(
    plan: &Plan,
    limits: &DeviceLimits,
    run: &[(usize, usize)],
) -> Result<(KernelDef, usize, Vec<u32>)> {
    let rows = plan.rows;
    let mut body = String::new();
    let mut tables: Vec<u32> = Vec::new();
    let mut start = 0;
    for &(si, oi) in run {
        let Projection::Event(
            e @ EventProjection {
                src: Place::Arena { offset, pitch },
                conn,
                acc,
                ..
            },
        ) = &plan.statements[si].ops[oi]
        else {
            unreachable!("a run holds event projections from the arena")
        };
        let (table, weight, per_synapse) = e.table();
        let at = tables.len();
        tables.extend(table);
        let weight = i32_value(plan.fold_values, &mut tables, weight);
        let end = start + rows * conn.n_pre();
        let _ = writeln!(
            body,
            "    if (i >= {start}u && i < {end}u) {{\n        let row = (i - {start}u) / {n_pre}u;\n        \
             deliver(i - {start}u - row * {n_pre}u, {offset}u + row * {pitch}u, 0u, {n_pre}u, {k}u, {acc}u + row * {n_post}u, {weight}, {per_synapse}, {at}u, {slots}u, {stride}u, {delay}u);\n    }}",
            slots = e.slots,
            stride = rows * conn.n_post(),
            delay = e.arrival.word(),
            n_pre = conn.n_pre(),
            k = conn.degree_word(),
            n_post = conn.n_post(),
        );
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
         clk = load_clock({CLOCK_WORDS}u * range.first);\n{body}}}\n"
    );
    let kernel = KernelDef::network(
        format!("{} event projections", run.len()),
        source,
        "network",
    );
    Ok((kernel, start, tables))
}
