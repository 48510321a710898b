// Numerics shared by every model kernel, whichever ABI runs it (`shaders/abi/`): the spike
// function, accurate exp/expm1/exprel/tanh/cosh, the exponential-Euler step, the reset, the
// refractory test, the synaptic outputs, and the Threefry generator.

// The forward pass of every surrogate spike function: 1 when x >= 0, else 0 (NaN gives 0).
fn heaviside(x: f32) -> f32 {
    return select(0.0, 1.0, x >= 0.0);
}

// (e^r − 1)/r for |r| <= 0.35 by its Taylor series (terms to r^9/10!, error < 1e-10).
fn exprel_series(r: f32) -> f32 {
    return 1.0 + r * (1.0 / 2.0 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0
        + r * (1.0 / 720.0 + r * (1.0 / 5040.0 + r * (1.0 / 40320.0 + r * (1.0 / 362880.0
        + r * (1.0 / 3628800.0)))))))));
}

// z = k·ln2 + r with |r| <= ln2/2 (ln2 split in two so that k·ln2_hi is exact).
fn exp_reduce(z: f32) -> vec2<f32> {
    let k = round(z * 1.4426950408889634);
    return vec2<f32>(k, (z - k * 0.693145751953125) - k * 1.4286068203094172e-6);
}

// e^z to a few ulp, without the shader's exp() (which is off by 15–17 ulp on some adapters).
fn exp_accurate(z: f32) -> f32 {
    if (z != z) {
        return z;
    }
    if (z > 88.72) {
        return bitcast<f32>(0x7f800000u);
    }
    if (z < -103.0) {
        return 0.0;
    }
    let kr = exp_reduce(z);
    let er = 1.0 + kr.y * exprel_series(kr.y);
    // Two steps so that 2^k stays representable for the subnormal range.
    let k = i32(kr.x);
    let k1 = k / 2;
    return ldexp(ldexp(er, k1), k - k1);
}

// e^z − 1, accurate to a few ulp for every z.
fn expm1(z: f32) -> f32 {
    if (z != z) {
        return z;
    }
    if (z > 88.72) {
        return bitcast<f32>(0x7f800000u);
    }
    if (z < -88.0) {
        return -1.0;
    }
    let kr = exp_reduce(z);
    if (kr.x == 0.0) {
        return z * exprel_series(z);
    }
    return ldexp(1.0 + kr.y * exprel_series(kr.y), i32(kr.x)) - 1.0;
}

// exprel(z) = (e^z − 1)/z, with exprel(0) = 1.
fn exprel(z: f32) -> f32 {
    if (abs(z) <= 0.34) {
        return exprel_series(z);
    }
    return expm1(z) / z;
}

// One exponential-Euler step x + dt·exprel(dt·J)·f.
fn exp_euler(x: f32, f: f32, jacobian: f32) -> f32 {
    return x + clk.dt * exprel(clk.dt * jacobian) * f;
}

// The LIF-family reset with the stored V's spike s: soft subtracts (V_th − V_reset)·s, hard
// sets V_reset (a select: V − (V − V_reset) cancels to garbage after a run-away V).
fn reset_v(v: f32, s: f32, v_th: f32, v_reset: f32, hard: bool) -> f32 {
    if (hard) {
        return select(v, v_reset, s > 0.0);
    }
    return v - (v_th - v_reset) * s;
}

// `t − t_last < τ_ref`, in f32 as BrainPy computes it.
fn in_refractory(last: f32, tau_ref: f32) -> bool {
    return (clk.t - last) < tau_ref;
}

// The current of one synaptic output with conductance g at membrane potential v, and its
// derivative with respect to v: kind 0 = COBA g·(E − V) with p.x = E; 1 = CUBA g·scale with
// p.x = scale; 2 = MgBlock g·(E − V)/(1 + cc_Mg/β·e^{α(V_offset − V)}) with p = (E, cc_Mg, α,
// β) and v_offset.
fn channel_current(kind: u32, p: vec4<f32>, v_offset: f32, g: f32, v: f32) -> vec2<f32> {
    switch kind {
        case 0u: {
            return vec2<f32>(g * (p.x - v), -g);
        }
        case 1u: {
            return vec2<f32>(g * p.x, 0.0);
        }
        default: {
            let block = p.y / p.w * exp_accurate(p.z * (v_offset - v));
            let norm = 1.0 + block;
            return vec2<f32>(g * (p.x - v) / norm, (-g * norm + g * (p.x - v) * p.z * block) / (norm * norm));
        }
    }
}

// Four random words for element e at this step, stream `stream` of generator `seed`: two
// Threefry blocks of counter (element, step), keys (seed, 2·stream) and (seed, 2·stream + 1);
// a model that reads only the first two words computes only the first block.
fn rand_words(e: Elem, seed: u32, stream: u32) -> vec4<u32> {
    let c = vec2<u32>(e.i, clk.k);
    return vec4<u32>(threefry2x32(c, vec2<u32>(seed, 2u * stream)), threefry2x32(c, vec2<u32>(seed, 2u * stream + 1u)));
}

// A word as a uniform number in [0, 1) (24 random bits, exact in f32).
fn rand_unit(word: u32) -> f32 {
    return f32(word >> 8u) * (1.0 / 16777216.0);
}

// A standard normal from two words (Box–Muller).
fn rand_normal(w0: u32, w1: u32) -> f32 {
    let u1 = 1.0 - rand_unit(w0);
    let u2 = rand_unit(w1);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

// The rising-edge spike of the models without reset (HH, Morris–Lecar, Wang–Buzsáki,
// FitzHugh–Nagumo, Hindmarsh–Rose): H((V − V_th)/V_th)·(1 − H((V_old − V_th)/V_th)).
fn crossing(v_new: f32, v_old: f32, v_th: f32) -> f32 {
    return heaviside((v_new - v_th) / v_th) * (1.0 - heaviside((v_old - v_th) / v_th));
}

// tanh and cosh from exp_accurate (the shader built-ins are less accurate on some adapters).
fn tanh_accurate(x: f32) -> f32 {
    if (abs(x) > 10.0) {
        return sign(x);
    }
    let e2 = expm1(2.0 * x);
    return e2 / (e2 + 2.0);
}

fn cosh_accurate(x: f32) -> f32 {
    return 0.5 * (exp_accurate(x) + exp_accurate(-x));
}
