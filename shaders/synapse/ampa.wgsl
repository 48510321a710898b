// Kinetic receptor synapses (brainpy.state.synapse): AMPA and GABAa (same kernel, other
// parameters).
//
//   dg/dt = α·[T]·(1 − g) − β·g,   [T] = T while t − t_spike < T_dur, else 0
//   per step: t_spike ← t where x ≠ 0 (any nonzero input counts as a spike); the transmitter
//   window in f32 on t = k·dt; exponential Euler with J = −(α·[T] + β); returns g.
//
// States: g, spike_arrival_time. "1" in (1 − g) is one unit of g (1 mS).

const AMPA_ALPHA: u32 = 0u;
const AMPA_BETA: u32 = 1u;
const AMPA_T: u32 = 2u;
const AMPA_T_DUR: u32 = 3u;

// [T] for this step, updating the spike arrival time (state `arrival`) from x.
fn transmitter(e: Elem, arrival: u32) -> f32 {
    let t_spike = select(state_get(arrival, e), clk.t, input_x(e) != 0.0);
    state_set(arrival, e, t_spike);
    return select(0.0, param(AMPA_T, e), (clk.t - t_spike) < param(AMPA_T_DUR, e));
}

fn ampa_step(e: Elem) {
    let tt = transmitter(e, 1u);
    let alpha = param(AMPA_ALPHA, e);
    let beta = param(AMPA_BETA, e);
    let g = state_get(0u, e);
    state_set(0u, e, exp_euler(g, alpha * tt * (1.0 - g) - beta * g, -(alpha * tt + beta)));
}
