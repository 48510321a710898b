// FitzHugh–Nagumo neuron (brainpy.state.FitzHughNagumo), unitless V and w.
//
//   τ dV/dt = V − V³/3 − w + I,       τ_w dw/dt = V + a − b·w
//
// Per step: the current inputs once at the stored V; exponential Euler of V with the stored w
// (J = (1 − V²)/τ) and of w with the stored V (J = −b/τ_w); + delta inputs on V; the spike is
// the upward crossing of V_th. States: V, w.

const FHN_A: u32 = 0u;
const FHN_B: u32 = 1u;
const FHN_TAU: u32 = 2u;
const FHN_TAU_W: u32 = 3u;
const FHN_V_TH: u32 = 4u;

fn fitzhugh_nagumo_step(e: Elem) {
    let v = state_get(0u, e);
    let w = state_get(1u, e);
    let i = current_at(e, v).x;
    let tau = param(FHN_TAU, e);
    let tau_w = param(FHN_TAU_W, e);
    let b = param(FHN_B, e);
    let v_new = exp_euler(v, (v - v * v * v / 3.0 - w + i) / tau, (1.0 - v * v) / tau);
    let w_new = exp_euler(w, (v + param(FHN_A, e) - b * w) / tau_w, -b / tau_w);
    let v_out = v_new + input_delta(e);
    state_set(0u, e, v_out);
    state_set(1u, e, w_new);
    emit(e, crossing(v_out, v, param(FHN_V_TH, e)));
}
