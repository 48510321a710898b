//! What the composed kernels of both GPU executors share: the parameter table, the channel
//! records, the `Sim` of a statement, and when a statement reads only its own elements (so
//! that it needs no barrier, or can share a dispatch with its neighbours).

use super::plan::{ChannelSrc, InputSpec, Plan, Statement};
use crate::abi::{InputMode, Sim, SimInput};
use crate::clock::{Clock, split_f32};
use crate::gpu::{CLOCK_WORDS, ClockEntry};
use std::fmt::Write;

use crate::model::ParamValue;
use crate::module::pack_params;

/// The clock entries of `steps` steps from `clock`'s ([`ClockEntry`] as words): time since
/// the epoch, `dt`, `k`, the step within the run, and the epoch's start. A run never crosses
/// an epoch (`Simulation::run` ends chunks there).
pub(super) fn clock_entries(clock: &Clock, steps: usize) -> Vec<[u32; CLOCK_WORDS]> {
    let mut c = clock.clone();
    let k0 = clock.step();
    let (ms_hi, ms_lo) = split_f32(clock.epoch_ms());
    let (s_hi, s_lo) = split_f32(clock.epoch_ms() * 1e-3);
    (0..steps)
        .map(|j| {
            c.set_step(k0 + j as u64);
            debug_assert_eq!(c.epoch(), clock.epoch(), "a run within one epoch");
            let entry = ClockEntry {
                t: c.since_epoch_f32(),
                dt: c.dt_ms() as f32,
                k: c.step() as u32,
                local: j as u32,
                epoch_ms: [ms_hi, ms_lo],
                epoch_s: [s_hi, s_lo],
            };
            bytemuck::cast(entry)
        })
        .collect()
}

/// Every population's parameters in one table (headers as `param()` reads them, offsets made
/// absolute), and where each population's start.
pub(super) fn param_table(plan: &Plan) -> (Vec<u32>, Vec<usize>) {
    let mut table = Vec::new();
    let mut bases = Vec::with_capacity(plan.nodes.len());
    for node in &plan.nodes {
        bases.push(table.len());
        let mut words = pack_params(&node.params);
        for h in words.iter_mut().take(node.params.len()) {
            *h += table.len() as u32;
        }
        table.extend(words);
    }
    (table, bases)
}

/// Whether word `w` of a run of channel records is a value (a reversal potential, a scale,
/// Mg²⁺ constants: words 2–6 of each 8) rather than its kind, offset or flag.
pub(super) fn is_channel_value(w: usize) -> bool {
    (2..7).contains(&(w % 8))
}

/// A statement's current inputs as `Channel` records (8 words each; word 7 is 1 when the
/// conductance is in the scratch).
pub(super) fn channel_records(s: &Statement) -> Vec<u32> {
    s.channels
        .iter()
        .flat_map(|(out, at)| {
            let (offset, in_scratch) = match *at {
                ChannelSrc::Arena(a) => (a, 0),
                ChannelSrc::Scratch(a) => (a, 1),
            };
            let mut words = out.channel_words(offset as u32);
            words[7] = in_scratch;
            words
        })
        .collect()
}

/// The ABI form of an input that is not an input stream and not in workgroup memory.
pub(super) fn sim_input(spec: InputSpec) -> SimInput {
    match spec {
        InputSpec::None => SimInput::NONE,
        InputSpec::Scalar(v) => SimInput::scalar(v),
        InputSpec::Arena { offset, .. } => SimInput::at(InputMode::StateRows, offset),
        InputSpec::Scratch { offset, .. } => SimInput::at(InputMode::Rows, offset),
        InputSpec::Acc {
            offset,
            unit_param,
            slots,
            set,
        } => SimInput {
            unit_param,
            slots,
            slot_stride: set,
            ..SimInput::at(InputMode::Sums, offset)
        },
        InputSpec::Stream { .. } => unreachable!("streams are placed by the executor"),
    }
}

/// The `Sim` of statement `s`'s update with inputs `x` and `d`: the one builder of the record,
/// for the per-step executor's uniforms and the composed kernels' constants alike.
pub(super) fn statement_sim(
    plan: &Plan,
    s: &Statement,
    x: SimInput,
    d: SimInput,
    params_base: usize,
    channels_base: usize,
) -> Sim {
    let node = &plan.nodes[s.node];
    Sim {
        n: node.n as u32,
        total: node.total as u32,
        stride: node.total as u32,
        state_base: node.state_base as u32,
        out_offset: node.out as u32,
        channels: s.channels.len() as u32,
        params_base: params_base as u32,
        channels_base: channels_base as u32,
        ..Sim::default()
    }
    .with_inputs(x, s.x_n, d)
}

/// Whether the statement's update reads only element `j` of anything element `j` of another
/// population writes: `x` of its own size, and inputs read in place at the start of a
/// population's state or output of the same size.
pub(super) fn elementwise(plan: &Plan, s: &Statement) -> bool {
    let node = &plan.nodes[s.node];
    let aligned = |offset: usize| {
        plan.nodes.iter().any(|m| {
            m.n == node.n
                && (m.out == offset || (0..m.vars).any(|v| m.state_base + v * m.total == offset))
        })
    };
    s.x_n == node.n
        && !matches!(s.x, InputSpec::Arena { offset, .. } if !aligned(offset))
        && !matches!(s.delta, InputSpec::Arena { offset, .. } if !aligned(offset))
}

/// A hook `fn {name}(at: u32) -> u32` that returns the given words as constants (a `switch`
/// the compiler resolves where `at` is constant) and reads any other word from `fallback`.
pub(super) fn constant_words(name: &str, words: &[(usize, u32)], fallback: &str) -> String {
    let mut cases = String::new();
    for (at, w) in words {
        let _ = writeln!(cases, "        case {at}u: {{ return {w}u; }}");
    }
    format!(
        "fn {name}(at: u32) -> u32 {{\n    switch at {{\n{cases}        default: {{ return {fallback}; }}\n    }}\n}}\n"
    )
}

/// Whether values are folded into generated kernels as constants by default
/// (`BRAINWGPU_FOLD_PARAMETERS=0` reads them from the table instead, to measure what folding
/// buys — see ARCHITECTURE.md, "Choices"); [`Plan::fold_values`] is what a plan does.
pub(super) fn fold_by_default() -> bool {
    std::env::var("BRAINWGPU_FOLD_PARAMETERS").map_or(true, |v| v != "0")
}

/// A value of a generated kernel as WGSL of type `ty` from its bits: `literal` when `fold`,
/// else a read of a word appended to the kernel's `table` (its `params` buffer).
fn value_expr(fold: bool, table: &mut Vec<u32>, bits: u32, ty: &str, literal: String) -> String {
    if fold {
        return literal;
    }
    let at = table.len();
    table.push(bits);
    match ty {
        "u32" => format!("params[{at}u]"),
        _ => format!("bitcast<{ty}>(params[{at}u])"),
    }
}

/// An f32 value of a generated kernel (see [`value_expr`]).
pub(crate) fn f32_value(fold: bool, table: &mut Vec<u32>, x: f32) -> String {
    value_expr(fold, table, x.to_bits(), "f32", crate::abi::wgsl_f32(x))
}

/// An i32 value of a generated kernel (see [`value_expr`]).
pub(crate) fn i32_value(fold: bool, table: &mut Vec<u32>, x: i32) -> String {
    value_expr(fold, table, x as u32, "i32", format!("{x}i"))
}

/// A u32 value of a generated kernel (see [`value_expr`]).
pub(crate) fn u32_value(fold: bool, table: &mut Vec<u32>, x: u32) -> String {
    value_expr(fold, table, x, "u32", format!("{x}u"))
}

/// The words of the parameter table that `param_word` reads for the populations `nodes` —
/// their headers and single values (scalars and words) — with their values.
pub(super) fn constant_params(
    plan: &Plan,
    nodes: impl Iterator<Item = usize>,
    table: &[u32],
    bases: &[usize],
) -> Vec<(usize, u32)> {
    let fold = plan.fold_values;
    let mut words = Vec::new();
    for ni in nodes {
        let (node, base) = (&plan.nodes[ni], bases[ni]);
        for (p, value) in node.params.iter().enumerate() {
            let header = table[base + p];
            words.push((base + p, header));
            if fold && matches!(value, ParamValue::Scalar(_) | ParamValue::Word(_)) {
                let at = (header & crate::module::PARAM_OFFSET_MASK) as usize;
                words.push((at, table[at]));
            }
        }
    }
    words
}
