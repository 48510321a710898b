// exprel — evaluates the ABI's exprel(z) on every element of x (a numerics probe for tests).
//   out[i] = exprel(x[i])

@compute @workgroup_size(WORKGROUP_SIZE)
fn exprel_probe(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let e = element(gid, groups);
    if (in_range(e)) {
        emit(e, exprel(input_x(e)));
    }
}
