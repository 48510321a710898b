// synout — evaluates the ABI's current_at at V = x for every element: the current of the
// bound inputs, as a neuron's drift sees it (a probe of the synaptic outputs for tests).
//   out[i] = current_at(i, x[i]).x − x[i]

@compute @workgroup_size(WORKGROUP_SIZE)
fn synout_probe(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let e = element(gid, groups);
    if (in_range(e)) {
        let v = input_x(e);
        emit(e, current_at(e, v).x - v);
    }
}
