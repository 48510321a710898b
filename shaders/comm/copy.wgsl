// Copies and sums that move values between a network's buffers within a step.

// axpy: dst[row b, i] = (accumulate ? dst : 0) + scale·src[row b, i], or scale·constant; with
// per_row, row b's scale is weights[b].
// cfg: AxpyCfg (src/abi.rs), read through its `axpy_*()` accessors.
@compute @workgroup_size(WORKGROUP_SIZE)
fn axpy(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = invocation(gid, groups);
    let count = axpy_count();
    if (i >= count * axpy_rows()) {
        return;
    }
    let b = i / count;
    let q = i - b * count;
    var v = axpy_constant();
    if (!axpy_from_constant()) {
        v = src[source_base(axpy_src_base()) + b * axpy_src_pitch() + q];
    }
    v = select(axpy_scale(), weights[b], axpy_per_row()) * v;
    let at = axpy_dst() + b * axpy_dst_pitch() + q;
    dst[at] = select(v, dst[at] + v, axpy_accumulate());
}

// ring: stores this step's values in slot k mod depth of a delay ring.
// cfg: RingCfg (src/abi.rs), read through its `ring_*()` accessors.
@compute @workgroup_size(WORKGROUP_SIZE)
fn ring_store(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = invocation(gid, groups);
    let n = ring_n();
    if (i < n) {
        dst[ring_dst() + (clk.k % ring_depth()) * n + i] = src[ring_src() + i];
    }
}
