// exprel — evaluates the ABI's exprel(z) on every element of x (a numerics probe for tests).
//   out[i] = exprel(x[i])

fn exprel_probe_step(e: Elem) {
    emit(e, exprel(input_x(e)));
}
