//! `LeakyRateReadout` (BrainPy's `brainpy.state.readout`). Kernel: `shaders/readout.wgsl`.

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::model::{ElemF64, Model, Output, Param, ParamValue};
use crate::module::Module;
use crate::rng;
use crate::shaders::builtin;
use crate::shape::Shape;
use crate::units::{Time, ms};

// Parameter indices, as the kernel names them.
const RO_DECAY: usize = 0;
const RO_W: usize = 2;

/// How a weight matrix of shape `(in, out)` is made.
#[derive(Clone, Debug, PartialEq)]
pub enum WeightInit {
    /// Normal with variance `2/in` (BrainPy's default `KaimingNormal`), from a seed.
    KaimingNormal {
        /// Seed of the counter-based generator.
        seed: u64,
    },
    /// The given values, row-major `(in, out)`.
    Matrix(Arc<[f64]>),
}

impl WeightInit {
    /// The `in × out` weights, row-major; an error names a matrix of the wrong size.
    pub fn values(&self, owner: &str, n_in: usize, n_out: usize) -> Result<Arc<[f64]>> {
        match self {
            WeightInit::KaimingNormal { seed } => {
                let std = (2.0 / n_in as f64).sqrt();
                Ok((0..n_in * n_out)
                    .map(|i| std * rng::normal(*seed, 0, i as u64))
                    .collect())
            }
            WeightInit::Matrix(w) => {
                if w.len() != n_in * n_out {
                    return Err(Error::shape(
                        format!("weights of {owner}"),
                        format!("({n_in}, {n_out}) = {} values", n_in * n_out),
                        format!("{} values", w.len()),
                    ));
                }
                if let Some(bad) = w.iter().find(|&&v| !crate::model::finite(v)) {
                    return Err(Error::invalid(
                        owner,
                        "w_init",
                        bad,
                        "weights must be finite",
                    ));
                }
                Ok(w.clone())
            }
        }
    }
}

impl From<Vec<f64>> for WeightInit {
    fn from(w: Vec<f64>) -> Self {
        WeightInit::Matrix(w.into())
    }
}

/// A leaky rate readout (BrainPy's `LeakyRateReadout`): a leaky integrator of `x @ W`.
///
/// ```text
/// r ← e^{−dt/τ}·r + x @ W,   W of shape (in, out), r starting at 0
/// ```
///
/// `update(x)` takes `x` of shape `(batch, in)` (or `(in,)`) and returns `r` of shape
/// `(batch, out)`. BrainPy computes the decay once, from the `dt` at construction; here it
/// follows the clock's `dt`.
///
/// | parameter | default |
/// |---|---|
/// | `tau` | 5 ms |
/// | `w_init` | KaimingNormal (seed 0) |
///
/// State: `r`.
pub type LeakyRateReadout = Module<LeakyRateReadoutParams>;

/// The parameters of [`LeakyRateReadout`].
#[derive(Clone, Debug, PartialEq)]
pub struct LeakyRateReadoutParams {
    /// Number of inputs.
    pub n_in: usize,
    /// Number of outputs (the module's `in_size`).
    pub n_out: usize,
    /// `tau` (> 0), per output or one for all.
    pub tau: Param<Time>,
    /// The weights.
    pub w_init: WeightInit,
}

impl LeakyRateReadout {
    /// A readout from `in_size` inputs to `out_size` outputs with BrainPy's defaults.
    pub fn new(in_size: usize, out_size: usize) -> LeakyRateReadout {
        Module::from_model(
            LeakyRateReadoutParams {
                n_in: in_size,
                n_out: out_size,
                tau: (5.0 * ms).into(),
                w_init: WeightInit::KaimingNormal { seed: 0 },
            },
            out_size,
        )
    }
}

crate::setters!(LeakyRateReadout {
    /// Sets `tau`.
    tau: Param<Time>,
    /// Sets the weights (`w_init`), row-major `(in, out)`.
    w_init: WeightInit,
});

impl Model for LeakyRateReadoutParams {
    crate::model::describe!(
        "LeakyRateReadout",
        builtin::LEAKY_RATE_READOUT,
        ["r"],
        Output::State(0)
    );
    fn x_size(&self) -> Option<Shape> {
        Some(Shape::from(self.n_in))
    }
    fn validate(&self, n: usize) -> Result<()> {
        if self.n_in == 0 {
            return Err(Error::invalid(
                "LeakyRateReadout",
                "in_size",
                0,
                "must be ≥ 1",
            ));
        }
        if n != self.n_out {
            return Err(Error::shape("outputs of LeakyRateReadout", self.n_out, n));
        }
        self.tau.check_positive("LeakyRateReadout", "tau", n)?;
        self.w_init
            .values("LeakyRateReadout", self.n_in, n)
            .map(|_| ())
    }
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![vec![0.0; rows * n]]
    }
    fn kernel_params(&self, dt: f64) -> Vec<ParamValue> {
        let w = self
            .w_init
            .values("LeakyRateReadout", self.n_in, self.n_out)
            .expect("validated before any update");
        vec![
            self.tau.map(|t| (-dt / t).exp()),
            ParamValue::Word(self.n_in as u32),
            ParamValue::Table(w),
        ]
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let j = e.neuron();
        let acc: f64 = (0..self.n_in)
            .map(|i| e.x_at(i) * e.param_at(RO_W, i * self.n_out + j))
            .sum();
        e.state[0] = e.param(RO_DECAY) * e.state[0] + acc;
    }
}
