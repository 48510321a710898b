//! The generalized integrate-and-fire family: `Gif`, `GifRef` (BrainPy's `brainpy.state.lif`).
//! Kernels: `shaders/neuron/gif.wgsl`.

use super::{NEURON_INPUTS, Refractory, SpikeReset};
use crate::model::{ElemF64, Init, Model, Output, Param, ParamValue};
use crate::module::{Module, NeuronModel};
use crate::numerics::{exp_euler, exprel, heaviside, reset_v};
use crate::shaders::builtin;
use crate::units::{Current, Dimensionless, Rate, Resistance, Time, Voltage, mA, mV, ms, ohm};

// Kernel parameter indices, as in gif.wgsl.
const R: usize = 0;
const TAU: usize = 1;
const V_REST: usize = 2;
const V_RESET: usize = 3;
const V_TH_INF: usize = 4;
const V_TH_RESET: usize = 5;
const A: usize = 6;
const B: usize = 7;
const C_B: usize = 8;
const K1_DECAY: usize = 9;
const K2_DECAY: usize = 10;
const R1: usize = 11;
const R2: usize = 12;
const A1: usize = 13;
const A2: usize = 14;
const HARD: usize = 15;
const TAU_REF: usize = 16;

/// `V, I1, I2, V_th`.
#[derive(Clone, Copy)]
struct State {
    v: f64,
    i1: f64,
    i2: f64,
    v_th: f64,
}

fn spike(e: &ElemF64<'_>, v: f64, v_th: f64) -> f64 {
    heaviside((v - v_th) / (v_th - e.param(V_RESET)))
}

/// `gif_reset`: the spike effects of the stored state.
fn reset(e: &ElemF64<'_>, x: State) -> State {
    let s = spike(e, x.v, x.v_th);
    State {
        v: reset_v(x.v, s, x.v_th, e.param(V_RESET), e.param(HARD) != 0.0),
        i1: x.i1 + s * (e.param(R1) * x.i1 + e.param(A1) - x.i1),
        i2: x.i2 + s * (e.param(R2) * x.i2 + e.param(A2) - x.i2),
        v_th: x.v_th + s * (e.param(V_TH_RESET).max(x.v_th) - x.v_th),
    }
}

/// `gif_integrate`: one step from the reset state.
fn integrate(e: &ElemF64<'_>, x: State, new_currents: bool) -> State {
    let v_rest = e.param(V_REST);
    let i1 = x.i1 * e.param(K1_DECAY);
    let i2 = x.i2 * e.param(K2_DECAY);
    let drift_th = e.param(A) * (x.v - v_rest) - e.param(B) * (x.v_th - e.param(V_TH_INF));
    let v_th = x.v_th + e.param(C_B) * drift_th;
    let syn = if new_currents { i1 + i2 } else { x.i1 + x.i2 };
    let (r, tau) = (e.param(R), e.param(TAU));
    let (cur, dcur) = e.current_at(x.v);
    let v = exp_euler(
        x.v,
        (-(x.v - v_rest) + r * (syn + cur)) / tau,
        (-1.0 + r * dcur) / tau,
        e.dt,
    ) + e.delta;
    State { v, i1, i2, v_th }
}

fn load(e: &ElemF64<'_>) -> State {
    State {
        v: e.state[0],
        i1: e.state[1],
        i2: e.state[2],
        v_th: e.state[3],
    }
}

fn store(e: &mut ElemF64<'_>, x: State) {
    e.state[..4].copy_from_slice(&[x.v, x.i1, x.i2, x.v_th]);
}

/// Generalized integrate-and-fire neuron (Mihalaş–Niebur; BrainPy's `Gif`).
///
/// ```text
/// dI1/dt = −k1·I1,   dI2/dt = −k2·I2
/// dV_th/dt = a·(V − V_rest) − b·(V_th − V_th_inf)
/// τ dV/dt = −(V − V_rest) + R·(I1 + I2 + I(V))
/// ```
///
/// Per step, with `s = H((V − V_th)/(V_th − V_reset))` from the stored `V` and `V_th` state:
/// reset `V` (soft/hard); `I1 ← I1 + s·(R1·I1 + A1 − I1)`, `I2` likewise;
/// `V_th ← V_th + s·(max(V_th_reset, V_th) − V_th)`; integrate `I1`, `I2`, `V_th` (its drift
/// uses the reset `V`) and `V` with the **new** `I1 + I2`; `+` delta inputs.
///
/// Parameters, their checks and BrainPy's defaults: [`GifParams`].
pub type Gif = Module<GifParams>;

crate::model::parameters! {
    /// The parameters of [`Gif`], which [`GifRef`] holds as `gif`.
    GifParams of Gif, GifRef at gif {
        r "R": Param<Resistance> = 20.0 * ohm, finite;
        tau "tau": Param<Time> = 20.0 * ms, positive;
        v_rest "V_rest": Param<Voltage> = -70.0 * mV, finite;
        v_reset "V_reset": Param<Voltage> = -70.0 * mV, finite;
        v_th_inf "V_th_inf": Param<Voltage> = -50.0 * mV, finite;
        v_th_reset "V_th_reset": Param<Voltage> = -60.0 * mV, finite;
        a "a": Param<Rate> = 0.0 / ms, finite;
        b "b": Param<Rate> = 0.01 / ms, non_negative;
        k1 "k1": Param<Rate> = 0.2 / ms, non_negative;
        k2 "k2": Param<Rate> = 0.02 / ms, non_negative;
        r1 "R1": Param<Dimensionless> = 0.0, finite;
        r2 "R2": Param<Dimensionless> = 1.0, finite;
        a1 "A1": Param<Current> = 0.0 * mA, finite;
        a2 "A2": Param<Current> = 0.0 * mA, finite;
        v_initializer "V_initializer": Init<Voltage> = -70.0 * mV, init;
        i1_initializer "I1_initializer": Init<Current> = 0.0 * mA, init;
        i2_initializer "I2_initializer": Init<Current> = 0.0 * mA, init;
        v_th_initializer "Vth_initializer": Init<Voltage> = -50.0 * mV, init;
        spk_reset "spk_reset": SpikeReset = SpikeReset::Soft, reset;
    }
}

impl GifParams {
    fn initial(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![
            self.v_initializer.values(rows, n, 0),
            self.i1_initializer.values(rows, n, 1),
            self.i2_initializer.values(rows, n, 2),
            self.v_th_initializer.values(rows, n, 3),
        ]
    }

    fn params(&self, dt: f64, tau_ref: ParamValue) -> Vec<ParamValue> {
        vec![
            self.r.value().clone(),
            self.tau.value().clone(),
            self.v_rest.value().clone(),
            self.v_reset.value().clone(),
            self.v_th_inf.value().clone(),
            self.v_th_reset.value().clone(),
            self.a.value().clone(),
            self.b.value().clone(),
            self.b.map(|b| dt * exprel(-b * dt)),
            self.k1.map(|k| (-k * dt).exp()),
            self.k2.map(|k| (-k * dt).exp()),
            self.r1.value().clone(),
            self.r2.value().clone(),
            self.a1.value().clone(),
            self.a2.value().clone(),
            ParamValue::Scalar(self.spk_reset.hard_flag()),
            tau_ref,
        ]
    }
}

impl Model for GifParams {
    crate::model::describe!(checked "Gif", builtin::GIF,
        ["V", "I1", "I2", "V_th"], Output::Emitted, NEURON_INPUTS);
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        self.initial(rows, n)
    }
    fn kernel_params(&self, dt: f64) -> Vec<ParamValue> {
        self.params(dt, ParamValue::Scalar(0.0))
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let x0 = reset(e, load(e));
        let x = integrate(e, x0, true);
        store(e, x);
        e.out = spike(e, x.v, x.v_th);
    }
}

impl NeuronModel for GifParams {}

/// [`Gif`] with an absolute refractory period (BrainPy's `GifRef`).
///
/// Unlike [`Gif`], the `V` drift uses the **reset** `I1 + I2`, so `GifRef` with `τ_ref → 0` is
/// not `Gif`. While `t − t_last < τ_ref` all four states stay at their reset
/// values; it spikes when `V ≥ V_th` (the state). Parameters as Gif plus `tau_ref` (1.7 ms).
/// States: `V`, `I1`, `I2`, `V_th`, `last_spike_time`, `refractory`.
pub type GifRef = Module<GifRefParams>;

crate::model::parameters! {
    /// The parameters of [`GifRef`].
    GifRefParams of GifRef {
        /// Everything of [`Gif`].
        gif "Gif": GifParams = GifParams::default(), nested;
        tau_ref "tau_ref": Param<Time> = 1.7 * ms, non_negative;
    }
}

impl Model for GifRefParams {
    crate::model::describe!(checked "GifRef", builtin::GIF_REF,
        ["V", "I1", "I2", "V_th", "last_spike_time", "refractory"], Output::Emitted, NEURON_INPUTS);
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        Refractory::with_clock(self.gif.initial(rows, n), rows * n)
    }
    fn kernel_params(&self, dt: f64) -> Vec<ParamValue> {
        self.gif.params(dt, self.tau_ref.value().clone())
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let clock = Refractory::begin(e, 4, e.param(TAU_REF));
        let x0 = reset(e, load(e));
        let c = integrate(e, x0, false);
        let x = clock.pick(c, x0);
        store(e, x);
        clock.finish(e, x.v >= x.v_th);
        e.out = spike(e, x.v, x.v_th);
    }
}

impl NeuronModel for GifRefParams {}
