//! The Izhikevich family: `Izhikevich`, `IzhikevichRef` (BrainPy's
//! `brainpy.state.izhikevich`). Kernels: `shaders/neuron/izhikevich.wgsl`.

use super::{NEURON_INPUTS, NEVER_SPIKED, Refractory};
use crate::error::Result;
use crate::model::{ElemF64, Init, Model, Output, Param, ParamValue};
use crate::module::{Module, NeuronModel};
use crate::numerics::{exp_euler, exprel, heaviside};
use crate::shaders::builtin;
use crate::shape::Shape;
use crate::units::{Rate, Time, Voltage, VoltageRate, mV, ms};

// Kernel parameter indices, as in izhikevich.wgsl.
const A: usize = 0;
const B: usize = 1;
const C: usize = 2;
const D: usize = 3;
const V_TH: usize = 4;
const C_U: usize = 5;
const TAU_REF: usize = 6;

/// `p1`, `p2`, `p3` of `dV/dt = p1·V² + p2·V + p3 − u + I`.
const P1: f64 = 0.04;
const P2: f64 = 5.0;
const P3: f64 = 140.0;

struct Step {
    v_reset: f64,
    u_reset: f64,
    v: f64,
    u: f64,
}

fn spike(e: &ElemF64<'_>, v: f64) -> f64 {
    let v_th = e.param(V_TH);
    heaviside((v - v_th) / v_th)
}

/// `izh_step`.
fn step(e: &ElemF64<'_>, v_old: f64, u_old: f64) -> Step {
    let s = spike(e, v_old);
    let v0 = if s > 0.0 { e.param(C) } else { v_old };
    let u0 = u_old + e.param(D) * s;
    let (cur, dcur) = e.current_at(v0);
    let f = P1 * v0 * v0 + P2 * v0 + P3 - u0 + cur;
    let v = exp_euler(v0, f, 2.0 * P1 * v0 + P2 + dcur, e.dt) + e.delta;
    let u = u0 + e.param(C_U) * (e.param(A) * (e.param(B) * v - u0));
    Step {
        v_reset: v0,
        u_reset: u0,
        v,
        u,
    }
}

/// Izhikevich neuron (BrainPy's `Izhikevich`).
///
/// ```text
/// dV/dt = 0.04·V² + 5·V + 140 − u + I(V)      (V in mV, t in ms)
/// du/dt = a·(b·V − u)
/// ```
///
/// Per step, with `s = H((V − V_th)/V_th)` from the stored `V`: `V ← c` where `s = 1` and
/// `u ← u + d·s` — always a hard reset, whatever `spk_reset` says; exponential
/// Euler of `V` (`J = 0.08·V + 5 + dI/dV`); `+` delta inputs; `u` by exponential Euler with the
/// **new** `V`; return the spike of the new `V`. The input `x` is in mV/ms.
///
/// | parameter | default |
/// |---|---|
/// | `a` | 0.02 /ms |
/// | `b` | 0.2 /ms |
/// | `c` | −65 mV |
/// | `d` | 8 mV/ms |
/// | `V_th` | 30 mV (> 0) |
/// | `V_initializer`, `u_initializer` | −65 mV, 0 mV/ms |
pub type Izhikevich = Module<IzhikevichParams>;

/// The parameters of [`Izhikevich`].
#[derive(Clone, Debug, PartialEq)]
pub struct IzhikevichParams {
    /// `a`: time scale of `u`.
    pub a: Param<Rate>,
    /// `b`: sensitivity of `u` to `V`.
    pub b: Param<Rate>,
    /// `c`: the reset potential.
    pub c: Param<Voltage>,
    /// `d`: the jump of `u` at a spike.
    pub d: Param<VoltageRate>,
    /// `V_th` (> 0).
    pub v_th: Param<Voltage>,
    /// `V_initializer`.
    pub v_initializer: Init<Voltage>,
    /// `u_initializer`.
    pub u_initializer: Init<VoltageRate>,
}

impl Default for IzhikevichParams {
    fn default() -> Self {
        IzhikevichParams {
            a: (0.02 / ms).into(),
            b: (0.2 / ms).into(),
            c: (-65.0 * mV).into(),
            d: (8.0 * mV / ms).into(),
            v_th: (30.0 * mV).into(),
            v_initializer: (-65.0 * mV).into(),
            u_initializer: (0.0 * mV / ms).into(),
        }
    }
}

impl IzhikevichParams {
    fn check(&self, kind: &str, n: usize) -> Result<()> {
        self.a.check_finite(kind, "a", n)?;
        self.b.check_finite(kind, "b", n)?;
        self.c.check_finite(kind, "c", n)?;
        self.d.check_finite(kind, "d", n)?;
        self.v_th.check_positive(kind, "V_th", n)?;
        self.v_initializer.check(kind, "V_initializer", n)?;
        self.u_initializer.check(kind, "u_initializer", n)
    }

    fn params(&self, dt: f64, tau_ref: ParamValue) -> Vec<ParamValue> {
        vec![
            self.a.value().clone(),
            self.b.value().clone(),
            self.c.value().clone(),
            self.d.value().clone(),
            self.v_th.value().clone(),
            self.a.map(|a| dt * exprel(-a * dt)),
            tau_ref,
        ]
    }

    fn initial(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![
            self.v_initializer.values(rows, n, 0),
            self.u_initializer.values(rows, n, 1),
        ]
    }
}

impl Izhikevich {
    /// An `Izhikevich` population over `in_size` with BrainPy's defaults.
    pub fn new(in_size: impl Into<Shape>) -> Izhikevich {
        Module::from_model(IzhikevichParams::default(), in_size)
    }
}

/// The setters of [`Izhikevich`]'s parameters, written once: for `Izhikevich` itself (`[]`) and for
/// every module whose parameters hold them at a path (`[field.field]`), followed by that
/// module's own setters.
macro_rules! izhikevich_setters {
    ($ty:ident [$($at:ident).*] $($own:tt)*) => {
        crate::setters!($ty {
            /// Sets `a`.
            a: Param<Rate> => $($at.)* a,
            /// Sets `b`.
            b: Param<Rate> => $($at.)* b,
            /// Sets `c`.
            c: Param<Voltage> => $($at.)* c,
            /// Sets `d`.
            d: Param<VoltageRate> => $($at.)* d,
            /// Sets `V_th`.
            v_th: Param<Voltage> => $($at.)* v_th,
            /// Sets `V_initializer`.
            v_initializer: Init<Voltage> => $($at.)* v_initializer,
            /// Sets `u_initializer`.
            u_initializer: Init<VoltageRate> => $($at.)* u_initializer,
            $($own)*
        });
    };
}

izhikevich_setters!(Izhikevich []);

impl Model for IzhikevichParams {
    crate::model::describe!(
        "Izhikevich",
        builtin::IZHIKEVICH,
        ["V", "u"],
        Output::Emitted,
        NEURON_INPUTS
    );
    fn validate(&self, n: usize) -> Result<()> {
        self.check("Izhikevich", n)
    }
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        self.initial(rows, n)
    }
    fn kernel_params(&self, dt: f64) -> Vec<ParamValue> {
        self.params(dt, ParamValue::Scalar(0.0))
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let r = step(e, e.state[0], e.state[1]);
        e.state[0] = r.v;
        e.state[1] = r.u;
        e.out = spike(e, r.v);
    }
}

impl NeuronModel for IzhikevichParams {}

/// [`Izhikevich`] with an absolute refractory period (BrainPy's `IzhikevichRef`).
///
/// The Izhikevich step gives candidates (the `u` drift uses the candidate `V`); while
/// `t − t_last < τ_ref`, `V` and `u` stay at their reset values; `t_last ← t` where
/// `V ≥ V_th`. The default `tau_ref = 0` never holds, so it then equals [`Izhikevich`].
/// States: `V`, `u`, `last_spike_time`, `refractory`.
pub type IzhikevichRef = Module<IzhikevichRefParams>;

/// The parameters of [`IzhikevichRef`].
#[derive(Clone, Debug, PartialEq)]
pub struct IzhikevichRefParams {
    /// Everything of [`Izhikevich`].
    pub izhikevich: IzhikevichParams,
    /// `tau_ref` (≥ 0, default 0 ms).
    pub tau_ref: Param<Time>,
}

impl Default for IzhikevichRefParams {
    fn default() -> Self {
        IzhikevichRefParams {
            izhikevich: IzhikevichParams::default(),
            tau_ref: (0.0 * ms).into(),
        }
    }
}

impl IzhikevichRef {
    /// An `IzhikevichRef` population over `in_size` with BrainPy's defaults.
    pub fn new(in_size: impl Into<Shape>) -> IzhikevichRef {
        Module::from_model(IzhikevichRefParams::default(), in_size)
    }
}

izhikevich_setters!(IzhikevichRef [izhikevich]
    /// Sets `tau_ref`.
    tau_ref: Param<Time>,
);

impl Model for IzhikevichRefParams {
    crate::model::describe!(
        "IzhikevichRef",
        builtin::IZHIKEVICH_REF,
        ["V", "u", "last_spike_time", "refractory"],
        Output::Emitted,
        NEURON_INPUTS
    );
    fn validate(&self, n: usize) -> Result<()> {
        self.izhikevich.check("IzhikevichRef", n)?;
        self.tau_ref
            .check_non_negative("IzhikevichRef", "tau_ref", n)
    }
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        let mut s = self.izhikevich.initial(rows, n);
        s.push(vec![NEVER_SPIKED; rows * n]);
        s.push(vec![0.0; rows * n]);
        s
    }
    fn kernel_params(&self, dt: f64) -> Vec<ParamValue> {
        self.izhikevich.params(dt, self.tau_ref.value().clone())
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let clock = Refractory::begin(e, 2, e.param(TAU_REF));
        let r = step(e, e.state[0], e.state[1]);
        let v = clock.pick(r.v, r.v_reset);
        e.state[0] = v;
        e.state[1] = clock.pick(r.u, r.u_reset);
        let spiked = v >= e.param(V_TH);
        clock.finish(e, spiked);
        e.out = spike(e, v);
    }
}

impl NeuronModel for IzhikevichRefParams {}
