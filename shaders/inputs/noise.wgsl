// Noise currents (brainpy.state.inputs).
// The random generators draw from the counter-based Threefry generator (counter: element,
// step; key: seed, stream), so a run is reproducible and the f64 twin draws the same numbers.

// Parameter indices (mirrored in the Rust file of the same name).
const WIENER_SIGMA: u32 = 0u;
const WIENER_DURATION: u32 = 1u;
const WIENER_SEED: u32 = 2u;
const OU_MEAN: u32 = 0u;
const OU_SIGMA: u32 = 1u;
const OU_TAU: u32 = 2u;
const OU_DURATION: u32 = 3u;
const OU_SEED: u32 = 4u;

// WienerProcessInput: σ·√dt·N(0, 1) while t < duration, else 0 (dt in ms, as BrainPy's dt
// magnitude). Parameters: sigma, duration, seed.
fn wiener_process_input_step(e: Elem) {
    let w = rand_words(e, param_u32(WIENER_SEED), 0u);
    let noise = rand_normal(w.x, w.y) * param(WIENER_SIGMA, e) * sqrt(clk.dt);
    emit(e, select(0.0, noise, clk.t < since_epoch(param(WIENER_DURATION, e))));
}

// OUProcessInput: inside the window x ← x + (mean − x)·dt/τ + σ·√dt·N(0, 1) and the output is
// x; outside, x is frozen and the output is 0. State: x. Parameters: mean, sigma, tau,
// duration, seed.
fn ou_process_input_step(e: Elem) {
    let x = state_get(0u, e);
    let w = rand_words(e, param_u32(OU_SEED), 0u);
    let mean = param(OU_MEAN, e);
    let next = x + (mean - x) * (clk.dt / param(OU_TAU, e)) + param(OU_SIGMA, e) * sqrt(clk.dt) * rand_normal(w.x, w.y);
    let inside = clk.t < since_epoch(param(OU_DURATION, e));
    state_set(0u, e, select(x, next, inside));
    emit(e, select(0.0, next, inside));
}
