//! Kinetic receptor synapses: `AMPA`, `GABAa` (BrainPy's `brainpy.state.synapse`). Kernel:
//! `shaders/synapse/ampa.wgsl` (one kernel, each model its own defaults).

use std::marker::PhantomData;

use crate::error::Result;
use crate::model::{ElemF64, Init, Model, Output, Param, ParamValue};
use crate::module::{Module, SynapseModel};
use crate::numerics::exp_euler;
use crate::registry::ClassArgs;
use crate::shaders::{KernelDef, builtin};
use crate::shape::Shape;
use crate::units::{Concentration, Conductance, Rate, RatePerConcentration, Time, mM, mS, ms};

use super::NEVER_ARRIVED;

// Parameter indices, as the kernel names them.
const AMPA_ALPHA: usize = 0;
const AMPA_BETA: usize = 1;
const AMPA_T: usize = 2;
const AMPA_T_DUR: usize = 3;

/// Which receptor: its BrainPy name and defaults.
pub trait Receptor: Clone + Send + Sync + 'static {
    /// BrainPy's class name.
    const NAME: &'static str;
    /// `(alpha /(ms·mM), beta /ms, T mM, T_duration ms)`.
    const DEFAULTS: (f64, f64, f64, f64);
}

/// The AMPA receptor's defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct AmpaReceptor;

impl Receptor for AmpaReceptor {
    const NAME: &'static str = "AMPA";
    const DEFAULTS: (f64, f64, f64, f64) = (0.98, 0.18, 0.5, 0.5);
}

/// The GABAa receptor's defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct GabaaReceptor;

impl Receptor for GabaaReceptor {
    const NAME: &'static str = "GABAa";
    const DEFAULTS: (f64, f64, f64, f64) = (0.53, 0.18, 1.0, 1.0);
}

/// AMPA receptor synapse (BrainPy's `AMPA`).
///
/// ```text
/// dg/dt = α·[T]·(1 − g) − β·g,   [T] = T while t − t_spike < T_duration, else 0
/// ```
///
/// Per step: `t_spike ← t` where the input is nonzero (**any** nonzero value counts
/// as a spike); `[T]` from the window `t − t_spike < T_duration`, evaluated on
/// `t = k·dt` (with dt = 0.1 ms the transmitter is present on the spike step and the next four,
/// subject to float rounding); exponential Euler with `J = −(α·[T] + β)`. `update(pre_spike)`
/// returns `g`. The saturation `α·T/(α·T + β)` is 0.731; the "1" in `1 − g` is 1 mS.
///
/// | parameter | default |
/// |---|---|
/// | `alpha` | 0.98 /(ms·mM) |
/// | `beta` | 0.18 /ms |
/// | `T` | 0.5 mM |
/// | `T_duration` | 0.5 ms |
/// | `g_initializer` | 0 mS |
///
/// States: `g`, `spike_arrival_time` (starts at −1e7 ms).
pub type AMPA = Module<ReceptorParams<AmpaReceptor>>;

/// GABAa receptor synapse (BrainPy's `GABAa`): [`AMPA`]'s equations with `alpha` 0.53
/// /(ms·mM), `beta` 0.18 /ms, `T` 1 mM, `T_duration` 1 ms (saturation 0.7465).
pub type GABAa = Module<ReceptorParams<GabaaReceptor>>;

/// The parameters of [`AMPA`] and [`GABAa`].
#[derive(Clone, Debug, PartialEq)]
pub struct ReceptorParams<R: Receptor> {
    /// `alpha`: binding rate.
    pub alpha: Param<RatePerConcentration>,
    /// `beta`: unbinding rate.
    pub beta: Param<Rate>,
    /// `T`: transmitter concentration during a release.
    pub t: Param<Concentration>,
    /// `T_duration`: how long a release lasts.
    pub t_duration: Param<Time>,
    /// `g_initializer`.
    pub g_initializer: Init<Conductance>,
    _receptor: PhantomData<R>,
}

impl<R: Receptor> Default for ReceptorParams<R> {
    fn default() -> Self {
        let (alpha, beta, t, t_dur) = R::DEFAULTS;
        ReceptorParams {
            alpha: (alpha / ms / mM).into(),
            beta: (beta / ms).into(),
            t: (t * mM).into(),
            t_duration: (t_dur * ms).into(),
            g_initializer: (0.0 * mS).into(),
            _receptor: PhantomData,
        }
    }
}

impl<R: Receptor> Module<ReceptorParams<R>> {
    /// A receptor synapse over `in_size` with BrainPy's defaults.
    pub fn new(in_size: impl Into<Shape>) -> Self {
        Module::from_model(ReceptorParams::default(), in_size)
    }

    /// Sets `alpha`.
    pub fn alpha(self, v: impl Into<Param<RatePerConcentration>>) -> Self {
        let v = v.into();
        self.configure(|p| p.alpha = v)
    }

    /// Sets `beta`.
    pub fn beta(self, v: impl Into<Param<Rate>>) -> Self {
        let v = v.into();
        self.configure(|p| p.beta = v)
    }

    /// Sets `T`.
    pub fn t(self, v: impl Into<Param<Concentration>>) -> Self {
        let v = v.into();
        self.configure(|p| p.t = v)
    }

    /// Sets `T_duration`.
    pub fn t_duration(self, v: impl Into<Param<Time>>) -> Self {
        let v = v.into();
        self.configure(|p| p.t_duration = v)
    }

    /// Sets `g_initializer`.
    pub fn g_initializer(self, v: impl Into<Init<Conductance>>) -> Self {
        let v = v.into();
        self.configure(|p| p.g_initializer = v)
    }
}

impl<R: Receptor> ReceptorParams<R> {
    /// Reads the class's constructor arguments (see [`crate::registry`]), as the
    /// [`parameters!`](crate::model::parameters) declarations do.
    pub(crate) fn read_class_args(&mut self, a: &dyn ClassArgs) -> Result<()> {
        if let Some(v) = a.optional("alpha")? {
            self.alpha = v.into();
        }
        if let Some(v) = a.optional("beta")? {
            self.beta = v.into();
        }
        if let Some(v) = a.optional("T")? {
            self.t = v.into();
        }
        if let Some(v) = a.optional("T_duration")? {
            self.t_duration = v.into();
        }
        Ok(())
    }
}

impl<R: Receptor> Model for ReceptorParams<R> {
    fn kind(&self) -> &str {
        R::NAME
    }
    fn kernel(&self) -> &KernelDef {
        &builtin::AMPA
    }
    fn state_names(&self) -> Vec<&str> {
        vec!["g", "spike_arrival_time"]
    }
    fn output(&self) -> Output {
        Output::State(0)
    }
    fn validate(&self, n: usize) -> Result<()> {
        self.alpha.check_non_negative(R::NAME, "alpha", n)?;
        self.beta.check_non_negative(R::NAME, "beta", n)?;
        self.t.check_non_negative(R::NAME, "T", n)?;
        self.t_duration
            .check_non_negative(R::NAME, "T_duration", n)?;
        self.g_initializer.check(R::NAME, "g_initializer", n)
    }
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![
            self.g_initializer.values(rows, n, 0),
            vec![NEVER_ARRIVED; rows * n],
        ]
    }
    fn kernel_params(&self, _dt: f64) -> Vec<ParamValue> {
        vec![
            self.alpha.value().clone(),
            self.beta.value().clone(),
            self.t.value().clone(),
            self.t_duration.value().clone(),
        ]
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let t_spike = if e.x != 0.0 { e.t } else { e.state[1] };
        let tt = if e.t - t_spike < e.param(AMPA_T_DUR) {
            e.param(AMPA_T)
        } else {
            0.0
        };
        let (alpha, beta, g) = (e.param(AMPA_ALPHA), e.param(AMPA_BETA), e.state[0]);
        e.state[0] = exp_euler(
            g,
            alpha * tt * (1.0 - g) - beta * g,
            -(alpha * tt + beta),
            e.dt,
        );
        e.state[1] = t_spike;
    }
}

impl<R: Receptor> SynapseModel for ReceptorParams<R> {}
