// Short-term plasticity (brainpy.state.stp): STP (facilitation and depression), STD.
//
// STP:  du/dt = −u/τ_f,  dx/dt = (1 − x)/τ_d; per step with spike s: u' = u·e^{−dt/τ_f} (decays to
//       0, not U); x' = x + (1 − e^{−dt/τ_d})·(1 − x); u' ← u' + s·U·(1 − u_old); released = u'·x';
//       x' ← x' − s·u'·x_old; returns released·s. States: u, x.
// STD:  dx/dt = (1 − x)/τ; per step: x' = x + (1 − e^{−dt/τ})·(1 − x); released = x';
//       x ← x' − s·U·x_old; returns released·s. States: x.

const STP_U: u32 = 0u;
const STP_F_DECAY: u32 = 1u;    // e^{−dt/τ_f}
const STP_D_RECOVER: u32 = 2u;  // 1 − e^{−dt/τ_d}
const STD_U: u32 = 0u;
const STD_RECOVER: u32 = 1u;    // 1 − e^{−dt/τ}

fn stp_step(e: Elem) {
    let s = input_x(e);
    let u_old = state_get(0u, e);
    let x_old = state_get(1u, e);
    let big_u = param(STP_U, e);
    var u = u_old * param(STP_F_DECAY, e);
    var x = x_old + param(STP_D_RECOVER, e) * (1.0 - x_old);
    u = u + s * big_u * (1.0 - u_old);
    let released = u * x;
    x = x - s * u * x_old;
    state_set(0u, e, u);
    state_set(1u, e, x);
    emit(e, released * s);
}

fn std_depression_step(e: Elem) {
    let s = input_x(e);
    let x_old = state_get(0u, e);
    let x = x_old + param(STD_RECOVER, e) * (1.0 - x_old);
    state_set(0u, e, x - s * param(STD_U, e) * x_old);
    emit(e, x * s);
}
