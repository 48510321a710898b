// Dense projection (brainstate.nn.Linear): y = scale·(x @ W + b), W of shape (in, out),
// written over or added to `dst`. One invocation per output element (sample b, output j);
// rows of x that are exactly 0 (silent neurons) are skipped.
//
// cfg: w0 in, w1 out, w2 rows (batch), w3 src base, w4 src row pitch, w5 dst base,
// w6 accumulate (0: write, 1: add), w7 scale (f32 bits), w8 has bias, w12..w14 the source
// (see `source_base`). weights: W row-major, then b.

@compute @workgroup_size(WORKGROUP_SIZE)
fn dense(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = invocation(gid, groups);
    let n_in = cfg.w0;
    let n_out = cfg.w1;
    if (i >= n_out * cfg.w2) {
        return;
    }
    let b = i / n_out;
    let j = i - b * n_out;
    let row = source_base(cfg.w3) + b * cfg.w4;
    var y = 0.0;
    for (var q = 0u; q < n_in; q = q + 1u) {
        let x = src[row + q];
        if (x != 0.0) {
            y = y + x * weights[q * n_out + j];
        }
    }
    if (cfg.w8 != 0u) {
        y = y + weights[n_in * n_out + j];
    }
    y = bitcast<f32>(cfg.w7) * y;
    let at = cfg.w5 + i;
    dst[at] = select(y, dst[at] + y, cfg.w6 != 0u);
}

// The same for large batches of real-valued input: 16 × 16 tiles of (sample, output) per
// workgroup, the tiles of x and W staged in workgroup memory.
const TILE: u32 = 16u;
var<workgroup> tile_x: array<array<f32, 16>, 16>;
var<workgroup> tile_w: array<array<f32, 16>, 16>;

@compute @workgroup_size(16, 16)
fn dense_tiled(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    let n_in = cfg.w0;
    let n_out = cfg.w1;
    let rows = cfg.w2;
    let b = wid.y * TILE + lid.y;
    let j = wid.x * TILE + lid.x;
    let base = source_base(cfg.w3);
    var y = 0.0;
    let tiles = (n_in + TILE - 1u) / TILE;
    for (var t = 0u; t < tiles; t = t + 1u) {
        let qx = t * TILE + lid.x;
        let qw = t * TILE + lid.y;
        tile_x[lid.y][lid.x] = select(0.0, src[base + b * cfg.w4 + qx], b < rows && qx < n_in);
        tile_w[lid.y][lid.x] = select(0.0, weights[qw * n_out + j], qw < n_in && j < n_out);
        workgroupBarrier();
        for (var q = 0u; q < TILE; q = q + 1u) {
            y = y + tile_x[lid.y][q] * tile_w[q][lid.x];
        }
        workgroupBarrier();
    }
    if (b < rows && j < n_out) {
        if (cfg.w8 != 0u) {
            y = y + weights[n_in * n_out + j];
        }
        y = bitcast<f32>(cfg.w7) * y;
        let at = cfg.w5 + b * n_out + j;
        dst[at] = select(y, dst[at] + y, cfg.w6 != 0u);
    }
}
