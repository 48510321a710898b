// Noise currents (brainpy.state.inputs).
// The random generators draw from the counter-based Threefry generator (counter: element,
// step; key: seed, stream), so a run is reproducible and the f64 twin draws the same numbers.

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
