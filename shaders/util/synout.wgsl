// synout — evaluates the ABI's current_at at V = x for every element: the current of the
// bound inputs, as a neuron's drift sees it (a probe of the synaptic outputs for tests).
//   out[i] = current_at(i, x[i]).x − x[i]

fn synout_probe_step(e: Elem) {
    let v = input_x(e);
    emit(e, current_at(e, v).x - v);
}
