// Deterministic currents (brainpy.state.inputs): each writes its value for this step, a
// function of t = k·dt alone, to the output. Their times are absolute, compared with the time
// since the epoch through `since_epoch` (shaders/abi/shared.wgsl).

// Parameter indices (mirrored in the Rust file of the same name).
const SECTION_COUNT: u32 = 0u;
const SECTION_ENDS: u32 = 1u;
const SECTION_VALUES: u32 = 2u;
const CONSTANT_VALUE: u32 = 0u;
const CONSTANT_DURATION: u32 = 1u;
const STEP_COUNT: u32 = 0u;
const STEP_TIMES: u32 = 1u;
const STEP_AMPLITUDES: u32 = 2u;
const RAMP_C_START: u32 = 0u;
const RAMP_C_END: u32 = 1u;
const RAMP_DURATION: u32 = 2u;
const RAMP_T_START: u32 = 3u;
const SINE_AMPLITUDE: u32 = 0u;
const SINE_FREQUENCY: u32 = 1u;
const SINE_DURATION: u32 = 2u;
const SINE_BIAS: u32 = 3u;

// SectionInput: values[s] for the section s whose cumulative end is the first > t; 0 after.
// Parameters: count, cumulative ends, values.
fn section_input_step(e: Elem) {
    let count = param_u32(SECTION_COUNT);
    var s = 0u;
    for (var i = 0u; i < count; i = i + 1u) {
        s = s + select(0u, 1u, since_epoch(param_at(SECTION_ENDS, i)) <= clk.t);
    }
    emit(e, select(0.0, param_at(SECTION_VALUES, min(s, count - 1u)), s < count));
}

// ConstantInput: value while t < duration, else 0. Parameters: value, duration.
fn constant_input_step(e: Elem) {
    emit(e, select(0.0, param(CONSTANT_VALUE, e), clk.t < since_epoch(param(CONSTANT_DURATION, e))));
}

// StepInput: the amplitude of the last step time <= t (times sorted); 0 before the first.
// Parameters: count, sorted times, amplitudes.
fn step_input_step(e: Elem) {
    let count = param_u32(STEP_COUNT);
    var passed = 0u;
    for (var i = 0u; i < count; i = i + 1u) {
        passed = passed + select(0u, 1u, since_epoch(param_at(STEP_TIMES, i)) <= clk.t);
    }
    emit(e, select(0.0, param_at(STEP_AMPLITUDES, max(passed, 1u) - 1u), passed > 0u));
}

// RampInput: c_start + (c_end − c_start)·(t − t_start)/duration on [t_start, t_start +
// duration), else 0. Parameters: c_start, c_end, duration, t_start.
fn ramp_input_step(e: Elem) {
    let c0 = param(RAMP_C_START, e);
    let dur = param(RAMP_DURATION, e);
    let t0 = since_epoch(param(RAMP_T_START, e));
    let inside = clk.t >= t0 && clk.t < t0 + dur;
    emit(e, select(0.0, c0 + (param(RAMP_C_END, e) - c0) * ((clk.t - t0) / dur), inside));
}

// SinusoidalInput: amplitude·sin(2π·f·t) + bias on [0, duration), with t in seconds, else 0.
// Parameters: amplitude, frequency (Hz), duration (s), bias.
fn sinusoidal_input_step(e: Elem) {
    let t_s = clk.t * 0.001;
    let f = param(SINE_FREQUENCY, e);
    let inside = t_s < since_epoch_s(param(SINE_DURATION, e));
    let phase = 6.283185307179586 * f * t_s + 6.283185307179586 * epoch_cycles(f);
    let value = param(SINE_AMPLITUDE, e) * sin(phase) + param(SINE_BIAS, e);
    emit(e, select(0.0, value, inside));
}
