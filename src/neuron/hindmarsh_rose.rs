//! `HindmarshRose` (BrainPy's `brainpy.state.HindmarshRose`). Kernel:
//! `shaders/neuron/hindmarsh_rose.wgsl`.

use super::{NEURON_INPUTS, crossing};
use crate::error::Result;
use crate::model::{ElemF64, Init, Model, Output, Param, ParamValue};
use crate::module::{Module, NeuronModel};
use crate::numerics::exp_euler;
use crate::shaders::builtin;
use crate::shape::Shape;
use crate::units::{Dimensionless, Time, ms};

const A: usize = 0;
const B: usize = 1;
const C: usize = 2;
const D: usize = 3;
const R: usize = 4;
const S: usize = 5;
const V_R: usize = 6;
const TAU: usize = 7;
const V_TH: usize = 8;

/// Hindmarsh–Rose bursting neuron (BrainPy's `HindmarshRose`), with unitless `V`, `y`, `z`.
///
/// ```text
/// τ dV/dt = y − a·V³ + b·V² − z + I
/// τ dy/dt = c − d·V² − y
/// τ dz/dt = r·(s·(V − V_r) − z)
/// ```
///
/// Per step: current inputs once at the stored `V`; exponential Euler of each
/// variable with the others at their stored values (`J_V = (−3aV² + 2bV)/τ`, `J_y = −1/τ`,
/// `J_z = −r/τ`); `+` delta inputs on `V`; return the upward crossing of `V_th`.
///
/// | parameter | default |
/// |---|---|
/// | `a`, `b`, `c`, `d` | 1, 3, 1, 5 |
/// | `r`, `s`, `V_r` | 0.006, 4, −1.6 |
/// | `tau` | 1 ms |
/// | `V_th` | 1 |
/// | `V`, `y`, `z` initializers | −1.6, −10, 0 |
pub type HindmarshRose = Module<HindmarshRoseParams>;

/// The parameters of [`HindmarshRose`].
#[derive(Clone, Debug, PartialEq)]
pub struct HindmarshRoseParams {
    /// `a`.
    pub a: Param<Dimensionless>,
    /// `b`.
    pub b: Param<Dimensionless>,
    /// `c`.
    pub c: Param<Dimensionless>,
    /// `d`.
    pub d: Param<Dimensionless>,
    /// `r`.
    pub r: Param<Dimensionless>,
    /// `s`.
    pub s: Param<Dimensionless>,
    /// `V_r`.
    pub v_r: Param<Dimensionless>,
    /// `tau` (> 0).
    pub tau: Param<Time>,
    /// `V_th` (> 0).
    pub v_th: Param<Dimensionless>,
    /// `V_initializer`.
    pub v_initializer: Init<Dimensionless>,
    /// `y_initializer`.
    pub y_initializer: Init<Dimensionless>,
    /// `z_initializer`.
    pub z_initializer: Init<Dimensionless>,
}

impl Default for HindmarshRoseParams {
    fn default() -> Self {
        HindmarshRoseParams {
            a: 1.0.into(),
            b: 3.0.into(),
            c: 1.0.into(),
            d: 5.0.into(),
            r: 0.006.into(),
            s: 4.0.into(),
            v_r: (-1.6).into(),
            tau: (1.0 * ms).into(),
            v_th: 1.0.into(),
            v_initializer: (-1.6).into(),
            y_initializer: (-10.0).into(),
            z_initializer: 0.0.into(),
        }
    }
}

impl HindmarshRose {
    /// A `HindmarshRose` population over `in_size` with BrainPy's defaults.
    pub fn new(in_size: impl Into<Shape>) -> HindmarshRose {
        Module::from_model(HindmarshRoseParams::default(), in_size)
    }
}

crate::setters!(HindmarshRose {
    /// Sets `a`.
    a: Param<Dimensionless>,
    /// Sets `b`.
    b: Param<Dimensionless>,
    /// Sets `c`.
    c: Param<Dimensionless>,
    /// Sets `d`.
    d: Param<Dimensionless>,
    /// Sets `r`.
    r: Param<Dimensionless>,
    /// Sets `s`.
    s: Param<Dimensionless>,
    /// Sets `V_r`.
    v_r: Param<Dimensionless>,
    /// Sets `tau`.
    tau: Param<Time>,
    /// Sets `V_th`.
    v_th: Param<Dimensionless>,
    /// Sets `V_initializer`.
    v_initializer: Init<Dimensionless>,
    /// Sets `y_initializer`.
    y_initializer: Init<Dimensionless>,
    /// Sets `z_initializer`.
    z_initializer: Init<Dimensionless>,
});

impl Model for HindmarshRoseParams {
    crate::model::describe!(
        "HindmarshRose",
        builtin::HINDMARSH_ROSE,
        ["V", "y", "z"],
        Output::Emitted,
        NEURON_INPUTS
    );
    fn validate(&self, n: usize) -> Result<()> {
        let k = "HindmarshRose";
        for (name, p) in [
            ("a", &self.a),
            ("b", &self.b),
            ("c", &self.c),
            ("d", &self.d),
            ("r", &self.r),
            ("s", &self.s),
            ("V_r", &self.v_r),
        ] {
            p.check_finite(k, name, n)?;
        }
        self.tau.check_positive(k, "tau", n)?;
        self.v_th.check_positive(k, "V_th", n)?;
        self.v_initializer.check(k, "V_initializer", n)?;
        self.y_initializer.check(k, "y_initializer", n)?;
        self.z_initializer.check(k, "z_initializer", n)
    }
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![
            self.v_initializer.values(rows, n, 0),
            self.y_initializer.values(rows, n, 1),
            self.z_initializer.values(rows, n, 2),
        ]
    }
    fn kernel_params(&self, _dt: f64) -> Vec<ParamValue> {
        vec![
            self.a.value().clone(),
            self.b.value().clone(),
            self.c.value().clone(),
            self.d.value().clone(),
            self.r.value().clone(),
            self.s.value().clone(),
            self.v_r.value().clone(),
            self.tau.value().clone(),
            self.v_th.value().clone(),
        ]
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let (v, y, z) = (e.state[0], e.state[1], e.state[2]);
        let i = e.current_at(v).0;
        let (a, b, r, tau) = (e.param(A), e.param(B), e.param(R), e.param(TAU));
        let v_new = exp_euler(
            v,
            (y - a * v * v * v + b * v * v - z + i) / tau,
            (-3.0 * a * v * v + 2.0 * b * v) / tau,
            e.dt,
        );
        let y_new = exp_euler(
            y,
            (e.param(C) - e.param(D) * v * v - y) / tau,
            -1.0 / tau,
            e.dt,
        );
        let z_new = exp_euler(
            z,
            r * (e.param(S) * (v - e.param(V_R)) - z) / tau,
            -r / tau,
            e.dt,
        );
        let v_out = v_new + e.delta;
        e.state[0] = v_out;
        e.state[1] = y_new;
        e.state[2] = z_new;
        e.out = crossing(v_out, v, e.param(V_TH));
    }
}

impl NeuronModel for HindmarshRoseParams {}
