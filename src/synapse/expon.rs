//! `Expon`: the single-exponential synapse. Kernel: `shaders/synapse/expon.wgsl`.

use crate::error::Result;
use crate::model::{ElemF64, Init, Model, Output, Param, ParamValue};
use crate::module::{Module, SynapseModel};
use crate::shaders::{KernelDef, builtin};
use crate::shape::Shape;
use crate::units::{Conductance, Time, mS, ms};

/// Single-exponential synapse (BrainPy's `brainpy.state.Expon`).
///
/// ```text
/// dg/dt = −g/τ
/// ```
///
/// Per step (SPEC §4): `g ← g·e^{−dt/τ}` (the exponential-Euler step, exact for this linear
/// ODE), then `g ← g + x`. `update(x)` returns `g`.
///
/// | parameter | default | BrainPy name |
/// |---|---|---|
/// | time constant | 8 ms | `tau` |
/// | initial conductance | 0 mS | `g_initializer` |
///
/// State: `g` (conductance). The decay factor `e^{−dt/τ}` is computed on the host in f64.
///
/// ```no_run
/// use brainwgpu::prelude::*;
/// let mut syn = Expon::new(100).tau(8.0 * ms);
/// syn.init_state(&Device::gpu()?, Some(32))?;
/// # Ok::<(), brainwgpu::Error>(())
/// ```
pub type Expon = Module<ExponParams>;

/// The parameters of [`Expon`].
#[derive(Clone, Debug, PartialEq)]
pub struct ExponParams {
    /// Decay time constant `tau` (> 0).
    pub tau: Param<Time>,
    /// Initial value of `g`.
    pub g_initializer: Init<Conductance>,
}

impl Default for ExponParams {
    fn default() -> Self {
        ExponParams {
            tau: (8.0 * ms).into(),
            g_initializer: (0.0 * mS).into(),
        }
    }
}

impl Expon {
    /// An `Expon` synapse over `in_size` with BrainPy's defaults.
    pub fn new(in_size: impl Into<Shape>) -> Expon {
        Module::from_model(ExponParams::default(), in_size)
    }

    /// Sets the time constant `tau` (a scalar or one value per neuron).
    pub fn tau(self, tau: impl Into<Param<Time>>) -> Expon {
        let tau = tau.into();
        self.configure(|p| p.tau = tau)
    }

    /// Sets how `g` starts.
    pub fn g_initializer(self, init: impl Into<Init<Conductance>>) -> Expon {
        let init = init.into();
        self.configure(|p| p.g_initializer = init)
    }
}

const G: usize = 0;
const DECAY: usize = 0;

impl Model for ExponParams {
    fn kind(&self) -> &str {
        "Expon"
    }

    fn kernel(&self) -> &KernelDef {
        &builtin::EXPON
    }

    fn state_names(&self) -> Vec<&str> {
        vec!["g"]
    }

    fn output(&self) -> Output {
        Output::State(G)
    }

    fn validate(&self, n: usize) -> Result<()> {
        self.tau.check(
            "Expon",
            "tau",
            n,
            |t| t.is_finite() && t > 0.0,
            "must be > 0 and finite",
        )?;
        self.g_initializer.check("Expon", "g_initializer", n)
    }

    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![self.g_initializer.values(rows, n, G as u64)]
    }

    fn kernel_params(&self, dt: f64) -> Vec<ParamValue> {
        vec![self.tau.value().map(|tau| (-dt / tau).exp())]
    }

    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let mut g = e.state[G] * e.param(DECAY);
        g += e.x;
        e.state[G] = g;
    }
}

impl SynapseModel for ExponParams {}
