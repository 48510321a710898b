//! Replaying BrainPy's golden reference files: build the model a file names from the
//! parameters stored in it, feed it the recorded inputs, and compare every recorded trace.
//!
//! A per-model golden file (`tests/data/README.md`) is an `.npz` with `meta` (JSON: the model's
//! class and the unit of every array), `dt`, `n_steps`, `batch_size`, `in_size`, the
//! constructor parameters `p_*`, the inputs `in_x` (and `in_delta`), the initial states
//! `init_*`, and the traces `rec_*` and `out`. Values are converted from the file's units into
//! the internal convention ([`crate::units`]) on reading, so nothing about a case is
//! hard-coded: another file with other parameters, batch, size or length works the same, and
//! a `p_*` the model does not take is an error, not ignored. Three files have their own
//! layout: `synouts` (synaptic outputs evaluated on given `g`, `V`), `inputs` (the
//! deterministic input generators, their arguments in `meta["ctor"]`) and `LeakyRateReadout`.
//!
//! The f64 reference ([`Device::Cpu`]) must reproduce a file to [`F64_TOL`] of each trace's
//! scale; an f32 device is judged by [`judge_f32`] with [`F32_TOL`] (see [`crate::compare`]).

mod network;

pub use network::COUNT_DRIFT;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::clock::Clock;
use crate::compare::{
    F32_TOL, F32Case, F64_TOL, Spikes, Trace, Window, compare_trace, compare_trace_except,
    judge_f32,
};
use crate::error::{Error, Result};
use crate::inputs::{
    ConstantInput, RampInput, SectionInput, SinusoidalInput, SpikeTime, StepInput,
};
use crate::model::{Accepts, ElemF64, Model, Output, ParamValue};
use crate::module::{CurrentInput, Dynamics, Inputs, Module};
use crate::network::Executor;
use crate::npz::{NpyData, Npz, NpzWriter};
use crate::readout::{LeakyRateReadout, WeightInit};
use crate::shaders::{KernelDef, builtin};
use crate::shape::{Shape, TensorShape};
use crate::synout::SynOut;
use crate::tensor::{Device, Input, Tensor};
use crate::units::{Quantity, Time, V, mV, ms, parse_unit};

/// Recorded traces by name (`rec_<state>`, `out`, …), each flat, step-major.
pub type Traces = BTreeMap<String, Vec<f64>>;

/// One golden case, read from its file.
#[derive(Debug)]
pub struct Case {
    /// The file's stem ("LIF__hard").
    pub name: String,
    /// The BrainPy class ("LIF"), or the case of a special file ("synouts").
    pub model: String,
    /// Step (ms).
    pub dt: f64,
    npz: Npz,
    units: BTreeMap<String, String>,
    meta: Value,
    used: RefCell<BTreeSet<String>>,
}

/// The verdict on one case.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// The case.
    pub case: String,
    /// Whether every trace passed.
    pub passed: bool,
    /// The worst relative deviation (relative to each trace's scale).
    pub worst: f64,
    /// Which trace and where.
    pub worst_where: String,
    /// What failed, or a summary of spike agreement.
    pub detail: String,
}

impl Report {
    /// A passing report on `case`, before anything is compared.
    fn new(case: &str) -> Report {
        Report {
            case: case.to_string(),
            passed: true,
            worst: 0.0,
            worst_where: String::new(),
            detail: String::new(),
        }
    }
}

fn format_err(case: &Case, reason: impl Into<String>) -> Error {
    Error::Format {
        path: case.npz.path().to_path_buf(),
        reason: reason.into(),
    }
}

/// A probe model that evaluates the bound current inputs at `V = x` with the neurons' own
/// kernel code (`current_at`), for the `synouts` file.
#[derive(Clone)]
struct SynOutProbe;

impl Model for SynOutProbe {
    fn kind(&self) -> &str {
        "SynOut"
    }
    fn kernel(&self) -> &KernelDef {
        &builtin::SYNOUT_PROBE
    }
    fn state_names(&self) -> Vec<&str> {
        vec![]
    }
    fn output(&self) -> Output {
        Output::Emitted
    }
    fn accepts(&self) -> Accepts {
        Accepts {
            delta: false,
            currents: true,
        }
    }
    fn validate(&self, _n: usize) -> Result<()> {
        Ok(())
    }
    fn initial_state(&self, _rows: usize, _n: usize) -> Vec<Vec<f64>> {
        vec![]
    }
    fn kernel_params(&self, _dt: f64) -> Vec<ParamValue> {
        vec![]
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        e.out = e.current_at(e.x).0 - e.x;
    }
}

/// Splits `a=1 mA, b=[1,2] ms, c='round'` at the top-level commas.
fn ctor_args(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let (mut depth, mut start) = (0, 0);
    let mut push = |part: &str| {
        if let Some((k, v)) = part.split_once('=') {
            out.insert(k.trim().to_string(), v.trim().to_string());
        }
    };
    for (i, ch) in text.char_indices() {
        match ch {
            '[' => depth += 1,
            ']' => depth -= 1,
            ',' if depth == 0 => {
                push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    push(&text[start..]);
    out
}

impl Case {
    /// Reads a golden file.
    pub fn read(path: impl AsRef<Path>) -> Result<Case> {
        let path = path.as_ref();
        let npz = Npz::read(path)?;
        let fail = |reason: String| Error::Format {
            path: path.to_path_buf(),
            reason,
        };
        let meta: Value = serde_json::from_str(&npz.string("meta")?)
            .map_err(|e| fail(format!("meta is not JSON: {e}")))?;
        let model = match (meta["model"].as_str(), meta["case"].as_str()) {
            (Some(m), _) => m.rsplit('.').next().unwrap_or(m).to_string(),
            // `<case>__<variant>` is a variant of `<case>`, as for every other golden.
            (None, Some(case)) => case.split("__").next().unwrap_or(case).to_string(),
            _ => return Err(fail("meta names neither a model nor a case".into())),
        };
        let units = meta["units"]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        let dt = if npz.contains("dt") {
            npz.scalar("dt")?
        } else {
            0.1
        };
        Ok(Case {
            name: path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            model,
            dt,
            npz,
            units,
            meta,
            used: RefCell::new(BTreeSet::new()),
        })
    }

    /// The factor from the unit the file gives `key` in to the internal unit.
    fn factor(&self, key: &str) -> Result<f64> {
        match self.units.get(key) {
            None => Ok(1.0),
            Some(u) => parse_unit(u)
                .map(|(_, f)| f)
                .ok_or_else(|| format_err(self, format!("unknown unit {u:?} of `{key}`"))),
        }
    }

    /// Array `key` in internal units.
    pub fn array(&self, key: &str) -> Result<Vec<f64>> {
        let f = self.factor(key)?;
        Ok(self.npz.f64s(key)?.into_iter().map(|x| x * f).collect())
    }

    fn shape(&self, key: &str) -> Result<Vec<usize>> {
        Ok(self.npz.get(key)?.shape.clone())
    }

    /// Constructor parameter `name` (stored as `p_<name>`) in internal units.
    pub fn param(&self, name: &str) -> Result<f64> {
        let key = format!("p_{name}");
        self.used.borrow_mut().insert(key.clone());
        Ok(self.npz.scalar(&key)? * self.factor(&key)?)
    }

    /// Boolean constructor parameter `name` (`p_<name>`); absent is false.
    pub fn flag(&self, name: &str) -> Result<bool> {
        let key = format!("p_{name}");
        self.used.borrow_mut().insert(key.clone());
        if !self.npz.contains(&key) {
            return Ok(false);
        }
        Ok(self.npz.scalar(&key)? != 0.0)
    }

    fn steps(&self) -> Result<usize> {
        self.count("n_steps")
    }

    fn batch(&self) -> Result<Option<usize>> {
        if self.npz.contains("batch_size") {
            Ok(Some(self.count("batch_size")?))
        } else {
            Ok(None)
        }
    }

    /// Scalar `key` as a count: a whole number from 0 to 2^24 (no golden is longer or wider;
    /// a larger one is a damaged file, not a run to attempt).
    pub(crate) fn count(&self, key: &str) -> Result<usize> {
        let v = self.npz.scalar(key)?;
        if v.fract() == 0.0 && (0.0..=(1u64 << 24) as f64).contains(&v) {
            Ok(v as usize)
        } else {
            Err(format_err(self, format!("`{key}` is {v}, not a count")))
        }
    }

    /// Array `key` in internal units, which must hold `len` values.
    pub(crate) fn array_len(&self, key: &str, len: usize) -> Result<Vec<f64>> {
        let v = self.array(key)?;
        if v.len() != len {
            return Err(format_err(
                self,
                format!("`{key}` has {} values, not {len}", v.len()),
            ));
        }
        Ok(v)
    }

    /// The shape of array `key`, which must have from `min` to `max` dimensions.
    pub(crate) fn dims(&self, key: &str, min: usize, max: usize) -> Result<Vec<usize>> {
        let shape = self.shape(key)?;
        if !(min..=max).contains(&shape.len()) {
            return Err(format_err(
                self,
                format!("`{key}` has shape {shape:?}: expected {min} to {max} dimensions"),
            ));
        }
        Ok(shape)
    }

    fn in_size(&self) -> Result<Shape> {
        Ok(Shape::new(
            self.npz
                .f64s("in_size")?
                .iter()
                .map(|&d| d as usize)
                .collect::<Vec<_>>(),
        ))
    }

    fn is_per_model(&self) -> bool {
        self.meta["model"].is_string()
    }

    /// Whether the model is a neuron (its `out` is a spike train).
    pub fn is_neuron(&self) -> bool {
        crate::registry::class(&self.model).is_some_and(|c| c.neuron)
    }

    /// The model of a per-model file, built from the parameters in it through the registry
    /// ([`crate::registry`]); every `p_*` value in the file must be one the class takes.
    pub fn build(&self) -> Result<Box<dyn Dynamics>> {
        let class = crate::registry::class(&self.model)
            .ok_or_else(|| format_err(self, format!("model {} is not supported", self.model)))?;
        let model = (class.build)(self.in_size()?, self)?;
        let unused: Vec<String> = self
            .npz
            .names()
            .filter(|k| k.starts_with("p_") && !self.used.borrow().contains(*k))
            .map(String::from)
            .collect();
        if !unused.is_empty() {
            return Err(format_err(
                self,
                format!("{} takes no parameter(s) {unused:?}", self.model),
            ));
        }
        Ok(model)
    }

    /// The recorded traces of the file that a replay reproduces, in internal units; a file
    /// that records none has nothing to pass and is an error.
    pub fn golden(&self) -> Result<Traces> {
        let traces = self.recorded()?;
        if traces.is_empty() {
            return Err(format_err(
                self,
                "the file records no traces to compare (a golden needs rec_*/out arrays)",
            ));
        }
        Ok(traces)
    }

    fn recorded(&self) -> Result<Traces> {
        if self.is_network() {
            return self
                .network_keys()?
                .into_iter()
                .map(|k| Ok((k.to_string(), self.array(k)?)))
                .collect();
        }
        let keep = |k: &str| match self.model.as_str() {
            "synouts" => !matches!(k, "g" | "V" | "meta"),
            "inputs" => k.starts_with("out_"),
            _ => k.starts_with("rec_") || k == "out",
        };
        self.npz
            .names()
            .filter(|k| keep(k))
            .map(|k| Ok((k.to_string(), self.array(k)?)))
            .collect()
    }

    /// Replays the file on `device` and records the same traces as the file.
    pub fn simulate(&self, device: &Device) -> Result<Traces> {
        self.simulate_with(device, Executor::Auto)
    }

    /// [`Case::simulate`] with a chosen network executor (used by network files only; the
    /// per-model files run one model at a time).
    pub fn simulate_with(&self, device: &Device, executor: Executor) -> Result<Traces> {
        match self.model.as_str() {
            "synouts" => self.simulate_synouts(device),
            "inputs" => self.simulate_inputs(device),
            "LeakyRateReadout" => self.simulate_readout(device),
            _ if self.is_per_model() => self.simulate_model(device),
            _ if self.is_network() => self.simulate_network(device, executor),
            other => Err(format_err(self, format!("case {other} is not supported"))),
        }
    }

    fn simulate_model(&self, device: &Device) -> Result<Traces> {
        self.replay(self.build()?, device)
    }

    /// Replays a per-model file's inputs through `model` (any model, not only the one the
    /// file names: a variant under test) on `device`, recording the file's traces.
    pub fn replay(&self, mut model: Box<dyn Dynamics>, device: &Device) -> Result<Traces> {
        let batch = self.batch()?;
        let steps = self.steps()?;
        model.init_state(device, batch)?;
        for name in model.state_names() {
            let key = format!("init_{name}");
            if self.npz.contains(&key) {
                model.set_state(&name, &self.array(&key)?)?;
            }
        }
        let shape = TensorShape::new(batch, self.in_size()?);
        let per_step = shape.numel();
        let inputs = self.array("in_x")?;
        let deltas = if self.npz.contains("in_delta") {
            Some(self.array_len("in_delta", per_step * steps)?)
        } else {
            None
        };
        if inputs.len() != per_step * steps {
            return Err(format_err(
                self,
                format!("in_x has {} values, not {steps} × {shape}", inputs.len()),
            ));
        }
        let recorded: Vec<String> = self.golden()?.into_keys().collect();
        let mut traces: Traces = recorded.iter().map(|k| (k.clone(), Vec::new())).collect();
        let mut clock = Clock::new(self.dt)?;
        for k in 0..steps {
            clock.set_step(k as u64);
            let slice = |v: &[f64]| v[k * per_step..(k + 1) * per_step].to_vec();
            let x = Tensor::from_f64(device, shape.clone(), &slice(&inputs))?;
            let delta = match &deltas {
                Some(d) => Some(Tensor::from_f64(device, shape.clone(), &slice(d))?),
                None => None,
            };
            model.update_with(
                &clock,
                Inputs {
                    x: Input::Tensor(&x),
                    delta: delta.as_ref().into(),
                    currents: &[],
                },
            )?;
            for key in &recorded {
                let values = match key.strip_prefix("rec_") {
                    Some(state) => model.state(state)?.to_vec_f64()?,
                    None => model.output()?.to_vec_f64()?,
                };
                traces.get_mut(key).expect("created above").extend(values);
            }
        }
        Ok(traces)
    }

    fn simulate_readout(&self, device: &Device) -> Result<Traces> {
        let w_shape = self.dims("W", 2, 2)?;
        let x_shape = self.dims("in_x", 2, 3)?;
        let (n_in, n_out) = (w_shape[0], w_shape[1]);
        let (steps, batch) = (
            x_shape[0],
            x_shape.get(1).copied().filter(|_| x_shape.len() == 3),
        );
        if x_shape.last() != Some(&n_in) {
            return Err(format_err(
                self,
                format!("in_x has shape {x_shape:?}: its last axis is not W's {n_in} inputs"),
            ));
        }
        let mut ro = LeakyRateReadout::new(n_in, n_out)
            .tau(self.param("tau")?)
            .w_init(WeightInit::from(self.array("W")?));
        ro.init_state(device, batch)?;
        let shape = TensorShape::new(batch, n_in);
        let per_step = shape.numel();
        let x = self.array_len("in_x", steps * per_step)?;
        let mut clock = Clock::new(self.dt)?;
        let mut out = Vec::new();
        for k in 0..steps {
            clock.set_step(k as u64);
            let xt = Tensor::from_f64(device, shape.clone(), &x[k * per_step..(k + 1) * per_step])?;
            out.extend(ro.update(&clock, &xt)?.to_vec_f64()?);
        }
        Ok(Traces::from([("out".to_string(), out)]))
    }

    fn simulate_synouts(&self, device: &Device) -> Result<Traces> {
        let g_shape = self.shape("g")?;
        let (rows, n) = match g_shape[..] {
            [a, b] => (a, b),
            _ => return Err(format_err(self, "g is not a matrix")),
        };
        let shape = TensorShape::new(Some(rows), n);
        let g = Tensor::from_f64(device, shape.clone(), &self.array("g")?)?;
        let v = Tensor::from_f64(device, shape, &self.array("V")?)?;
        let mut traces = Traces::new();
        for key in self.golden()?.into_keys() {
            let out = if let Some(e) = key.strip_prefix("coba_E") {
                let e: f64 = e
                    .parse()
                    .map_err(|_| format_err(self, format!("cannot read E from `{key}`")))?;
                SynOut::coba(e * mV)
            } else if key == "cuba_volt" {
                SynOut::cuba(1.0 * V)
            } else if key == "mgblock_default" {
                SynOut::mg_block()
            } else {
                return Err(format_err(self, format!("unknown synaptic output `{key}`")));
            };
            let mut probe = Module::from_model(SynOutProbe, n);
            probe.init_state(device, Some(rows))?;
            let i = probe.update_with(
                &Clock::new(self.dt)?,
                Inputs {
                    x: Input::Tensor(&v),
                    delta: Input::None,
                    currents: &[CurrentInput { out, g: &g }],
                },
            )?;
            traces.insert(key, i.to_vec_f64()?);
        }
        Ok(traces)
    }

    fn simulate_inputs(&self, device: &Device) -> Result<Traces> {
        let ctor = &self.meta["ctor"];
        let mut traces = Traces::new();
        let steps = self.dims("t", 1, 1)?[0];
        for key in self.golden()?.into_keys() {
            let class = key.trim_start_matches("out_");
            let args = ctor_args(ctor[class].as_str().unwrap_or(""));
            let shape = self.dims(&key, 2, 8)?;
            let n: usize = shape[1..].iter().product();
            let unit = |k: &str| -> Result<(f64, String)> {
                let v = args.get(k).ok_or_else(|| {
                    format_err(self, format!("{class}: no argument `{k}` in meta ctor"))
                })?;
                let (num, unit) = v.rsplit_once(' ').unwrap_or((v, "1"));
                let factor = parse_unit(unit)
                    .map(|(_, f)| f)
                    .ok_or_else(|| format_err(self, format!("{class}: unknown unit {unit:?}")))?;
                Ok((factor, num.trim().to_string()))
            };
            let number = |k: &str| -> Result<f64> {
                let (f, num) = unit(k)?;
                num.parse::<f64>()
                    .map(|x| x * f)
                    .map_err(|_| format_err(self, format!("{class}: `{k}` is not a number")))
            };
            let list = |k: &str| -> Result<Vec<f64>> {
                let (f, num) = unit(k)?;
                num.trim_matches(['[', ']'])
                    .split(',')
                    .map(|x| x.trim().parse::<f64>().map(|x| x * f))
                    .collect::<std::result::Result<_, _>>()
                    .map_err(|_| {
                        format_err(self, format!("{class}: `{k}` is not a list of numbers"))
                    })
            };
            let q = |x: f64| -> Quantity<crate::units::Dimensionless> { x.into() };
            let t = |x: f64| -> Quantity<Time> { x * ms };
            let mut model: Box<dyn Dynamics> = match class {
                "SectionInput" => Box::new(SectionInput::new(
                    n,
                    &list("values")?.into_iter().map(q).collect::<Vec<_>>(),
                    &list("durations")?.into_iter().map(t).collect::<Vec<_>>(),
                )),
                "ConstantInput" => Box::new(ConstantInput::new(
                    n,
                    q(number("value")?),
                    t(number("duration")?),
                )),
                "StepInput" => Box::new(StepInput::new(
                    n,
                    &list("amplitudes")?.into_iter().map(q).collect::<Vec<_>>(),
                    &list("step_times")?.into_iter().map(t).collect::<Vec<_>>(),
                )),
                "RampInput" => Box::new(RampInput::new(
                    n,
                    q(number("c_start")?),
                    q(number("c_end")?),
                    t(number("duration")?),
                    t(number("t_start")?),
                )),
                "SinusoidalInput" => Box::new(SinusoidalInput::new(
                    n,
                    q(number("amplitude")?),
                    Quantity::<crate::units::Rate>::from(number("frequency")?),
                    t(number("duration")?),
                    q(number("bias")?),
                )),
                "SpikeTime" => {
                    let indices: Vec<usize> = self
                        .npz
                        .f64s("SpikeTime_indices")?
                        .iter()
                        .map(|&i| i as usize)
                        .collect();
                    let times: Vec<Quantity<Time>> =
                        self.array("SpikeTime_times")?.into_iter().map(t).collect();
                    if args
                        .get("time_as_step")
                        .is_some_and(|s| s.trim_matches('\'') != "round")
                    {
                        return Err(format_err(
                            self,
                            "SpikeTime: only time_as_step='round' files are read",
                        ));
                    }
                    Box::new(SpikeTime::new(n, &indices, &times))
                }
                other => {
                    return Err(format_err(
                        self,
                        format!("input generator {other} is not supported"),
                    ));
                }
            };
            model.init_state(device, None)?;
            let mut clock = Clock::new(self.dt)?;
            let mut out = Vec::with_capacity(steps * n);
            for k in 0..steps {
                clock.set_step(k as u64);
                out.extend(model.update(&clock, Input::None)?.to_vec_f64()?);
            }
            traces.insert(key, out);
        }
        Ok(traces)
    }

    /// Compares `got` with the file: every trace within [`F64_TOL`] of its scale.
    pub fn compare_f64(&self, got: &Traces) -> Result<Report> {
        let want = self.golden()?;
        let mut report = Report::new(&self.name);
        let spikes = if self.is_neuron() {
            want.get("out")
        } else {
            None
        };
        for (key, w) in &want {
            let g = got
                .get(key)
                .ok_or_else(|| format_err(self, format!("no computed trace `{key}`")))?;
            // V on spiking steps (run-away values up to 1e17 mV) is compared relative to itself.
            let r = match spikes {
                Some(s) if key == "rec_V" => compare_trace_except(g, w, |i| s[i] != 0.0)?,
                _ => compare_trace(g, w)?,
            };
            let per_step = w.len() / self.shape(key)?[0].max(1);
            if r.worst > report.worst || report.worst_where.is_empty() {
                report.worst = r.worst;
                report.worst_where =
                    format!("{key} step {} elem {}", r.at / per_step, r.at % per_step);
            }
            if !r.within(F64_TOL) && report.passed {
                report.passed = false;
                report.detail = format!(
                    "{key}: {:.3e} of scale {:.3e} at step {} elem {} (got {}, want {})",
                    r.worst,
                    r.scale,
                    r.at / per_step,
                    r.at % per_step,
                    g[r.at],
                    w[r.at]
                );
            }
        }
        Ok(report)
    }

    /// Judges f32 traces `got` against the file with the f32 rule (spikes, threshold and
    /// window causes for the first disagreement, [`F32_TOL`]).
    pub fn compare_f32(&self, got: &Traces) -> Result<Report> {
        if self.is_network() {
            return self.compare_network_f32(got);
        }
        let want = self.golden()?;
        for key in want.keys() {
            if !got.contains_key(key) {
                return Err(format_err(self, format!("no computed trace `{key}`")));
            }
        }
        let mut report = Report::new(&self.name);
        // The elementwise files judged trace by trace; per-model runs as one F32Case.
        if !self.is_per_model() {
            for (key, w) in &want {
                let r = compare_trace(&got[key], w)?;
                if r.worst > report.worst || report.worst_where.is_empty() {
                    report.worst = r.worst;
                    report.worst_where = key.clone();
                }
                if !r.within(F32_TOL) && report.passed {
                    report.passed = false;
                    report.detail =
                        format!("{key}: {:.3e} of scale at flat index {}", r.worst, r.at);
                }
            }
            return Ok(report);
        }
        let steps = self.steps()?;
        let out = want
            .get("out")
            .ok_or_else(|| format_err(self, "no `out` trace"))?;
        let elems = out.len() / steps.max(1);
        // Every trace one value per step and element, computed and recorded alike.
        for (key, w) in &want {
            if steps == 0 || w.len() != steps * elems || got[key].len() != w.len() {
                return Err(format_err(
                    self,
                    format!(
                        "`{key}` has {} values (computed: {}), not {steps} steps × {elems}",
                        w.len(),
                        got[key].len()
                    ),
                ));
            }
        }
        let spiking = self.is_neuron();
        let names: Vec<&String> = want.keys().filter(|k| !(spiking && *k == "out")).collect();
        let traces: Vec<Trace<'_>> = names
            .iter()
            .map(|k| Trace {
                name: k.as_str(),
                got: &got[*k],
                want: &want[*k],
            })
            .collect();
        let v_index = names.iter().position(|k| k.as_str() == "rec_V");
        // Thresholds per model: a parameter, ALIF's V_th + β·a, or Gif's V_th state.
        let v_th = if spiking {
            self.param("V_th").ok()
        } else {
            None
        };
        let beta = if self.model == "ALIF" {
            Some(self.param("beta")?)
        } else {
            None
        };
        let empty = Vec::new();
        let a_trace = want.get("rec_a").unwrap_or(&empty);
        let th_trace = want.get("rec_V_th").unwrap_or(&empty);
        let threshold = |k: usize, e: usize| -> f64 {
            let i = k * elems + e;
            match (beta, v_th) {
                (Some(b), Some(th)) => th + b * a_trace.get(i).copied().unwrap_or(f64::NAN),
                (None, Some(th)) => th,
                _ => th_trace.get(i).copied().unwrap_or(f64::NAN),
            }
        };
        let spikes = match (spiking, v_index) {
            (true, Some(v)) => Some(Spikes {
                got: &got["out"],
                want: &want["out"],
                v,
                threshold: &threshold,
            }),
            _ => None,
        };
        // Windows: refractory (from the last spike before the step) and transmitter (from the
        // arrival of this step).
        let last = want.get("rec_last_spike_time").unwrap_or(&empty);
        let init_last = if self.npz.contains("init_last_spike_time") {
            self.array("init_last_spike_time")?
        } else {
            Vec::new()
        };
        let arrival = want.get("rec_spike_arrival_time").unwrap_or(&empty);
        let refractory_start = |k: usize, e: usize| -> f64 {
            if k == 0 {
                init_last.get(e).copied().unwrap_or(f64::NAN)
            } else {
                last.get((k - 1) * elems + e).copied().unwrap_or(f64::NAN)
            }
        };
        let arrival_start =
            |k: usize, e: usize| -> f64 { arrival.get(k * elems + e).copied().unwrap_or(f64::NAN) };
        let mut windows = Vec::new();
        if !last.is_empty() {
            windows.push(Window {
                name: "refractory period",
                duration: self.param("tau_ref")?,
                start: &refractory_start,
            });
        }
        if !arrival.is_empty() {
            windows.push(Window {
                name: "transmitter pulse",
                duration: self.param("T_duration")?,
                start: &arrival_start,
            });
        }
        let j = judge_f32(
            &F32Case {
                steps,
                elems,
                dt: self.dt,
                traces,
                spikes,
                windows,
            },
            F32_TOL,
        )?;
        report.worst = j.worst;
        report.worst_where = j.worst_where.clone();
        report.passed = j.passed();
        report.detail = match &j.failure {
            Some(f) => f.clone(),
            None if spiking => format!(
                "{} spikes vs {}; first differences: {} at threshold, {} at a window end, {} after a run-away reset; shifts ≤ {}",
                j.spikes_got,
                j.spikes_want,
                j.threshold_flips,
                j.window_flips,
                j.cancellation_resets,
                j.max_shift
            ),
            None => format!("{} window flips", j.window_flips),
        };
        Ok(report)
    }

    /// Runs the case on `device` and judges it: the f64 reference against [`F64_TOL`], a GPU
    /// with the f32 rule. Returns the report and the computed traces.
    pub fn check(&self, device: &Device) -> Result<(Report, Traces)> {
        let got = self.simulate(device)?;
        let report = match device {
            Device::Cpu => self.compare_f64(&got)?,
            Device::Gpu(_) => self.compare_f32(&got)?,
        };
        Ok((report, got))
    }

    /// Writes `traces` to `path` with the file's names, shapes and units, so that an
    /// independent checker can compare them with the golden file.
    pub fn emit(&self, traces: &Traces, path: impl AsRef<Path>) -> Result<()> {
        let mut w = NpzWriter::new();
        for (key, values) in traces {
            let f = self.factor(key)?;
            let shape = self.shape(key)?;
            w.add(
                key,
                &shape,
                NpyData::F64(values.iter().map(|x| x / f).collect()),
            )?;
        }
        w.write(path)
    }
}

/// A per-model file's `p_*` values are the constructor arguments of its class.
impl crate::registry::ClassArgs for Case {
    fn number(&self, name: &str) -> Result<f64> {
        self.param(name)
    }

    fn flag(&self, name: &str) -> Result<bool> {
        Case::flag(self, name)
    }
}
