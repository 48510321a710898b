// Event-driven sparse projection (brainstate's EventFixedProb and every connectivity rule): each
// spiking presynaptic neuron adds its synapses' weights to their targets' fixed-point sums.
// Integer addition is associative, so the sums — and the run — are the same whatever order the
// atomics land in. One invocation per (sample, presynaptic neuron).
//
// cfg: EventCfg (src/abi.rs), read through its `event_*()` accessors: presynaptic neurons, the
// synapses of each (or VARIABLE_DEGREE), rows (batch), the source's base (first presynaptic
// neuron) and row pitch, where the sums start, postsynaptic neurons, the homogeneous
// fixed-point weight, whether weights are per synapse, the number of synapses, the sets of sums
// (more than one with transmission delays: a spike arriving d steps later goes to set
// (k + d) mod slots of rows × n_post sums) and the arrival d of every synapse (or
// PER_SYNAPSE_DELAY). index: n_pre + 1 row offsets (VARIABLE_DEGREE only), the targets
// (source-major), then the per-synapse fixed-point weights and arrivals in the same order.

@compute @workgroup_size(WORKGROUP_SIZE)
fn event_fixed(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = invocation(gid, groups);
    let n_pre = event_n_pre();
    if (i >= n_pre * event_rows()) {
        return;
    }
    let b = i / n_pre;
    let pre = i - b * n_pre;
    let spike = src[source_base(event_src_base()) + b * event_src_pitch() + pre];
    if (spike == 0.0) {
        return;
    }
    let k = event_k();
    let row = event_sums() + b * event_n_post();
    if (k != VARIABLE_DEGREE && (k & PROCEDURAL) != 0u) {
        // Procedural connectivity (as deliver_spike in shaders/network/ops.wgsl).
        var at = row;
        if (event_slots() > 1u) {
            at = at + ((clk.k + event_delay()) % event_slots()) * event_rows() * event_n_post();
        }
        let gaps = index[6];
        var s = 0u;
        var walk = 0u;
        var draw = 0u;
        loop {
            let post = procedural_next(pre, k & ~PROCEDURAL, 0u, gaps, s, &walk, &draw);
            if (post == NO_TARGET) {
                break;
            }
            let w = procedural_weight(0u, gaps, pre, s, post, event_weight(), event_per_synapse());
            atomicAdd(&acc[at + post], w);
            s = s + 1u;
        }
        return;
    }
    var targets = 0u;
    var lo = pre * k;
    var hi = lo + k;
    if (k == VARIABLE_DEGREE) {
        targets = n_pre + 1u;
        lo = index[pre];
        hi = index[pre + 1u];
    }
    let count = event_synapses();
    let weights = targets + count;
    let delays = weights + select(0u, count, event_per_synapse());
    let slots = event_slots();
    let delay = event_delay();
    for (var s = lo; s < hi; s = s + 1u) {
        let w = select(event_weight(), bitcast<i32>(index[weights + s]), event_per_synapse());
        var post = row + index[targets + s];
        if (slots > 1u) {
            let d = select(delay, index[delays + s], delay == PER_SYNAPSE_DELAY);
            post = post + ((clk.k + d) % slots) * event_rows() * event_n_post();
        }
        atomicAdd(&acc[post], w);
    }
}
