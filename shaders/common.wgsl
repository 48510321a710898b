// The element-kernel ABI, prepended to every model kernel (see ARCHITECTURE.md).
//
// One invocation updates one element (sample b, neuron j) of one model. States live in one
// buffer, variable-major: variable v of element i = b·n + j is `state[v·stride + i]`, so each
// variable is a contiguous (batch, *in_size) block. Parameters are scalars or per-neuron
// arrays, addressed through a small header (see `param`). Names starting with `sim`,
// `state`, `param`, `input_x`, `emit`, `element`, `in_range`, `heaviside`, `exprel` and
// `expm1` are reserved for this file.

struct Sim {
    t: f32,          // k·dt in ms, the time of the step being computed
    dt: f32,         // step in ms
    n: u32,          // elements per sample (product of in_size)
    total: u32,      // batch · n
    stride: u32,     // distance between two state variables in `state`
    x_mode: u32,     // 0: no input (x = 0), 1: scalar, 2: one value per element, 3: one per neuron
    x_offset: u32,   // first element of x in `x_in`
    x_scalar: f32,   // the input when x_mode = 1
    out_offset: u32, // first element of the output in `out`
    k: u32,          // step index
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> sim: Sim;
@group(0) @binding(1) var<storage, read_write> state: array<f32>;
@group(0) @binding(2) var<storage, read> params: array<u32>;
@group(0) @binding(3) var<storage, read> x_in: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

override WORKGROUP_SIZE: u32 = 256u;

// One element: flat index i = b·n + j and neuron index j.
struct Elem {
    i: u32,
    j: u32,
}

// The element of this invocation; the grid may be 2-D when there are more than 65 535 groups.
fn element(gid: vec3<u32>, groups: vec3<u32>) -> Elem {
    let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
    return Elem(i, i % sim.n);
}

fn in_range(e: Elem) -> bool {
    return e.i < sim.total;
}

fn state_get(v: u32, e: Elem) -> f32 {
    return state[v * sim.stride + e.i];
}

fn state_set(v: u32, e: Elem, value: f32) {
    state[v * sim.stride + e.i] = value;
}

// Parameter p: header word p holds the offset of its values, with bit 31 set when there is
// one value per neuron (else one value for all).
fn param(p: u32, e: Elem) -> f32 {
    let h = params[p];
    let per_neuron = (h >> 31u) == 1u;
    return bitcast<f32>(params[(h & 0x7fffffffu) + select(0u, e.j, per_neuron)]);
}

// The argument x of update(x) for this element.
fn input_x(e: Elem) -> f32 {
    switch sim.x_mode {
        case 1u: { return sim.x_scalar; }
        case 2u: { return x_in[sim.x_offset + e.i]; }
        case 3u: { return x_in[sim.x_offset + e.j]; }
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

// e^z − 1, accurate to a few ulp for every z, without the shader's exp(): z = k·ln2 + r with
// |r| <= ln2/2, e^r from the series, 2^k exactly by ldexp.
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
    let k = round(z * 1.4426950408889634);
    if (k == 0.0) {
        return z * exprel_series(z);
    }
    // ln2 split in two so that k·ln2_hi is exact.
    let r = (z - k * 0.693145751953125) - k * 1.4286068203094172e-6;
    let er = 1.0 + r * exprel_series(r);
    return ldexp(er, i32(k)) - 1.0;
}

// exprel(z) = (e^z − 1)/z, with exprel(0) = 1; what the exponential-Euler step needs when
// the Jacobian depends on the state (SPEC §2).
fn exprel(z: f32) -> f32 {
    if (abs(z) <= 0.34) {
        return exprel_series(z);
    }
    return expm1(z) / z;
}
