// Spikes at given times (brainpy.state.inputs.SpikeTime).

// SpikeTime: at step k, the summed weights of the events of row k at this neuron. Parameters:
// rows, row offsets (rows + 1), neuron indices, weights.
fn spike_time_step(e: Elem) {
    var value = 0.0;
    if (clk.k < param_u32(0u)) {
        let start = u32(param_at(1u, clk.k));
        let end = u32(param_at(1u, clk.k + 1u));
        for (var q = start; q < end; q = q + 1u) {
            value = value + select(0.0, param_at(3u, q), u32(param_at(2u, q)) == e.j);
        }
    }
    emit(e, value);
}
