//! `brainwgpu._core`: the Rust side of the Python package. Thin wrappers over the library's
//! types — modules built by BrainPy class name through `brainwgpu::registry`, networks, terms,
//! connectivity, simulations and their monitors — with NumPy arrays in and out. The Python
//! API a brainpy.state user recognises (`brainwgpu/__init__.py`) is written on top of these.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use brainwgpu::network::{
    Dense, Dist, Executor, FixedProb, MonitorId, Network, NodeId, PoissonDrive, Rule, Simulation,
    Sparse, Stream, Term, Wiring,
};
use brainwgpu::registry::{self, ClassArgs};
use brainwgpu::units::Hz;
use brainwgpu::{Clock, Dynamics, Error, Input, Shape, SynOut, Tensor, TensorShape};
use numpy::{PyArray1, PyArrayDyn, PyArrayMethods, PyReadonlyArrayDyn};
use pyo3::create_exception;
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;

create_exception!(
    _core,
    LimitError,
    PyRuntimeError,
    "A size, count or delay beyond what the device (or the f64 device's memory budget) holds."
);
create_exception!(
    _core,
    DeviceError,
    PyRuntimeError,
    "The GPU: no adapter, a lost device, a kernel that failed."
);

/// The library's error as the Python exception a user expects, with its message.
fn py_err(e: Error) -> PyErr {
    let text = e.to_string();
    match e {
        Error::InvalidParameter { .. }
        | Error::ShapeMismatch { .. }
        | Error::UnknownName { .. }
        | Error::NotInitialized { .. }
        | Error::DeviceMismatch { .. }
        | Error::Format { .. }
        | Error::Checkpoint { .. }
        | Error::NoF64Twin { .. } => PyValueError::new_err(text),
        Error::LimitExceeded { .. } => LimitError::new_err(text),
        Error::Io { .. } => PyOSError::new_err(text),
        _ => DeviceError::new_err(text),
    }
}

fn device_of(kind: &str) -> PyResult<brainwgpu::Device> {
    match kind {
        "gpu" => brainwgpu::Device::gpu().map_err(py_err),
        "cpu" => Ok(brainwgpu::Device::Cpu),
        other => Err(PyValueError::new_err(format!(
            "device must be 'gpu' (the default adapter) or 'cpu' (the f64 reference), got {other:?}"
        ))),
    }
}

/// A flat array of f64 values as a NumPy array of `dims`.
fn array<'py>(
    py: Python<'py>,
    values: Vec<f64>,
    dims: &[usize],
) -> PyResult<Bound<'py, PyArrayDyn<f64>>> {
    PyArray1::from_vec(py, values).reshape(dims.to_vec())
}

/// An array's values in C order: borrowed when the array is contiguous, else gathered.
fn contiguous<'a>(a: &'a PyReadonlyArrayDyn<'_, f64>) -> std::borrow::Cow<'a, [f64]> {
    match a.as_slice() {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => std::borrow::Cow::Owned(a.as_array().iter().copied().collect()),
    }
}

/// Constructor arguments given from Python, each read at most once; the ones never read are
/// names the class does not have.
struct Args {
    numbers: HashMap<String, f64>,
    flags: HashMap<String, bool>,
    read: RefCell<HashSet<String>>,
}

impl ClassArgs for Args {
    fn number(&self, name: &str) -> brainwgpu::Result<f64> {
        self.optional(name)?
            .ok_or_else(|| Error::invalid("a class", name, "missing", "is required"))
    }
    fn optional(&self, name: &str) -> brainwgpu::Result<Option<f64>> {
        self.read.borrow_mut().insert(name.to_string());
        Ok(self.numbers.get(name).copied())
    }
    fn flag(&self, name: &str) -> brainwgpu::Result<bool> {
        self.read.borrow_mut().insert(name.to_string());
        Ok(self.flags.get(name).copied().unwrap_or(false))
    }
}

/// A model with its states (BrainPy's `Dynamics`): built by class name with its constructor
/// arguments as internal magnitudes.
#[pyclass(unsendable, module = "brainwgpu._core")]
struct Module {
    inner: Option<Box<dyn Dynamics>>,
    kind: String,
    in_size: Vec<usize>,
    /// Where its states are, and their batch (after `init_state`).
    device: Option<(brainwgpu::Device, Option<usize>)>,
}

impl Module {
    fn get(&self) -> PyResult<&dyn Dynamics> {
        self.inner.as_deref().ok_or_else(|| {
            PyValueError::new_err(format!("this {} was added to a network", self.kind))
        })
    }
    fn get_mut(&mut self) -> PyResult<&mut Box<dyn Dynamics>> {
        let kind = self.kind.clone();
        self.inner
            .as_mut()
            .ok_or_else(|| PyValueError::new_err(format!("this {kind} was added to a network")))
    }
}

#[pymethods]
impl Module {
    #[new]
    #[pyo3(signature = (class_name, in_size, numbers, flags, name=None))]
    fn new(
        class_name: &str,
        in_size: Vec<usize>,
        numbers: HashMap<String, f64>,
        flags: HashMap<String, bool>,
        name: Option<String>,
    ) -> PyResult<Module> {
        let class = registry::class(class_name).ok_or_else(|| {
            PyValueError::new_err(format!("brainwgpu implements no class {class_name:?}"))
        })?;
        let args = Args {
            numbers,
            flags,
            read: RefCell::new(HashSet::new()),
        };
        let mut inner = (class.build)(Shape::new(in_size.clone()), &args).map_err(py_err)?;
        let read = args.read.borrow();
        let mut unknown: Vec<&String> = args
            .numbers
            .keys()
            .chain(args.flags.keys())
            .filter(|k| !read.contains(k.as_str()))
            .collect();
        if !unknown.is_empty() {
            unknown.sort();
            let mut known: Vec<&String> = read.iter().collect();
            known.sort();
            return Err(PyValueError::new_err(format!(
                "{class_name} has no parameter {unknown:?}; it takes {known:?}"
            )));
        }
        if let Some(n) = name {
            inner.set_name(&n);
        }
        Ok(Module {
            inner: Some(inner),
            kind: class_name.to_string(),
            in_size,
            device: None,
        })
    }

    /// Creates the states on `device` ('gpu' or 'cpu'), shaped (batch_size, *in_size) or
    /// in_size.
    #[pyo3(signature = (batch_size=None, device="gpu"))]
    fn init_state(&mut self, batch_size: Option<usize>, device: &str) -> PyResult<()> {
        let device = device_of(device)?;
        self.get_mut()?
            .init_state(&device, batch_size)
            .map_err(py_err)?;
        self.device = Some((device, batch_size));
        Ok(())
    }

    /// One step at step index `step` of size `dt` (ms) with input `x` (an array of the
    /// states' shape, or a number); returns the output.
    #[pyo3(signature = (x, step, dt, delta=None))]
    fn update<'py>(
        &mut self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        step: u64,
        dt: f64,
        delta: Option<PyReadonlyArrayDyn<'py, f64>>,
    ) -> PyResult<Bound<'py, PyArrayDyn<f64>>> {
        let mut clock = Clock::new(dt * brainwgpu::units::ms).map_err(py_err)?;
        clock.set_step(step);
        let (device, batch) = self.device.clone().ok_or_else(|| {
            PyValueError::new_err(format!(
                "{} has no state yet: call init_state(batch_size) first",
                self.kind
            ))
        })?;
        let shape = TensorShape::new(batch, self.in_size.clone());
        let m = self.get_mut()?;
        let x_tensor = match x.extract::<f64>() {
            Ok(v) => Err(v),
            Err(_) => {
                let a: PyReadonlyArrayDyn<'py, f64> = x.extract()?;
                Ok(Tensor::from_f64(&device, shape.clone(), &contiguous(&a)).map_err(py_err)?)
            }
        };
        let delta_tensor = match delta {
            Some(d) => {
                Some(Tensor::from_f64(&device, shape.clone(), &contiguous(&d)).map_err(py_err)?)
            }
            None => None,
        };
        let x_input = match &x_tensor {
            Ok(t) => Input::Tensor(t),
            Err(v) => Input::Scalar(*v),
        };
        let inputs = brainwgpu::Inputs {
            x: x_input,
            delta: delta_tensor.as_ref().map_or(Input::None, Input::Tensor),
            ..Default::default()
        };
        let out = m.update_with(&clock, inputs).map_err(py_err)?;
        let dims = out.shape().dims();
        let values = out.to_vec_f64().map_err(py_err)?;
        array(py, values, &dims)
    }

    /// State variable `name` as an array (a copy).
    fn state<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyArrayDyn<f64>>> {
        let t = self.get()?.state(name).map_err(py_err)?;
        let dims = t.shape().dims();
        array(py, t.to_vec_f64().map_err(py_err)?, &dims)
    }

    /// Overwrites state variable `name`.
    fn set_state(&mut self, name: &str, values: PyReadonlyArrayDyn<'_, f64>) -> PyResult<()> {
        self.get_mut()?
            .set_state(name, &contiguous(&values))
            .map_err(py_err)
    }

    /// The state variables' names.
    fn state_names(&self) -> PyResult<Vec<String>> {
        Ok(self.get()?.state_names())
    }

    #[getter]
    fn kind(&self) -> String {
        self.kind.clone()
    }

    #[getter]
    fn in_size(&self) -> Vec<usize> {
        self.in_size.clone()
    }

    #[getter]
    fn name(&self) -> PyResult<Option<String>> {
        Ok(self.get()?.name().map(String::from))
    }
}

/// A synaptic output (how a conductance becomes a neuron's current).
#[pyclass(module = "brainwgpu._core", name = "SynOut", from_py_object)]
#[derive(Clone)]
struct PySynOut(SynOut);

#[pymethods]
impl PySynOut {
    /// COBA: g·(E − V).
    #[staticmethod]
    #[pyo3(signature = (E=0.0))]
    #[allow(non_snake_case)]
    fn coba(E: f64) -> Self {
        PySynOut(SynOut::coba(E * brainwgpu::units::mV))
    }
    /// CUBA: g·scale.
    #[staticmethod]
    #[pyo3(signature = (scale=1.0))]
    fn cuba(scale: f64) -> Self {
        PySynOut(SynOut::cuba(scale * brainwgpu::units::mV))
    }
    /// MgBlock with BrainPy's defaults.
    #[staticmethod]
    fn mg_block() -> Self {
        PySynOut(SynOut::mg_block())
    }
}

/// Connectivity of an event-driven projection.
#[pyclass(module = "brainwgpu._core", name = "Connectivity", from_py_object)]
#[derive(Clone)]
struct PyConn(Sparse);

fn dist(weight: &Bound<'_, PyAny>) -> PyResult<Dist> {
    if let Ok(v) = weight.extract::<f64>() {
        return Ok(Dist::Constant(v));
    }
    if let Ok((kind, a, b)) = weight.extract::<(String, f64, f64)>() {
        return match kind.as_str() {
            "normal" => Ok(Dist::normal(a, b)),
            "uniform" => Ok(Dist::Uniform { low: a, high: b }),
            "lognormal" => Ok(Dist::LogNormal { mu: a, sigma: b }),
            _ => Err(PyValueError::new_err(format!(
                "a distribution is ('normal', mean, std), ('uniform', low, high) or ('lognormal', mu, sigma), got {kind:?}"
            ))),
        };
    }
    let a: PyReadonlyArrayDyn<'_, f64> = weight.extract().map_err(|_| {
        PyValueError::new_err("a weight is a number, an array, or a distribution tuple")
    })?;
    Ok(Dist::Array(
        a.as_array().iter().copied().collect::<Vec<_>>().into(),
    ))
}

#[pymethods]
impl PyConn {
    /// Connectivity by rule: 'all_to_all', 'one_to_one', 'bernoulli' (p), 'fixed_prob'
    /// (brainstate's EventFixedProb: a fixed number of targets per source, prob·n_post),
    /// 'fixed_in_degree' (k), 'fixed_out_degree' (k), 'fixed_total' (n), 'explicit'
    /// (pre, post); weights a number, an array or a distribution; delays (ms) likewise.
    #[staticmethod]
    #[pyo3(signature = (rule, n_pre, n_post, weight, seed=0, key=0, p=None, k=None, n=None, pre=None, post=None, delay=None, same=false))]
    #[allow(clippy::too_many_arguments)]
    fn connect(
        rule: &str,
        n_pre: usize,
        n_post: usize,
        weight: &Bound<'_, PyAny>,
        seed: u64,
        key: u64,
        p: Option<f64>,
        k: Option<usize>,
        n: Option<u64>,
        pre: Option<Vec<u32>>,
        post: Option<Vec<u32>>,
        delay: Option<&Bound<'_, PyAny>>,
        same: bool,
    ) -> PyResult<Self> {
        let need = |what: &str| PyValueError::new_err(format!("rule {rule:?} needs {what}"));
        let weight = dist(weight)?;
        let conn = if rule == "fixed_prob" {
            let w = match weight {
                Dist::Constant(w) => w,
                _ => return Err(PyValueError::new_err("fixed_prob takes one weight")),
            };
            match (p, k) {
                (_, Some(k)) => FixedProb::per_pre(n_pre, n_post, k, w, seed),
                (Some(p), None) => FixedProb::new(n_pre, n_post, p, w, seed),
                (None, None) => return Err(need("p (or k targets per source)")),
            }
        } else {
            let rule = match rule {
                "all_to_all" => Rule::AllToAll { autapses: false },
                "one_to_one" => Rule::OneToOne,
                "bernoulli" => Rule::bernoulli(p.ok_or_else(|| need("p"))?),
                "fixed_in_degree" => Rule::fixed_in_degree(k.ok_or_else(|| need("k"))?),
                "fixed_out_degree" => Rule::fixed_out_degree(k.ok_or_else(|| need("k"))?),
                "fixed_total" => Rule::fixed_total(n.ok_or_else(|| need("n"))?),
                "explicit" => Rule::explicit(
                    pre.ok_or_else(|| need("pre"))?,
                    post.ok_or_else(|| need("post"))?,
                ),
                other => {
                    return Err(PyValueError::new_err(format!(
                        "unknown rule {other:?}: all_to_all, one_to_one, bernoulli, fixed_prob, fixed_in_degree, fixed_out_degree, fixed_total or explicit"
                    )));
                }
            };
            Sparse::connect(&rule, n_pre, n_post, same, &weight, Stream::new(seed, key))
                .map_err(py_err)?
        };
        let conn = match delay {
            Some(d) => conn
                .with_delays(&dist(d)?, Stream::new(seed, key + 1))
                .map_err(py_err)?,
            None => conn,
        };
        Ok(PyConn(conn))
    }

    /// Synapses.
    fn __len__(&self) -> usize {
        self.0.synapses().len()
    }
}

/// A population of a network.
#[pyclass(module = "brainwgpu._core", name = "Node", from_py_object)]
#[derive(Clone, Copy)]
struct PyNode(NodeId);

/// One summand of an input.
#[pyclass(module = "brainwgpu._core", name = "Term", from_py_object)]
#[derive(Clone)]
struct PyTerm(Term);

#[pymethods]
impl PyTerm {
    /// The output of a population.
    #[staticmethod]
    fn output(node: PyNode) -> Self {
        PyTerm(Term::output(node.0))
    }
    /// A state variable of a population.
    #[staticmethod]
    fn state(node: PyNode, var: &str) -> Self {
        PyTerm(Term::state(node.0, var))
    }
    /// A constant.
    #[staticmethod]
    fn constant(value: f64) -> Self {
        PyTerm(Term::constant(value))
    }
    /// One value per instance of the batch (a sweep).
    #[staticmethod]
    fn per_instance(values: Vec<f64>) -> Self {
        PyTerm(Term::per_instance(values))
    }
    /// One value per neuron.
    #[staticmethod]
    fn per_neuron(values: Vec<f64>) -> Self {
        PyTerm(Term::per_neuron(values))
    }
    /// A Poisson drive: `sources` independent sources at `rate_hz`, weight each.
    #[staticmethod]
    #[pyo3(signature = (sources, rate_hz, weight, seed=0, key=0))]
    fn poisson(sources: u64, rate_hz: f64, weight: f64, seed: u64, key: u64) -> Self {
        PyTerm(Term::poisson(PoissonDrive::new(
            sources,
            rate_hz * Hz,
            weight,
            Stream::new(seed, key),
        )))
    }
    /// Scaled by `factor`.
    fn scaled(&self, factor: f64) -> Self {
        PyTerm(self.0.clone().scaled(factor))
    }
    /// Values `start` to `stop` (exclusive) of each row of the source.
    fn slice(&self, start: usize, stop: usize) -> Self {
        PyTerm(self.0.clone().slice(start..stop))
    }
    /// Read `steps` steps late.
    fn delayed(&self, steps: usize) -> Self {
        PyTerm(self.0.clone().delayed(steps))
    }
    /// Through an event-driven projection.
    fn event(&self, conn: PyConn) -> Self {
        PyTerm(self.0.clone().event(conn.0))
    }
    /// Through a dense projection `x @ W + b`, `W` of shape (in, out).
    #[pyo3(signature = (w, b=None))]
    fn dense(
        &self,
        w: PyReadonlyArrayDyn<'_, f64>,
        b: Option<PyReadonlyArrayDyn<'_, f64>>,
    ) -> PyResult<Self> {
        let shape = w.as_array().shape().to_vec();
        let [n_in, n_out] = shape[..] else {
            return Err(PyValueError::new_err(format!(
                "W must be 2-D (in, out), got shape {shape:?}"
            )));
        };
        let values: Vec<f64> = w.as_array().iter().copied().collect();
        let mut d = Dense::new(n_in, n_out, values);
        if let Some(b) = b {
            d = d.bias(b.as_array().iter().copied().collect::<Vec<f64>>());
        }
        Ok(PyTerm(self.0.clone().dense(d)))
    }
}

/// A network under construction.
#[pyclass(unsendable, module = "brainwgpu._core", name = "Network")]
struct PyNetwork {
    net: Network,
}

#[pymethods]
impl PyNetwork {
    #[new]
    fn new() -> Self {
        PyNetwork {
            net: Network::new(),
        }
    }

    /// Adds a module (its states, if any, are left behind: the network makes its own).
    fn add(&mut self, module: &mut Module) -> PyResult<PyNode> {
        let inner = module.inner.take().ok_or_else(|| {
            PyValueError::new_err(format!(
                "this {} was already added to a network",
                module.kind
            ))
        })?;
        self.net.add_dynamics(inner).map(PyNode).map_err(py_err)
    }

    /// The statement updating `node` each step, in the order of these calls.
    #[pyo3(signature = (node, x=Vec::new(), delta=Vec::new(), currents=Vec::new()))]
    fn update(
        &mut self,
        node: PyNode,
        x: Vec<PyTerm>,
        delta: Vec<PyTerm>,
        currents: Vec<(PySynOut, PyTerm)>,
    ) {
        let mut w = Wiring::new();
        for t in x {
            w = w.x(t.0);
        }
        for t in delta {
            w = w.delta(t.0);
        }
        for (out, t) in currents {
            w = w.current(out.0, t.0);
        }
        self.net.update(node.0, w);
    }

    /// Compiles for `device` ('gpu' or 'cpu'), a batch of `batch_size` instances (or none),
    /// step `dt` (ms); `executor` is 'auto', 'fused' or 'per-step'.
    #[pyo3(signature = (device="gpu", batch_size=None, dt=0.1, executor="auto"))]
    fn compile(
        &self,
        device: &str,
        batch_size: Option<usize>,
        dt: f64,
        executor: &str,
    ) -> PyResult<PySimulation> {
        let device = device_of(device)?;
        let executor = match executor {
            "auto" => Executor::Auto,
            "fused" => Executor::Fused,
            "per-step" => Executor::PerStep,
            other => {
                return Err(PyValueError::new_err(format!(
                    "executor must be 'auto', 'fused' or 'per-step', got {other:?}"
                )));
            }
        };
        let sim = self
            .net
            .compile_with(&device, batch_size, dt * brainwgpu::units::ms, executor)
            .map_err(py_err)?;
        Ok(PySimulation { sim })
    }
}

/// A compiled network.
#[pyclass(unsendable, module = "brainwgpu._core", name = "Simulation")]
struct PySimulation {
    sim: Simulation,
}

/// Recorded samples: the step of each and the values (samples, rows, n).
type Samples<'py> = (Bound<'py, PyArrayDyn<u64>>, Bound<'py, PyArrayDyn<f64>>);

/// A monitor of a simulation.
#[pyclass(module = "brainwgpu._core", name = "Monitor", from_py_object)]
#[derive(Clone, Copy)]
struct PyMonitor(MonitorId);

#[pymethods]
impl PySimulation {
    /// Runs `steps` steps.
    fn run(&mut self, steps: usize) -> PyResult<()> {
        self.sim.run(steps).map_err(py_err)
    }
    /// The step index.
    #[getter]
    fn step(&self) -> u64 {
        self.sim.clock().step()
    }
    /// Instances (batch rows; 1 without a batch axis).
    #[getter]
    fn rows(&self) -> usize {
        self.sim.rows()
    }
    /// State variable `var` of `node`, (rows, n).
    fn state<'py>(
        &self,
        py: Python<'py>,
        node: PyNode,
        var: &str,
    ) -> PyResult<Bound<'py, PyArrayDyn<f64>>> {
        let v = self.sim.state(node.0, var).map_err(py_err)?;
        let rows = self.sim.rows();
        let n = v.len() / rows.max(1);
        array(py, v, &[rows, n])
    }
    /// Overwrites state variable `var` of `node`.
    fn set_state(
        &mut self,
        node: PyNode,
        var: &str,
        values: PyReadonlyArrayDyn<'_, f64>,
    ) -> PyResult<()> {
        self.sim
            .set_state(node.0, var, &contiguous(&values))
            .map_err(py_err)
    }
    /// Records the spikes of `node` from now on.
    fn monitor_spikes(&mut self, node: PyNode) -> PyResult<PyMonitor> {
        self.sim
            .monitor_spikes(node.0)
            .map(PyMonitor)
            .map_err(py_err)
    }
    /// Records state `var` of `node` every `every` steps from now on.
    #[pyo3(signature = (node, var, every=1))]
    fn monitor_state(&mut self, node: PyNode, var: &str, every: usize) -> PyResult<PyMonitor> {
        self.sim
            .monitor_state(node.0, var, every)
            .map(PyMonitor)
            .map_err(py_err)
    }
    /// The spikes recorded: an array (steps, rows, n) of 0/1 and the first step's index.
    fn spikes<'py>(
        &self,
        py: Python<'py>,
        monitor: PyMonitor,
    ) -> PyResult<(Bound<'py, PyArrayDyn<u8>>, u64)> {
        let r = self.sim.spikes(monitor.0).map_err(py_err)?;
        let dense = r.dense();
        let a = PyArray1::from_vec(py, dense).reshape(vec![r.steps(), r.rows, r.n])?;
        Ok((a, r.first_step))
    }
    /// The samples recorded: the step of each sample and the values (samples, rows, n).
    fn samples<'py>(&self, py: Python<'py>, monitor: PyMonitor) -> PyResult<Samples<'py>> {
        let r = self.sim.samples(monitor.0).map_err(py_err)?;
        let steps = PyArray1::from_vec(py, r.steps.clone()).reshape(vec![r.steps.len()])?;
        let values = array(py, r.values.clone(), &[r.steps.len(), r.rows, r.n])?;
        Ok((steps, values))
    }
}

/// The COBA benchmark network as the library builds it (`network::classic::Coba`): the
/// network and its nodes (neurons, excitatory and inhibitory conductances).
#[pyfunction]
#[pyo3(signature = (neurons, seed=0))]
fn coba(neurons: usize, seed: u64) -> PyResult<(PyNetwork, PyNode, PyNode, PyNode)> {
    let mut c = brainwgpu::network::classic::Coba::new(neurons);
    c.seed = seed;
    let net = c.build().map_err(py_err)?;
    Ok((
        PyNetwork { net: net.network },
        PyNode(net.neurons),
        PyNode(net.g_exc),
        PyNode(net.g_inh),
    ))
}

/// The BrainPy classes the library implements: (name, is_neuron).
#[pyfunction]
fn classes() -> Vec<(String, bool)> {
    registry::CLASSES
        .iter()
        .map(|c| (c.name.to_string(), c.neuron))
        .collect()
}

/// The constructor arguments class `name` takes (BrainPy's names), numbers then flags.
#[pyfunction]
fn class_parameters(name: &str) -> PyResult<Vec<String>> {
    let class = registry::class(name)
        .ok_or_else(|| PyValueError::new_err(format!("brainwgpu implements no class {name:?}")))?;
    let args = Args {
        numbers: HashMap::new(),
        flags: HashMap::new(),
        read: RefCell::new(HashSet::new()),
    };
    (class.build)(Shape::new(vec![1usize]), &args).map_err(py_err)?;
    let mut names: Vec<String> = args.read.into_inner().into_iter().collect();
    names.sort();
    Ok(names)
}

/// The default adapter's description (a DeviceError when there is none).
#[pyfunction]
fn gpu_info() -> PyResult<String> {
    let gpu = brainwgpu::Gpu::new().map_err(py_err)?;
    Ok(gpu.info().to_string())
}

#[pymodule]
fn _core(m: &Bound<'_, pyo3::types::PyModule>) -> PyResult<()> {
    m.add_class::<Module>()?;
    m.add_class::<PySynOut>()?;
    m.add_class::<PyConn>()?;
    m.add_class::<PyNode>()?;
    m.add_class::<PyTerm>()?;
    m.add_class::<PyNetwork>()?;
    m.add_class::<PySimulation>()?;
    m.add_class::<PyMonitor>()?;
    m.add_function(wrap_pyfunction!(classes, m)?)?;
    m.add_function(wrap_pyfunction!(gpu_info, m)?)?;
    m.add_function(wrap_pyfunction!(coba, m)?)?;
    m.add_function(wrap_pyfunction!(class_parameters, m)?)?;
    m.add("LimitError", m.py().get_type::<LimitError>())?;
    m.add("DeviceError", m.py().get_type::<DeviceError>())?;
    Ok(())
}
