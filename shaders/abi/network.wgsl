// The network ABI: a compiled network's projections and populations composed into one kernel
// (`src/network/exec/fused/` writes the kernel's body). One workgroup runs one batch row (one
// network instance) through a range of steps; within a step it runs the plan's statements in
// order — projections, then each population's step function over its elements. Element j of
// every population is always handled by invocation j mod WORKGROUP_SIZE, so a population that
// reads another's element j (its output, its conductance) needs no barrier; projections, which
// read whole rows, are fenced by barriers on both sides.
//
// Each composed kernel declares these hooks (`shaders/abi/network_memory.wgsl`,
// `network_arena.wgsl` and `network_tables.wgsl` have the plain ones, which keep everything in
// the buffers):
// - `wg_sums` and `take_local(i)`: event sums accumulated in workgroup memory, and reading and
//   clearing sum i (for rows whose sums fit there); `wg_spikes`: spikes kept as bits in workgroup
//   memory (outputs that only event projections and spike monitors read); `wg_rows`: outputs kept
//   in workgroup memory (outputs that only the workgroup's projections and elements read);
//   `wg_results`: projections' results that only the workgroup's updates read (`INPUT_LOCAL_VALUES`,
//   channel word 7 = 2);
// - `arena_read(base, e)` and `arena_write(base, e, value)`: element e of the arena row that
//   starts at `base` (a population's state variable or output). The fused kernel keeps rows
//   that only their own elements touch in registers across the steps of a dispatch, indexed by
//   the constant `base` and the element's `reg_slot`; the per-step executor's composed updates
//   keep each element's rows of their populations for the step (loaded once, stored once if
//   changed, outputs nobody else reads only when `range.store_outputs` asks);
// - `channel_word(at)` and `param_word(at)`: word `at` of the channel records and of the
//   parameter headers and single values (in `params`, or constants of the kernel).
//
// The models' step functions run unchanged: this file provides the same accessors as
// `element.wgsl` (`state_get`, `param`, `input_x`, `input_delta`, `current_at`, `emit` …) over
// five buffers instead of one dispatch's bindings, with `sim` and `clk` set per statement and
// per step.



// The range of steps of one dispatch: clock entries `first` … `first + count − 1` of `control`.
// `store_outputs` (per-step composed updates): whether outputs that the dispatch keeps to
// itself must reach the arena this step (a run's last step, or every step a monitor reads them).
struct Range {
    first: u32,
    count: u32,
    store_outputs: u32,
}


// The arena: every population's states and outputs, then the delay rings.
@group(0) @binding(0) var<storage, read_write> state: array<f32>;
// Summed inputs of the statements, then the input streams of the chunk.
@group(0) @binding(1) var<storage, read_write> scratch: array<f32>;
// Fixed-point sums of event projections, monitor words, and the work counters.
@group(0) @binding(2) var<storage, read_write> acc: array<atomic<i32>>;
// Parameters (per population, headers as in element.wgsl), channel records, dense weights
// (f32 bits) and event tables.
@group(0) @binding(3) var<storage, read> params: array<u32>;

// Word i of the kernel's table (shaders/delivery.wgsl reads tables through it).
fn table_word(i: u32) -> u32 {
    return params[i];
}
// Sim records, projection records and the chunk's clock entries.
@group(0) @binding(4) var<storage, read> control: array<u32>;
@group(0) @binding(5) var<uniform> range: Range;

override WORKGROUP_SIZE: u32 = 256u;

var<private> sim: Sim;
var<private> clk: Clock;
// Which of its elements an invocation is updating (element j = lane + reg_slot·WORKGROUP_SIZE
// of the fused kernel's row), for the rows it keeps in registers.
var<private> reg_slot: u32;

fn state_get(v: u32, e: Elem) -> f32 {
    return arena_read(sim.state_base + v * sim.stride, e);
}

fn state_set(v: u32, e: Elem, value: f32) {
    arena_write(sim.state_base + v * sim.stride, e, value);
}

fn load_clock(at: u32) -> Clock {
    return Clock(bitcast<f32>(control[at]), bitcast<f32>(control[at + 1u]), control[at + 2u], control[at + 3u],
                 bitcast<f32>(control[at + 4u]), bitcast<f32>(control[at + 5u]), bitcast<f32>(control[at + 6u]), bitcast<f32>(control[at + 7u]));
}

fn input_x_at(e: Elem, idx: u32) -> f32 {
    let at = input_index(sim.x_mode, sim.x_offset + clk.local * sim.x_step, sim.x_n, e.b, idx);
    switch sim.x_mode {
        case INPUT_SCALAR: { return sim.x_scalar; }
        case INPUT_ROWS, INPUT_SHARED_ROW: { return scratch[at]; }
        // This row's values summed in workgroup memory (`wg_results`) by the statement's projections.
        case INPUT_LOCAL_VALUES: { return wg_results[sim.x_offset + idx]; }
        case INPUT_STATE_ROWS, INPUT_STATE_SHARED_ROW: {
            // This element's own value of a row of the same size: through the arena hook.
            if (sim.x_mode == INPUT_STATE_ROWS && sim.x_n == sim.n && idx == e.j) {
                return arena_read(sim.x_offset, e);
            }
            return state[at];
        }
        default: { return 0.0; }
    }
}

fn input_x(e: Elem) -> f32 {
    return input_x_at(e, e.j);
}

fn input_delta(e: Elem) -> f32 {
    let at = input_index(sim.d_mode, sim.d_offset, sim.n, e.b, e.j);
    switch sim.d_mode {
        case INPUT_SCALAR: { return sim.d_scalar; }
        case INPUT_ROWS, INPUT_SHARED_ROW: { return scratch[at]; }
        case INPUT_STATE_ROWS: { return arena_read(sim.d_offset, e); }
        case INPUT_STATE_SHARED_ROW: { return state[at]; }
        case INPUT_SUMS: { return f32(take_sum(sum_index(e))) * param(sim.d_unit, e); }
        // Fixed-point sums the workgroup accumulated for its row in workgroup memory.
        case INPUT_LOCAL_SUMS: { return f32(take_local(sim.d_offset + e.j)) * param(sim.d_unit, e); }
        case INPUT_LOCAL_VALUES: { return wg_results[sim.d_offset + e.j]; }
        default: { return 0.0; }
    }
}

fn emit(e: Elem, value: f32) {
    arena_write(sim.out_offset, e, value);
}

// Channel record c: kind, offset, p0 … p4 (f32 bits), and where the conductance is: 0 in the
// arena, 1 in the scratch (a projection computed this step), 2 in `wg_results` (likewise, in
// workgroup memory).
fn current_at(e: Elem, v: f32) -> vec2<f32> {
    var i = vec2<f32>(input_x(e), 0.0);
    for (var c = 0u; c < sim.channels; c = c + 1u) {
        let at = sim.channels_base + 8u * c;
        let row = channel_word(at + 1u);
        var g: f32;
        switch channel_word(at + 7u) {
            case 1u: { g = scratch[row + e.i]; }
            case 2u: { g = wg_results[row + e.j]; }
            default: { g = arena_read(row, e); }
        }
        let p = vec4<f32>(
            bitcast<f32>(channel_word(at + 2u)), bitcast<f32>(channel_word(at + 3u)),
            bitcast<f32>(channel_word(at + 4u)), bitcast<f32>(channel_word(at + 5u)),
        );
        i = i + channel_current(channel_word(at), p, bitcast<f32>(channel_word(at + 6u)), g, v);
    }
    return i;
}
