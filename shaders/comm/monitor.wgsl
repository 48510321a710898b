// Monitors: what a run keeps of each step, in chunk buffers read back once per chunk.

// Spikes as bitmasks: word w of sample b holds neurons 32w … 32w+31 (bit = spike ≠ 0), the
// words of one step after another. They are stored through `acc` (integer words, so that no
// bit pattern passes through a float register). cfg: SpikeBitsCfg (src/abi.rs).
@compute @workgroup_size(WORKGROUP_SIZE)
fn spike_bits(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = invocation(gid, groups);
    let words = bits_words();
    if (i >= words * bits_rows()) {
        return;
    }
    let b = i / words;
    let w = i - b * words;
    var bits = 0u;
    for (var q = 0u; q < 32u; q = q + 1u) {
        let j = w * 32u + q;
        if (j < bits_n() && src[bits_src_base() + b * bits_src_pitch() + j] != 0.0) {
            bits = bits | (1u << q);
        }
    }
    atomicStore(&acc[bits_dst() + clk.local * words * bits_rows() + i], bitcast<i32>(bits));
}

// A state variable on the steps k with (k + shift) mod every = 0: n values, elements 0 … n − 1
// of the variable, or (indexed) the elements `index` lists. cfg: SampleCfg (src/abi.rs);
// `first` is the index (k + shift) / every of the run's first sample (written before each run).
@compute @workgroup_size(WORKGROUP_SIZE)
fn sample_state(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = invocation(gid, groups);
    let n = sample_n();
    let k = clk.k + sample_shift();
    if (i < n && k % sample_every() == 0u) {
        let at = select(i, index[i], sample_indexed());
        dst[sample_dst() + (k / sample_every() - sample_first()) * n + i] = src[sample_src() + at];
    }
}

// Spike counts per sample, summed over a run: each spiking element adds one to its sample's
// counter (through `acc`, cleared before the run). cfg: CountCfg (src/abi.rs).
@compute @workgroup_size(WORKGROUP_SIZE)
fn spike_count(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = invocation(gid, groups);
    if (i < count_n() * count_rows() && src[count_src() + i] != 0.0) {
        atomicAdd(&acc[i / count_n()], 1);
    }
}
