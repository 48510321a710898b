// The element-kernel ABI, prepended to every model kernel (see ARCHITECTURE.md).
//
// One invocation updates one element (sample b, neuron j) of one model. A model's states live
// from `state_base` in the `state` buffer (its own buffer, or a network's arena), variable-
// major: variable v of element i = b·n + j is `state[state_base + v·stride + i]`, so each
// variable is a contiguous (batch, *in_size) block. Parameters are scalars or per-neuron
// arrays, addressed through a small header (see `param`). The step's time comes from `clk`, one
// entry per step of a run. Names starting with `sim`, `clk`, `state`, `param`, `input_`,
// `current_`, `emit`, `element`, `in_range`, `heaviside`, `exprel`, `expm1`, `exp_`,
// `tanh_accurate`, `cosh_accurate`, `reset_v`, `in_refractory`, `crossing`, `philox`, `rand_`,
// `Channel`, `Clock`, `channels`, `acc`, `x_in`, `delta_in` and `out` are reserved here.

struct Sim {
    n: u32,          // elements per sample (product of in_size)
    total: u32,      // batch · n
    stride: u32,     // distance between two state variables in `state`
    state_base: u32, // where this model's states start in `state`
    out_offset: u32, // first element of the output in `out`
    channels: u32,   // number of current-input channels
    x_mode: u32,     // 0: none (x = 0), 1: scalar, 2/3: from x_in, 4/5: from state — one row per
                     // sample (2, 4) or one row for all samples (3, 5)
    x_offset: u32,   // first element of x
    x_scalar: f32,   // x when x_mode = 1
    x_n: u32,        // elements of one row of x (n for element-wise models)
    x_step: u32,     // added to x_offset per step of a run (inputs uploaded for many steps)
    d_mode: u32,     // the delta input: as x_mode, plus 6: fixed-point sums in `acc`
    d_offset: u32,
    d_scalar: f32,
    d_scale: f32,    // value of one fixed-point unit (d_mode 6)
    _pad: u32,
}

// The step being computed; one entry per step of a run, selected by a dynamic offset.
struct Clock {
    t: f32,      // k·dt in ms, as an f32 product
    dt: f32,     // ms
    k: u32,      // step index
    local: u32,  // step within the recorded run (for per-step input offsets)
}

// A current input of a neuron (BrainPy's current inputs / SynOut): its conductance is
// `state[offset + i]`, or `delta_in[offset + i]` when `in_delta_in` is 1 (a conductance a
// projection computed this step, as in BrainPy's CurrentProj); kind 0 = COBA g·(E − V) with p0 = E; 1 = CUBA g·scale with p0 = scale;
// 2 = MgBlock g·(E − V)/(1 + cc_Mg/β·e^{α(V_offset − V)}) with p0..p4 = E, cc_Mg, α, β, V_offset.
struct Channel {
    kind: u32,
    offset: u32,
    p0: f32,
    p1: f32,
    p2: f32,
    p3: f32,
    p4: f32,
    in_delta_in: u32,
}

@group(0) @binding(0) var<uniform> sim: Sim;
@group(0) @binding(1) var<storage, read_write> state: array<f32>;
@group(0) @binding(2) var<storage, read> params: array<u32>;
@group(0) @binding(3) var<storage, read> x_in: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<storage, read> delta_in: array<f32>;
@group(0) @binding(6) var<storage, read_write> acc: array<atomic<i32>>;
@group(0) @binding(7) var<storage, read> channels: array<Channel>;
@group(0) @binding(8) var<uniform> clk: Clock;

override WORKGROUP_SIZE: u32 = 256u;

// One element: flat index i = b·n + j, neuron index j, sample b.
struct Elem {
    i: u32,
    j: u32,
    b: u32,
}

// The element of this invocation; the grid may be 2-D when there are more than 65 535 groups.
fn element(gid: vec3<u32>, groups: vec3<u32>) -> Elem {
    let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
    let b = i / max(sim.n, 1u);
    return Elem(i, i - b * sim.n, b);
}

fn in_range(e: Elem) -> bool {
    return e.i < sim.total;
}

fn state_get(v: u32, e: Elem) -> f32 {
    return state[sim.state_base + v * sim.stride + e.i];
}

fn state_set(v: u32, e: Elem, value: f32) {
    state[sim.state_base + v * sim.stride + e.i] = value;
}

// Parameter p: header word p holds the offset of its values, with bit 31 set when there is
// one value per neuron (else one value for all).
fn param(p: u32, e: Elem) -> f32 {
    let h = params[p];
    let per_neuron = (h >> 31u) == 1u;
    return bitcast<f32>(params[(h & 0x7fffffffu) + select(0u, e.j, per_neuron)]);
}

// Value `idx` of parameter p, for parameters that are tables (weights, schedules).
fn param_at(p: u32, idx: u32) -> f32 {
    return bitcast<f32>(params[(params[p] & 0x7fffffffu) + idx]);
}

// Parameter p's first word as an integer (seeds, counts).
fn param_u32(p: u32) -> u32 {
    return params[params[p] & 0x7fffffffu];
}

// Where value `idx` of sample b's row is, for an input in `mode`.
fn input_index(mode: u32, offset: u32, row: u32, b: u32, idx: u32) -> u32 {
    let per_sample = mode == 2u || mode == 4u;
    return offset + select(0u, b * row, per_sample) + idx;
}

// Value `idx` of this sample's row of x (rows of x_n values).
fn input_x_at(e: Elem, idx: u32) -> f32 {
    let at = input_index(sim.x_mode, sim.x_offset + clk.local * sim.x_step, sim.x_n, e.b, idx);
    switch sim.x_mode {
        case 1u: { return sim.x_scalar; }
        case 2u, 3u: { return x_in[at]; }
        case 4u, 5u: { return state[at]; }
        default: { return 0.0; }
    }
}

// The argument x of update(x) for this element.
fn input_x(e: Elem) -> f32 {
    return input_x_at(e, e.j);
}

// The summed delta inputs for this element (added to a state after its integration). Fixed-
// point sums (event-driven projections) are read and cleared for the next step.
fn input_delta(e: Elem) -> f32 {
    let at = input_index(sim.d_mode, sim.d_offset, sim.n, e.b, e.j);
    switch sim.d_mode {
        case 1u: { return sim.d_scalar; }
        case 2u, 3u: { return delta_in[at]; }
        case 4u, 5u: { return state[at]; }
        case 6u: { return f32(atomicExchange(&acc[sim.d_offset + e.i], 0)) * sim.d_scale; }
        default: { return 0.0; }
    }
}

// Writes the value update() returns, for models whose result is not one of their states.
fn emit(e: Elem, value: f32) {
    out[sim.out_offset + e.i] = value;
}

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

// One exponential-Euler step x + dt·exprel(dt·J)·f (SPEC §2).
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

// x plus every current input evaluated at membrane potential v, in BrainPy's order (x first,
// then the channels in the order they were added), and its derivative with respect to v (the
// current inputs' share of the exponential-Euler Jacobian).
fn current_at(e: Elem, v: f32) -> vec2<f32> {
    var i = input_x(e);
    var di = 0.0;
    for (var c = 0u; c < sim.channels; c = c + 1u) {
        let ch = channels[c];
        var g: f32;
        if (ch.in_delta_in == 1u) {
            g = delta_in[ch.offset + e.i];
        } else {
            g = state[ch.offset + e.i];
        }
        switch ch.kind {
            case 0u: {
                i = i + g * (ch.p0 - v);
                di = di - g;
            }
            case 1u: {
                i = i + g * ch.p0;
            }
            default: {
                let block = ch.p1 / ch.p3 * exp_accurate(ch.p2 * (ch.p4 - v));
                let norm = 1.0 + block;
                i = i + g * (ch.p0 - v) / norm;
                di = di + (-g * norm + g * (ch.p0 - v) * ch.p2 * block) / (norm * norm);
            }
        }
    }
    return vec2<f32>(i, di);
}

// Philox4x32-10 (Salmon et al. 2011), the counter-based generator behind every random input:
// value (counter, key) is the same on any device and in the Rust twin.
fn philox_mulhilo(a: u32, b: u32) -> vec2<u32> {
    let a_lo = a & 0xffffu;
    let a_hi = a >> 16u;
    let b_lo = b & 0xffffu;
    let b_hi = b >> 16u;
    let p0 = a_lo * b_lo;
    let p1 = a_lo * b_hi;
    let p2 = a_hi * b_lo;
    let p3 = a_hi * b_hi;
    let mid = (p0 >> 16u) + (p1 & 0xffffu) + (p2 & 0xffffu);
    let hi = p3 + (p1 >> 16u) + (p2 >> 16u) + (mid >> 16u);
    return vec2<u32>(hi, a * b);
}

fn philox(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
    var c = counter;
    var k = key;
    for (var r = 0u; r < 10u; r = r + 1u) {
        let m0 = philox_mulhilo(0xD2511F53u, c.x);
        let m1 = philox_mulhilo(0xCD9E8D57u, c.z);
        c = vec4<u32>(m1.x ^ c.y ^ k.x, m1.y, m0.x ^ c.w ^ k.y, m0.y);
        k = k + vec2<u32>(0x9E3779B9u, 0xBB67AE85u);
    }
    return c;
}

// Four random words for element e at this step, stream `stream` of generator `seed`.
fn rand_words(e: Elem, seed: u32, stream: u32) -> vec4<u32> {
    return philox(vec4<u32>(e.i, clk.k, stream, 0u), vec2<u32>(seed, 0x5eed5eedu));
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
