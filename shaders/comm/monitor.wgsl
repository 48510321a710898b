// Monitors: what a run keeps of each step, in chunk buffers read back once per chunk.

// Spikes as bitmasks: word w of sample b holds neurons 32w … 32w+31 (bit = spike ≠ 0), the
// words of one step after another. They are stored through `acc` (integer words, so that no
// bit pattern passes through a float register). cfg: w0 neurons, w1 rows, w2 src base, w3 src
// row pitch, w4 dst base, w5 words per row.
@compute @workgroup_size(WORKGROUP_SIZE)
fn spike_bits(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = invocation(gid, groups);
    let words = cfg.w5;
    if (i >= words * cfg.w1) {
        return;
    }
    let b = i / words;
    let w = i - b * words;
    var bits = 0u;
    for (var q = 0u; q < 32u; q = q + 1u) {
        let j = w * 32u + q;
        if (j < cfg.w0 && src[cfg.w2 + b * cfg.w3 + j] != 0.0) {
            bits = bits | (1u << q);
        }
    }
    atomicStore(&acc[cfg.w4 + clk.local * words * cfg.w1 + i], bitcast<i32>(bits));
}

// A state variable on the steps k with k mod every = 0. cfg: w0 values, w1 src base, w2 dst
// base, w3 every, w4 the index k / every of the run's first sample (written before each run).
@compute @workgroup_size(WORKGROUP_SIZE)
fn sample_state(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = invocation(gid, groups);
    let n = cfg.w0;
    if (i < n && clk.k % cfg.w3 == 0u) {
        dst[cfg.w2 + (clk.k / cfg.w3 - cfg.w4) * n + i] = src[cfg.w1 + i];
    }
}

// Spike counts per sample, summed over a run: each spiking element adds one to its sample's
// counter (through `acc`, cleared before the run). cfg: w0 neurons, w1 rows, w2 src base.
@compute @workgroup_size(WORKGROUP_SIZE)
fn spike_count(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = invocation(gid, groups);
    if (i < cfg.w0 * cfg.w1 && src[cfg.w2 + i] != 0.0) {
        atomicAdd(&acc[i / cfg.w0], 1);
    }
}
