// The communication ABI, prepended to every projection, copy and monitor kernel (see
// ARCHITECTURE.md). `cfg` holds sixteen words; each kernel reads its own by name, through the
// accessors src/abi.rs generates from its configuration struct (appended after this file); `src` is
// what it reads (a network's state arena, an input stream or a delay ring), `dst` where it
// writes f32 values, `acc` fixed-point sums (event-driven projections), `index` integer tables
// (targets, fixed-point weights) and `weights` f32 tables (dense weights and biases).

struct Cfg {
    w0: u32, w1: u32, w2: u32, w3: u32,
    w4: u32, w5: u32, w6: u32, w7: u32,
    w8: u32, w9: u32, w10: u32, w11: u32,
    w12: u32, w13: u32, w14: u32, w15: u32,
}

// The step being computed (as in the element ABI).
struct Clock {
    t: f32,
    dt: f32,
    k: u32,
    local: u32,
}

@group(0) @binding(0) var<uniform> cfg: Cfg;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> index: array<u32>;
@group(0) @binding(3) var<storage, read> weights: array<f32>;
@group(0) @binding(4) var<storage, read_write> dst: array<f32>;
@group(0) @binding(5) var<storage, read_write> acc: array<atomic<i32>>;
@group(0) @binding(6) var<uniform> clk: Clock;

override WORKGROUP_SIZE: u32 = 256u;

// Word i of the kernel's integer table (shaders/delivery.wgsl reads tables through it).
fn table_word(i: u32) -> u32 {
    return index[i];
}

// The flat invocation index; the grid may be 2-D when there are more than 65 535 groups.
fn invocation(gid: vec3<u32>, groups: vec3<u32>) -> u32 {
    return gid.x + gid.y * groups.x * WORKGROUP_SIZE;
}

// Where the source starts this step. Words w12..w14 of every kernel's cfg describe it: with
// w12 = 0, `base` moved on by w14 values per step of the run (w14 = 0: the arena; else an
// input stream uploaded for the whole run); with w12 = depth > 0, slot (k − w13) mod depth of a
// delay ring of slots of w14 values.
fn source_base(base: u32) -> u32 {
    let depth = source_depth();
    if (depth == 0u) {
        return base + clk.local * source_step();
    }
    return base + ((clk.k + depth - source_delay()) % depth) * source_step();
}
