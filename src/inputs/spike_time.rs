//! Spikes at given times (`SpikeTime`). Kernel: `shaders/inputs/spike_time.wgsl`.

use crate::error::{Error, Result};
use crate::model::{ElemF64, Model, Output, ParamValue};
use crate::module::Module;
use crate::shaders::builtin;
use crate::units::{Quantity, Time};

use super::{Must, check_all, table};

// Parameter indices, as the kernels name them.
const SPIKES_ROWS: usize = 0;
const SPIKES_OFFSETS: usize = 1;
const SPIKES_NEURONS: usize = 2;
const SPIKES_WEIGHTS: usize = 3;

/// How `SpikeTime` turns a time into a step (`time_as_step`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TimeAsStep {
    /// `round(t/dt)` (half to even), the default.
    #[default]
    Round,
    /// `floor(t/dt)`.
    Floor,
    /// `ceil(t/dt)`.
    Ceil,
}

/// Spikes at given times (BrainPy's `SpikeTime`): at step `k`, neuron `j` outputs the summed
/// weights of its events whose `time_as_step(time/dt)` is `k`. 1-D `in_size` only.
pub type SpikeTime = Module<SpikeTimeParams>;

/// The parameters of [`SpikeTime`].
#[derive(Clone, Debug, PartialEq)]
pub struct SpikeTimeParams {
    /// The neuron of each event.
    pub indices: Vec<usize>,
    /// The time of each event (ms).
    pub times: Vec<f64>,
    /// The weight of each event (one for all, or one per event).
    pub weights: Vec<f64>,
    /// Time to step.
    pub time_as_step: TimeAsStep,
}

impl SpikeTime {
    /// Events `(indices[q], times[q])` with weight 1.
    pub fn new(in_size: usize, indices: &[usize], times: &[Quantity<Time>]) -> SpikeTime {
        Module::from_model(
            SpikeTimeParams {
                indices: indices.to_vec(),
                times: times.iter().map(|t| t.value()).collect(),
                weights: vec![1.0],
                time_as_step: TimeAsStep::Round,
            },
            in_size,
        )
    }
}

crate::setters!(SpikeTime {
    /// Sets the weights (one, or one per event).
    weights: Vec<f64>,
    /// Sets `time_as_step`.
    time_as_step: TimeAsStep,
});

impl SpikeTimeParams {
    /// The events as a CSR table over steps: `(rows, offsets, indices, weights)`.
    fn csr(&self, dt: f64) -> (usize, Vec<f64>, Vec<f64>, Vec<f64>) {
        let step = |t: f64| -> usize {
            let r = t / dt;
            let s = match self.time_as_step {
                TimeAsStep::Round => r.round_ties_even(),
                TimeAsStep::Floor => r.floor(),
                TimeAsStep::Ceil => r.ceil(),
            };
            s.max(0.0) as usize
        };
        let steps: Vec<usize> = self.times.iter().map(|&t| step(t)).collect();
        let rows = steps.iter().max().map_or(0, |m| m + 1);
        let mut order: Vec<usize> = (0..steps.len()).collect();
        order.sort_by_key(|&q| steps[q]);
        let mut offsets = vec![0.0; rows + 1];
        for &s in &steps {
            offsets[s + 1] += 1.0;
        }
        for r in 0..rows {
            offsets[r + 1] += offsets[r];
        }
        let weight = |q: usize| {
            if self.weights.len() == 1 {
                self.weights[0]
            } else {
                self.weights[q]
            }
        };
        (
            rows,
            offsets,
            order.iter().map(|&q| self.indices[q] as f64).collect(),
            order.iter().map(|&q| weight(q)).collect(),
        )
    }
}

impl Model for SpikeTimeParams {
    crate::model::describe!("SpikeTime", builtin::SPIKE_TIME, [], Output::Emitted);
    fn validate(&self, n: usize) -> Result<()> {
        if self.indices.len() != self.times.len() {
            return Err(Error::shape(
                "times of SpikeTime",
                format!("{} values (one per index)", self.indices.len()),
                format!("{} values", self.times.len()),
            ));
        }
        if self.weights.len() != 1 && self.weights.len() != self.times.len() {
            return Err(Error::shape(
                "weights of SpikeTime",
                format!("1 or {} values", self.times.len()),
                format!("{} values", self.weights.len()),
            ));
        }
        if let Some(bad) = self.indices.iter().find(|&&i| i >= n) {
            return Err(Error::invalid(
                "SpikeTime",
                "indices",
                bad,
                format!("must be below in_size {n}"),
            ));
        }
        check_all("SpikeTime", "times", &self.times, Must::BeNonNegative)?;
        check_all("SpikeTime", "weights", &self.weights, Must::BeFinite)
    }
    fn initial_state(&self, _rows: usize, _n: usize) -> Vec<Vec<f64>> {
        vec![]
    }
    fn kernel_params(&self, dt: f64) -> Vec<ParamValue> {
        let (rows, offsets, indices, weights) = self.csr(dt);
        vec![
            ParamValue::Word(rows as u32),
            table(&offsets),
            table(&indices),
            table(&weights),
        ]
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let rows = e.param_u32(SPIKES_ROWS) as u64;
        let mut value = 0.0;
        if e.k < rows {
            let k = e.k as usize;
            let (start, end) = (
                e.param_at(SPIKES_OFFSETS, k) as usize,
                e.param_at(SPIKES_OFFSETS, k + 1) as usize,
            );
            for q in start..end {
                if e.param_at(SPIKES_NEURONS, q) as usize == e.neuron() {
                    value += e.param_at(SPIKES_WEIGHTS, q);
                }
            }
        }
        e.out = value;
    }
}
