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

// The same for large batches: the output (samples × n_out) in 64 × 64 blocks, one per
// workgroup of 16 × 16 invocations each computing 4 × 4 outputs; the inputs (x rows) and
// weights (W rows) pass through workgroup memory 16 inputs at a time, so each weight read
// from memory serves 64 samples and each input 64 outputs. Each output still sums its inputs
// in ascending order, as the plain kernel does.
const TILE: u32 = 64u;
const TILE_K: u32 = 16u;
var<workgroup> tile_x: array<array<f32, 64>, 16>; // [k][sample]
var<workgroup> tile_w: array<array<f32, 64>, 16>; // [k][output]

@compute @workgroup_size(16, 16)
fn dense_tiled(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    let n_in = cfg.w0;
    let n_out = cfg.w1;
    let rows = cfg.w2;
    let base = source_base(cfg.w3);
    let b0 = wid.y * TILE;
    let j0 = wid.x * TILE;
    let flat = lid.y * 16u + lid.x;
    var acc_: array<array<f32, 4>, 4>;
    for (var i = 0u; i < 4u; i = i + 1u) {
        for (var c = 0u; c < 4u; c = c + 1u) {
            acc_[i][c] = 0.0;
        }
    }
    let tiles = (n_in + TILE_K - 1u) / TILE_K;
    for (var t = 0u; t < tiles; t = t + 1u) {
        // 1024 values of each tile, 4 per invocation.
        for (var l = 0u; l < 4u; l = l + 1u) {
            let e = flat + l * 256u;
            let kk = e / TILE;
            let m = e % TILE;
            let q = t * TILE_K + kk;
            let b = b0 + m;
            let j = j0 + m;
            tile_x[kk][m] = select(0.0, src[base + b * cfg.w4 + q], b < rows && q < n_in);
            tile_w[kk][m] = select(0.0, weights[q * n_out + j], q < n_in && j < n_out);
        }
        workgroupBarrier();
        for (var kk = 0u; kk < TILE_K; kk = kk + 1u) {
            for (var i = 0u; i < 4u; i = i + 1u) {
                let x = tile_x[kk][lid.y * 4u + i];
                for (var c = 0u; c < 4u; c = c + 1u) {
                    acc_[i][c] = acc_[i][c] + x * tile_w[kk][lid.x * 4u + c];
                }
            }
        }
        workgroupBarrier();
    }
    for (var i = 0u; i < 4u; i = i + 1u) {
        let b = b0 + lid.y * 4u + i;
        for (var c = 0u; c < 4u; c = c + 1u) {
            let j = j0 + lid.x * 4u + c;
            if (b < rows && j < n_out) {
                var y = acc_[i][c];
                if (cfg.w8 != 0u) {
                    y = y + weights[n_in * n_out + j];
                }
                y = bitcast<f32>(cfg.w7) * y;
                let at = cfg.w5 + b * n_out + j;
                dst[at] = select(y, dst[at] + y, cfg.w6 != 0u);
            }
        }
    }
}
