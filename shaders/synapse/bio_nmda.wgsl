// Biophysical NMDA synapse (brainpy.state.BioNMDA), one element per invocation.
//
//   dx/dt = α2·[T]·(1 − x) − β2·x
//   dg/dt = α1·x·(1 − g) − β1·g
//   per step: the transmitter window as AMPA (any nonzero input counts as a spike); x by
//   exponential Euler; then g with the NEW x; returns g.
//
// States: g, x, spike_arrival_time.

const NMDA_ALPHA1: u32 = 0u;
const NMDA_BETA1: u32 = 1u;
const NMDA_ALPHA2: u32 = 2u;
const NMDA_BETA2: u32 = 3u;
const NMDA_T: u32 = 4u;
const NMDA_T_DUR: u32 = 5u;

fn bio_nmda_step(e: Elem) {
    let t_spike = select(state_get(2u, e), clk.t, input_x(e) != 0.0);
    let tt = select(0.0, param(NMDA_T, e), (clk.t - t_spike) < param(NMDA_T_DUR, e));
    let a2 = param(NMDA_ALPHA2, e);
    let b2 = param(NMDA_BETA2, e);
    let x_old = state_get(1u, e);
    let x = exp_euler(x_old, a2 * tt * (1.0 - x_old) - b2 * x_old, -(a2 * tt + b2));
    let a1 = param(NMDA_ALPHA1, e);
    let b1 = param(NMDA_BETA1, e);
    let g = state_get(0u, e);
    state_set(0u, e, exp_euler(g, a1 * x * (1.0 - g) - b1 * g, -(a1 * x + b1)));
    state_set(1u, e, x);
    state_set(2u, e, t_spike);
}
