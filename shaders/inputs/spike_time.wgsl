// Spikes at given times (brainpy.state.inputs.SpikeTime).

// Parameter indices (mirrored in the Rust file of the same name).
const SPIKES_ROWS: u32 = 0u;
const SPIKES_OFFSETS: u32 = 1u;
const SPIKES_NEURONS: u32 = 2u;
const SPIKES_WEIGHTS: u32 = 3u;

// SpikeTime: at step k, the summed weights of the events of row k at this neuron. Parameters:
// rows, row offsets (rows + 1), neuron indices, weights.
fn spike_time_step(e: Elem) {
    var value = 0.0;
    if (clk.k < param_u32(SPIKES_ROWS)) {
        let start = u32(param_at(SPIKES_OFFSETS, clk.k));
        let end = u32(param_at(SPIKES_OFFSETS, clk.k + 1u));
        for (var q = start; q < end; q = q + 1u) {
            value = value + select(0.0, param_at(SPIKES_WEIGHTS, q), u32(param_at(SPIKES_NEURONS, q)) == e.j);
        }
    }
    emit(e, value);
}
