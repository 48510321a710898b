// Dense projection (brainstate.nn.Linear): y = scale·(x @ W + b), W of shape (in, out),
// written over or added to `dst`. One invocation per output element (sample b, output j);
// rows of x that are exactly 0 (silent neurons) are skipped.
//
// cfg (DenseCfg in src/abi.rs, read through its generated `dense_*()` accessors): inputs,
// outputs, rows (batch), the source's base and row pitch, the destination, whether to add to
// it, the scale, whether there is a bias, and the destination's row pitch (`n_out`, or more when
// these outputs are a block of a wider projection's). weights: W row-major, then b.

// The scale of sample b: one for all, or (per_row) sample b's from the weights table.
fn dense_row_scale(b: u32) -> f32 {
    if (dense_per_row()) {
        return weights[dense_row_scales() + b];
    }
    return dense_scale();
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn dense(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = invocation(gid, groups);
    let n_in = dense_n_in();
    let n_out = dense_n_out();
    if (i >= n_out * dense_rows()) {
        return;
    }
    let b = i / n_out;
    let j = i - b * n_out;
    let row = source_base(dense_src_base()) + b * dense_src_pitch();
    var y = 0.0;
    for (var q = 0u; q < n_in; q = q + 1u) {
        let x = src[row + q];
        if (x != 0.0) {
            y = y + x * weights[q * n_out + j];
        }
    }
    if (dense_bias()) {
        y = y + weights[n_in * n_out + j];
    }
    y = dense_row_scale(b) * y;
    let at = dense_dst() + b * dense_dst_pitch() + j;
    dst[at] = select(y, dst[at] + y, dense_accumulate());
}

// The same for large batches: the output (samples × n_out) in 128 × 128 blocks, one per
// workgroup of 16 × 16 invocations each computing 8 × 8 outputs (samples ty + 16·i, outputs
// tx + 16·c, so that neighbouring invocations read neighbouring words of workgroup memory and
// write neighbouring outputs); the inputs (x rows) and weights (W rows) pass through workgroup
// memory 16 inputs at a time, so each weight read from memory serves 128 samples and each
// input 128 outputs, and each value read from workgroup memory serves 8 products. Each output
// still sums its inputs in ascending order, as the plain kernel does.
const TILE: u32 = 128u;
const TILE_K: u32 = 16u;
// 16 KiB together, WebGPU's default limit of workgroup storage. Both layouts put the words
// that neighbouring invocations write, and those they read, in different banks.
var<workgroup> tile_x: array<array<f32, 16>, 128>; // [sample][k]
var<workgroup> tile_w: array<array<f32, 128>, 16>; // [k][output]

@compute @workgroup_size(16, 16)
fn dense_tiled(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    let n_in = dense_n_in();
    let n_out = dense_n_out();
    let rows = dense_rows();
    let base = source_base(dense_src_base());
    let b0 = wid.y * TILE;
    let j0 = wid.x * TILE;
    let flat = lid.y * 16u + lid.x;
    var acc_: array<array<f32, 8>, 8>;
    for (var i = 0u; i < 8u; i = i + 1u) {
        for (var c = 0u; c < 8u; c = c + 1u) {
            acc_[i][c] = 0.0;
        }
    }
    let tiles = (n_in + TILE_K - 1u) / TILE_K;
    for (var t = 0u; t < tiles; t = t + 1u) {
        // 2048 values of each tile, 8 per invocation: x along its rows (16 consecutive
        // inputs of a sample), W along its rows (128 consecutive outputs of an input).
        for (var l = 0u; l < 8u; l = l + 1u) {
            let e = flat + l * 256u;
            let kx = e % TILE_K;
            let b = b0 + e / TILE_K;
            let qx = t * TILE_K + kx;
            tile_x[e / TILE_K][kx] = select(0.0, src[base + b * dense_src_pitch() + qx], b < rows && qx < n_in);
            let kw = e / TILE;
            let j = j0 + e % TILE;
            let qw = t * TILE_K + kw;
            tile_w[kw][e % TILE] = select(0.0, weights[qw * n_out + j], qw < n_in && j < n_out);
        }
        workgroupBarrier();
        for (var kk = 0u; kk < TILE_K; kk = kk + 1u) {
            var w: array<f32, 8>;
            for (var c = 0u; c < 8u; c = c + 1u) {
                w[c] = tile_w[kk][lid.x + 16u * c];
            }
            for (var i = 0u; i < 8u; i = i + 1u) {
                let x = tile_x[lid.y + 16u * i][kk];
                for (var c = 0u; c < 8u; c = c + 1u) {
                    acc_[i][c] = acc_[i][c] + x * w[c];
                }
            }
        }
        workgroupBarrier();
    }
    for (var i = 0u; i < 8u; i = i + 1u) {
        let b = b0 + lid.y + 16u * i;
        for (var c = 0u; c < 8u; c = c + 1u) {
            let j = j0 + lid.x + 16u * c;
            if (b < rows && j < n_out) {
                var y = acc_[i][c];
                if (dense_bias()) {
                    y = y + weights[n_in * n_out + j];
                }
                y = dense_row_scale(b) * y;
                let at = dense_dst() + b * dense_dst_pitch() + j;
                dst[at] = select(y, dst[at] + y, dense_accumulate());
            }
        }
    }
}
