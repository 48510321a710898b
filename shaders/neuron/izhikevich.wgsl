// The Izhikevich family (brainpy.state.izhikevich): Izhikevich, IzhikevichRef.
//
//   dV/dt = p1·V² + p2·V + p3 − u + I(V)      (p1 = 0.04 /(ms·mV), p2 = 5 /ms, p3 = 140 mV/ms)
//   du/dt = a·(b·V − u)
//
// Per step, with s = H((V − V_th)/V_th) from the stored V: V ← c where s (always a hard reset,
// whatever spk_reset says), u ← u + d·s; exponential Euler of V (J = 2·p1·V + p2 + dI/dV);
// + delta inputs; u by exponential Euler with the NEW V. IzhikevichRef holds V and u at their
// reset values while t − t_last < τ_ref (default 0: never).

const IZH_A: u32 = 0u;
const IZH_B: u32 = 1u;
const IZH_C: u32 = 2u;
const IZH_D: u32 = 3u;
const IZH_V_TH: u32 = 4u;
const IZH_C_U: u32 = 5u;  // dt·exprel(−a·dt)
const IZH_TAU_REF: u32 = 6u;

struct IzhStep {
    v_reset: f32,
    u_reset: f32,
    v: f32,
    u: f32,
}

fn izh_spike(e: Elem, v: f32) -> f32 {
    let v_th = param(IZH_V_TH, e);
    return heaviside((v - v_th) / v_th);
}

fn izh_step(e: Elem, v_old: f32, u_old: f32) -> IzhStep {
    let s = izh_spike(e, v_old);
    let v0 = select(v_old, param(IZH_C, e), s > 0.0);
    let u0 = u_old + param(IZH_D, e) * s;
    let cur = current_at(e, v0);
    let f = 0.04 * v0 * v0 + 5.0 * v0 + 140.0 - u0 + cur.x;
    let v = exp_euler(v0, f, 2.0 * 0.04 * v0 + 5.0 + cur.y) + input_delta(e);
    let a = param(IZH_A, e);
    let u = u0 + param(IZH_C_U, e) * (a * (param(IZH_B, e) * v - u0));
    return IzhStep(v0, u0, v, u);
}

// States: V, u.
fn izhikevich_step(e: Elem) {
    let r = izh_step(e, state_get(0u, e), state_get(1u, e));
    state_set(0u, e, r.v);
    state_set(1u, e, r.u);
    emit(e, izh_spike(e, r.v));
}

// States: V, u, last_spike_time, refractory.
fn izhikevich_ref_step(e: Elem) {
    let r = izh_step(e, state_get(0u, e), state_get(1u, e));
    var last = state_get(2u, e);
    let refractory = in_refractory(last, param(IZH_TAU_REF, e));
    let v = select(r.v, r.v_reset, refractory);
    let spike_cond = v >= param(IZH_V_TH, e);
    last = select(last, clk.t, spike_cond);
    state_set(0u, e, v);
    state_set(1u, e, select(r.u, r.u_reset, refractory));
    state_set(2u, e, last);
    state_set(3u, e, select(0.0, 1.0, refractory || spike_cond));
    emit(e, izh_spike(e, v));
}
