// Poisson spike sources (brainpy.state.inputs).
// The random generators draw from the counter-based Threefry generator (counter: element,
// step; key: seed, stream), so a run is reproducible and the f64 twin draws the same numbers.

// Parameter indices (mirrored in the Rust file of the same name).
const POISSON_P: u32 = 0u;
const POISSON_SEED: u32 = 1u;
const ENCODER_SEED: u32 = 0u;
const PI_P: u32 = 0u;
const PI_N: u32 = 1u;
const PI_WEIGHT: u32 = 2u;
const PI_VARIABLE: u32 = 3u;
const PI_TARGET_N: u32 = 4u;
const PI_INDEX_COUNT: u32 = 5u;
const PI_INDICES: u32 = 6u;
const PI_SEED: u32 = 7u;

// PoissonSpike: 1 when a uniform draw u satisfies u <= p, p = 1 − e^{−f·dt} (host, f64).
// Parameters: p (per neuron), seed.
fn poisson_spike_step(e: Elem) {
    let u = rand_unit(rand_words(e, param_u32(POISSON_SEED), 0u).x);
    emit(e, select(0.0, 1.0, u <= param(POISSON_P, e)));
}

// PoissonEncoder: as PoissonSpike with the rates given as x each step (1/ms):
// p = −expm1(−x·dt). Parameters: seed.
fn poisson_encoder_step(e: Elem) {
    let u = rand_unit(rand_words(e, param_u32(ENCODER_SEED), 0u).x);
    emit(e, select(0.0, 1.0, u <= -expm1(-input_x(e) * clk.dt)));
}

// poisson_input: adds count·weight to a state of another model, count ~ Binomial(n, p) drawn
// by inversion, or round(N(np, √(np(1−p)))) clipped at 0 when np > 5 and n(1−p) > 5
// (p = 1 − e^{−f·dt}, host f64). `state` is the target's state buffer and sim.stride its
// stride; element j is the j-th target neuron (indices table, or j itself when empty).
// Parameters: p, n, weight, variable, target n, index count (0: all), indices, seed.
fn poisson_input_step(e: Elem) {
    let p = param(PI_P, e);
    let n = param_u32(PI_N);
    let mean = f32(n) * p;
    let w = rand_words(e, param_u32(PI_SEED), 0u);
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
    let j = select(e.j, u32(param_at(PI_INDICES, e.j)), param_u32(PI_INDEX_COUNT) > 0u);
    let index = sim.state_base + param_u32(PI_VARIABLE) * sim.stride + e.b * param_u32(PI_TARGET_N) + j;
    state[index] = state[index] + count * param(PI_WEIGHT, e);
}
