// Hindmarsh–Rose neuron (brainpy.state.HindmarshRose), unitless V, y, z.
//
//   τ dV/dt = y − a·V³ + b·V² − z + I
//   τ dy/dt = c − d·V² − y
//   τ dz/dt = r·(s·(V − V_r) − z)
//
// Per step: the current inputs once at the stored V; exponential Euler of each variable with
// the others at their stored values (J_V = (−3aV² + 2bV)/τ, J_y = −1/τ, J_z = −r/τ); + delta
// inputs on V; the spike is the upward crossing of V_th. States: V, y, z.

const HR_A: u32 = 0u;
const HR_B: u32 = 1u;
const HR_C: u32 = 2u;
const HR_D: u32 = 3u;
const HR_R: u32 = 4u;
const HR_S: u32 = 5u;
const HR_V_R: u32 = 6u;
const HR_TAU: u32 = 7u;
const HR_V_TH: u32 = 8u;

fn hindmarsh_rose_step(e: Elem) {
    let v = state_get(0u, e);
    let y = state_get(1u, e);
    let z = state_get(2u, e);
    let i = current_at(e, v).x;
    let a = param(HR_A, e);
    let b = param(HR_B, e);
    let r = param(HR_R, e);
    let tau = param(HR_TAU, e);
    let v_new = exp_euler(v, (y - a * v * v * v + b * v * v - z + i) / tau, (-3.0 * a * v * v + 2.0 * b * v) / tau);
    let y_new = exp_euler(y, (param(HR_C, e) - param(HR_D, e) * v * v - y) / tau, -1.0 / tau);
    let z_new = exp_euler(z, r * (param(HR_S, e) * (v - param(HR_V_R, e)) - z) / tau, -r / tau);
    let v_out = v_new + input_delta(e);
    state_set(0u, e, v_out);
    state_set(1u, e, y_new);
    state_set(2u, e, z_new);
    emit(e, crossing(v_out, v, param(HR_V_TH, e)));
}
