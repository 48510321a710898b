// Deterministic currents (brainpy.state.inputs): each writes its value for this step, a
// function of t = k·dt alone, to the output.

// SectionInput: values[s] for the section s whose cumulative end is the first > t; 0 after.
// Parameters: count, cumulative ends, values.
fn section_input_step(e: Elem) {
    let count = param_u32(0u);
    var s = 0u;
    for (var i = 0u; i < count; i = i + 1u) {
        s = s + select(0u, 1u, param_at(1u, i) <= clk.t);
    }
    emit(e, select(0.0, param_at(2u, min(s, count - 1u)), s < count));
}

// ConstantInput: value while t < duration, else 0. Parameters: value, duration.
fn constant_input_step(e: Elem) {
    emit(e, select(0.0, param(0u, e), clk.t < param(1u, e)));
}

// StepInput: the amplitude of the last step time <= t (times sorted); 0 before the first.
// Parameters: count, sorted times, amplitudes.
fn step_input_step(e: Elem) {
    let count = param_u32(0u);
    var passed = 0u;
    for (var i = 0u; i < count; i = i + 1u) {
        passed = passed + select(0u, 1u, param_at(1u, i) <= clk.t);
    }
    emit(e, select(0.0, param_at(2u, max(passed, 1u) - 1u), passed > 0u));
}

// RampInput: c_start + (c_end − c_start)·(t − t_start)/duration on [t_start, t_start +
// duration), else 0. Parameters: c_start, c_end, duration, t_start.
fn ramp_input_step(e: Elem) {
    let c0 = param(0u, e);
    let dur = param(2u, e);
    let t0 = param(3u, e);
    let inside = clk.t >= t0 && clk.t < t0 + dur;
    emit(e, select(0.0, c0 + (param(1u, e) - c0) * ((clk.t - t0) / dur), inside));
}

// SinusoidalInput: amplitude·sin(2π·f·t) + bias on [0, duration), with t in seconds, else 0.
// Parameters: amplitude, frequency (Hz), duration (s), bias.
fn sinusoidal_input_step(e: Elem) {
    let t_s = clk.t * 0.001;
    let inside = t_s >= 0.0 && t_s < param(2u, e);
    let value = param(0u, e) * sin(6.283185307179586 * param(1u, e) * t_s) + param(3u, e);
    emit(e, select(0.0, value, inside));
}
