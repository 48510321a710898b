// Wang–Buzsáki neuron (brainpy.state.WangBuzsakiHH), one element per invocation.
//
//   C dV/dt = −g_Na·m∞³·h·(V − E_Na) − g_K·n⁴·(V − E_K) − g_L·(V − E_L) + I
//   dz/dt = φ·(α_z(V)·(1 − z) − β_z(V)·z)     for z = h, n
//   m∞ = α_m/(α_m + β_m), α_m = 1/exprel(−0.1(V+35)), β_m = 4·e^{−(V+60)/18},
//   α_h = 0.07·e^{−(V+58)/20}, β_h = 1/(e^{−0.1(V+28)} + 1),
//   α_n = 0.1/exprel(−0.1(V+34)), β_n = 0.125·e^{−(V+44)/80}
//
// Per step: everything from the stored state (m is instantaneous at the stored V); current
// inputs once at the stored V; exponential Euler of V, h, n; + delta inputs on V; the spike is
// the upward crossing of V_th. States: V, h, n.

const WB_ENA: u32 = 0u;
const WB_GNA: u32 = 1u;
const WB_EK: u32 = 2u;
const WB_GK: u32 = 3u;
const WB_EL: u32 = 4u;
const WB_GL: u32 = 5u;
const WB_V_TH: u32 = 6u;
const WB_PHI: u32 = 7u;
const WB_C: u32 = 8u;

fn wb_gate(z: f32, alpha: f32, beta: f32, phi: f32) -> f32 {
    return exp_euler(z, phi * (alpha * (1.0 - z) - beta * z), -phi * (alpha + beta));
}

fn wang_buzsaki_step(e: Elem) {
    let v = state_get(0u, e);
    let h = state_get(1u, e);
    let n = state_get(2u, e);
    let am = 1.0 / exprel(-0.1 * (v + 35.0));
    let bm = 4.0 * exp_accurate(-(v + 60.0) / 18.0);
    let m = am / (am + bm);
    let g_na = param(WB_GNA, e) * m * m * m * h;
    let g_k = param(WB_GK, e) * n * n * n * n;
    let g_l = param(WB_GL, e);
    let c = param(WB_C, e);
    let i = current_at(e, v).x;
    let f = (-g_na * (v - param(WB_ENA, e)) - g_k * (v - param(WB_EK, e)) - g_l * (v - param(WB_EL, e)) + i) / c;
    let v_new = exp_euler(v, f, -(g_na + g_k + g_l) / c) + input_delta(e);
    let phi = param(WB_PHI, e);
    let ah = 0.07 * exp_accurate(-(v + 58.0) / 20.0);
    let bh = 1.0 / (exp_accurate(-0.1 * (v + 28.0)) + 1.0);
    let an = 0.1 / exprel(-0.1 * (v + 34.0));
    let bn = 0.125 * exp_accurate(-(v + 44.0) / 80.0);
    state_set(0u, e, v_new);
    state_set(1u, e, wb_gate(h, ah, bh, phi));
    state_set(2u, e, wb_gate(n, an, bn, phi));
    emit(e, crossing(v_new, v, param(WB_V_TH, e)));
}
