// The exponential synapses (brainpy.state.exponential): Expon, DualExpon.
//
// Expon:      dg/dt = −g/τ
//   per step: g ← g·e^{−dt/τ} (the exponential-Euler step, exact for this linear ODE);
//             g ← g + Σδ; g ← g + x; returns g.
// DualExpon:  dg_r/dt = −g_r/τ_rise, dg_d/dt = −g_d/τ_decay
//   per step: both decay; each gets + Σδ and + x; returns scale·(g_d − g_r).
//
// Decay factors are computed on the host in f64.

const EXPON_DECAY: u32 = 0u;
const DUAL_RISE_DECAY: u32 = 0u;
const DUAL_DECAY_DECAY: u32 = 1u;
const DUAL_SCALE: u32 = 2u;

// States: g.
fn expon_step(e: Elem) {
    var g = state_get(0u, e) * param(EXPON_DECAY, e);
    g = g + input_delta(e);
    g = g + input_x(e);
    state_set(0u, e, g);
}

// States: g_rise, g_decay.
fn dual_expon_step(e: Elem) {
    let d = input_delta(e);
    let x = input_x(e);
    let g_rise = state_get(0u, e) * param(DUAL_RISE_DECAY, e) + d + x;
    let g_decay = state_get(1u, e) * param(DUAL_DECAY_DECAY, e) + d + x;
    state_set(0u, e, g_rise);
    state_set(1u, e, g_decay);
    emit(e, param(DUAL_SCALE, e) * (g_decay - g_rise));
}
