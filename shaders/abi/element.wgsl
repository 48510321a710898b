// The element ABI: one model updated by one dispatch, one invocation per element (a module's
// `update`, or a network population on the per-step executor). Prepended, with
// `shaders/common.wgsl`, to a model's file, and followed by the entry point that calls the
// model's `<name>_step(e)` for its element (see ARCHITECTURE.md).
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
    params_base: u32, // where this model's parameters start in `params`
    channels_base: u32, // where its Channel records start in `channels`
    _pad0: u32,
    _pad1: u32,
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
    let h = params[sim.params_base + p];
    let per_neuron = (h >> 31u) == 1u;
    return bitcast<f32>(params[(h & 0x7fffffffu) + select(0u, e.j, per_neuron)]);
}

// Value `idx` of parameter p, for parameters that are tables (weights, schedules).
fn param_at(p: u32, idx: u32) -> f32 {
    return bitcast<f32>(params[(params[sim.params_base + p] & 0x7fffffffu) + idx]);
}

// Parameter p's first word as an integer (seeds, counts).
fn param_u32(p: u32) -> u32 {
    return params[params[sim.params_base + p] & 0x7fffffffu];
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

// x plus every current input evaluated at membrane potential v, in BrainPy's order (x first,
// then the channels in the order they were added), and its derivative with respect to v (the
// current inputs' share of the exponential-Euler Jacobian).
fn current_at(e: Elem, v: f32) -> vec2<f32> {
    var i = vec2<f32>(input_x(e), 0.0);
    for (var c = 0u; c < sim.channels; c = c + 1u) {
        let ch = channels[sim.channels_base + c];
        var g: f32;
        if (ch.in_delta_in == 1u) {
            g = delta_in[ch.offset + e.i];
        } else {
            g = state[ch.offset + e.i];
        }
        i = i + channel_current(ch.kind, vec4<f32>(ch.p0, ch.p1, ch.p2, ch.p3), ch.p4, g, v);
    }
    return i;
}
