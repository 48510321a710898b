// Event-driven projection with a fixed number of targets per presynaptic neuron (brainstate's
// EventFixedProb): each spiking presynaptic neuron adds its weight to each of its targets'
// fixed-point sums. Integer addition is associative, so the sums — and the run — are the same
// whatever order the atomics land in. One invocation per (sample, presynaptic neuron).
//
// cfg: EventCfg (src/abi.rs), read through its `event_*()` accessors: presynaptic neurons,
// targets each, rows (batch), the source's base (first presynaptic neuron) and row pitch, where
// the sums start, postsynaptic neurons, the homogeneous fixed-point weight, whether weights are
// per synapse. index: targets (pre-major), then per-synapse fixed-point weights.

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
    let first = pre * k;
    let row = event_sums() + b * event_n_post();
    for (var t = 0u; t < k; t = t + 1u) {
        let w = select(event_weight(), bitcast<i32>(index[n_pre * k + first + t]), event_per_synapse());
        atomicAdd(&acc[row + index[first + t]], w);
    }
}
