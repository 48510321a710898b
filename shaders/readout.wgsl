// LeakyRateReadout (brainpy.state.readout): a leaky integrator of a weighted input.
//
//   r ← decay·r + x @ W,   decay = e^{−dt/τ} (host, f64), W of shape (in, out)
//
// One invocation per output element (sample b, output j): it sums x[b, i]·W[i, j] over the
// inputs. State: r. Parameters: decay, in (the number of inputs), W (row-major table).

const RO_DECAY: u32 = 0u;
const RO_IN: u32 = 1u;
const RO_W: u32 = 2u;

fn leaky_rate_readout_step(e: Elem) {
    let n_in = param_u32(RO_IN);
    var acc = 0.0;
    for (var i = 0u; i < n_in; i = i + 1u) {
        acc = acc + input_x_at(e, i) * param_at(RO_W, i * sim.n + e.j);
    }
    state_set(0u, e, param(RO_DECAY, e) * state_get(0u, e) + acc);
}
