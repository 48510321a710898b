// Input generators (brainpy.state.inputs). Each writes its value for this step to the output;
// the deterministic ones depend only on t = k·dt, the random ones draw from the counter-based
// Threefry generator (counter: element, step; key: seed, stream), so a run is reproducible and
// the f64 twin draws the same numbers.

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

// SpikeTime: at step k, the summed weights of the events of row k at this neuron. Parameters:
// rows, row offsets (rows + 1), neuron indices, weights.
fn spike_time_step(e: Elem) {
    var value = 0.0;
    if (clk.k < param_u32(0u)) {
        let start = u32(param_at(1u, clk.k));
        let end = u32(param_at(1u, clk.k + 1u));
        for (var q = start; q < end; q = q + 1u) {
            value = value + select(0.0, param_at(3u, q), u32(param_at(2u, q)) == e.j);
        }
    }
    emit(e, value);
}

// PoissonSpike: 1 when a uniform draw u satisfies u <= p, p = 1 − e^{−f·dt} (host, f64).
// Parameters: p (per neuron), seed.
fn poisson_spike_step(e: Elem) {
    let u = rand_unit(rand_words(e, param_u32(1u), 0u).x);
    emit(e, select(0.0, 1.0, u <= param(0u, e)));
}

// PoissonEncoder: as PoissonSpike with the rates given as x each step (1/ms):
// p = −expm1(−x·dt). Parameters: seed.
fn poisson_encoder_step(e: Elem) {
    let u = rand_unit(rand_words(e, param_u32(0u), 0u).x);
    emit(e, select(0.0, 1.0, u <= -expm1(-input_x(e) * clk.dt)));
}

// WienerProcessInput: σ·√dt·N(0, 1) while t < duration, else 0 (dt in ms, as BrainPy's dt
// magnitude). Parameters: sigma, duration, seed.
fn wiener_process_input_step(e: Elem) {
    let w = rand_words(e, param_u32(2u), 0u);
    let noise = rand_normal(w.x, w.y) * param(0u, e) * sqrt(clk.dt);
    emit(e, select(0.0, noise, clk.t < param(1u, e)));
}

// OUProcessInput: inside the window x ← x + (mean − x)·dt/τ + σ·√dt·N(0, 1) and the output is
// x; outside, x is frozen and the output is 0. State: x. Parameters: mean, sigma, tau,
// duration, seed.
fn ou_process_input_step(e: Elem) {
    let x = state_get(0u, e);
    let w = rand_words(e, param_u32(4u), 0u);
    let mean = param(0u, e);
    let next = x + (mean - x) * (clk.dt / param(2u, e)) + param(1u, e) * sqrt(clk.dt) * rand_normal(w.x, w.y);
    let inside = clk.t < param(3u, e);
    state_set(0u, e, select(x, next, inside));
    emit(e, select(0.0, next, inside));
}

// poisson_input: adds count·weight to a state of another model, count ~ Binomial(n, p) drawn
// by inversion, or round(N(np, √(np(1−p)))) clipped at 0 when np > 5 and n(1−p) > 5
// (p = 1 − e^{−f·dt}, host f64). `state` is the target's state buffer and sim.stride its
// stride; element j is the j-th target neuron (indices table, or j itself when empty).
// Parameters: p, n, weight, variable, target n, index count (0: all), indices, seed.
fn poisson_input_step(e: Elem) {
    let p = param(0u, e);
    let n = param_u32(1u);
    let mean = f32(n) * p;
    let w = rand_words(e, param_u32(7u), 0u);
    var count = 0.0;
    if (mean > 5.0 && f32(n) * (1.0 - p) > 5.0) {
        count = max(round(mean + sqrt(mean * (1.0 - p)) * rand_normal(w.x, w.y)), 0.0);
    } else {
        // Inversion: the smallest k with P(X <= k) >= u (failures counted when p > 1/2).
        let flip = p > 0.5;
        let q = select(p, 1.0 - p, flip);
        let u = rand_unit(w.z);
        var prob = pow(1.0 - q, f32(n));
        var cdf = prob;
        var k = 0u;
        while (u > cdf && k < n) {
            prob = prob * (f32(n - k) / f32(k + 1u)) * (q / (1.0 - q));
            k = k + 1u;
            cdf = cdf + prob;
        }
        count = select(f32(k), f32(n - k), flip);
    }
    let j = select(e.j, u32(param_at(6u, e.j)), param_u32(5u) > 0u);
    let index = sim.state_base + param_u32(3u) * sim.stride + e.b * param_u32(4u) + j;
    state[index] = state[index] + count * param(2u, e);
}
