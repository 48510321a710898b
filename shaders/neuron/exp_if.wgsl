// The exponential IF family (brainpy.state.lif): ExpIF, ExpIFRef, AdExIF, AdExIFRef.
//
//   τ dV/dt = −(V − V_rest) + ΔT·e^{min((V − V_T)/ΔT, 20)} − R·w + R·I(V)
//   τ_w dw/dt = a·(V − V_rest) − w          (AdEx only; w = 0 otherwise)
//
// Per step: reset V with the stored V's spike (soft/hard) and w ← w + b·s; exponential Euler of
// V (the exponential enters J while its argument is below 20); + delta inputs; then w from the
// new (candidate) V. The Ref variants hold V and w at their reset values while
// t − t_last < τ_ref. With the defaults (V_th = −30 mV) and a soft reset ExpIF runs away to
// inf/NaN after its first spike, as BrainPy does.

// Parameter indices, one layout for the four kernels (unused slots are 0).
const EIF_R: u32 = 0u;
const EIF_TAU: u32 = 1u;
const EIF_V_TH: u32 = 2u;
const EIF_V_RESET: u32 = 3u;
const EIF_V_REST: u32 = 4u;
const EIF_HARD: u32 = 5u;
const EIF_V_T: u32 = 6u;
const EIF_DELTA_T: u32 = 7u;
const EIF_TAU_REF: u32 = 8u;
const EIF_C_W: u32 = 9u;  // dt·exprel(−dt/τ_w)/τ_w
const EIF_A: u32 = 10u;
const EIF_B: u32 = 11u;

struct EifStep {
    v_reset: f32,  // V after the reset
    w_reset: f32,  // w after the spike increment
    v: f32,        // candidate V (integrated, with delta inputs)
    w: f32,        // candidate w
    spiked: f32,   // the stored V's spike
}

fn eif_spike(e: Elem, v: f32) -> f32 {
    let v_th = param(EIF_V_TH, e);
    return heaviside((v - v_th) / (v_th - param(EIF_V_RESET, e)));
}

// One step of V and w from the stored values, before any refractory hold.
fn eif_step(e: Elem, v_old: f32, w_old: f32) -> EifStep {
    let s = eif_spike(e, v_old);
    let v0 = reset_v(v_old, s, param(EIF_V_TH, e), param(EIF_V_RESET, e), param(EIF_HARD, e) != 0.0);
    let w0 = w_old + param(EIF_B, e) * s;
    let r = param(EIF_R, e);
    let tau = param(EIF_TAU, e);
    let dt_ = param(EIF_DELTA_T, e);
    let v_rest = param(EIF_V_REST, e);
    let arg = (v0 - param(EIF_V_T, e)) / dt_;
    let ex = exp_accurate(min(arg, 20.0));
    let i = current_at(e, v0);
    let f = (-(v0 - v_rest) + dt_ * ex - r * w0 + r * i.x) / tau;
    let jac = (-1.0 + select(0.0, ex, arg < 20.0) + r * i.y) / tau;
    let v = exp_euler(v0, f, jac) + input_delta(e);
    let w = w0 + param(EIF_C_W, e) * (param(EIF_A, e) * (v - v_rest) - w0);
    return EifStep(v0, w0, v, w, s);
}

// States: V.
fn exp_if_step(e: Elem) {
    let r = eif_step(e, state_get(0u, e), 0.0);
    state_set(0u, e, r.v);
    emit(e, eif_spike(e, r.v));
}

// States: V, w.
fn ad_ex_if_step(e: Elem) {
    let r = eif_step(e, state_get(0u, e), state_get(1u, e));
    state_set(0u, e, r.v);
    state_set(1u, e, r.w);
    emit(e, eif_spike(e, r.v));
}

// The refractory template over (V, w): states V, [w,] last_spike_time, refractory.
fn eif_ref(e: Elem, adaptive: bool) {
    let base = select(1u, 2u, adaptive);
    let w_old = select(0.0, state_get(1u, e), adaptive);
    let r = eif_step(e, state_get(0u, e), w_old);
    var last = state_get(base, e);
    let refractory = in_refractory(last, param(EIF_TAU_REF, e));
    let v = select(r.v, r.v_reset, refractory);
    let spike_cond = v >= param(EIF_V_TH, e);
    last = select(last, clk.t, spike_cond);
    state_set(0u, e, v);
    if (adaptive) {
        state_set(1u, e, select(r.w, r.w_reset, refractory));
    }
    state_set(base, e, last);
    state_set(base + 1u, e, select(0.0, 1.0, refractory || spike_cond));
    emit(e, eif_spike(e, v));
}

fn exp_if_ref_step(e: Elem) {
    eif_ref(e, false);
}

fn ad_ex_if_ref_step(e: Elem) {
    eif_ref(e, true);
}
