// Expon — single-exponential synapse (brainpy.state.Expon), one element per invocation.
//
//   dg/dt = −g/τ
//   per step: g ← g·e^{−dt/τ}   (the exponential-Euler step, exact for this linear ODE)
//             g ← g + x          (x: this step's input, e.g. spikes × weight)
//   returns g
//
// State 0: g. Parameter 0: decay = e^{−dt/τ}, computed on the host in f64.

const EXPON_G: u32 = 0u;
const EXPON_DECAY: u32 = 0u;

fn expon_update(e: Elem) {
    var g = state_get(EXPON_G, e) * param(EXPON_DECAY, e);
    g = g + input_x(e);
    state_set(EXPON_G, e, g);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn expon(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let e = element(gid, groups);
    if (in_range(e)) {
        expon_update(e);
    }
}
