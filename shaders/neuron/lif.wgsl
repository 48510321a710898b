// LIF — leaky integrate-and-fire neuron (brainpy.state.LIF), one element per invocation.
//
//   τ dV/dt = −V + V_rest + R·I
//   per step: 1. reset from the stored V's spike s = H((V − V_th)/(V_th − V_reset)):
//                soft: V ← V − (V_th − V_reset)·s      hard: V ← V_reset where s = 1
//             2. exponential Euler (J = −1/τ): V ← V + dt·exprel(−dt/τ)/τ · (−V + V_rest + R·I)
//             3. spike from the new V: H((V − V_th)/(V_th − V_reset))
//   returns the spike (0.0/1.0)
//
// State 0: V. Parameters: R, V_th, V_reset, V_rest, c = dt·exprel(−dt/τ)/τ (host, f64),
// hard (1.0 for the hard reset, else 0.0).

const LIF_V: u32 = 0u;
const LIF_R: u32 = 0u;
const LIF_V_TH: u32 = 1u;
const LIF_V_RESET: u32 = 2u;
const LIF_V_REST: u32 = 3u;
const LIF_C: u32 = 4u;
const LIF_HARD: u32 = 5u;

fn lif_update(e: Elem) {
    let v_th = param(LIF_V_TH, e);
    let v_reset = param(LIF_V_RESET, e);
    var v = state_get(LIF_V, e);

    let s = heaviside((v - v_th) / (v_th - v_reset));
    if (param(LIF_HARD, e) != 0.0) {
        // A select, not V − (V − V_reset)·s: that cancels to garbage after a run-away V.
        v = select(v, v_reset, s > 0.0);
    } else {
        v = v - (v_th - v_reset) * s;
    }

    let i = input_x(e);
    v = v + param(LIF_C, e) * (-v + param(LIF_V_REST, e) + param(LIF_R, e) * i);

    state_set(LIF_V, e, v);
    emit(e, heaviside((v - v_th) / (v_th - v_reset)));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn lif(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let e = element(gid, groups);
    if (in_range(e)) {
        lif_update(e);
    }
}
