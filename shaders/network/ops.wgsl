// The projections of a composed network kernel (`shaders/abi/network.wgsl`), one function per
// kind, each run by the whole workgroup over one batch row. The generated kernel calls them
// with constants (sizes, offsets, weights' place, the scale as f32 bits), so the compiler
// specialises each call. `space` and `base` say where the source row starts this step: in the
// arena (0), in the scratch for an input stream (1), or among the workgroup's rows (2, `wg_rows`,
// declared by the composed kernel: outputs that only the workgroup reads); `dst` and `sums`
// where the row's results go. The arithmetic is that of the per-step kernels in
// `shaders/comm/`, operation for operation, so both executors compute the same sums in the
// same order.

fn source_value(space: u32, at: u32) -> f32 {
    switch space {
        case 1u: { return scratch[at]; }
        case 2u: { return wg_rows[at]; }
        default: { return state[at]; }
    }
}

// Where a projection's results go: `dst` in the scratch, or, with bit 31 set, in the
// workgroup's own inputs (`wg_results`, declared by the composed kernel: summed inputs that only
// this workgroup's updates read, within the step).
const IN_WORKGROUP: u32 = 0x80000000u;

fn store_result(dst: u32, value: f32, accumulate: bool) {
    if ((dst & IN_WORKGROUP) != 0u) {
        let at = dst & ~IN_WORKGROUP;
        wg_results[at] = select(value, wg_results[at] + value, accumulate);
    } else {
        scratch[dst] = select(value, scratch[dst] + value, accumulate);
    }
}

// dst[q] = (accumulate ? dst[q] : 0) + scale·src[q] (or scale·value when `constant`).
fn op_axpy(lane: u32, base: u32, space: u32, count: u32, dst: u32, accumulate: bool, scale: f32, constant: bool, value: f32) {
    for (var q = lane; q < count; q = q + WORKGROUP_SIZE) {
        var v = value;
        if (!constant) {
            v = source_value(space, base + q);
        }
        v = scale * v;
        store_result(dst + q, v, accumulate);
    }
}

// Output j of a dense projection from its sum y: + b[j], times scale, written over or added to
// dst[j].
fn dense_output(j: u32, sum: f32, n_in: u32, n_out: u32, dst: u32, accumulate: bool, scale: f32, bias: bool, w: u32) {
    var y = sum;
    if (bias) {
        y = y + bitcast<f32>(params[w + n_in * n_out + j]);
    }
    y = scale * y;
    store_result(dst + j, y, accumulate);
}

// y = scale·(x @ W + b) written over or added to dst, skipping inputs that are exactly 0.
// W (row-major, f32 bits) and then b start at `w` in `params`.
fn op_dense(lane: u32, base: u32, space: u32, n_in: u32, n_out: u32, dst: u32, accumulate: bool, scale: f32, bias: bool, w: u32) {
    for (var j = lane; j < n_out; j = j + WORKGROUP_SIZE) {
        var y = 0.0;
        for (var q = 0u; q < n_in; q = q + 1u) {
            let x = source_value(space, base + q);
            if (x != 0.0) {
                y = y + x * bitcast<f32>(params[w + q * n_out + j]);
            }
        }
        dense_output(j, y, n_in, n_out, dst, accumulate, scale, bias, w);
    }
}

// The nonzero inputs of a row, in ascending order, gathered by the workgroup: each invocation
// counts the nonzeros of its contiguous share of the inputs, an exclusive scan over the counts
// gives each share its place, and the shares are copied in order. Returns how many there are.
// The order is that of the plain loop, so a sum over the list equals the plain sum bit for bit.
// The scan is in two levels to take few barriers: the first invocation of each group of
// SCAN_GROUP sums its group's counts in order, then the first invocation sums the groups.
const GATHER_MAX: u32 = 4096u;
const SCAN_GROUP: u32 = 32u;
var<workgroup> gathered: array<u32, 4096>;
// One share per invocation, for workgroups of up to 1024, and one offset per group.
var<workgroup> shares: array<u32, 1024>;
var<workgroup> group_base: array<u32, 32>;

fn gather_nonzero(lane: u32, base: u32, space: u32, n_in: u32) -> u32 {
    let per = (n_in + WORKGROUP_SIZE - 1u) / WORKGROUP_SIZE;
    let start = min(lane * per, n_in);
    let end = min(start + per, n_in);
    var count = 0u;
    for (var q = start; q < end; q = q + 1u) {
        count = count + select(0u, 1u, source_value(space, base + q) != 0.0);
    }
    shares[lane] = count;
    workgroupBarrier();
    // Inclusive sums within each group, and each group's total.
    if (lane % SCAN_GROUP == 0u) {
        var sum = 0u;
        for (var i = lane; i < min(lane + SCAN_GROUP, WORKGROUP_SIZE); i = i + 1u) {
            sum = sum + shares[i];
            shares[i] = sum;
        }
        group_base[lane / SCAN_GROUP] = sum;
    }
    workgroupBarrier();
    // Exclusive sums of the group totals.
    if (lane == 0u) {
        var sum = 0u;
        for (var g = 0u; g < (WORKGROUP_SIZE + SCAN_GROUP - 1u) / SCAN_GROUP; g = g + 1u) {
            let total = group_base[g];
            group_base[g] = sum;
            sum = sum + total;
        }
    }
    workgroupBarrier();
    var at = group_base[lane / SCAN_GROUP] + shares[lane] - count;
    for (var q = start; q < end; q = q + 1u) {
        if (source_value(space, base + q) != 0.0) {
            gathered[at] = q;
            at = at + 1u;
        }
    }
    let last = WORKGROUP_SIZE - 1u;
    let total = group_base[last / SCAN_GROUP] + shares[last];
    workgroupBarrier();
    return total;
}

// op_dense for spiking input (at most GATHER_MAX inputs): only the nonzero rows of W are read.
fn op_dense_sparse(lane: u32, base: u32, space: u32, n_in: u32, n_out: u32, dst: u32, accumulate: bool, scale: f32, bias: bool, w: u32) {
    let count = gather_nonzero(lane, base, space, n_in);
    for (var j = lane; j < n_out; j = j + WORKGROUP_SIZE) {
        var y = 0.0;
        for (var a = 0u; a < count; a = a + 1u) {
            let q = gathered[a];
            y = y + source_value(space, base + q) * bitcast<f32>(params[w + q * n_out + j]);
        }
        dense_output(j, y, n_in, n_out, dst, accumulate, scale, bias, w);
    }
    workgroupBarrier();
}

// op_dense with the source row staged in workgroup memory first (at most GATHER_MAX inputs):
// every output reads the same row, so it is loaded once per workgroup instead of once per
// output.
fn op_dense_staged(lane: u32, base: u32, space: u32, n_in: u32, n_out: u32, dst: u32, accumulate: bool, scale: f32, bias: bool, w: u32) {
    for (var q = lane; q < n_in; q = q + WORKGROUP_SIZE) {
        gathered[q] = bitcast<u32>(source_value(space, base + q));
    }
    workgroupBarrier();
    for (var j = lane; j < n_out; j = j + WORKGROUP_SIZE) {
        var y = 0.0;
        for (var q = 0u; q < n_in; q = q + 1u) {
            let x = bitcast<f32>(gathered[q]);
            if (x != 0.0) {
                y = y + x * bitcast<f32>(params[w + q * n_out + j]);
            }
        }
        dense_output(j, y, n_in, n_out, dst, accumulate, scale, bias, w);
    }
    workgroupBarrier();
}

// Each nonzero source value (a spike) adds its synapses' fixed-point weights to its targets'
// sums. The table at `table` in `params`: the targets (source-major), then, when per synapse,
// their weights in the same order, then, when `delay` is PER_SYNAPSE_DELAY, their arrivals in
// steps; when rows differ in length (k = VARIABLE_DEGREE) n_pre + 1 row offsets come first,
// otherwise every source has k synapses. With transmission delays the sums are `slots` sets
// `stride` apart and a spike arriving d steps later goes to set (k + d) mod slots; `delay` is
// d for every synapse, or PER_SYNAPSE_DELAY.
fn op_event(lane: u32, base: u32, space: u32, n_pre: u32, k: u32, sums: u32, weight: i32, per_synapse: bool, table: u32, slots: u32, stride: u32, delay: u32) {
    for (var pre = lane; pre < n_pre; pre = pre + WORKGROUP_SIZE) {
        deliver(pre, base, space, n_pre, k, sums, weight, per_synapse, table, slots, stride, delay);
    }
}

// One presynaptic neuron of op_event: if it spiked, its synapses' weights into the sums.
fn deliver(pre: u32, base: u32, space: u32, n_pre: u32, k: u32, sums: u32, weight: i32, per_synapse: bool, table: u32, slots: u32, stride: u32, delay: u32) {
    if (source_value(space, base + pre) != 0.0) {
        deliver_spike(pre, n_pre, k, sums, weight, per_synapse, table, false, slots, stride, delay);
    }
}

// A spike of presynaptic neuron `pre`: its synapses' weights into the device-memory sums from
// `sums` in `acc`, or (`local`) into the workgroup's sums from `sums` in `wg_sums`.
fn deliver_spike(pre: u32, n_pre: u32, k: u32, sums: u32, weight: i32, per_synapse: bool, table: u32, local: bool, slots: u32, stride: u32, delay: u32) {
    // Procedural connectivity: the table is the rule's key, pool, own-index flag, weight key,
    // number of gap thresholds, where its inverse units per target start (0: none), the gap
    // thresholds (Bernoulli), then, weights per synapse, the levels they are drawn from, then
    // any inverse units; the targets and weights are drawn again, the delay is one for all.
    if (k != VARIABLE_DEGREE && (k & PROCEDURAL) != 0u) {
        var at = sums;
        if (slots > 1u) {
            at = at + ((clk.k + delay) % slots) * stride;
        }
        let gaps = params[table + 6u];
        var s = 0u;
        var walk = 0u;
        var draw = 0u;
        loop {
            let post = procedural_next(pre, k & ~PROCEDURAL, table, gaps, s, &walk, &draw);
            if (post == NO_TARGET) {
                break;
            }
            let wt = procedural_weight(table, gaps, pre, s, post, weight, per_synapse);
            if (local) {
                atomicAdd(&wg_sums[at + post], wt);
            } else {
                atomicAdd(&acc[at + post], wt);
            }
            s = s + 1u;
        }
        return;
    }
    var targets = table;
    var count = n_pre * k;
    var lo = pre * k;
    var hi = lo + k;
    if (k == VARIABLE_DEGREE) {
        targets = table + n_pre + 1u;
        count = params[table + n_pre];
        lo = params[table + pre];
        hi = params[table + pre + 1u];
    }
    let weights = targets + count;
    let delays = weights + select(0u, count, per_synapse);
    for (var s = lo; s < hi; s = s + 1u) {
        var wt = weight;
        if (per_synapse) {
            wt = bitcast<i32>(params[weights + s]);
        }
        var post = sums + params[targets + s];
        if (slots > 1u) {
            let d = select(delay, params[delays + s], delay == PER_SYNAPSE_DELAY);
            post = post + ((clk.k + d) % slots) * stride;
        }
        if (local) {
            atomicAdd(&wg_sums[post], wt);
        } else {
            atomicAdd(&acc[post], wt);
        }
    }
}

// op_event into the workgroup's own sums (`wg_sums`, declared by the composed kernel): workgroup
// atomics instead of device-memory ones, for rows whose sums fit in workgroup memory. `sums`
// is where this projection's sums start in `wg_sums`.
fn op_event_local(lane: u32, base: u32, space: u32, n_pre: u32, k: u32, sums: u32, weight: i32, per_synapse: bool, table: u32) {
    for (var pre = lane; pre < n_pre; pre = pre + WORKGROUP_SIZE) {
        if (source_value(space, base + pre) != 0.0) {
            deliver_spike(pre, n_pre, k, sums, weight, per_synapse, table, true, 1u, 0u, 0u);
        }
    }
}

// op_event from spikes kept as bits in workgroup memory (`wg_spikes`, declared by the composed
// kernel): the sources are bits `first` … `first + n_pre − 1` of the words from `words`. Each
// invocation takes a word (32 sources) and delivers the set bits; integer sums make the order
// of delivery irrelevant, so the sums equal op_event's exactly.
fn op_event_bits(lane: u32, words: u32, first: u32, n_pre: u32, k: u32, sums: u32, weight: i32, per_synapse: bool, table: u32, local: bool, slots: u32, stride: u32, delay: u32) {
    let end = first + n_pre;
    for (var w = first / 32u + lane; w < (end + 31u) / 32u; w = w + WORKGROUP_SIZE) {
        let lo = w * 32u;
        var word = atomicLoad(&wg_spikes[words + w]);
        if (lo < first) {
            word = word & (0xffffffffu << (first - lo));
        }
        if (lo + 32u > end) {
            word = word & ((1u << (end - lo)) - 1u);
        }
        while (word != 0u) {
            let pre = lo + firstTrailingBit(word) - first;
            word = word & (word - 1u);
            deliver_spike(pre, n_pre, k, sums, weight, per_synapse, table, local, slots, stride, delay);
        }
    }
}

// Poisson drive (shaders/comm/poisson.wgsl, operation for operation): each of the row's n
// targets adds `weight` times c to its sum — or (`per_target`) its own weight, in counts of its
// unit, from after the thresholds — c drawn by inversion from the `len` thresholds at `table`
// in `params`. `sums`: the row's sums (`local`: in `wg_sums`), in a ring of `slots` sets
// `stride` apart.
fn op_poisson(lane: u32, n: u32, row: u32, sums: u32, slots: u32, stride: u32, weight: i32, per_target: bool, first: u32, table: u32, len: u32, key: vec2<u32>, local: bool) {
    let at = sums + (clk.k % slots) * stride;
    for (var j = lane; j < n; j = j + WORKGROUP_SIZE) {
        let u = threefry2x32(vec2<u32>(row * n + j, clk.k), key).x;
        let count = first + count_at_most(table, len, u);
        if (count != 0u) {
            var w = weight;
            if (per_target) {
                w = bitcast<i32>(params[table + len + j]);
            }
            if (local) {
                atomicAdd(&wg_sums[at + j], i32(count) * w);
            } else {
                atomicAdd(&acc[at + j], i32(count) * w);
            }
        }
    }
}

// Sets (value ≠ 0) or clears bit j of the spike words from `words` (an output kept as bits).
fn set_spike_bit(words: u32, j: u32, value: f32) {
    let bit = 1u << (j % 32u);
    let at = words + j / 32u;
    if (value != 0.0) {
        atomicOr(&wg_spikes[at], bit);
    } else if ((atomicLoad(&wg_spikes[at]) & bit) != 0u) {
        atomicAnd(&wg_spikes[at], ~bit);
    }
}

// Whether bit j of the spike words from `words` is set.
fn spike_bit(words: u32, j: u32) -> bool {
    return ((atomicLoad(&wg_spikes[words + j / 32u]) >> (j % 32u)) & 1u) != 0u;
}
