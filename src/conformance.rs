//! Replaying BrainPy's golden reference files: build the model a file names from the
//! parameters stored in it, feed it the recorded inputs, and compare every recorded trace.
//!
//! A golden file (`tests/data/README.md`) is an `.npz` with `meta` (JSON: the model's class
//! and the unit of every array), `dt`, `n_steps`, `batch_size`, `in_size`, the constructor
//! parameters `p_*`, the inputs `in_x`, the initial states `init_*`, and the traces `rec_*`
//! and `out`. Values are converted from the file's units into the internal convention
//! ([`crate::units`]) on reading, so nothing about a case is hard-coded: another file with
//! other parameters, batch, size or length works the same.

use std::collections::BTreeMap;
use std::path::Path;

use crate::clock::Clock;
use crate::compare::{F32_TOL, F64_TOL, compare_spiking, compare_trace};
use crate::error::{Error, Result};
use crate::module::Dynamics;
use crate::neuron::{LIF, SpikeReset};
use crate::npz::Npz;
use crate::shape::{Shape, TensorShape};
use crate::synapse::Expon;
use crate::tensor::{Device, Input, Tensor};
use crate::units::parse_unit;

/// Recorded traces by name (`rec_<state>`, `out`), each `steps × batch × in_size`, flat.
pub type Traces = BTreeMap<String, Vec<f64>>;

/// One golden case, read from its file.
#[derive(Debug)]
pub struct Case {
    /// The file's stem ("LIF__hard").
    pub name: String,
    /// The BrainPy class ("LIF").
    pub model: String,
    /// Step (ms).
    pub dt: f64,
    /// Number of steps.
    pub steps: usize,
    /// Batch size (`None`: no batch axis).
    pub batch: Option<usize>,
    /// `in_size`.
    pub in_size: Shape,
    npz: Npz,
    units: BTreeMap<String, String>,
}

/// The verdict on one case.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// The case.
    pub case: String,
    /// Whether every trace passed.
    pub passed: bool,
    /// The worst relative deviation over all traces (relative to each trace's scale).
    pub worst: f64,
    /// Which trace and where.
    pub worst_where: String,
    /// What failed, or a summary of spike agreement.
    pub detail: String,
}

fn bad(case: &Case, reason: impl Into<String>) -> Error {
    Error::Format {
        path: case.npz.path().to_path_buf(),
        reason: reason.into(),
    }
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
        let meta: serde_json::Value = serde_json::from_str(&npz.string("meta")?)
            .map_err(|e| fail(format!("meta is not JSON: {e}")))?;
        let model = meta["model"]
            .as_str()
            .ok_or_else(|| fail("meta has no model".into()))?;
        let model = model.rsplit('.').next().unwrap_or(model).to_string();
        let units = meta["units"]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        let in_size: Vec<usize> = npz.f64s("in_size")?.iter().map(|&d| d as usize).collect();
        let batch = if npz.contains("batch_size") {
            Some(npz.scalar("batch_size")? as usize)
        } else {
            None
        };
        Ok(Case {
            name: path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            model,
            dt: npz.scalar("dt")?,
            steps: npz.scalar("n_steps")? as usize,
            batch,
            in_size: Shape::new(in_size),
            npz,
            units,
        })
    }

    /// The factor from the unit the file gives `key` in to the internal unit.
    fn factor(&self, key: &str) -> Result<f64> {
        match self.units.get(key) {
            None => Ok(1.0),
            Some(u) => parse_unit(u)
                .map(|(_, f)| f)
                .ok_or_else(|| bad(self, format!("unknown unit {u:?} of `{key}`"))),
        }
    }

    /// Array `key` in internal units.
    pub fn array(&self, key: &str) -> Result<Vec<f64>> {
        let f = self.factor(key)?;
        Ok(self.npz.f64s(key)?.into_iter().map(|x| x * f).collect())
    }

    /// Constructor parameter `name` (stored as `p_<name>`) in internal units.
    pub fn param(&self, name: &str) -> Result<f64> {
        let key = format!("p_{name}");
        Ok(self.npz.scalar(&key)? * self.factor(&key)?)
    }

    /// Boolean constructor parameter `name` (`p_<name>`).
    pub fn flag(&self, name: &str) -> Result<bool> {
        Ok(self.npz.scalar(&format!("p_{name}"))? != 0.0)
    }

    /// Whether the model is a neuron (its `out` is a spike train).
    pub fn is_neuron(&self) -> bool {
        matches!(self.model.as_str(), "LIF")
    }

    /// The model, built from the parameters in the file.
    pub fn build(&self) -> Result<Box<dyn Dynamics>> {
        Ok(match self.model.as_str() {
            "Expon" => Box::new(Expon::new(self.in_size.clone()).tau(self.param("tau")?)),
            "LIF" => Box::new(
                LIF::new(self.in_size.clone())
                    .r(self.param("R")?)
                    .tau(self.param("tau")?)
                    .v_th(self.param("V_th")?)
                    .v_reset(self.param("V_reset")?)
                    .v_rest(self.param("V_rest")?)
                    .spk_reset(if self.flag("spk_reset_hard")? {
                        SpikeReset::Hard
                    } else {
                        SpikeReset::Soft
                    }),
            ),
            other => return Err(bad(self, format!("model {other} is not supported"))),
        })
    }

    /// The recorded traces of the file (`rec_*` and `out`), in internal units.
    pub fn golden(&self) -> Result<Traces> {
        self.npz
            .names()
            .filter(|k| k.starts_with("rec_") || *k == "out")
            .map(|k| Ok((k.to_string(), self.array(k)?)))
            .collect()
    }

    /// Builds the model on `device`, starts it from the file's `init_*`, replays `in_x` and
    /// records the same traces as the file.
    pub fn simulate(&self, device: &Device) -> Result<Traces> {
        let mut model = self.build()?;
        model.init_state(device, self.batch)?;
        for name in model.state_names() {
            let key = format!("init_{name}");
            if self.npz.contains(&key) {
                model.set_state(&name, &self.array(&key)?)?;
            }
        }
        let shape = TensorShape::new(self.batch, self.in_size.clone());
        let per_step = shape.numel();
        let inputs = self.array("in_x")?;
        if inputs.len() != per_step * self.steps {
            return Err(bad(
                self,
                format!(
                    "in_x has {} values, not {} × {shape}",
                    inputs.len(),
                    self.steps
                ),
            ));
        }
        let recorded: Vec<String> = self.golden()?.into_keys().collect();
        let mut traces: Traces = recorded
            .iter()
            .map(|k| (k.clone(), Vec::with_capacity(per_step * self.steps)))
            .collect();
        let mut clock = Clock::new(self.dt)?;
        for k in 0..self.steps {
            clock.set_step(k as u64);
            let x = Tensor::from_f64(
                device,
                shape.clone(),
                &inputs[k * per_step..(k + 1) * per_step],
            )?;
            model.update(&clock, Input::Tensor(&x))?;
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

    /// Compares `got` with `want`: every trace within `tol` of its scale, except that with
    /// `f32_rule` a neuron's `rec_V`/`out` pair is judged by the spike rule
    /// ([`crate::compare`]).
    pub fn compare(&self, got: &Traces, want: &Traces, tol: f64, f32_rule: bool) -> Result<Report> {
        let mut report = Report {
            case: self.name.clone(),
            passed: true,
            worst: 0.0,
            worst_where: String::new(),
            detail: String::new(),
        };
        let per_step = TensorShape::new(self.batch, self.in_size.clone()).numel();
        let spiking = f32_rule && self.is_neuron();
        for (key, w) in want {
            let g = got
                .get(key)
                .ok_or_else(|| bad(self, format!("no computed trace `{key}`")))?;
            if g.len() != w.len() {
                return Err(bad(
                    self,
                    format!(
                        "trace `{key}`: {} values computed, {} recorded",
                        g.len(),
                        w.len()
                    ),
                ));
            }
            if spiking && (key == "rec_V" || key == "out") {
                continue;
            }
            let r = compare_trace(g, w)?;
            if r.worst > report.worst || report.worst_where.is_empty() {
                report.worst = r.worst;
                report.worst_where =
                    format!("{key} step {} elem {}", r.at / per_step, r.at % per_step);
            }
            if !r.within(tol) {
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
        if spiking {
            let (v_got, v_want) = (&got["rec_V"], &want["rec_V"]);
            let (s_got, s_want) = (&got["out"], &want["out"]);
            let theta = self.param("V_th")?;
            let s = compare_spiking(
                self.steps,
                per_step,
                v_got,
                v_want,
                s_got,
                s_want,
                |_| theta,
                tol,
            )?;
            if s.worst_trace > report.worst || report.worst_where.is_empty() {
                report.worst = s.worst_trace;
                report.worst_where = "rec_V before spike differences".into();
            }
            if let Some(f) = &s.failure {
                report.passed = false;
                report.detail = f.clone();
            } else if report.passed {
                report.detail = format!(
                    "{} spikes vs {}; {} elements shifted, by ≤ {} steps",
                    s.spikes_got, s.spikes_want, s.elements_shifted, s.max_shift
                );
            }
        }
        Ok(report)
    }

    /// Runs the case on the f64 reference and checks it against the file (≤ 1e-9 of scale).
    pub fn check_cpu(&self) -> Result<Report> {
        let got = self.simulate(&Device::Cpu)?;
        self.compare(&got, &self.golden()?, F64_TOL, false)
    }

    /// Runs the case on `device` in f32 and checks it against the f64 reference of the same
    /// case, with the f32 tolerance and the spike rule.
    pub fn check_against_reference(&self, device: &Device) -> Result<Report> {
        let want = self.simulate(&Device::Cpu)?;
        let got = self.simulate(device)?;
        self.compare(&got, &want, F32_TOL, true)
    }
}
