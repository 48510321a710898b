// Alpha synapse (brainpy.state.Alpha), one element per invocation.
//
//   dh/dt = −h/τ,   dg/dt = (−g + h)/τ
//   per step: h' = h·e^{−dt/τ}; g ← g + (1 − e^{−dt/τ})·(h_old − g)  (exponential Euler with the
//   OLD h, so an input shows in g one step later); h ← h' + Σδ + x; returns g.
//
// States: g, h. Parameter 0: e^{−dt/τ} (host, f64).

const ALPHA_DECAY: u32 = 0u;

fn alpha_step(e: Elem) {
    let decay = param(ALPHA_DECAY, e);
    let g = state_get(0u, e);
    let h = state_get(1u, e);
    state_set(0u, e, g + (1.0 - decay) * (h - g));
    state_set(1u, e, h * decay + input_delta(e) + input_x(e));
}
