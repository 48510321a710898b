//! Executors: what runs a compiled [`Plan`] on a device. Each one is a file or folder here
//! implementing [`Exec`]; [`build`] picks one for an [`Executor`] choice and a device. They run
//! the same plan with the same arithmetic in the same order and differ in how steps map onto
//! work:
//!
//! - `per_step` ([`Executor::PerStep`], "per-step"): dispatches per step, for large networks;
//! - `fused` ([`Executor::Fused`], "fused"): the whole network as one generated kernel looping
//!   over the steps of a chunk, one workgroup per instance, for small networks;
//! - `f64` (any network on [`Device::Cpu`], "f64"): the host reference.
//!
//! Adding an executor: a file or folder here implementing [`Exec`], and its line in [`build`]
//! (with a variant of [`Executor`] if users choose it).

mod f64;
mod fused;
mod per_step;

use std::sync::Arc;

use super::plan::Plan;
use super::{Record, StepCost};
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::gpu::DeviceLimits;
use crate::shaders::{DEFAULT_WORKGROUP, KernelDef};
use crate::tensor::Device;

/// Steps recorded into one submission at most (and lavapipe stays responsive).
pub(crate) const MAX_CHUNK: usize = 1000;

/// How a compiled network runs on a GPU. Every executor runs the same plan with the same
/// arithmetic; they differ in how steps map onto dispatches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Executor {
    /// [`Executor::Fused`] when the network has at most 32,768 elements per instance (all
    /// populations together), else [`Executor::PerStep`].
    #[default]
    Auto,
    /// One dispatch per projection, population update and monitor per step, a chunk of up to
    /// 1000 steps per submission: for large networks.
    PerStep,
    /// The whole network composed into one kernel, one workgroup per instance looping over
    /// the steps of a chunk inside one dispatch: for small networks and large batches of them.
    Fused,
    /// [`Executor::Fused`] with this many invocations per workgroup instead of 256: a power of
    /// two from 32 to the device's `max_compute_invocations_per_workgroup` (for tuning on a
    /// given card; more invocations mean fewer elements each).
    FusedWorkgroup(u32),
}

/// A run of `steps` steps (at most [`Exec::chunk_len`]) from `clock`'s step, with `streams`
/// holding each external stream's values for them (`steps × rows × size` each).
pub(crate) struct Chunk<'a> {
    pub clock: &'a Clock,
    pub steps: usize,
    pub streams: &'a [&'a [f64]],
}

/// What a run carries from one step to the next besides the clock (see `checkpoint.rs`): the
/// arena, the delay rings of outputs and the event sums still to be read — fixed-point counts
/// on a GPU (every set of their rings, the pushed sums' two sets included), exact sums on the
/// f64 executor.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Carried {
    pub arena: Vec<f64>,
    pub rings: Vec<f64>,
    pub sums: Vec<f64>,
}

/// The first `len` words of a GPU's fixed-point sums, as values.
fn read_sums(acc: &crate::gpu::GpuArray, len: usize) -> Result<Vec<f64>> {
    if len == 0 {
        return Ok(Vec::new());
    }
    let words: Vec<i32> = acc.view(0, len).read()?;
    Ok(words.into_iter().map(f64::from).collect())
}

/// Writes fixed-point sums (integers, as [`read_sums`] gives them) from word 0.
fn write_sums(acc: &crate::gpu::GpuArray, sums: &[f64]) {
    if !sums.is_empty() {
        let words: Vec<i32> = sums.iter().map(|&s| s as i32).collect();
        acc.write(0, &words);
    }
}

/// What runs a plan: its states on a device, chunks of steps at a time.
pub(crate) trait Exec {
    /// The executor's name, as [`StepCost::executor`] and the benchmark table print it.
    fn name(&self) -> &'static str;

    /// The most steps one [`Exec::run`] takes.
    fn chunk_len(&self) -> usize;

    /// Lays out (and on a GPU, builds) what recording `monitors` needs; called whenever they
    /// change, with all of them.
    fn set_monitors(&mut self, monitors: &[Record]) -> Result<()>;

    /// Runs `chunk` and appends what it records to `monitors`.
    fn run(&mut self, chunk: &Chunk<'_>, monitors: &mut [Record]) -> Result<()>;

    /// `len` values of the arena from `at`.
    fn read_arena(&self, at: usize, len: usize) -> Result<Vec<f64>>;

    /// Overwrites the arena from `at`.
    fn write_arena(&mut self, at: usize, data: &[f64]) -> Result<()>;

    /// Builds what the next run needs and waits until everything submitted has run.
    fn synchronize(&mut self) -> Result<()>;

    /// What a run carries to its next step (between runs).
    fn carried(&self) -> Result<Carried>;

    /// The lengths of what [`Exec::carried`] gives — arena, rings, sums — without reading them.
    fn carried_lens(&self) -> [usize; 3];

    /// Replaces what a run carries; the lengths are those [`Exec::carried`] gives (checked by
    /// the caller).
    fn set_carried(&mut self, carried: &Carried) -> Result<()>;

    /// The kernels it generated for this plan (and its current monitors).
    fn generated(&self) -> Vec<KernelDef> {
        Vec::new()
    }

    /// Steps one dispatch runs.
    fn steps_per_dispatch(&self) -> usize {
        1
    }

    /// The last step its clock can reach: kernels count steps, and random streams are keyed
    /// by the step, in 32 bits.
    fn max_step(&self) -> u64 {
        u64::from(u32::MAX)
    }

    /// Whether its states are f32 (else f64).
    fn single_precision(&self) -> bool {
        true
    }

    /// A step's cost, from the plan's own count `(bytes, dispatches)` of it.
    fn cost(&self, counted: (u64, usize)) -> StepCost;
}

/// What `choice` runs `plan` with on a device with `limits`: the fused executor with this
/// many invocations per workgroup, or (`None`) the per-step executor.
fn fused_workgroup(plan: &Plan, choice: Executor, limits: &DeviceLimits) -> Result<Option<u32>> {
    Ok(match choice {
        Executor::Auto => {
            fused::Fused::suits(plan, limits.max_storage_binding).then_some(DEFAULT_WORKGROUP)
        }
        Executor::Fused => Some(DEFAULT_WORKGROUP),
        Executor::FusedWorkgroup(n) => {
            let max = limits.max_workgroup_invocations;
            if !n.is_power_of_two() || n < 32 || n > max {
                return Err(Error::invalid(
                    "Executor::FusedWorkgroup",
                    "invocations",
                    n,
                    format!(
                        "must be a power of two from 32 to the device's \
                         max_compute_invocations_per_workgroup ({max})"
                    ),
                ));
            }
            Some(n)
        }
        Executor::PerStep => None,
    })
}

/// The executor that runs `plan` on `device` as `choice` asks.
pub(crate) fn build(device: &Device, plan: &Arc<Plan>, choice: Executor) -> Result<Box<dyn Exec>> {
    let gpu = match device {
        Device::Cpu => {
            // Models defined outside the library may have no f64 twin: refused here, at
            // compile, rather than at the first step.
            for node in plan.nodes.iter().filter(|n| !n.model.kernel().is_static()) {
                let owner = || node.owner();
                crate::host::check_twin(node.model.as_ref(), owner, &node.params, node.n)?;
            }
            return Ok(Box::new(f64::F64::new(plan.clone())));
        }
        Device::Gpu(gpu) => gpu,
    };
    let built: Result<Box<dyn Exec>> = match fused_workgroup(plan, choice, &gpu.limits())? {
        Some(workgroup) => {
            fused::Fused::new(gpu, plan.clone(), workgroup).map(|e| Box::new(e) as _)
        }
        None => per_step::PerStep::new(gpu, plan.clone()).map(|e| Box::new(e) as _),
    };
    // A generated kernel that fails to compile holds some model's step function: a model whose
    // kernel fails on its own is the one to name, with the line of its own source.
    built.map_err(|e| match e {
        Error::Kernel { .. } => plan
            .nodes
            .iter()
            .find_map(|n| n.model.kernel().validate().err())
            .unwrap_or(e),
        e => e,
    })
}

/// The kernels that `choice` generates for `plan` on a device with `limits` (before any
/// monitor is added), and the executor's name; no device is needed.
pub(crate) fn kernels(
    plan: &Plan,
    choice: Executor,
    limits: &DeviceLimits,
) -> Result<(&'static str, Vec<KernelDef>)> {
    Ok(match fused_workgroup(plan, choice, limits)? {
        Some(workgroup) => ("fused", fused::kernels(plan, *limits, workgroup)?),
        None => ("per-step", per_step::kernels(plan, limits)?),
    })
}

/// Writes the kernels `exec` generated into the folder `BRAINWGPU_DUMP_WGSL` names, if it is
/// set: one complete WGSL module per kernel, named after the executor and the kernel (which
/// names the populations it updates).
pub(crate) fn dump(exec: &dyn Exec) -> Result<()> {
    let Some(dir) = std::env::var_os("BRAINWGPU_DUMP_WGSL") else {
        return Ok(());
    };
    let (name, kernels) = (exec.name(), exec.generated());
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
        path: dir.clone(),
        source,
    })?;
    for k in &kernels {
        let stem: String = k
            .name()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .take(120)
            .collect();
        let path = dir.join(format!("{name}--{stem}.wgsl"));
        std::fs::write(&path, k.full_source()).map_err(|source| Error::Io { path, source })?;
    }
    Ok(())
}
