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

mod checkpoint;
pub mod classic;
mod compose;
mod connect;
mod connectivity;
mod drive;
mod exec;
mod plan;
mod projection;
mod record;
mod simulation;

use std::ops::Range;
use std::sync::Arc;

pub use connect::{Delays, Dense, FixedProb, Procedural, Sparse, Weights};
pub(crate) use connect::{PROCEDURAL, VARIABLE_DEGREE};
pub use connectivity::{Bounds, Dist, Rule, Stream, Synapses};
pub use drive::PoissonDrive;
pub use exec::Executor;
pub(crate) use projection::PER_SYNAPSE_DELAY;
pub use record::{CountRecord, RateRecord, Sampling, SpikeRecord, StateRecord};
pub use simulation::{Progress, Simulation, StepCost};

use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::gpu::DeviceLimits;
use crate::model::{Model, ParamValue};
use crate::module::Module;
use crate::shaders::KernelDef;
use crate::shape::Shape;
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
    /// Constants given per neuron, per instance, or per both.
    Values(ParamValue),
    Poisson(PoissonDrive),
}

#[derive(Clone, Debug, PartialEq)]
enum Comm {
    Identity,
    Dense(Dense),
    Event(FixedProb),
    Procedural(Procedural),
}

/// One summand of an input: a source, optionally projected, scaled, sliced and delayed.
///
/// ```
/// # fn main() -> brainwgpu::Result<()> {
/// use brainwgpu::network::{Dense, FixedProb};
/// use brainwgpu::prelude::*;
///
/// let mut net = Network::new();
/// let a = net.add(LIF::new(100))?;
/// let g = net.add(Expon::new(50))?;
/// let terms = [
///     Term::output(a),                            // a's spikes as they are
///     Term::output(a).scaled(0.5).delayed(3),     // half of them, 3 steps late
///     Term::output(a).event(FixedProb::new(100, 50, 0.1, 0.2, 7)), // event-driven, p = 0.1
///     Term::output(a).dense(Dense::kaiming_normal(100, 50, 1)),    // through a Linear layer
///     Term::constant(1.5),                        // a constant input
/// ];
/// net.update(g, Wiring::new().x(terms[3].clone()));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Term {
    source: Source,
    comm: Comm,
    scale: f64,
    delay: usize,
    slice: Option<Range<usize>>,
    /// The dimension its values were given in (a quantity, a unit scale or weights with a
    /// unit), checked against what the input it feeds takes; `None`: internal magnitudes.
    dimension: Option<&'static str>,
    /// A further scale per instance (batch row).
    row_scales: Option<Arc<[f64]>>,
}

impl Term {
    fn of(source: Source) -> Term {
        Term {
            source,
            comm: Comm::Identity,
            scale: 1.0,
            delay: 0,
            slice: None,
            dimension: None,
            row_scales: None,
        }
    }

    /// A constant quantity (`Term::quantity(20.0 * mA)`, the same as `Term::from`): its
    /// dimension is checked against what the input it feeds takes.
    pub fn quantity<D: Dimension>(q: Quantity<D>) -> Term {
        Term {
            dimension: Some(D::NAME),
            ..Term::constant(q.value())
        }
    }

    /// Constants given per instance as quantities (see [`Term::per_instance`]).
    pub fn per_instance_of<D: Dimension>(values: impl IntoIterator<Item = Quantity<D>>) -> Term {
        let values: Vec<f64> = values.into_iter().map(|q| q.value()).collect();
        Term {
            dimension: Some(D::NAME),
            ..Term::per_instance(values)
        }
    }

    /// Times `unit`, in its dimension: the source's values are read as numbers (spikes, rates,
    /// gains) in that unit — `Term::output(n).scaled_by(0.5 * mV)` kicks a neuron's potential
    /// by 0.5 mV per spike. Its dimension is checked against what the input takes.
    pub fn scaled_by<D: Dimension>(mut self, unit: Quantity<D>) -> Term {
        self.scale *= unit.value();
        self.dimension = Some(D::NAME);
        self
    }

    /// The dimension of its values, if they were given with one: its own, else its
    /// projection's weights'.
    fn dimension(&self) -> Option<&'static str> {
        self.dimension.or(match &self.comm {
            Comm::Dense(d) => d.dimension,
            Comm::Event(s) => s.dimension,
            _ => None,
        })
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

    /// A constant given per instance (batch row): `values[b]` for every element of instance
    /// `b`, in internal units — one run sweeps an input over the batch. The batch must have as
    /// many instances as values.
    pub fn per_instance(values: impl Into<Arc<[f64]>>) -> Term {
        Term::of(Source::Values(ParamValue::PerInstance(values.into())))
    }

    /// A constant given per element of the input it feeds (`values[j]` in every instance).
    pub fn per_neuron(values: impl Into<Arc<[f64]>>) -> Term {
        Term::of(Source::Values(ParamValue::PerNeuron(values.into())))
    }

    /// A constant given per instance and element: `instances × len` values, row-major.
    pub fn per_instance_neuron(values: impl Into<Arc<[f64]>>) -> Term {
        Term::of(Source::Values(ParamValue::PerInstanceNeuron(values.into())))
    }

    /// A Poisson drive: binomial counts of `drive`'s sources, drawn for every target neuron
    /// and step (a delta input; it adds to the target's sums beside event projections). A
    /// scale multiplies its weight.
    pub fn poisson(drive: PoissonDrive) -> Term {
        Term::of(Source::Poisson(drive))
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

    /// Through procedural event connectivity (targets regenerated at each spike, no table).
    pub fn procedural(mut self, conn: Procedural) -> Term {
        self.comm = Comm::Procedural(conn);
        self
    }

    /// Times `scale`.
    pub fn scaled(mut self, scale: f64) -> Term {
        self.scale = scale;
        self
    }

    /// Times `scales[b]` in instance `b` (on top of [`Term::scaled`]): a sweep of a gain or a
    /// coupling strength over the batch. For plain and dense terms; the batch must have as
    /// many instances as values. Row b computes `f32(scale·scales[b])·value`, as a separate
    /// run scaled by that product.
    pub fn scaled_per_instance(mut self, scales: impl Into<Arc<[f64]>>) -> Term {
        self.row_scales = Some(scales.into());
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
        Term::quantity(q)
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

/// Where one population's inputs come from in its update: its `x`, its delta inputs (added
/// after the integration) and its current inputs (a synaptic output evaluated at the
/// membrane potential, inside the integration).
///
/// ```
/// # fn main() -> brainwgpu::Result<()> {
/// use brainwgpu::prelude::*;
///
/// let mut net = Network::new();
/// let lif = LIF::new(80).v_rest(-60.0 * mV).v_reset(-60.0 * mV).v_th(-50.0 * mV);
/// let e = net.add(lif)?;
/// let g = net.add(Expon::new(80).tau(5.0 * ms))?;
/// // The synapse integrates E's spikes; E reads its conductance as a COBA current and a
/// // constant 20 (µA) as x.
/// net.update(g, Wiring::new().x(Term::output(e)));
/// net.update(e, Wiring::new().x(20.0).current(SynOut::coba(0.0 * mV), g));
/// let sim = net.compile(&Device::Cpu, None, 0.1 * ms)?;
/// # Ok(())
/// # }
/// ```
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
    model: Arc<dyn Model>,
    in_size: Shape,
}

struct ExternalDef {
    name: String,
    size: Shape,
}

/// A network under construction (see the module docs): populations added with
/// [`add`](Network::add), each updated once per step by a statement with its [`Wiring`], in
/// the order of the `update` calls (BrainPy's order), then compiled for a device.
///
/// ```
/// # fn main() -> brainwgpu::Result<()> {
/// use brainwgpu::prelude::*;
///
/// let mut net = Network::new();
/// let input = net.add(PoissonSpike::new(100, vec![0.05; 100]).seed(1))?; // 50 Hz each
/// let g = net.add(Expon::new(100).tau(5.0 * ms))?;
/// let n = net.add(LIF::new(100).tau(10.0 * ms).v_th(1.0).v_reset(0.0).v_rest(0.0).r(1.0))?;
/// net.update(input, Wiring::new());
/// net.update(g, Wiring::new().x(Term::output(input).scaled(2.0)));
/// net.update(n, Wiring::new().x(Term::output(g)));
/// let mut sim = net.compile(&Device::Cpu, Some(4), 0.1 * ms)?; // 4 instances
/// sim.run(100)?;
/// assert_eq!(sim.state(n, "V")?.len(), 4 * 100);
/// # Ok(())
/// # }
/// ```
#[derive(Default)]
pub struct Network {
    nodes: Vec<NodeDef>,
    externals: Vec<ExternalDef>,
    program: Vec<(NodeId, Wiring)>,
    read_values: bool,
}

impl Network {
    /// An empty network.
    pub fn new() -> Network {
        Network::default()
    }

    /// Makes the GPU kernels this network compiles to read every value — parameters,
    /// constant inputs, scales, homogeneous weights, random keys — from device memory instead
    /// of holding them as constants, so that networks that differ only in values compile to
    /// the same kernels and share them: a sweep by rebuilding then compiles once (the batch
    /// axis, [`Term::per_instance`] and [`crate::Param::per_instance`], sweeps in one
    /// simulation and is faster still). Kernels with constants run faster (1.4–1.8× for
    /// COBA on the software adapter; ARCHITECTURE.md, "Choices"); results can differ from
    /// theirs in the last bit of f32 where a compiler evaluates constant expressions itself,
    /// and are the same for every network compiled this way.
    pub fn read_values(&mut self, read: bool) -> &mut Network {
        self.read_values = read;
        self
    }

    /// Whether [`Network::read_values`] is set.
    pub fn reads_values(&self) -> bool {
        self.read_values
    }

    fn name_taken(&self, name: &str) -> bool {
        self.nodes.iter().any(|n| n.name == name) || self.externals.iter().any(|e| e.name == name)
    }

    /// Adds a population: the module's model, `in_size` and name (a module without a name is
    /// called `<Kind><index>`). Its states are created when the network compiles.
    pub fn add<M: Model>(&mut self, module: Module<M>) -> Result<NodeId> {
        let (model, in_size, name) = module.into_parts();
        self.add_parts(Arc::new(model), in_size, name)
    }

    /// Adds a population given as any module (one built by name through
    /// [`crate::registry`], say): its model, `in_size` and name; any states it has are left
    /// behind.
    pub fn add_dynamics(&mut self, module: Box<dyn crate::Dynamics>) -> Result<NodeId> {
        let (model, in_size, name) = module.into_model_parts();
        self.add_parts(model, in_size, name)
    }

    fn add_parts(
        &mut self,
        model: Arc<dyn Model>,
        in_size: Shape,
        name: Option<String>,
    ) -> Result<NodeId> {
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
            model,
            in_size,
        });
        Ok(NodeId(self.nodes.len() - 1))
    }

    /// Adds an external input stream of `size` values per sample and step.
    pub fn external(&mut self, name: &str, size: impl Into<Shape>) -> Result<ExternalId> {
        let size = size.into();
        size.validate(&format!("external `{name}`"))?;
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
            size,
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

    /// The WGSL kernels that `executor` would generate for this network with `batch` instances
    /// and step `dt` on a device with `limits`, without a device: to read what runs, or to
    /// check in CI that a network's kernels compile. Returns the executor's name (`"fused"` or
    /// `"per-step"`) and the kernels; [`KernelDef::full_source`] gives each one's complete
    /// WGSL module and [`KernelDef::validate`] checks it with naga. The fused kernel is the one
    /// without monitors; the per-step executor's other dispatches run built-in kernels.
    /// Setting `BRAINWGPU_DUMP_WGSL=DIR` writes the kernels a compiled simulation generates.
    pub fn kernels(
        &self,
        batch: Option<usize>,
        dt: impl Into<Quantity<Time>>,
        executor: Executor,
        limits: &DeviceLimits,
    ) -> Result<(&'static str, Vec<KernelDef>)> {
        let clock = Clock::new(dt)?;
        let plan = plan::build(self, batch, clock.dt_ms(), Some(limits.max_storage_binding))?;
        exec::kernels(&plan, executor, limits)
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
        let exec = exec::build(device, &plan, executor)?;
        Simulation::new(batch, device.clone(), plan, clock, exec)
    }
}

/// What a monitor recorded, whatever its kind: what [`Simulation::drain`] and
/// [`Simulation::remove_monitor`] hand back.
#[derive(Clone, Debug, PartialEq)]
pub enum Record {
    /// Spikes as bits ([`Simulation::monitor_spikes`]).
    Spikes(SpikeRecord),
    /// Samples of a state variable ([`Simulation::monitor_state`]).
    State(StateRecord),
    /// Spike counts per instance over the run ([`Simulation::monitor_count`]).
    Count(CountRecord),
    /// Spike counts per step and instance ([`Simulation::monitor_rate`]).
    Rate(RateRecord),
}
