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
// `tanh_accurate`, `cosh_accurate`, `reset_v`, `in_refractory`, `crossing`, `threefry`,
// `rotl32`, `rand_`, `take_sum`, `Channel`, `Clock`, `channels`, `acc`, `x_in`, `delta_in` and
// `out` are reserved here.



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


// Word `at` of the parameters.
fn param_word(at: u32) -> u32 {
    return params[at];
}

// State variable v of element e.
fn state_get(v: u32, e: Elem) -> f32 {
    return state[sim.state_base + v * sim.stride + e.i];
}

fn state_set(v: u32, e: Elem, value: f32) {
    state[sim.state_base + v * sim.stride + e.i] = value;
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

// Value `idx` of this sample's row of x (rows of x_n values).
fn input_x_at(e: Elem, idx: u32) -> f32 {
    let at = input_index(sim.x_mode, sim.x_offset + clk.local * sim.x_step, sim.x_n, e.b, idx);
    switch sim.x_mode {
        case INPUT_SCALAR: { return sim.x_scalar; }
        case INPUT_ROWS, INPUT_SHARED_ROW: { return x_in[at]; }
        case INPUT_STATE_ROWS, INPUT_STATE_SHARED_ROW: { return state[at]; }
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
        case INPUT_SCALAR: { return sim.d_scalar; }
        case INPUT_ROWS, INPUT_SHARED_ROW: { return delta_in[at]; }
        case INPUT_STATE_ROWS, INPUT_STATE_SHARED_ROW: { return state[at]; }
        case INPUT_SUMS: { return f32(take_sum(sum_index(e))) * param(sim.d_unit, e); }
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
