//! Networks: populations of models wired together, compiled once into a plan, and run many
//! steps per submission with no host round trip.
//!
//! A [`Network`] holds populations (any model: neurons, synapses, readouts, input generators),
//! external input streams, and a *program*: the order in which the populations update each
//! step, each with its [`Wiring`] — where its `x`, its delta inputs and its current inputs come
//! from. A [`Term`] reads a population's output or state, an external stream or a constant,
//! optionally through a dense projection ([`Dense`], brainstate's `Linear`) or an event-driven
//! one ([`FixedProb`], `EventFixedProb`), scaled, sliced, or delayed by whole steps. Terms read
//! what is in memory when their statement runs: a population that updates later in the step is
//! read as of the previous step (recurrent connections), one that updated earlier as of this
//! step — BrainPy's own semantics.
//!
//! BrainPy's projections map onto wirings: `AlignPostProj(comm, Expon, COBA, post)` is the
//! synapse's delta input from `comm` plus a current input `COBA` of `post` bound to the
//! synapse; projections that share a synapse simply add their terms to its delta input;
//! `DeltaProj` is a delta input of the neuron, `CurrentProj` a current input.
//!
//! [`Network::compile`] validates everything (sizes, parameters, `dt`, the device's limits) and
//! lays out the plan: every population's states and outputs in one arena, the scratch for
//! summed inputs, the fixed-point accumulators of event-driven projections, the delay rings.
//! Executors run the plan: on a GPU, one compute pass per chunk of steps with bind groups and
//! pipelines built once; on the host, the f64 reference of the same plan.

pub mod classic;
mod compose;
mod connect;
mod exec_cpu;
mod exec_fused;
mod exec_gpu;
mod plan;
mod record;

use std::ops::Range;
use std::sync::Arc;

pub use connect::{Dense, FixedProb, Weights};
pub use record::{CountRecord, SpikeRecord, StateRecord};

use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::model::{DynModel, Model};
use crate::module::Module;
use crate::shaders::DEFAULT_WORKGROUP;
use crate::shape::{Shape, TensorShape};
use crate::synout::SynOut;
use crate::tensor::Device;
use crate::units::{Dimension, Quantity, Time};

/// A population of a [`Network`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NodeId(usize);

/// An external input stream of a [`Network`]: values for every step, uploaded before a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExternalId(usize);

/// A monitor of a [`Simulation`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MonitorId(usize);

#[derive(Clone, Debug, PartialEq)]
enum Source {
    Output(NodeId),
    State(NodeId, String),
    External(ExternalId),
    Constant(f64),
}

#[derive(Clone, Debug, PartialEq)]
enum Comm {
    Identity,
    Dense(Dense),
    Event(FixedProb),
}

/// One summand of an input: a source, optionally projected, scaled, sliced and delayed.
#[derive(Clone, Debug, PartialEq)]
pub struct Term {
    source: Source,
    comm: Comm,
    scale: f64,
    delay: usize,
    slice: Option<Range<usize>>,
}

impl Term {
    fn of(source: Source) -> Term {
        Term {
            source,
            comm: Comm::Identity,
            scale: 1.0,
            delay: 0,
            slice: None,
        }
    }

    /// What a population's `update` returns (spikes of a neuron, `g` of a synapse …).
    pub fn output(node: NodeId) -> Term {
        Term::of(Source::Output(node))
    }

    /// State variable `var` of a population.
    pub fn state(node: NodeId, var: &str) -> Term {
        Term::of(Source::State(node, var.to_string()))
    }

    /// An external stream.
    pub fn external(ext: ExternalId) -> Term {
        Term::of(Source::External(ext))
    }

    /// The same value for every element, as a magnitude in internal units.
    pub fn constant(value: f64) -> Term {
        Term::of(Source::Constant(value))
    }

    /// Through a dense projection `x @ W + b`.
    pub fn dense(mut self, dense: Dense) -> Term {
        self.comm = Comm::Dense(dense);
        self
    }

    /// Through an event-driven projection: every nonzero source value is a spike that adds
    /// its synapses' weights (a delta input only).
    pub fn event(mut self, conn: FixedProb) -> Term {
        self.comm = Comm::Event(conn);
        self
    }

    /// Times `scale`.
    pub fn scaled(mut self, scale: f64) -> Term {
        self.scale = scale;
        self
    }

    /// Only the source's neurons `range` (flat indices into its `in_size`).
    pub fn slice(mut self, range: Range<usize>) -> Term {
        self.slice = Some(range);
        self
    }

    /// The value the undelayed term would read, `steps` steps later (a whole-step axonal
    /// delay; 0 before the run started). A population's output only.
    pub fn delayed(mut self, steps: usize) -> Term {
        self.delay = steps;
        self
    }
}

impl<D: Dimension> From<Quantity<D>> for Term {
    fn from(q: Quantity<D>) -> Term {
        Term::constant(q.value())
    }
}

impl From<NodeId> for Term {
    fn from(node: NodeId) -> Term {
        Term::output(node)
    }
}

impl From<f64> for Term {
    fn from(v: f64) -> Term {
        Term::constant(v)
    }
}

/// Where one population's inputs come from in its update.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Wiring {
    x: Vec<Term>,
    delta: Vec<Term>,
    currents: Vec<(SynOut, Term)>,
}

impl Wiring {
    /// No inputs.
    pub fn new() -> Wiring {
        Wiring::default()
    }

    /// Adds a term to `x`.
    pub fn x(mut self, term: impl Into<Term>) -> Wiring {
        self.x.push(term.into());
        self
    }

    /// Adds a term to the delta inputs.
    pub fn delta(mut self, term: impl Into<Term>) -> Wiring {
        self.delta.push(term.into());
        self
    }

    /// Adds a current input: `out` with the conductance `g` — a synapse population (its
    /// output, as AlignPostProj binds it) or any term, such as a projection of presynaptic
    /// conductances (CurrentProj) — evaluated inside the population's drift.
    pub fn current(mut self, out: SynOut, g: impl Into<Term>) -> Wiring {
        self.currents.push((out, g.into()));
        self
    }
}

struct NodeDef {
    name: String,
    model: Arc<dyn DynModel>,
    in_size: Shape,
}

struct ExternalDef {
    name: String,
    size: Shape,
}

/// A network under construction (see the module docs).
#[derive(Default)]
pub struct Network {
    nodes: Vec<NodeDef>,
    externals: Vec<ExternalDef>,
    program: Vec<(NodeId, Wiring)>,
}

impl Network {
    /// An empty network.
    pub fn new() -> Network {
        Network::default()
    }

    fn name_taken(&self, name: &str) -> bool {
        self.nodes.iter().any(|n| n.name == name) || self.externals.iter().any(|e| e.name == name)
    }

    /// Adds a population: the module's model, `in_size` and name (a module without a name is
    /// called `<Kind><index>`). Its states are created when the network compiles.
    pub fn add<M: Model>(&mut self, module: Module<M>) -> Result<NodeId> {
        let (model, in_size, name) = module.into_parts();
        let name = name.unwrap_or_else(|| format!("{}{}", model.kind(), self.nodes.len()));
        if self.name_taken(&name) {
            return Err(Error::invalid(
                "Network",
                "name",
                &name,
                "is already used by another population or input",
            ));
        }
        self.nodes.push(NodeDef {
            name,
            model: Arc::new(model),
            in_size,
        });
        Ok(NodeId(self.nodes.len() - 1))
    }

    /// Adds an external input stream of `size` values per sample and step.
    pub fn external(&mut self, name: &str, size: impl Into<Shape>) -> Result<ExternalId> {
        if self.name_taken(name) {
            return Err(Error::invalid(
                "Network",
                "name",
                name,
                "is already used by another population or input",
            ));
        }
        self.externals.push(ExternalDef {
            name: name.to_string(),
            size: size.into(),
        });
        Ok(ExternalId(self.externals.len() - 1))
    }

    /// Appends to the program: each step, `node` updates with `wiring`, after the statements
    /// added before this one.
    pub fn update(&mut self, node: NodeId, wiring: Wiring) -> &mut Network {
        self.program.push((node, wiring));
        self
    }

    /// The population called `name`.
    pub fn node(&self, name: &str) -> Option<NodeId> {
        self.nodes.iter().position(|n| n.name == name).map(NodeId)
    }

    /// Validates the network and lays it out for `device` with `batch` independent instances
    /// (`None`: no batch axis) and step `dt`, with the populations at their initial states.
    /// On a GPU the executor is chosen automatically ([`Executor::Auto`]).
    pub fn compile(
        &self,
        device: &Device,
        batch: Option<usize>,
        dt: impl Into<Quantity<Time>>,
    ) -> Result<Simulation> {
        self.compile_with(device, batch, dt, Executor::Auto)
    }

    /// [`Network::compile`] with a chosen GPU executor (ignored on [`Device::Cpu`], which
    /// runs the f64 reference).
    pub fn compile_with(
        &self,
        device: &Device,
        batch: Option<usize>,
        dt: impl Into<Quantity<Time>>,
        executor: Executor,
    ) -> Result<Simulation> {
        let clock = Clock::new(dt)?;
        let limit = match device {
            Device::Gpu(gpu) => Some(gpu.max_storage_binding()),
            Device::Cpu => None,
        };
        let plan = Arc::new(plan::build(self, batch, clock.dt_ms(), limit)?);
        let exec = match device {
            Device::Gpu(gpu) => {
                let fused = match executor {
                    Executor::Auto => {
                        exec_fused::FusedExec::suits(&plan, gpu.max_storage_binding())
                            .then_some(DEFAULT_WORKGROUP)
                    }
                    Executor::Fused => Some(DEFAULT_WORKGROUP),
                    Executor::FusedWorkgroup(n) => {
                        let max = gpu.max_workgroup_invocations();
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
                };
                if let Some(workgroup) = fused {
                    Exec::Fused(Box::new(exec_fused::FusedExec::new(
                        gpu,
                        plan.clone(),
                        workgroup,
                    )?))
                } else {
                    Exec::Gpu(Box::new(exec_gpu::GpuExec::new(gpu, plan.clone())?))
                }
            }
            Device::Cpu => Exec::Cpu(Box::new(exec_cpu::CpuExec::new(plan.clone()))),
        };
        Ok(Simulation {
            batch,
            device: device.clone(),
            plan,
            clock,
            exec,
            streams: vec![Vec::new(); self.externals.len()],
            monitors: Vec::new(),
        })
    }
}

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

enum Exec {
    Gpu(Box<exec_gpu::GpuExec>),
    Fused(Box<exec_fused::FusedExec>),
    Cpu(Box<exec_cpu::CpuExec>),
}

/// What a monitor keeps.
#[derive(Clone, Debug)]
pub(crate) enum Monitor {
    Spikes(SpikeRecord),
    State(StateRecord),
    Count(CountRecord),
}

/// What one step of a compiled network costs, counted from its plan.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepCost {
    /// Bytes of device memory read and written: every population's states read and written,
    /// its output written, its inputs read; every projection's source, weights and results —
    /// less what the executor keeps on chip or never reads back (see `registers`).
    pub bytes: u64,
    /// Dispatches per step on a GPU (a fraction when one dispatch runs many steps; on the
    /// f64 executor, one per projection, update and monitor).
    pub dispatches: f64,
    /// `"fused"`, `"per-step"` or `"f64"`.
    pub executor: &'static str,
    /// Steps one dispatch runs.
    pub steps_per_dispatch: usize,
    /// Values each invocation keeps in registers across the steps of a dispatch (fused
    /// executor: states and outputs only their own element touches). What the fused executor
    /// keeps on chip — these registers, spikes as bits and event sums in workgroup memory —
    /// is not in `bytes`.
    pub registers: usize,
    /// Workgroup barriers per step between the statements of the fused kernel (0 for the
    /// other executors, which synchronise by dispatches).
    pub barriers: usize,
}

/// One line: "fused executor, 28 steps per dispatch, 0.036 dispatches and 0.00 MB of memory
/// traffic per step".
impl std::fmt::Display for StepCost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} executor, {} steps per dispatch, {:.3} dispatches and {:.2} MB of memory traffic per step",
            self.executor,
            self.steps_per_dispatch,
            self.dispatches,
            self.bytes as f64 / 1e6
        )
    }
}

/// A compiled network: its states on a device, a clock, and monitors.
pub struct Simulation {
    batch: Option<usize>,
    device: Device,
    plan: Arc<plan::Plan>,
    clock: Clock,
    exec: Exec,
    /// Host data not yet run, per external stream (steps × rows × size values).
    streams: Vec<Vec<f64>>,
    monitors: Vec<Monitor>,
}

impl Simulation {
    /// The device it runs on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The clock: the next step to run, and `dt`.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Rows of the batch (1 without a batch axis).
    pub fn rows(&self) -> usize {
        self.plan.rows
    }

    fn node(&self, node: NodeId) -> Result<&plan::PlanNode> {
        self.plan.nodes.get(node.0).ok_or_else(|| {
            Error::invalid(
                "Simulation",
                "node",
                node.0,
                "is not a population of this network",
            )
        })
    }

    /// The shape of `node`'s states and output: `(batch, *in_size)`.
    pub fn shape(&self, node: NodeId) -> Result<TensorShape> {
        let n = self.node(node)?;
        Ok(TensorShape::new(self.batch, n.in_size.clone()))
    }

    /// Queues values of external stream `ext` for the next steps: `steps × rows × size`
    /// values, row-major. A run consumes them and fails if there are too few.
    pub fn feed(&mut self, ext: ExternalId, data: &[f64]) -> Result<()> {
        let e = self.plan.externals.get(ext.0).ok_or_else(|| {
            Error::invalid(
                "Simulation",
                "external",
                ext.0,
                "is not an input of this network",
            )
        })?;
        let per_step = e.n * self.plan.rows;
        if !data.len().is_multiple_of(per_step) {
            return Err(Error::shape(
                format!("data of external `{}`", e.name),
                format!("a multiple of {per_step} values (rows × size per step)"),
                format!("{} values", data.len()),
            ));
        }
        if let Some(bad) = data.iter().find(|v| !v.is_finite()) {
            return Err(Error::invalid(&e.name, "data", bad, "must be finite"));
        }
        self.streams[ext.0].extend_from_slice(data);
        Ok(())
    }

    /// Records the spikes (any nonzero output) of `node` every step from now on.
    pub fn monitor_spikes(&mut self, node: NodeId) -> Result<MonitorId> {
        let n = self.node(node)?;
        let record = SpikeRecord::new(
            &n.name,
            node.0,
            self.plan.rows,
            n.n,
            self.clock.step(),
            self.plan.dt,
        );
        self.monitors.push(Monitor::Spikes(record));
        self.monitors_changed()
    }

    /// Counts the spikes (nonzero outputs) of `node` per sample from now on, without keeping
    /// when they happened.
    pub fn monitor_count(&mut self, node: NodeId) -> Result<MonitorId> {
        let n = self.node(node)?;
        let record = CountRecord::new(&n.name, node.0, self.plan.rows, n.n, self.plan.dt);
        self.monitors.push(Monitor::Count(record));
        self.monitors_changed()
    }

    /// Records state variable `var` of `node` every `every` steps from now on.
    pub fn monitor_state(&mut self, node: NodeId, var: &str, every: usize) -> Result<MonitorId> {
        let n = self.node(node)?;
        let v = n.var(var)?;
        if every == 0 {
            return Err(Error::invalid("monitor_state", "every", 0, "must be ≥ 1"));
        }
        let record = StateRecord::new(
            &n.name,
            var,
            node.0,
            v,
            every,
            self.plan.rows,
            n.n,
            self.plan.dt,
        );
        self.monitors.push(Monitor::State(record));
        self.monitors_changed()
    }

    fn monitors_changed(&mut self) -> Result<MonitorId> {
        match &mut self.exec {
            Exec::Gpu(g) => g.set_monitors(&self.monitors)?,
            Exec::Fused(f) => f.set_monitors(&self.monitors)?,
            Exec::Cpu(_) => {}
        }
        Ok(MonitorId(self.monitors.len() - 1))
    }

    /// What spike monitor `id` recorded.
    pub fn spikes(&self, id: MonitorId) -> Result<&SpikeRecord> {
        match self.monitors.get(id.0) {
            Some(Monitor::Spikes(r)) => Ok(r),
            _ => Err(Error::invalid(
                "Simulation",
                "monitor",
                id.0,
                "is not a spike monitor",
            )),
        }
    }

    /// What count monitor `id` counted.
    pub fn counts(&self, id: MonitorId) -> Result<&CountRecord> {
        match self.monitors.get(id.0) {
            Some(Monitor::Count(r)) => Ok(r),
            _ => Err(Error::invalid(
                "Simulation",
                "monitor",
                id.0,
                "is not a count monitor",
            )),
        }
    }

    /// What state monitor `id` recorded.
    pub fn samples(&self, id: MonitorId) -> Result<&StateRecord> {
        match self.monitors.get(id.0) {
            Some(Monitor::State(r)) => Ok(r),
            _ => Err(Error::invalid(
                "Simulation",
                "monitor",
                id.0,
                "is not a state monitor",
            )),
        }
    }

    /// Runs `steps` steps. On a GPU, chunks of up to 1000 steps are recorded into one
    /// submission each; monitors are read back once per chunk, nothing else.
    pub fn run(&mut self, steps: usize) -> Result<()> {
        for (e, data) in self.plan.externals.iter().zip(&self.streams) {
            let have = data.len() / (e.n * self.plan.rows);
            if have < steps {
                return Err(Error::invalid(
                    &e.name,
                    "data",
                    format!("{have} steps queued"),
                    format!("a run of {steps} steps needs {steps} (Simulation::feed)"),
                ));
            }
        }
        let mut done = 0;
        while done < steps {
            let chunk = match &self.exec {
                Exec::Gpu(g) => g.chunk_len().min(steps - done),
                Exec::Fused(f) => f.chunk_len().min(steps - done),
                Exec::Cpu(_) => steps - done,
            };
            let streams: Vec<&[f64]> = self
                .plan
                .externals
                .iter()
                .zip(&self.streams)
                .map(|(e, d)| &d[..chunk * e.n * self.plan.rows])
                .collect();
            match &mut self.exec {
                Exec::Gpu(g) => g.run(&self.clock, chunk, &streams, &mut self.monitors)?,
                Exec::Fused(f) => f.run(&self.clock, chunk, &streams, &mut self.monitors)?,
                Exec::Cpu(c) => c.run(&self.clock, chunk, &streams, &mut self.monitors)?,
            }
            for (e, d) in self.plan.externals.iter().zip(&mut self.streams) {
                d.drain(..chunk * e.n * self.plan.rows);
            }
            self.clock.set_step(self.clock.step() + chunk as u64);
            done += chunk;
        }
        Ok(())
    }

    /// State variable `var` of `node` now (read back from the device): `rows × in_size` values.
    pub fn state(&self, node: NodeId, var: &str) -> Result<Vec<f64>> {
        let n = self.node(node)?;
        let v = n.var(var)?;
        let at = n.state_base + v * n.total;
        match &self.exec {
            Exec::Gpu(g) => g.read_arena(at, n.total),
            Exec::Fused(f) => f.read_arena(at, n.total),
            Exec::Cpu(c) => Ok(c.arena()[at..at + n.total].to_vec()),
        }
    }

    /// The output of `node` after the latest step (spikes of a neuron, `g` of a synapse …).
    pub fn output(&self, node: NodeId) -> Result<Vec<f64>> {
        let n = self.node(node)?;
        match &self.exec {
            Exec::Gpu(g) => g.read_arena(n.out, n.total),
            Exec::Fused(f) => f.read_arena(n.out, n.total),
            Exec::Cpu(c) => Ok(c.arena()[n.out..n.out + n.total].to_vec()),
        }
    }

    /// Overwrites state variable `var` of `node` (`rows × in_size` values), e.g. to start from
    /// given initial values.
    pub fn set_state(&mut self, node: NodeId, var: &str, data: &[f64]) -> Result<()> {
        let n = self.node(node)?;
        let v = n.var(var)?;
        if data.len() != n.total {
            return Err(Error::shape(
                format!("state `{var}` of `{}`", n.name),
                format!("{} values", n.total),
                format!("{} values", data.len()),
            ));
        }
        let (at, total) = (n.state_base + v * n.total, n.total);
        match &mut self.exec {
            Exec::Gpu(g) => g.write_arena(at, data),
            Exec::Fused(f) => f.write_arena(at, data),
            Exec::Cpu(c) => c.arena_mut()[at..at + total].copy_from_slice(data),
        }
        Ok(())
    }

    /// Compiles what the next run needs (the fused kernel is compiled at the first run after
    /// the monitors change) and waits until everything submitted to the device has run: call
    /// it before timing runs.
    pub fn synchronize(&mut self) -> Result<()> {
        match &mut self.exec {
            Exec::Gpu(g) => g.synchronize(),
            Exec::Fused(f) => f.synchronize(),
            Exec::Cpu(_) => Ok(()),
        }
    }

    /// Which executor runs it — `"fused"`, `"per-step"` or `"f64"` — and the steps one
    /// dispatch runs (1 for the per-step executor).
    pub fn executor(&self) -> (&'static str, usize) {
        match &self.exec {
            Exec::Gpu(_) => ("per-step", 1),
            Exec::Fused(f) => ("fused", f.steps_per_dispatch()),
            Exec::Cpu(_) => ("f64", 1),
        }
    }

    /// What one step costs, counted from the plan (for benchmarks).
    pub fn cost_per_step(&self) -> StepCost {
        let monitors: Vec<(usize, plan::MonitorKind)> = self
            .monitors
            .iter()
            .map(|m| match m {
                Monitor::Spikes(r) => (r.node, plan::MonitorKind::Spikes),
                Monitor::Count(r) => (r.node, plan::MonitorKind::Count),
                Monitor::State(r) => (r.node, plan::MonitorKind::State(r.every)),
            })
            .collect();
        let (bytes, per_step) = self.plan.cost_per_step(&monitors);
        let (executor, steps_per_dispatch) = self.executor();
        let (registers, not_moved, barriers) = match &self.exec {
            Exec::Fused(f) => (
                f.registers(),
                f.on_chip_bytes_per_step(),
                f.barriers_per_step(),
            ),
            Exec::Gpu(g) => (0, g.unmoved_bytes_per_step(), 0),
            Exec::Cpu(_) => (0, 0, 0),
        };
        StepCost {
            bytes: bytes - not_moved,
            registers,
            barriers,
            dispatches: match &self.exec {
                Exec::Fused(_) => 1.0 / steps_per_dispatch as f64,
                Exec::Gpu(g) => g.dispatches_per_step() as f64,
                Exec::Cpu(_) => per_step as f64,
            },
            executor,
            steps_per_dispatch,
        }
    }
}
