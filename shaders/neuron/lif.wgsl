// The LIF family (brainpy.state.lif): IF, LIF, LIFRef, ALIF. One element per invocation.
//
//   τ dV/dt = −V + V_rest + R·I(V)       (IF: V_rest = V_reset = 0)
//   I(V) = x + Σ current inputs at V, so a conductance input enters the Jacobian.
//
// Per step: reset with the stored V's spike H((V − V_th)/(V_th − V_reset));
// exponential Euler with J = (−1 + R·dI/dV)/τ; + delta inputs; the spike of the new V.
// LIFRef holds V at its reset value while t − t_last < τ_ref; ALIF raises its threshold by
// β·a, where a jumps by 1 at each spike and decays with τ_a.

// Parameter indices, shared by all four kernels.
const LIF_R: u32 = 0u;
const LIF_TAU: u32 = 1u;
const LIF_V_TH: u32 = 2u;
const LIF_V_RESET: u32 = 3u;
const LIF_V_REST: u32 = 4u;
const LIF_HARD: u32 = 5u;
const LIF_TAU_REF: u32 = 6u;  // LIFRef
const LIF_BETA: u32 = 6u;     // ALIF
const LIF_A_DECAY: u32 = 7u;  // ALIF: e^{−dt/τ_a}

// The spike scaling of the family: H((V − θ)/(V_th − V_reset)).
fn lif_spike(v: f32, threshold: f32, v_th: f32, v_reset: f32) -> f32 {
    return heaviside((v - threshold) / (v_th - v_reset));
}

// One exponential-Euler step of τ dV/dt = −V + V_rest + R·I(V) from v.
fn lif_integrate(e: Elem, v: f32) -> f32 {
    let r = param(LIF_R, e);
    let tau = param(LIF_TAU, e);
    let i = current_at(e, v);
    return exp_euler(v, (-v + param(LIF_V_REST, e) + r * i.x) / tau, (-1.0 + r * i.y) / tau);
}

fn lif_step(e: Elem) {
    let v_th = param(LIF_V_TH, e);
    let v_reset = param(LIF_V_RESET, e);
    var v = state_get(0u, e);
    v = reset_v(v, lif_spike(v, v_th, v_th, v_reset), v_th, v_reset, param(LIF_HARD, e) != 0.0);
    v = lif_integrate(e, v) + input_delta(e);
    state_set(0u, e, v);
    emit(e, lif_spike(v, v_th, v_th, v_reset));
}

// States: V, last_spike_time.
fn lif_ref_step(e: Elem) {
    let v_th = param(LIF_V_TH, e);
    let v_reset = param(LIF_V_RESET, e);
    let v_old = state_get(0u, e);
    var last = state_get(1u, e);
    let v0 = reset_v(v_old, lif_spike(v_old, v_th, v_th, v_reset), v_th, v_reset, param(LIF_HARD, e) != 0.0);
    let candidate = lif_integrate(e, v0) + input_delta(e);
    let v = select(candidate, v0, in_refractory(last, param(LIF_TAU_REF, e)));
    last = select(last, clk.t, v >= v_th);
    state_set(0u, e, v);
    state_set(1u, e, last);
    emit(e, lif_spike(v, v_th, v_th, v_reset));
}

// States: V, a.
fn alif_step(e: Elem) {
    let v_th = param(LIF_V_TH, e);
    let v_reset = param(LIF_V_RESET, e);
    let beta = param(LIF_BETA, e);
    var v = state_get(0u, e);
    var a = state_get(1u, e);
    let s = lif_spike(v, v_th + beta * a, v_th, v_reset);
    v = reset_v(v, s, v_th, v_reset, param(LIF_HARD, e) != 0.0);
    a = a + s;
    v = lif_integrate(e, v);
    a = a * param(LIF_A_DECAY, e);
    v = v + input_delta(e);
    state_set(0u, e, v);
    state_set(1u, e, a);
    emit(e, lif_spike(v, v_th + beta * a, v_th, v_reset));
}
