// The generalized integrate-and-fire family (brainpy.state.lif): Gif, GifRef.
//
//   dI1/dt = −k1·I1,   dI2/dt = −k2·I2
//   dV_th/dt = a·(V − V_rest) − b·(V_th − V_th_inf)
//   τ dV/dt = −(V − V_rest) + R·(I1 + I2 + I(V))
//
// Per step, with s = H((V − V_th)/(V_th − V_reset)) from the stored V and V_th state: reset V
// (soft/hard), I1 ← I1 + s·(R1·I1 + A1 − I1), I2 likewise, V_th ← V_th + s·(max(V_th_reset, V_th)
// − V_th); then integrate I1, I2, V_th (its drift uses the reset V) and V; + delta inputs.
// Gif's V drift uses the NEW I1, I2; GifRef's the reset ones. GifRef holds all
// four states at their reset values while t − t_last < τ_ref; it spikes when V >= V_th.

const GIF_R: u32 = 0u;
const GIF_TAU: u32 = 1u;
const GIF_V_REST: u32 = 2u;
const GIF_V_RESET: u32 = 3u;
const GIF_V_TH_INF: u32 = 4u;
const GIF_V_TH_RESET: u32 = 5u;
const GIF_A: u32 = 6u;
const GIF_B: u32 = 7u;
const GIF_C_B: u32 = 8u;      // dt·exprel(−b·dt)
const GIF_K1_DECAY: u32 = 9u;  // e^{−k1·dt}
const GIF_K2_DECAY: u32 = 10u; // e^{−k2·dt}
const GIF_R1: u32 = 11u;
const GIF_R2: u32 = 12u;
const GIF_A1: u32 = 13u;
const GIF_A2: u32 = 14u;
const GIF_HARD: u32 = 15u;
const GIF_TAU_REF: u32 = 16u;

struct GifState {
    v: f32,
    i1: f32,
    i2: f32,
    v_th: f32,
}

fn gif_spike(e: Elem, v: f32, v_th: f32) -> f32 {
    return heaviside((v - v_th) / (v_th - param(GIF_V_RESET, e)));
}

// The spike effects of the stored state.
fn gif_reset(e: Elem, x: GifState) -> GifState {
    let s = gif_spike(e, x.v, x.v_th);
    return GifState(
        reset_v(x.v, s, x.v_th, param(GIF_V_RESET, e), param(GIF_HARD, e) != 0.0),
        x.i1 + s * (param(GIF_R1, e) * x.i1 + param(GIF_A1, e) - x.i1),
        x.i2 + s * (param(GIF_R2, e) * x.i2 + param(GIF_A2, e) - x.i2),
        x.v_th + s * (max(param(GIF_V_TH_RESET, e), x.v_th) - x.v_th),
    );
}

// One integration step from the reset state; `new_currents`: V's drift uses the integrated
// I1, I2 (Gif) rather than the reset ones (GifRef).
fn gif_integrate(e: Elem, x: GifState, new_currents: bool) -> GifState {
    let v_rest = param(GIF_V_REST, e);
    let i1 = x.i1 * param(GIF_K1_DECAY, e);
    let i2 = x.i2 * param(GIF_K2_DECAY, e);
    let drift_th = param(GIF_A, e) * (x.v - v_rest) - param(GIF_B, e) * (x.v_th - param(GIF_V_TH_INF, e));
    let v_th = x.v_th + param(GIF_C_B, e) * drift_th;
    let syn = select(x.i1 + x.i2, i1 + i2, new_currents);
    let r = param(GIF_R, e);
    let tau = param(GIF_TAU, e);
    let cur = current_at(e, x.v);
    let v = exp_euler(x.v, (-(x.v - v_rest) + r * (syn + cur.x)) / tau, (-1.0 + r * cur.y) / tau)
        + input_delta(e);
    return GifState(v, i1, i2, v_th);
}

fn gif_load(e: Elem) -> GifState {
    return GifState(state_get(0u, e), state_get(1u, e), state_get(2u, e), state_get(3u, e));
}

fn gif_store(e: Elem, x: GifState) {
    state_set(0u, e, x.v);
    state_set(1u, e, x.i1);
    state_set(2u, e, x.i2);
    state_set(3u, e, x.v_th);
}

// States: V, I1, I2, V_th.
fn gif_step(e: Elem) {
    let x = gif_integrate(e, gif_reset(e, gif_load(e)), true);
    gif_store(e, x);
    emit(e, gif_spike(e, x.v, x.v_th));
}

// States: V, I1, I2, V_th, last_spike_time, refractory.
fn gif_ref_step(e: Elem) {
    let x0 = gif_reset(e, gif_load(e));
    let c = gif_integrate(e, x0, false);
    var last = state_get(4u, e);
    let refractory = in_refractory(last, param(GIF_TAU_REF, e));
    let x = GifState(
        select(c.v, x0.v, refractory),
        select(c.i1, x0.i1, refractory),
        select(c.i2, x0.i2, refractory),
        select(c.v_th, x0.v_th, refractory),
    );
    let spike_cond = x.v >= x.v_th;
    last = select(last, clk.t, spike_cond);
    gif_store(e, x);
    state_set(4u, e, last);
    state_set(5u, e, select(0.0, 1.0, refractory || spike_cond));
    emit(e, gif_spike(e, x.v, x.v_th));
}
