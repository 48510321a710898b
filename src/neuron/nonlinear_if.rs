//! The step that the exponential and the quadratic integrate-and-fire families share (their
//! kernels' `eif_step` and `qif_step`), over the parameter layout both kernels use —
//! `R, tau, V_th, V_reset, V_rest, hard`, two of the family's own, `tau_ref, c_w, a, b` — in the
//! f64 reference. A family gives its drift: `(f, J)` of `dV/dt` at the reset `V` and `w`.

use super::{Candidates, Refractory};
use crate::model::ElemF64;
use crate::numerics::{exp_euler, heaviside, reset_v};

const V_TH: usize = 2;
const V_RESET: usize = 3;
const V_REST: usize = 4;
const HARD: usize = 5;
const TAU_REF: usize = 8;
const C_W: usize = 9;
const A: usize = 10;
const B: usize = 11;

/// `(f, J)` of `dV/dt` at the reset `V` and `w`, current inputs included.
pub(crate) type Drift = fn(&ElemF64<'_>, f64, f64) -> (f64, f64);

/// `H((V − V_th)/(V_th − V_reset))`.
fn spike(e: &ElemF64<'_>, v: f64) -> f64 {
    let v_th = e.param(V_TH);
    heaviside((v - v_th) / (v_th - e.param(V_RESET)))
}

/// Reset `V` (soft/hard) and `w ← w + b·s` with the stored `V`'s spike `s`; exponential Euler of
/// `V` with the reset `w`; `+` delta inputs; `w` by exponential Euler with the new `V`.
fn step(e: &ElemF64<'_>, v_old: f64, w_old: f64, drift: Drift) -> Candidates {
    let s = spike(e, v_old);
    let v0 = reset_v(
        v_old,
        s,
        e.param(V_TH),
        e.param(V_RESET),
        e.param(HARD) != 0.0,
    );
    let w0 = w_old + e.param(B) * s;
    let (f, jac) = drift(e, v0, w0);
    let v = exp_euler(v0, f, jac, e.dt) + e.delta;
    let w = w0 + e.param(C_W) * (e.param(A) * (v - e.param(V_REST)) - w0);
    Candidates {
        v_reset: v0,
        w_reset: w0,
        v,
        w,
    }
}

/// The update without a refractory period, over `V` (and `w` when `adaptive`).
pub(crate) fn update(e: &mut ElemF64<'_>, adaptive: bool, drift: Drift) {
    let r = step(
        e,
        e.state[0],
        if adaptive { e.state[1] } else { 0.0 },
        drift,
    );
    e.state[0] = r.v;
    if adaptive {
        e.state[1] = r.w;
    }
    e.out = spike(e, r.v);
}

/// The update with an absolute refractory period, over the states `V, [w,] last_spike_time,
/// refractory`: while held, `V` and `w` keep their reset values.
pub(crate) fn update_ref(e: &mut ElemF64<'_>, adaptive: bool, drift: Drift) {
    let clock = Refractory::begin(e, if adaptive { 2 } else { 1 }, e.param(TAU_REF));
    let r = step(
        e,
        e.state[0],
        if adaptive { e.state[1] } else { 0.0 },
        drift,
    );
    let v = r.store(e, clock, adaptive, e.param(V_TH));
    e.out = spike(e, v);
}
