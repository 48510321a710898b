// Morris–Lecar neuron (brainpy.state.MorrisLecar), one element per invocation.
//
//   C dV/dt = −g_Ca·M∞(V)·(V − V_Ca) − g_K·W·(V − V_K) − g_leak·(V − V_leak) + I
//   dW/dt = (W∞(V) − W)/τ_W(V)
//   M∞ = ½(1 + tanh((V − V1)/V2)), W∞ = ½(1 + tanh((V − V3)/V4)), τ_W = 1/(φ·cosh((V − V3)/(2V4)))
//
// Per step: M∞, W∞, τ_W and the current inputs at the stored V (fixed during the step);
// exponential Euler of V (J = −(g_Ca·M∞ + g_K·W + g_leak)/C) and of W (J = −1/τ_W); + delta
// inputs on V; the spike is the upward crossing of V_th. States: V, W.

const ML_V_CA: u32 = 0u;
const ML_G_CA: u32 = 1u;
const ML_V_K: u32 = 2u;
const ML_G_K: u32 = 3u;
const ML_V_LEAK: u32 = 4u;
const ML_G_LEAK: u32 = 5u;
const ML_C: u32 = 6u;
const ML_V1: u32 = 7u;
const ML_V2: u32 = 8u;
const ML_V3: u32 = 9u;
const ML_V4: u32 = 10u;
const ML_PHI: u32 = 11u;
const ML_V_TH: u32 = 12u;

fn morris_lecar_step(e: Elem) {
    let v = state_get(0u, e);
    let w = state_get(1u, e);
    let v3 = param(ML_V3, e);
    let v4 = param(ML_V4, e);
    let m_inf = 0.5 * (1.0 + tanh_accurate((v - param(ML_V1, e)) / param(ML_V2, e)));
    let w_inf = 0.5 * (1.0 + tanh_accurate((v - v3) / v4));
    let tau_w = 1.0 / (param(ML_PHI, e) * cosh_accurate((v - v3) / (2.0 * v4)));
    let g_ca = param(ML_G_CA, e) * m_inf;
    let g_k = param(ML_G_K, e) * w;
    let g_leak = param(ML_G_LEAK, e);
    let c = param(ML_C, e);
    let i = current_at(e, v).x;
    let f = (-g_ca * (v - param(ML_V_CA, e)) - g_k * (v - param(ML_V_K, e)) - g_leak * (v - param(ML_V_LEAK, e)) + i) / c;
    let v_new = exp_euler(v, f, -(g_ca + g_k + g_leak) / c) + input_delta(e);
    state_set(0u, e, v_new);
    state_set(1u, e, exp_euler(w, (w_inf - w) / tau_w, -1.0 / tau_w));
    emit(e, crossing(v_new, v, param(ML_V_TH, e)));
}
