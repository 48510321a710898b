// Event-driven projection with a fixed number of targets per presynaptic neuron (brainstate's
// EventFixedProb): each spiking presynaptic neuron adds its weight to each of its targets'
// fixed-point sums. Integer addition is associative, so the sums — and the run — are the same
// whatever order the atomics land in. One invocation per (sample, presynaptic neuron).
//
// cfg: w0 presynaptic neurons, w1 targets each, w2 rows (batch), w3 src base of the first
// presynaptic neuron, w4 src row pitch, w5 acc base, w6 postsynaptic neurons, w7 homogeneous
// fixed-point weight (i32 bits), w8 per-synapse weights (0/1), w12..w14 the source (see
// `source_base`). index: targets (pre-major), then per-synapse fixed-point weights.

@compute @workgroup_size(WORKGROUP_SIZE)
fn event_fixed(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = invocation(gid, groups);
    let n_pre = cfg.w0;
    if (i >= n_pre * cfg.w2) {
        return;
    }
    let b = i / n_pre;
    let pre = i - b * n_pre;
    let spike = src[source_base(cfg.w3) + b * cfg.w4 + pre];
    if (spike == 0.0) {
        return;
    }
    let k = cfg.w1;
    let first = pre * k;
    let row = cfg.w5 + b * cfg.w6;
    for (var t = 0u; t < k; t = t + 1u) {
        let w = select(bitcast<i32>(cfg.w7), bitcast<i32>(index[n_pre * k + first + t]), cfg.w8 != 0u);
        atomicAdd(&acc[row + index[first + t]], w);
    }
}
