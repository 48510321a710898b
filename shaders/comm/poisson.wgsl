// Poisson drive (src/network/drive.rs): every target neuron of every row adds weight·c to its
// fixed-point sum of this step, c ~ Binomial(K, p) drawn by inversion: c = first + the number
// of thresholds ≤ u, u one Threefry word of counter (flat neuron index, step). The thresholds
// (2^32 · the distribution function, tabulated on the host) are in `index`, followed (units
// per target) by the weight of each target neuron in counts of its sum's unit. One invocation
// per (row, neuron).
//
// cfg: PoissonCfg (src/abi.rs): targets per row, rows, where the sums start, their sets (a ring
// for transmission delays: this step's is set k mod slots) and sums per set, the weight in
// counts of the one unit, whether weights are per target instead, the smallest count, the
// number of thresholds, the two key words.

@compute @workgroup_size(WORKGROUP_SIZE)
fn poisson_drive(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = invocation(gid, groups);
    if (i >= poisson_n() * poisson_rows()) {
        return;
    }
    let u = threefry2x32(vec2<u32>(i, clk.k), vec2<u32>(poisson_key0(), poisson_key1())).x;
    let count = poisson_first() + count_at_most(0u, poisson_len(), u);
    if (count != 0u) {
        let at = poisson_sums() + (clk.k % poisson_slots()) * poisson_set() + i;
        var w = poisson_weight();
        if (poisson_per_target()) {
            w = bitcast<i32>(index[poisson_len() + i % poisson_n()]);
        }
        atomicAdd(&acc[at], i32(count) * w);
    }
}
