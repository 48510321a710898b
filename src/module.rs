//! [`Module`]: a model with its states on a device, and the [`Dynamics`], [`Synapse`] and
//! [`Neuron`] abstractions (BrainPy's base classes). One cohesive thing, kept in one file: a
//! module's states, its inputs' validation and its update on either device.

use crate::abi::{InputMode, Sim, SimInput};
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::gpu::{ClockEntry, ElementBindings, Gpu, GpuArray};
use crate::host::{HostInput, HostStates, HostStep, step_elements};
use crate::model::{Model, Output, ParamValue};
use crate::shape::{Shape, TensorShape, validate_batch};
use crate::synout::SynOut;
use crate::tensor::{Device, Input, Storage, Tensor};

/// A current input of a neuron for one update: a synaptic output and the conductance it is
/// bound to (BrainPy's `add_current_input(key, out)` after `out.bind_cond(g)`).
#[derive(Clone, Copy, Debug)]
pub struct CurrentInput<'a> {
    /// How the conductance becomes a current.
    pub out: SynOut,
    /// The conductance, shaped like the neuron's states.
    pub g: &'a Tensor,
}

/// Everything one update receives besides the clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct Inputs<'a> {
    /// The argument `x` of `update(x)`.
    pub x: Input<'a>,
    /// The summed delta inputs (BrainPy's `add_delta_input`), added to a state right after
    /// its integration; which state is the model's.
    pub delta: Input<'a>,
    /// Current inputs, evaluated inside the drift of `V` in this order, after `x`.
    pub currents: &'a [CurrentInput<'a>],
}

impl<'a> Inputs<'a> {
    /// Only `x`.
    pub fn x(x: impl Into<Input<'a>>) -> Inputs<'a> {
        Inputs {
            x: x.into(),
            ..Inputs::default()
        }
    }
}

/// What every model offers (BrainPy's `Dynamics`): sizes, a name, states that are created
/// with `init_state`, rewritten with `reset_state`, and advanced by `update`.
pub trait Dynamics {
    /// The BrainPy class name ("Expon", "LIF" …).
    fn kind(&self) -> &str;
    /// The optional name (`None` unless given, as in BrainPy).
    fn name(&self) -> Option<&str>;
    /// Gives it a name (BrainPy's `name=`), which errors and networks use.
    fn set_name(&mut self, name: &str);
    /// Its model, `in_size` and name, leaving any states behind
    /// ([`Network::add_dynamics`](crate::Network::add_dynamics)).
    fn into_model_parts(self: Box<Self>) -> (std::sync::Arc<dyn Model>, Shape, Option<String>);
    /// `in_size` (BrainPy's `varshape`).
    fn in_size(&self) -> &Shape;
    /// Creates the states on `device`, shaped `(batch, *in_size)` or `in_size` when `batch`
    /// is `None`, with their initial values. Validates every parameter first.
    fn init_state(&mut self, device: &Device, batch: Option<usize>) -> Result<()>;
    /// Writes the initial values into the existing states (re-creating them if the batch
    /// size changes).
    fn reset_state(&mut self, batch: Option<usize>) -> Result<()>;
    /// One step at `clock`'s time with input `x`; the result stays on the device.
    fn update(&mut self, clock: &Clock, x: Input<'_>) -> Result<&Tensor> {
        self.update_with(
            clock,
            Inputs {
                x,
                ..Inputs::default()
            },
        )
    }
    /// One step with `x`, delta inputs and current inputs.
    fn update_with(&mut self, clock: &Clock, inputs: Inputs<'_>) -> Result<&Tensor>;
    /// State variable `name` ("g", "V" …), a view on the device.
    fn state(&self, name: &str) -> Result<&Tensor>;
    /// Overwrites state variable `name` with `data` (row-major, `(batch, *in_size)`), as
    /// BrainPy's `model.V.value = …`.
    fn set_state(&mut self, name: &str, data: &[f64]) -> Result<()>;
    /// Names of the state variables.
    fn state_names(&self) -> Vec<String>;
    /// What the latest `update` returned.
    fn output(&self) -> Result<&Tensor>;
}

/// A synapse: `update(x)` returns its conductance (BrainPy's `Synapse`).
pub trait Synapse: Dynamics {}

/// A neuron: `update(x)` returns its spikes as 0.0/1.0 (BrainPy's `Neuron`).
pub trait Neuron: Dynamics {
    /// The spikes of the latest update.
    fn spike(&self) -> Result<&Tensor> {
        self.output()
    }

    /// The membrane potential `V`.
    fn voltage(&self) -> Result<&Tensor> {
        self.state("V")
    }
}

/// Marker for models whose modules are synapses.
pub trait SynapseModel: Model {}

/// Marker for models whose modules are neurons.
pub trait NeuronModel: Model {}

/// A model plus its states on a device: what `Expon`, `LIF` … are. Used alone it is
/// brainstate's `nn.Module`: `init_state`, then `update` once per step.
///
/// ```
/// # fn main() -> brainwgpu::Result<()> {
/// use brainwgpu::prelude::*;
///
/// let device = Device::Cpu; // or Device::gpu()?
/// let mut syn = Expon::new(100).tau(8.0 * ms);
/// syn.init_state(&device, Some(32))?; // a batch of 32
/// let mut clock = Clock::new(0.1 * ms)?;
/// let spikes = Tensor::from_f64(&device, TensorShape::new(Some(32), 100), &vec![1.0; 3200])?;
/// for _ in 0..10 {
///     syn.update(&clock, &spikes)?;
///     clock.advance();
/// }
/// assert_eq!(syn.output()?.shape().to_string(), "(32, 100)");
/// # Ok(())
/// # }
/// ```
pub struct Module<M: Model> {
    model: M,
    in_size: Shape,
    name: Option<String>,
    rt: Option<Runtime>,
}

enum Runtime {
    Gpu(Box<GpuRuntime>),
    Cpu(CpuRuntime),
}

/// Parameters as last uploaded, and the `dt` they were computed for.
struct Params<T> {
    dt: Option<f64>,
    data: T,
}

struct GpuRuntime {
    gpu: Gpu,
    batch: Option<usize>,
    /// All state variables, variable-major, `stride` words apart, then room for the
    /// conductances of `channel_room` current inputs (the kernels read channels from `state`).
    state: GpuArray,
    stride: usize,
    vars: usize,
    channel_room: usize,
    params: Params<Option<GpuArray>>,
    sim: GpuArray,
    clock: GpuArray,
    out: Option<GpuArray>,
    /// `Channel` records of the current inputs.
    channels: Option<GpuArray>,
    /// One view per state variable, then the emitted output (if any).
    views: Vec<Tensor>,
}

impl GpuRuntime {
    /// Grows the state buffer to hold `count` current-input conductances after the states
    /// (the states are copied over and the views re-made).
    fn make_channel_room(&mut self, count: usize, shape: &TensorShape) -> Result<()> {
        if count <= self.channel_room {
            return Ok(());
        }
        let len = (self.vars + count) * self.stride;
        let grown = self
            .gpu
            .alloc("states and current-input conductances", len)?;
        let used = self.vars * self.stride;
        if used > 0 {
            grown.view(0, used).copy_from(&self.state.view(0, used))?;
        }
        self.state = grown;
        self.channel_room = count;
        self.channels = Some(self.gpu.alloc("current-input channels", count * 8)?);
        for k in 0..self.vars {
            self.views[k] = Tensor::from_storage(
                shape.clone(),
                Storage::Gpu(self.state.view(k * self.stride, self.stride)),
            );
        }
        Ok(())
    }
}

struct CpuRuntime {
    batch: Option<usize>,
    params: Params<Vec<ParamValue>>,
    /// One tensor per state variable, then the emitted output (if any).
    tensors: Vec<Tensor>,
}

/// The two top bits of a parameter's header word: how `param()` indexes its values.
pub(crate) const PARAM_LAYOUT_SHIFT: u32 = 30;
/// The offset bits of a header word (a table never reaches 2^30 words: no storage binding
/// holds 4 GiB).
pub(crate) const PARAM_OFFSET_MASK: u32 = (1 << PARAM_LAYOUT_SHIFT) - 1;

/// How errors name a module: its kind and, when it has one, its name.
fn owner_of(kind: &str, name: Option<&str>) -> String {
    match name {
        Some(n) => format!("{kind} `{n}`"),
        None => kind.to_string(),
    }
}

/// The header + values layout `param()` in `shaders/abi/shared.wgsl` reads: header word p is
/// the offset of parameter p's values, its top two bits how they are indexed — 0 one value
/// (or a table, or a word), 2 by neuron `j`, 1 by instance `b`, 3 by element `i = b·n + j`.
pub(crate) fn pack_params(params: &[ParamValue]) -> Vec<u32> {
    let mut words = vec![0u32; params.len()];
    for (p, value) in params.iter().enumerate() {
        let offset = words.len() as u32;
        let layout: u32 = match value {
            ParamValue::Scalar(_) | ParamValue::Table(_) | ParamValue::Word(_) => 0,
            ParamValue::PerNeuron(_) => 2,
            ParamValue::PerInstance(_) => 1,
            ParamValue::PerInstanceNeuron(_) => 3,
        };
        match value {
            ParamValue::Word(w) => words.push(*w),
            other => words.extend(other.values().iter().map(|&x| (x as f32).to_bits())),
        }
        words[p] = offset | (layout << PARAM_LAYOUT_SHIFT);
    }
    if words.is_empty() {
        words.push(0);
    }
    words
}

/// A module's host tensors as the host loop's states (the emitted output after the states).
struct TensorStates<'a>(&'a mut [Tensor], usize);

impl HostStates for TensorStates<'_> {
    fn get(&self, v: usize, i: usize) -> f64 {
        cpu_data(&self.0[v])[i]
    }
    fn set(&mut self, v: usize, i: usize, value: f64) {
        cpu_data_mut(&mut self.0[v])[i] = value;
    }
    fn set_out(&mut self, i: usize, value: f64) {
        cpu_data_mut(&mut self.0[self.1])[i] = value;
    }
}

fn cpu_data(t: &Tensor) -> &[f64] {
    match &t.storage {
        Storage::Cpu(v) => v,
        Storage::Gpu(_) => unreachable!("CPU runtime holds host tensors"),
    }
}

fn cpu_data_mut(t: &mut Tensor) -> &mut Vec<f64> {
    match &mut t.storage {
        Storage::Cpu(v) => v,
        Storage::Gpu(_) => unreachable!("CPU runtime holds host tensors"),
    }
}

/// How an input maps onto the elements: its mode in the element ABI (`x_mode`, `d_mode`).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    None,
    Scalar(f64),
    /// One row per sample.
    PerSample,
    /// One row shared by every sample (broadcast over the batch).
    Shared,
}

impl Mode {
    /// The input as `Sim` reads it, from `offset` of its buffer.
    fn abi(self, offset: usize) -> SimInput {
        match self {
            Mode::None => SimInput::NONE,
            Mode::Scalar(v) => SimInput::scalar(v),
            Mode::PerSample => SimInput::at(InputMode::Rows, offset),
            Mode::Shared => SimInput::at(InputMode::SharedRow, offset),
        }
    }
}

fn gpu_array(input: Input<'_>) -> Option<&GpuArray> {
    match input {
        Input::Tensor(t) => match &t.storage {
            Storage::Gpu(a) => Some(a),
            Storage::Cpu(_) => None,
        },
        _ => None,
    }
}

fn host_data(input: Input<'_>) -> &[f64] {
    match input {
        Input::Tensor(t) => cpu_data(t),
        _ => &[],
    }
}

impl<M: Model> Module<M> {
    /// A module for `model` over `in_size`, without states yet.
    pub fn from_model(model: M, in_size: impl Into<Shape>) -> Self {
        Module {
            model,
            in_size: in_size.into(),
            name: None,
            rt: None,
        }
    }

    /// Gives the module a name.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The model, its `in_size` and its name, leaving any states behind (a network creates
    /// its populations' states when it compiles).
    pub(crate) fn into_parts(self) -> (M, Shape, Option<String>) {
        (self.model, self.in_size, self.name)
    }

    /// The model (its parameters).
    pub fn model(&self) -> &M {
        &self.model
    }

    /// Changes the model's parameters; the kernel parameters are recomputed and uploaded at
    /// the next update (new parameters are validated there).
    pub fn configure(mut self, f: impl FnOnce(&mut M)) -> Self {
        f(&mut self.model);
        match &mut self.rt {
            Some(Runtime::Gpu(g)) => g.params.dt = None,
            Some(Runtime::Cpu(c)) => c.params.dt = None,
            None => {}
        }
        self
    }

    /// The batch size the states were created with (`None` before `init_state` or without a
    /// batch axis).
    pub fn batch_size(&self) -> Option<usize> {
        match &self.rt {
            Some(Runtime::Gpu(g)) => g.batch,
            Some(Runtime::Cpu(c)) => c.batch,
            None => None,
        }
    }

    /// On a GPU: the whole state buffer and the distance between its variables (for kernels
    /// that write into this model's states, such as `poisson_input`).
    pub(crate) fn gpu_state(&self) -> Option<(GpuArray, usize)> {
        match &self.rt {
            Some(Runtime::Gpu(g)) => Some((g.state.clone(), g.stride)),
            _ => None,
        }
    }

    /// On the host: the values of state variable `var`.
    pub(crate) fn cpu_state_mut(&mut self, var: usize) -> Option<&mut Vec<f64>> {
        match &mut self.rt {
            Some(Runtime::Cpu(c)) => Some(cpu_data_mut(&mut c.tensors[var])),
            _ => None,
        }
    }

    /// The shape of every state: `(batch, *in_size)`.
    pub fn state_shape(&self) -> Result<TensorShape> {
        self.runtime()?;
        Ok(TensorShape::new(self.batch_size(), self.in_size.clone()))
    }

    fn owner(&self) -> String {
        owner_of(self.model.kind(), self.name.as_deref())
    }

    fn runtime(&self) -> Result<&Runtime> {
        self.rt.as_ref().ok_or_else(|| Error::NotInitialized {
            owner: self.owner(),
        })
    }

    fn state_index(&self, name: &str) -> Result<usize> {
        let names = self.model.state_names();
        names
            .iter()
            .position(|n| *n == name)
            .ok_or_else(|| Error::UnknownName {
                owner: self.owner(),
                kind: "state",
                name: name.to_string(),
                available: names.iter().map(|s| s.to_string()).collect(),
            })
    }

    fn tensors(&self) -> Result<&[Tensor]> {
        Ok(match self.runtime()? {
            Runtime::Gpu(g) => &g.views,
            Runtime::Cpu(c) => &c.tensors,
        })
    }

    fn write_state(&mut self, name: &str, data: &[f64]) -> Result<()> {
        let k = self.state_index(name)?;
        let owner = self.owner();
        if let Some(bad) = data.iter().find(|&&x| !crate::model::finite(x)) {
            return Err(Error::invalid(
                format!("state `{name}` of {owner}"),
                "data",
                bad,
                crate::model::FINITE,
            ));
        }
        let tensor = match self.rt.as_mut() {
            Some(Runtime::Gpu(g)) => &mut g.views[k],
            Some(Runtime::Cpu(c)) => &mut c.tensors[k],
            None => return Err(Error::NotInitialized { owner }),
        };
        if data.len() != tensor.shape().numel() {
            return Err(Error::shape(
                format!("state `{name}` of {owner}"),
                tensor.shape(),
                format!("{} values", data.len()),
            ));
        }
        tensor.write_f64(data)
    }

    /// The model's starting values, checked to be one `rows × n` array per state variable
    /// (a user-defined model could return anything).
    fn initial_state(&self, rows: usize, n: usize) -> Result<Vec<Vec<f64>>> {
        let init = self.model.initial_state(rows, n);
        let vars = self.model.state_names().len();
        if init.len() != vars || init.iter().any(|v| v.len() != rows * n) {
            return Err(Error::shape(
                format!("initial state of {}", self.owner()),
                format!("{vars} arrays of {} values", rows * n),
                format!(
                    "{} arrays of {:?} values",
                    init.len(),
                    init.iter().map(Vec::len).collect::<Vec<_>>()
                ),
            ));
        }
        Ok(init)
    }

    fn create(&self, device: &Device, batch: Option<usize>) -> Result<Runtime> {
        let owner = self.owner();
        self.in_size.validate(&owner)?;
        validate_batch(&owner, batch)?;
        let n = self.in_size.numel();
        self.model.validate(n)?;
        let shape = TensorShape::new(batch, self.in_size.clone());
        let rows = shape.rows();
        let total = shape.numel();
        let vars = self.model.state_names().len();
        if let Device::Cpu = device {
            // The states (and an output) in f64.
            Device::check_host_values(
                || format!("states of {owner} ({vars} variables × {shape})"),
                (vars as u64 + 1).saturating_mul(total as u64),
                Device::cpu_memory_budget(),
            )?;
        }
        if let Device::Gpu(gpu) = device {
            gpu.check_words(
                &format!("states of {owner} ({vars} variables × {shape})"),
                vars * total,
            )?;
            // A user's kernel is checked here, its errors pointing into its own source, not
            // at the first update.
            let kernel = self.model.kernel();
            if !kernel.is_static() {
                kernel.validate()?;
            }
        }
        let init = self.initial_state(rows, n)?;
        let emits = self.model.output() == Output::Emitted;
        match device {
            Device::Cpu => {
                let mut tensors: Vec<Tensor> = init
                    .into_iter()
                    .map(|v| Tensor::from_storage(shape.clone(), Storage::Cpu(v)))
                    .collect();
                if emits {
                    tensors.push(Tensor::from_storage(
                        shape.clone(),
                        Storage::Cpu(vec![0.0; total]),
                    ));
                }
                Ok(Runtime::Cpu(CpuRuntime {
                    batch,
                    params: Params {
                        dt: None,
                        data: Vec::new(),
                    },
                    tensors,
                }))
            }
            Device::Gpu(gpu) => {
                let stride = total;
                let flat: Vec<f32> = init.iter().flatten().map(|&x| x as f32).collect();
                let what = format!("states of {owner} ({vars} variables × {shape})");
                let state = if flat.is_empty() {
                    gpu.alloc(&what, 0)?
                } else {
                    gpu.upload(&what, &flat)?
                };
                let out = if emits {
                    Some(gpu.alloc(&format!("output of {owner} {shape}"), total)?)
                } else {
                    None
                };
                let mut views: Vec<Tensor> = (0..vars)
                    .map(|k| {
                        Tensor::from_storage(
                            shape.clone(),
                            Storage::Gpu(state.view(k * stride, total)),
                        )
                    })
                    .collect();
                if let Some(o) = &out {
                    views.push(Tensor::from_storage(shape.clone(), Storage::Gpu(o.clone())));
                }
                Ok(Runtime::Gpu(Box::new(GpuRuntime {
                    gpu: gpu.clone(),
                    batch,
                    state,
                    stride,
                    vars,
                    channel_room: 0,
                    params: Params {
                        dt: None,
                        data: None,
                    },
                    sim: gpu.alloc_uniform(&format!("sim of {owner}"), std::mem::size_of::<Sim>()),
                    clock: gpu.alloc_uniform("clock", std::mem::size_of::<ClockEntry>()),
                    out,
                    channels: None,
                    views,
                })))
            }
        }
    }

    /// Checks an input against the state shape: `(batch, *row)` (one row per sample) or `row`
    /// (shared by every sample), on the model's device.
    fn mode(&self, what: &str, input: Input<'_>, row: &Shape, on: &'static str) -> Result<Mode> {
        let t = match input {
            Input::None => return Ok(Mode::None),
            Input::Scalar(v) if !crate::model::finite(v) => {
                return Err(Error::invalid(self.owner(), what, v, crate::model::FINITE));
            }
            Input::Scalar(v) => return Ok(Mode::Scalar(v)),
            Input::Tensor(t) => t,
        };
        if t.device_kind() != on {
            return Err(Error::DeviceMismatch {
                what: what.into(),
                owner: self.owner(),
                expected: on,
                got: t.device_kind(),
            });
        }
        let batch = self.batch_size();
        let per_sample = TensorShape::new(batch, row.clone());
        let dims = t.shape().dims();
        if dims == per_sample.dims() {
            Ok(Mode::PerSample)
        } else if dims == row.dims() {
            Ok(Mode::Shared)
        } else {
            let expected = if batch.is_some() {
                format!("{per_sample} or {row} (broadcast over the batch)")
            } else {
                per_sample.to_string()
            };
            Err(Error::shape(
                format!("{what} of {}", self.owner()),
                expected,
                t.shape(),
            ))
        }
    }

    /// One step; see [`Dynamics::update`]. `x` may be a `&Tensor`, a number, a quantity or
    /// `None`.
    pub fn update<'a>(&mut self, clock: &Clock, x: impl Into<Input<'a>>) -> Result<&Tensor> {
        self.update_with(clock, Inputs::x(x))
    }

    /// One step with `x`, delta inputs and current inputs; see [`Dynamics::update_with`].
    pub fn update_with(&mut self, clock: &Clock, inputs: Inputs<'_>) -> Result<&Tensor> {
        let shape = self.state_shape()?;
        let on = match self.runtime()? {
            Runtime::Gpu(_) => "gpu",
            Runtime::Cpu(_) => "cpu",
        };
        let accepts = self.model.accepts();
        let x_size = self.model.x_size().unwrap_or_else(|| self.in_size.clone());
        let x_mode = self.mode("x", inputs.x, &x_size, on)?;
        if !accepts.delta && !matches!(inputs.delta, Input::None) {
            return Err(Error::invalid(
                self.owner(),
                "delta input",
                "given",
                "this model reads no delta inputs",
            ));
        }
        let d_mode = self.mode("delta input", inputs.delta, &self.in_size, on)?;
        if !accepts.currents && !inputs.currents.is_empty() {
            return Err(Error::invalid(
                self.owner(),
                "current input",
                "given",
                "this model reads no current inputs",
            ));
        }
        for (c, input) in inputs.currents.iter().enumerate() {
            input.out.validate()?;
            let what = format!("conductance of current input {c}");
            if self.mode(&what, Input::Tensor(input.g), &self.in_size, on)? != Mode::PerSample {
                return Err(Error::shape(
                    format!("{what} of {}", self.owner()),
                    &shape,
                    input.g.shape(),
                ));
            }
        }

        let dt = clock.dt_ms();
        let n = self.in_size.numel();
        let x_n = x_size.numel();
        let total = shape.numel();
        let vars = self.model.state_names().len();
        let out_index = match self.model.output() {
            Output::State(k) => k,
            Output::Emitted => vars,
        };
        let params_stale = match self.runtime()? {
            Runtime::Gpu(g) => g.params.dt != Some(dt),
            Runtime::Cpu(c) => c.params.dt != Some(dt),
        };
        let fresh = if params_stale {
            self.model.validate(n)?;
            let params = self.model.kernel_params(dt);
            crate::model::check_instances(&params, &self.owner(), shape.rows(), n)?;
            Some(params)
        } else {
            None
        };
        let owner = self.owner();
        let model = &self.model;
        let rt = self.rt.as_mut().expect("runtime checked above");
        match rt {
            Runtime::Gpu(g) => {
                if let Some(params) = &fresh {
                    let words = pack_params(params);
                    match &g.params.data {
                        Some(a) if a.len() == words.len() => a.write(0, &words),
                        _ => g.params.data = Some(g.gpu.upload("parameters", &words)?),
                    }
                    g.params.dt = Some(dt);
                }
                let count = inputs.currents.len();
                g.make_channel_room(count, &shape)?;
                let mut copies: Vec<(GpuArray, GpuArray)> = Vec::with_capacity(count + 2);
                if count > 0 {
                    let mut words = Vec::with_capacity(count * 8);
                    for (c, input) in inputs.currents.iter().enumerate() {
                        let src = gpu_array(Input::Tensor(input.g)).expect("device checked above");
                        let at = (g.vars + c) * g.stride;
                        copies.push((src.clone(), g.state.view(at, total)));
                        words.extend(input.out.channel_words(at as u32));
                    }
                    g.channels.as_ref().expect("made above").write(0, &words);
                }
                // An input in a buffer the kernel writes (a model fed its own state) is copied
                // aside first, so the kernel reads this step's input, not its own writes.
                let mut aside = |input: Option<&GpuArray>| -> Result<Option<GpuArray>> {
                    match input {
                        Some(a)
                            if a.same_buffer(&g.state)
                                || g.out.as_ref().is_some_and(|o| a.same_buffer(o)) =>
                        {
                            let copy = g.gpu.alloc("input copy", a.len())?;
                            copies.push((a.clone(), copy.clone()));
                            Ok(Some(copy))
                        }
                        Some(a) => Ok(Some(a.clone())),
                        None => Ok(None),
                    }
                };
                let x = aside(gpu_array(inputs.x))?;
                let delta = aside(gpu_array(inputs.delta))?;
                let offset = |a: &Option<GpuArray>| a.as_ref().map_or(0, |a| a.offset());
                let sim = Sim {
                    n: n as u32,
                    total: total as u32,
                    stride: g.stride as u32,
                    out_offset: g.out.as_ref().map_or(0, |o| o.offset() as u32),
                    channels: count as u32,
                    ..Sim::default()
                }
                .with_inputs(
                    x_mode.abi(offset(&x)),
                    x_n,
                    d_mode.abi(offset(&delta)),
                );
                g.sim.write::<u32>(0, bytemuck::cast_slice(&[sim]));
                let tick = standalone_tick(clock, &owner)?;
                g.clock.write::<u32>(0, bytemuck::cast_slice(&[tick]));
                let dispatch = g.gpu.element_dispatch(
                    model.kernel(),
                    &ElementBindings {
                        sim: &g.sim,
                        state: &g.state,
                        params: g.params.data.as_ref().expect("uploaded above"),
                        x: x.as_ref(),
                        out: g.out.as_ref(),
                        delta: delta.as_ref(),
                        acc: None,
                        channels: if count > 0 { g.channels.as_ref() } else { None },
                        clock: &g.clock,
                    },
                    total,
                )?;
                let copies: Vec<(&GpuArray, &GpuArray)> =
                    copies.iter().map(|(a, b)| (a, b)).collect();
                g.gpu.run(&copies, [(0u32, &[&dispatch][..])])?;
                Ok(&g.views[out_index])
            }
            Runtime::Cpu(c) => {
                if let Some(params) = fresh {
                    c.params.data = params;
                    c.params.dt = Some(dt);
                }
                fn host<'a>(mode: Mode, input: Input<'a>, pitch: usize) -> HostInput<'a> {
                    match mode {
                        Mode::None => HostInput::None,
                        Mode::Scalar(v) => HostInput::Scalar(v),
                        Mode::PerSample | Mode::Shared => HostInput::Rows {
                            data: host_data(input),
                            pitch,
                            per_sample: mode == Mode::PerSample,
                        },
                    }
                }
                let channels: Vec<(SynOut, &[f64])> = inputs
                    .currents
                    .iter()
                    .map(|ci| (ci.out, cpu_data(ci.g)))
                    .collect();
                let step = HostStep {
                    time: (clock.t_ms(), dt, clock.step(), 0.0),
                    n,
                    total,
                    x_n,
                    x: host(x_mode, inputs.x, x_n),
                    delta: host(d_mode, inputs.delta, n),
                    channels: &channels,
                    params: &c.params.data,
                };
                let owner = || owner_of(model.kind(), self.name.as_deref());
                step_elements(model, owner, &step, &mut TensorStates(&mut c.tensors, vars))?;
                Ok(&c.tensors[out_index])
            }
        }
    }
}

impl<M: Model> Dynamics for Module<M> {
    fn kind(&self) -> &str {
        self.model.kind()
    }

    fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    fn set_name(&mut self, name: &str) {
        self.name = Some(name.to_string());
    }

    fn into_model_parts(self: Box<Self>) -> (std::sync::Arc<dyn Model>, Shape, Option<String>) {
        let (model, in_size, name) = (*self).into_parts();
        (std::sync::Arc::new(model), in_size, name)
    }

    fn in_size(&self) -> &Shape {
        &self.in_size
    }

    fn init_state(&mut self, device: &Device, batch: Option<usize>) -> Result<()> {
        self.rt = Some(self.create(device, batch)?);
        Ok(())
    }

    fn reset_state(&mut self, batch: Option<usize>) -> Result<()> {
        let device = match self.runtime()? {
            Runtime::Gpu(g) => Device::Gpu(g.gpu.clone()),
            Runtime::Cpu(_) => Device::Cpu,
        };
        if batch != self.batch_size() {
            return self.init_state(&device, batch);
        }
        let owner = self.owner();
        validate_batch(&owner, batch)?;
        let n = self.in_size.numel();
        self.model.validate(n)?;
        let init = self.initial_state(TensorShape::new(batch, n).rows(), n)?;
        for (k, values) in init.iter().enumerate() {
            let tensor = match self.rt.as_mut().expect("runtime checked above") {
                Runtime::Gpu(g) => &mut g.views[k],
                Runtime::Cpu(c) => &mut c.tensors[k],
            };
            tensor.write_f64(values)?;
        }
        Ok(())
    }

    fn update_with(&mut self, clock: &Clock, inputs: Inputs<'_>) -> Result<&Tensor> {
        Module::update_with(self, clock, inputs)
    }

    fn state(&self, name: &str) -> Result<&Tensor> {
        let k = self.state_index(name)?;
        Ok(&self.tensors()?[k])
    }

    fn set_state(&mut self, name: &str, data: &[f64]) -> Result<()> {
        self.write_state(name, data)
    }

    fn state_names(&self) -> Vec<String> {
        self.model
            .state_names()
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    fn output(&self) -> Result<&Tensor> {
        let k = match self.model.output() {
            Output::State(k) => k,
            Output::Emitted => self.model.state_names().len(),
        };
        Ok(&self.tensors()?[k])
    }
}

impl<M: SynapseModel> Synapse for Module<M> {}

impl<M: NeuronModel> Neuron for Module<M> {}

/// The clock entry of a standalone model's step on a GPU: `t = k·dt` as an f32 product, exact
/// in the step up to 2^24 steps, beyond which a later step could round to the time of an
/// earlier one (a network counts time from an epoch instead, and has no such limit).
pub(crate) fn standalone_tick(clock: &Clock, owner: &str) -> Result<ClockEntry> {
    const EXACT: u64 = 1 << 24;
    if clock.step() > EXACT {
        return Err(Error::LimitExceeded {
            what: format!("step {} of {owner} on a GPU", clock.step()),
            requested: clock.step(),
            limit_name: "the steps a standalone model's f32 time is exact for (a network's is \
                         counted from an epoch, without this limit)",
            limit: EXACT,
        });
    }
    Ok(ClockEntry {
        t: clock.t_ms_f32(),
        dt: clock.dt_ms() as f32,
        k: clock.step() as u32,
        ..ClockEntry::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_pack_scalars_and_arrays() {
        let words = pack_params(&[
            ParamValue::Scalar(2.0),
            ParamValue::PerNeuron(vec![1.0, 3.0].into()),
        ]);
        assert_eq!(words[0], 2);
        assert_eq!(words[1], 3 | (2 << PARAM_LAYOUT_SHIFT));
        assert_eq!(f32::from_bits(words[2]), 2.0);
        assert_eq!(f32::from_bits(words[4]), 3.0);
    }

    #[test]
    fn params_pack_values_per_instance() {
        let words = pack_params(&[
            ParamValue::PerInstance(vec![1.0, 2.0].into()),
            ParamValue::PerInstanceNeuron(vec![1.0, 2.0, 3.0, 4.0].into()),
        ]);
        assert_eq!(words[0], 2 | (1 << PARAM_LAYOUT_SHIFT));
        assert_eq!(words[1], 4 | (3 << PARAM_LAYOUT_SHIFT));
        assert_eq!(f32::from_bits(words[7]), 4.0);
    }
}
