// The plain memory hooks of a composed network kernel (`shaders/abi/network.wgsl`): every value
// stays in its buffer. The per-step executor's composed dispatches use these; the fused kernel
// writes its own (event sums and spike bits in workgroup memory, rows in registers).

var<workgroup> wacc: array<atomic<i32>, 1>;
var<workgroup> wbits: array<atomic<u32>, 1>;
var<workgroup> wrows: array<f32, 1>;
var<workgroup> wscr: array<f32, 1>;

fn take_local(i: u32) -> i32 {
    return atomicExchange(&wacc[i], 0);
}

fn arena_read(base: u32, e: Elem) -> f32 {
    return state[base + e.i];
}

fn arena_write(base: u32, e: Elem, value: f32) {
    state[base + e.i] = value;
}
