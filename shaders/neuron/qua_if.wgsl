// The quadratic IF family (brainpy.state.lif): QuaIF, AdQuaIF, AdQuaIFRef.
//
//   τ dV/dt   = c·(V − V_rest)·(V − V_c) − R·w + R·I(V)
//   τ_w dw/dt = a·(V − V_rest) − w          (AdQua only; w = 0 for QuaIF)
//
// Per step: reset V with the stored V's spike (soft/hard) and w ← w + b·s; exponential Euler of
// V with J = (c·(2V − V_rest − V_c) + R·dI/dV)/τ; + delta inputs; w from the new (candidate) V.
// AdQuaIFRef holds V and w at their reset values while t − t_last < τ_ref.

const QIF_R: u32 = 0u;
const QIF_TAU: u32 = 1u;
const QIF_V_TH: u32 = 2u;
const QIF_V_RESET: u32 = 3u;
const QIF_V_REST: u32 = 4u;
const QIF_HARD: u32 = 5u;
const QIF_V_C: u32 = 6u;
const QIF_C: u32 = 7u;
const QIF_TAU_REF: u32 = 8u;
const QIF_C_W: u32 = 9u;  // dt·exprel(−dt/τ_w)/τ_w
const QIF_A: u32 = 10u;
const QIF_B: u32 = 11u;

struct QifStep {
    v_reset: f32,
    w_reset: f32,
    v: f32,
    w: f32,
}

fn qif_spike(e: Elem, v: f32) -> f32 {
    let v_th = param(QIF_V_TH, e);
    return heaviside((v - v_th) / (v_th - param(QIF_V_RESET, e)));
}

fn qif_step(e: Elem, v_old: f32, w_old: f32) -> QifStep {
    let s = qif_spike(e, v_old);
    let v0 = reset_v(v_old, s, param(QIF_V_TH, e), param(QIF_V_RESET, e), param(QIF_HARD, e) != 0.0);
    let w0 = w_old + param(QIF_B, e) * s;
    let r = param(QIF_R, e);
    let tau = param(QIF_TAU, e);
    let c = param(QIF_C, e);
    let v_rest = param(QIF_V_REST, e);
    let v_c = param(QIF_V_C, e);
    let i = current_at(e, v0);
    let f = (c * (v0 - v_rest) * (v0 - v_c) - r * w0 + r * i.x) / tau;
    let jac = (c * (2.0 * v0 - v_rest - v_c) + r * i.y) / tau;
    let v = exp_euler(v0, f, jac) + input_delta(e);
    let w = w0 + param(QIF_C_W, e) * (param(QIF_A, e) * (v - v_rest) - w0);
    return QifStep(v0, w0, v, w);
}

// States: V.
fn qua_if_step(e: Elem) {
    let r = qif_step(e, state_get(0u, e), 0.0);
    state_set(0u, e, r.v);
    emit(e, qif_spike(e, r.v));
}

// States: V, w.
fn ad_qua_if_step(e: Elem) {
    let r = qif_step(e, state_get(0u, e), state_get(1u, e));
    state_set(0u, e, r.v);
    state_set(1u, e, r.w);
    emit(e, qif_spike(e, r.v));
}

// States: V, w, last_spike_time, refractory.
fn ad_qua_if_ref_step(e: Elem) {
    let r = qif_step(e, state_get(0u, e), state_get(1u, e));
    var last = state_get(2u, e);
    let refractory = in_refractory(last, param(QIF_TAU_REF, e));
    let v = select(r.v, r.v_reset, refractory);
    let spike_cond = v >= param(QIF_V_TH, e);
    last = select(last, clk.t, spike_cond);
    state_set(0u, e, v);
    state_set(1u, e, select(r.w, r.w_reset, refractory));
    state_set(2u, e, last);
    state_set(3u, e, select(0.0, 1.0, refractory || spike_cond));
    emit(e, qif_spike(e, v));
}
