// LIF with a built-in synapse (brainpy.state.lif): CubaLIF, CobaLIF.
//
//   τ_syn dg/dt = −g
//   CubaLIF: τ dV/dt = −(V − V_rest) + R·(g + I(V))
//   CobaLIF: τ dV/dt = −(V − V_rest) + R·(g·(E − V) + I(V))
//
// Per step: reset V with the stored V's spike (soft/hard); g ← g·e^{−dt/τ_syn} + delta inputs
// (delta inputs go to g, not V); exponential Euler of V with the new g (CobaLIF's g enters the
// Jacobian as −R·g/τ); the spike of the new V. States: V, g.

const CLIF_R: u32 = 0u;
const CLIF_TAU: u32 = 1u;
const CLIF_V_TH: u32 = 2u;
const CLIF_V_RESET: u32 = 3u;
const CLIF_V_REST: u32 = 4u;
const CLIF_HARD: u32 = 5u;
const CLIF_G_DECAY: u32 = 6u;  // e^{−dt/τ_syn}
const CLIF_E: u32 = 7u;        // CobaLIF

fn clif_spike(e: Elem, v: f32) -> f32 {
    let v_th = param(CLIF_V_TH, e);
    return heaviside((v - v_th) / (v_th - param(CLIF_V_RESET, e)));
}

fn clif(e: Elem, conductance: bool) {
    var v = state_get(0u, e);
    v = reset_v(v, clif_spike(e, v), param(CLIF_V_TH, e), param(CLIF_V_RESET, e), param(CLIF_HARD, e) != 0.0);
    let g = state_get(1u, e) * param(CLIF_G_DECAY, e) + input_delta(e);
    let r = param(CLIF_R, e);
    let tau = param(CLIF_TAU, e);
    let cur = current_at(e, v);
    var syn = g;
    var dsyn = 0.0;
    if (conductance) {
        syn = g * (param(CLIF_E, e) - v);
        dsyn = -g;
    }
    v = exp_euler(v, (-(v - param(CLIF_V_REST, e)) + r * (syn + cur.x)) / tau, (-1.0 + r * (dsyn + cur.y)) / tau);
    state_set(0u, e, v);
    state_set(1u, e, g);
    emit(e, clif_spike(e, v));
}

fn cuba_lif_step(e: Elem) {
    clif(e, false);
}

fn coba_lif_step(e: Elem) {
    clif(e, true);
}
