// Threefry-2x32-20 (Salmon et al. 2011; the generator JAX uses), the counter-based generator
// behind every random input: value (counter, key) is the same on any device and in the Rust
// twin (`src/rng.rs`). Additions, rotations and exclusive ors alone: no 32 × 32 → 64-bit
// products, which WGSL lacks and Philox needs (emulated, they cost Philox 6 times as many
// instructions per word).
fn rotl32(x: u32, r: u32) -> u32 {
    return (x << r) | (x >> (32u - r));
}

// Four rounds with rotations r.
fn threefry_rounds(x: vec2<u32>, r: vec4<u32>) -> vec2<u32> {
    var x0 = x.x;
    var x1 = x.y;
    x0 = x0 + x1; x1 = rotl32(x1, r.x) ^ x0;
    x0 = x0 + x1; x1 = rotl32(x1, r.y) ^ x0;
    x0 = x0 + x1; x1 = rotl32(x1, r.z) ^ x0;
    x0 = x0 + x1; x1 = rotl32(x1, r.w) ^ x0;
    return vec2<u32>(x0, x1);
}

fn threefry2x32(counter: vec2<u32>, key: vec2<u32>) -> vec2<u32> {
    let k2 = 0x1BD11BDAu ^ key.x ^ key.y;
    let ra = vec4<u32>(13u, 15u, 26u, 6u);
    let rb = vec4<u32>(17u, 29u, 16u, 24u);
    var x = counter + key;
    x = threefry_rounds(x, ra) + vec2<u32>(key.y, k2 + 1u);
    x = threefry_rounds(x, rb) + vec2<u32>(k2, key.x + 2u);
    x = threefry_rounds(x, ra) + vec2<u32>(key.x, key.y + 3u);
    x = threefry_rounds(x, rb) + vec2<u32>(key.y, k2 + 4u);
    x = threefry_rounds(x, ra) + vec2<u32>(k2, key.x + 5u);
    return x;
}
