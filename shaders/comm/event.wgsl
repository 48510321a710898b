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
            let post = procedural_next(pre, k & ~PROCEDURAL, gaps, s, &walk, &draw);
            if (post == NO_TARGET) {
                break;
            }
            var w = event_weight();
            if (event_per_synapse()) {
                let level = procedural_level(vec2<u32>(index[4], index[5]), pre, s);
                w = bitcast<i32>(index[7u + gaps + level]);
            }
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

const NO_TARGET: u32 = 0xffffffffu;

// procedural_next of shaders/network/ops.wgsl over this kernel's `index` table.
fn procedural_next(pre: u32, k: u32, gaps: u32, s: u32, at: ptr<function, u32>, draw: ptr<function, u32>) -> u32 {
    let key = vec2<u32>(index[0], index[1]);
    let pool = index[2];
    let skip_own = index[3] != 0u;
    if (gaps == 0u) {
        if (s >= k) {
            return NO_TARGET;
        }
        return procedural_target(key, pre, s, pool, skip_own);
    }
    loop {
        let u = threefry2x32(vec2<u32>(pre, *draw), key).x;
        *draw = *draw + 1u;
        var lo = 0u;
        var hi = gaps;
        while (lo < hi) {
            let mid = (lo + hi) / 2u;
            if (index[7u + mid] <= u) {
                lo = mid + 1u;
            } else {
                hi = mid;
            }
        }
        let t = *at + lo;
        if (t >= pool) {
            return NO_TARGET;
        }
        *at = t + 1u;
        if (!(skip_own && t == pre)) {
            return t;
        }
    }
    return NO_TARGET;
}
