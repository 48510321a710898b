// The plain arena hooks of a composed network kernel (`shaders/abi/network.wgsl`): every row is
// read and written in place. The per-step executor's event-projection dispatches use these; its
// composed updates cache each element's rows within the step and the fused kernel keeps rows in
// registers, each with hooks of its own (`src/network/exec/per_step/composed.rs`,
// `src/network/exec/fused/kernel.rs`).

fn arena_read(base: u32, e: Elem) -> f32 {
    return state[base + e.i];
}

fn arena_write(base: u32, e: Elem, value: f32) {
    state[base + e.i] = value;
}
