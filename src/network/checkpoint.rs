//! Checkpoints: everything a run carries from one step to the next, in one `.npz`, so that a
//! restored simulation — in this process or another — goes on exactly as the uninterrupted one.
//!
//! What a step carries: the arena (every state and output, the constants), the delay rings of
//! outputs, the event sums still to be read (fixed-point counts on a GPU, exact sums on the
//! f64 executor: transmission delays and recurrent spikes in flight), and the step counter —
//! which is also every random stream's counter (Poisson drives, noise and random inputs draw
//! from counter-based generators keyed by the step), and what a neuron's `last_spike_time`
//! is measured against. Not in it: queued external-stream data and the monitors' records (add
//! the monitors again: their positions are absolute — records number steps from the restored
//! step, and a state monitor samples the multiples of `every`, or the grid its
//! [`Sampling::steps`](super::Sampling::steps) gives — so they record what the uninterrupted
//! run's monitors would have).
//!
//! A checkpoint names the network it was saved from by a digest of its compiled plan (sizes,
//! parameters, wiring, connectivity tables — large tables by an evenly spaced sample of their
//! entries), the executor and the library version; restoring it into anything else is an
//! [`Error::Checkpoint`].

use std::fmt::Write as _;
use std::path::Path;

use super::exec::Carried;
use super::plan::Plan;
use super::projection::Projection;
use crate::error::{Error, Result};
use crate::npz::{NpyData, Npz, NpzWriter};

/// The format's name and revision, stored in every checkpoint.
const FORMAT: &str = "brainwgpu checkpoint 1";

/// At most this many entries of a large table enter the digest.
const SAMPLE: usize = 1 << 16;

/// Feeds `values` to the digest: all of them when few, else an evenly spaced sample and the
/// count.
fn feed<T: std::fmt::Debug>(h: &mut crc32fast::Hasher, values: &[T]) {
    h.update(&(values.len() as u64).to_le_bytes());
    let step = values.len().div_ceil(SAMPLE).max(1);
    let mut text = String::new();
    for v in values.iter().step_by(step) {
        let _ = write!(text, "{v:?},");
    }
    h.update(text.as_bytes());
}

/// What identifies a plan: a readable summary and a digest of everything that shapes a run.
pub(crate) fn identify(plan: &Plan) -> (String, u32) {
    let mut h = crc32fast::Hasher::new();
    let names: Vec<String> = plan
        .nodes
        .iter()
        .map(|n| format!("{} `{}` ({})", n.model.kind(), n.name, n.n))
        .collect();
    let summary = format!(
        "a network of {} populations [{}], batch {} and dt {} ms",
        plan.nodes.len(),
        names.join(", "),
        plan.rows,
        plan.dt
    );
    h.update(summary.as_bytes());
    for n in &plan.nodes {
        h.update(&(n.vars as u64).to_le_bytes());
        h.update(n.model.state_names().join(",").as_bytes());
        for p in &n.params {
            h.update(format!("{:?}", std::mem::discriminant(p)).as_bytes());
            feed(&mut h, p.values());
        }
    }
    for (at, values) in &plan.constants {
        h.update(&(*at as u64).to_le_bytes());
        feed(&mut h, values);
    }
    let sizes = [
        plan.arena_len,
        plan.ring_len,
        plan.acc_len,
        plan.scratch_len,
        plan.statements.len(),
    ];
    h.update(format!("{sizes:?}").as_bytes());
    for s in &plan.statements {
        h.update(format!("{} {:?} {:?} {:?}", s.node, s.x, s.delta, s.channels).as_bytes());
        for op in &s.ops {
            digest_projection(&mut h, op);
        }
    }
    (summary, h.finalize())
}

fn digest_projection(h: &mut crc32fast::Hasher, op: &Projection) {
    h.update(format!("{:?} {}", op.src(), op.table_words()).as_bytes());
    match op {
        Projection::Event(e) => {
            let syn = e.conn.synapses();
            h.update(format!("{} {:?} {} {:?}", e.acc, e.units, e.slots, e.arrival).as_bytes());
            feed(h, syn.offsets());
            feed(h, syn.post());
            match e.conn.weights() {
                super::Weights::Homogeneous(w) => h.update(&w.to_le_bytes()),
                super::Weights::PerSynapse(w) => feed(h, w),
            }
            match e.conn.delays() {
                super::Delays::PerSynapse(d) => feed(h, d),
                other => h.update(format!("{other:?}").as_bytes()),
            }
        }
        Projection::Dense(d) => {
            h.update(format!("{} {} {}", d.dst, d.accumulate, d.scale).as_bytes());
            feed(h, &d.dense.w);
            if let Some(b) = &d.dense.bias {
                feed(h, b);
            }
        }
        other => h.update(format!("{other:?}").as_bytes()),
    }
}

/// Writes a checkpoint of a simulation at `step` on executor `executor`.
pub(crate) fn save(
    path: &Path,
    plan: &Plan,
    executor: &str,
    step: u64,
    carried: &Carried,
) -> Result<()> {
    let (summary, digest) = identify(plan);
    let mut w = NpzWriter::new();
    let text = |s: &str| NpyData::Str(vec![s.to_string()]);
    w.add("format", &[], text(FORMAT))?;
    w.add("version", &[], text(env!("CARGO_PKG_VERSION")))?;
    w.add("network", &[], text(&summary))?;
    w.add("digest", &[], NpyData::I64(vec![i64::from(digest)]))?;
    w.add("executor", &[], text(executor))?;
    w.add("step", &[], NpyData::I64(vec![step as i64]))?;
    w.add(
        "arena",
        &[carried.arena.len()],
        NpyData::F64(carried.arena.clone()),
    )?;
    w.add(
        "rings",
        &[carried.rings.len()],
        NpyData::F64(carried.rings.clone()),
    )?;
    w.add(
        "sums",
        &[carried.sums.len()],
        NpyData::F64(carried.sums.clone()),
    )?;
    w.write(path)
}

/// Reads a checkpoint for a simulation of `plan` on `executor`: the step and what it carries.
pub(crate) fn load(path: &Path, plan: &Plan, executor: &str) -> Result<(u64, Carried)> {
    let z = Npz::read(path)?;
    let mismatch = |expected: String, got: String| Error::Checkpoint {
        path: path.to_path_buf(),
        expected,
        got,
    };
    let format = z.string("format").unwrap_or_default();
    if format != FORMAT {
        return Err(mismatch(
            format!("read as `{FORMAT}`"),
            format!("the format `{format}`"),
        ));
    }
    let version = z.string("version")?;
    if version != env!("CARGO_PKG_VERSION") {
        return Err(mismatch(
            format!("brainwgpu {}", env!("CARGO_PKG_VERSION")),
            format!("the state of brainwgpu {version}"),
        ));
    }
    let (summary, digest) = identify(plan);
    let saved = z.string("network")?;
    let saved_digest = z.f64s("digest")?.first().copied().unwrap_or(-1.0) as i64;
    if saved_digest != i64::from(digest) {
        let detail = if saved == summary {
            " (the same populations, but other parameters, wiring or connectivity)"
        } else {
            ""
        };
        return Err(mismatch(summary, format!("{saved}{detail}")));
    }
    let saved_executor = z.string("executor")?;
    if saved_executor != executor {
        return Err(mismatch(
            format!("run by the {executor} executor"),
            format!("the state of the {saved_executor} executor"),
        ));
    }
    let step = z.f64s("step")?.first().copied().unwrap_or(-1.0);
    if !(step >= 0.0 && step.fract() == 0.0) {
        return Err(Error::Format {
            path: path.to_path_buf(),
            reason: format!("step {step} is not a step number"),
        });
    }
    let carried = Carried {
        arena: z.f64s("arena")?,
        rings: z.f64s("rings")?,
        sums: z.f64s("sums")?,
    };
    Ok((step as u64, carried))
}
