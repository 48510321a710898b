// Hodgkin–Huxley neuron (brainpy.state.HH), one element per invocation.
//
//   C dV/dt = −g_Na·m³h·(V − E_Na) − g_K·n⁴·(V − E_K) − g_L·(V − E_L) + I
//   dz/dt = α_z(V)·(1 − z) − β_z(V)·z        for z = m, h, n
//   α_m = 1/exprel(−(V+40)/10), β_m = 4·e^{−(V+65)/18}, α_h = 0.07·e^{−(V+65)/20},
//   β_h = 1/(1 + e^{−(V+35)/10}), α_n = 0.1/exprel(−(V+55)/10), β_n = 0.125·e^{−(V+65)/80}
//
// Per step: everything from the stored state — the conductances, the rates, and the current
// inputs I = x + Σ inputs, evaluated once at the stored V (outside the Jacobian); exponential
// Euler of V (J = −(g_Na·m³h + g_K·n⁴ + g_L)/C) and of each gate; + delta inputs on V; the
// spike is the upward crossing of V_th. States: V, m, h, n.

const HH_ENA: u32 = 0u;
const HH_GNA: u32 = 1u;
const HH_EK: u32 = 2u;
const HH_GK: u32 = 3u;
const HH_EL: u32 = 4u;
const HH_GL: u32 = 5u;
const HH_V_TH: u32 = 6u;
const HH_C: u32 = 7u;

fn hh_gate(z: f32, alpha: f32, beta: f32) -> f32 {
    return exp_euler(z, alpha * (1.0 - z) - beta * z, -(alpha + beta));
}

fn hh_step(e: Elem) {
    let v = state_get(0u, e);
    let m = state_get(1u, e);
    let h = state_get(2u, e);
    let n = state_get(3u, e);
    let g_na = param(HH_GNA, e) * m * m * m * h;
    let g_k = param(HH_GK, e) * n * n * n * n;
    let g_l = param(HH_GL, e);
    let c = param(HH_C, e);
    let i = current_at(e, v).x;
    let f = (-g_na * (v - param(HH_ENA, e)) - g_k * (v - param(HH_EK, e)) - g_l * (v - param(HH_EL, e)) + i) / c;
    let v_new = exp_euler(v, f, -(g_na + g_k + g_l) / c) + input_delta(e);
    let am = 1.0 / exprel(-(v + 40.0) / 10.0);
    let bm = 4.0 * exp_accurate(-(v + 65.0) / 18.0);
    let ah = 0.07 * exp_accurate(-(v + 65.0) / 20.0);
    let bh = 1.0 / (1.0 + exp_accurate(-(v + 35.0) / 10.0));
    let an = 0.1 / exprel(-(v + 55.0) / 10.0);
    let bn = 0.125 * exp_accurate(-(v + 65.0) / 80.0);
    state_set(0u, e, v_new);
    state_set(1u, e, hh_gate(m, am, bm));
    state_set(2u, e, hh_gate(h, ah, bh));
    state_set(3u, e, hh_gate(n, an, bn));
    emit(e, crossing(v_new, v, param(HH_V_TH, e)));
}
