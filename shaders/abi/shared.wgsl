// What both ABIs (element.wgsl, network.wgsl) share: the `Sim` record of one model's update,
// the clock entry of a step, the element, and the accessors of parameters. Each ABI declares
// the `sim` and `clk` these read, the `state`, `params` and `acc` buffers, `param_word(at)`, and
// its own `state_get` and `state_set` (the network ABI may keep states in registers).

struct Sim {
    n: u32,          // elements per sample (product of in_size)
    total: u32,      // batch · n
    stride: u32,     // distance between two state variables in `state`
    state_base: u32, // where this model's states start in `state`
    out_offset: u32, // first element of the output in `out`
    channels: u32,   // number of current-input channels
    x_mode: u32,     // where x comes from: one of the INPUT_* constants, which src/abi.rs
                     // generates and documents (InputMode)
    x_offset: u32,   // first element of x
    x_scalar: f32,   // x when x_mode = 1
    x_n: u32,        // elements of one row of x (n for element-wise models)
    x_step: u32,     // added to x_offset per step of a run (inputs uploaded for many steps)
    d_mode: u32,     // where the delta input comes from (INPUT_*, the sums included)
    d_offset: u32,
    d_scalar: f32,
    d_unit: u32,     // INPUT_*SUMS: the parameter holding the value of one count of a sum
    params_base: u32, // where this model's parameters start in `params`
    channels_base: u32, // where its channel records start
    d_slot_stride: u32, // INPUT_SUMS: the distance between the sets of a ring of sums
    d_slots: u32,       // INPUT_SUMS: the sets (step k reads set k mod d_slots)
    _pad: u32,
}

// The step being computed. In a network, `t` counts from the start of the current epoch (the
// latest multiple of 2^20 steps, src/clock.rs) so that it stays an exact product however long
// the run; time-valued states are kept relative to the same epoch. A standalone model's epoch
// is 0.
struct Clock {
    t: f32,         // (k − epoch)·dt in ms, as an f32 product
    dt: f32,        // ms
    k: u32,         // step index
    local: u32,     // step within the recorded run (for per-step input offsets)
    epoch_ms_hi: f32, // epoch·dt in ms as hi + lo
    epoch_ms_lo: f32,
    epoch_s_hi: f32,  // the same in s
    epoch_s_lo: f32,
}

// An absolute time (ms, e.g. a parameter) as a time since the epoch, comparable with clk.t.
// Exact where it matters: hi is within a factor 2 of the time whenever the time falls in the
// epoch, so the first subtraction is exact. Identity in the first epoch.
fn since_epoch(t_abs: f32) -> f32 {
    return (t_abs - clk.epoch_ms_hi) - clk.epoch_ms_lo;
}

// The same for a time in seconds.
fn since_epoch_s(t_abs: f32) -> f32 {
    return (t_abs - clk.epoch_s_hi) - clk.epoch_s_lo;
}

// f32 products of two halves of 12 significant bits each are exact, and so are their
// fractional parts: fract(f·epoch_s) as a sum of exact parts (cycles of frequency f, Hz, done
// when the epoch started), with f·epoch_s_lo the only rounded part.
fn split12(x: f32) -> vec2<f32> {
    let hi = bitcast<f32>(bitcast<u32>(x) & 0xfffff000u);
    return vec2<f32>(hi, x - hi);
}

fn epoch_cycles(f: f32) -> f32 {
    let a = split12(f);
    let b = split12(clk.epoch_s_hi);
    let whole = fract(a.x * b.x) + fract(a.x * b.y) + fract(a.y * b.x) + fract(a.y * b.y);
    return fract(whole + f * clk.epoch_s_lo);
}

// One element: flat index i = b·n + j, neuron index j, sample b.
struct Elem {
    i: u32,
    j: u32,
    b: u32,
}

// Parameter p: header word p holds the offset of its values in its low 30 bits and in its top
// two bits how they are indexed (src/module.rs, pack_params): 0 one value for all, 2 one per
// neuron j, 1 one per instance b, 3 one per element i = b·n + j. Headers and single values are
// read through the ABI's `param_word(at)` (a composed kernel may hold them as constants, and
// the branch folds); arrays and tables from `params`.
fn param(p: u32, e: Elem) -> f32 {
    let h = param_word(sim.params_base + p);
    let at = h & 0x3fffffffu;
    switch (h >> 30u) {
        case 0u: { return bitcast<f32>(param_word(at)); }
        case 2u: { return bitcast<f32>(params[at + e.j]); }
        case 1u: { return bitcast<f32>(params[at + e.b]); }
        default: { return bitcast<f32>(params[at + e.i]); }
    }
}

// Value `idx` of parameter p, for parameters that are tables (weights, schedules).
fn param_at(p: u32, idx: u32) -> f32 {
    return bitcast<f32>(params[(param_word(sim.params_base + p) & 0x3fffffffu) + idx]);
}

// Parameter p's first word as an integer (seeds, counts).
fn param_u32(p: u32) -> u32 {
    return param_word(param_word(sim.params_base + p) & 0x3fffffffu);
}

// Where value `idx` of sample b's row is, for an input in `mode`.
fn input_index(mode: u32, offset: u32, row: u32, b: u32, idx: u32) -> u32 {
    let per_sample = mode == INPUT_ROWS || mode == INPUT_STATE_ROWS;
    return offset + select(0u, b * row, per_sample) + idx;
}

// Where element e's fixed-point sum of this step is (INPUT_SUMS): in set k mod d_slots.
fn sum_index(e: Elem) -> u32 {
    return sim.d_offset + (clk.k % sim.d_slots) * sim.d_slot_stride + e.i;
}

// Reads fixed-point sum `at` and clears it. Nothing else writes the sum while it is read (its
// projections ran before, or fill the other parity's set), so a plain load suffices and only
// sums that a spike filled are written back: most steps, most sums stay untouched.
fn take_sum(at: u32) -> i32 {
    let v = atomicLoad(&acc[at]);
    if (v != 0) {
        atomicStore(&acc[at], 0);
    }
    return v;
}
