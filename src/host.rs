//! The host (f64) side of running a model: one loop over the elements that calls the model's
//! f64 twin, shared by modules on `Device::Cpu` and by the network's f64 executor.

use crate::model::{ElemF64, Model, Output, ParamValue};
use crate::synout::SynOut;

/// An input as the host loop reads it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum HostInput<'a> {
    /// Nothing (0).
    None,
    /// One value for every element.
    Scalar(f64),
    /// Rows of values `pitch` apart: one per sample, or one shared by every sample.
    Rows {
        data: &'a [f64],
        pitch: usize,
        per_sample: bool,
    },
}

impl<'a> HostInput<'a> {
    /// Value `idx` of sample `b`'s row.
    pub fn at(&self, b: usize, idx: usize) -> f64 {
        match *self {
            HostInput::None => 0.0,
            HostInput::Scalar(v) => v,
            HostInput::Rows {
                data,
                pitch,
                per_sample,
            } => data[if per_sample { b * pitch } else { 0 } + idx],
        }
    }

    /// Sample `b`'s row of `len` values (empty for a scalar or no input).
    pub fn row(&self, b: usize, len: usize) -> &'a [f64] {
        match *self {
            HostInput::Rows {
                data,
                pitch,
                per_sample,
            } => {
                let start = if per_sample { b * pitch } else { 0 };
                &data[start..start + len]
            }
            _ => &[],
        }
    }
}

/// Where one model's states and output live on the host.
pub(crate) trait HostStates {
    /// Variable `v` of element `i`.
    fn get(&self, v: usize, i: usize) -> f64;
    /// Sets variable `v` of element `i`.
    fn set(&mut self, v: usize, i: usize, value: f64);
    /// Sets the emitted output of element `i`.
    fn set_out(&mut self, i: usize, value: f64);
}

/// Everything of one step but the states.
pub(crate) struct HostStep<'a> {
    /// `(t, dt, k, epoch_ms)`: `t` counted from the epoch that started at `epoch_ms`.
    pub time: (f64, f64, u64, f64),
    /// Elements per sample, and in all.
    pub n: usize,
    pub total: usize,
    /// Values per row of `x`.
    pub x_n: usize,
    pub x: HostInput<'a>,
    pub delta: HostInput<'a>,
    /// Each current input with its conductances (one per element).
    pub channels: &'a [(SynOut, &'a [f64])],
    pub params: &'a [ParamValue],
}

/// Whether `model` has an f64 twin: its `step_f64` run once on a scratch element (its
/// initial states, no inputs, `params`), else an [`Error::NoF64Twin`](crate::Error::NoF64Twin)
/// naming `owner()`.
pub(crate) fn check_twin(
    model: &dyn Model,
    owner: impl Fn() -> String,
    params: &[ParamValue],
    n: usize,
) -> crate::Result<()> {
    let mut values: Vec<f64> = model
        .initial_state(1, n)
        .iter()
        .map(|v| v.first().copied().unwrap_or(0.0))
        .collect();
    let row = vec![0.0; n];
    let mut e = ElemF64::new(
        (0.0, 0.1, 0, 0.0),
        &mut values,
        (0.0, &row, 0.0),
        &[],
        params,
        (0, 0, n),
    );
    model.step_f64(&mut e);
    if e.no_twin {
        return Err(crate::Error::NoF64Twin { model: owner() });
    }
    Ok(())
}

/// Runs `model`'s f64 twin on every element; a model without one is an
/// [`Error::NoF64Twin`](crate::Error::NoF64Twin) naming `owner()`, before any state changes.
pub(crate) fn step_elements(
    model: &dyn Model,
    owner: impl Fn() -> String,
    s: &HostStep<'_>,
    states: &mut dyn HostStates,
) -> crate::Result<()> {
    let vars = model.state_names().len();
    let emits = model.output() == Output::Emitted;
    let mut values = vec![0.0; vars];
    let mut chans: Vec<(SynOut, f64)> = Vec::with_capacity(s.channels.len());
    for i in 0..s.total {
        let (b, j) = (i / s.n, i % s.n);
        for (v, x) in values.iter_mut().enumerate() {
            *x = states.get(v, i);
        }
        chans.clear();
        chans.extend(s.channels.iter().map(|(out, g)| (*out, g[i])));
        let x = if j < s.x_n { s.x.at(b, j) } else { 0.0 };
        let mut e = ElemF64::new(
            s.time,
            &mut values,
            (x, s.x.row(b, s.x_n), s.delta.at(b, j)),
            &chans,
            s.params,
            (i, j, s.n),
        );
        model.step_f64(&mut e);
        if e.no_twin {
            return Err(crate::Error::NoF64Twin { model: owner() });
        }
        let out = e.out;
        for (v, x) in values.iter().enumerate() {
            states.set(v, i, *x);
        }
        if emits {
            states.set_out(i, out);
        }
    }
    Ok(())
}
