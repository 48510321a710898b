// Copies and sums that move values between a network's buffers within a step.

// axpy: dst[row b, i] = (accumulate ? dst : 0) + scale·src[row b, i], or scale·constant.
// cfg: w0 count per row, w1 rows, w2 src base, w3 src row pitch, w4 dst base, w5 accumulate,
// w6 scale (f32 bits), w7 from the constant in w8 (f32 bits) instead of src, w9 dst row pitch,
// w12..w14 the source (see `source_base`).
@compute @workgroup_size(WORKGROUP_SIZE)
fn axpy(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = invocation(gid, groups);
    let count = cfg.w0;
    if (i >= count * cfg.w1) {
        return;
    }
    let b = i / count;
    let q = i - b * count;
    var v = bitcast<f32>(cfg.w8);
    if (cfg.w7 == 0u) {
        v = src[source_base(cfg.w2) + b * cfg.w3 + q];
    }
    v = bitcast<f32>(cfg.w6) * v;
    let at = cfg.w4 + b * cfg.w9 + q;
    dst[at] = select(v, dst[at] + v, cfg.w5 != 0u);
}

// ring: stores this step's values in slot k mod depth of a delay ring.
// cfg: w0 values, w1 src base, w2 dst base, w3 depth.
@compute @workgroup_size(WORKGROUP_SIZE)
fn ring_store(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = invocation(gid, groups);
    let n = cfg.w0;
    if (i < n) {
        dst[cfg.w2 + (clk.k % cfg.w3) * n + i] = src[cfg.w1 + i];
    }
}
