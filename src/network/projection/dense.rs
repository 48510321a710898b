//! Dense projection (brainstate's `Linear`): `dst = [dst +] scale·(src @ W + b)`, one output
//! per column of `W` (`n_in × n_out`, row-major), summed in input order. Kernels:
//! `shaders/comm/dense.wgsl` (per step: one output per invocation, or 8 × 8 outputs per
//! invocation in 128 × 128 blocks for large batches) and `op_dense*` of
//! `shaders/network/ops.wgsl` (fused: plain, inputs staged in workgroup memory, or only the
//! nonzero inputs gathered when the source is spikes).

use std::sync::Arc;

use super::axpy::{fused_scale, scale_words};
use super::{F64Cx, FusedCx, Kind, PerStepCx};
use crate::abi::DenseCfg;
use crate::error::Result;
use crate::gpu::{CommBindings, Grid};
use crate::network::connect::Dense;
use crate::network::plan::Place;
use crate::shaders::builtin;

/// The most inputs a spike-fed dense projection gathers in a fused kernel (`GATHER_MAX` in
/// ops.wgsl), and the workgroup memory its arrays take.
pub(crate) const GATHER_MAX: usize = 4096;
pub(crate) const GATHER_BYTES: usize = 4 * (GATHER_MAX + 1024 + 32);

/// Batches at least this large use the tiled per-step kernel (128 × 128 output blocks).
const TILED_ROWS: usize = 16;

/// A dense projection of a statement.
#[derive(Clone, Debug)]
pub(crate) struct DenseProjection {
    pub src: Place,
    pub dense: Dense,
    /// Where its results start in the scratch (`n_out` per row).
    pub dst: usize,
    pub accumulate: bool,
    pub scale: f64,
    /// The scale of each row instead of `scale` (a sweep over the batch), if given.
    pub row_scales: Option<Arc<[f64]>>,
}

impl DenseProjection {
    /// The table of outputs `cols` alone: `W[:, cols]` row-major, then `b[cols]` — the
    /// weights of a projection onto those outputs.
    pub fn columns(&self, cols: std::ops::Range<usize>) -> Vec<f32> {
        let d = &self.dense;
        let w = d.w.chunks(d.n_out).flat_map(|row| &row[cols.clone()]);
        let bias = d.bias.iter().flat_map(|b| &b[cols.clone()]);
        w.chain(bias).map(|&x| x as f32).collect()
    }
}

impl Kind for DenseProjection {
    fn src(&self) -> Place {
        self.src
    }

    fn src_len(&self) -> usize {
        self.dense.n_in
    }

    fn results(&self) -> Option<(usize, usize)> {
        Some((self.dst, self.dense.n_out))
    }

    fn accumulates(&self) -> bool {
        self.accumulate
    }

    fn table_words(&self) -> usize {
        let d = &self.dense;
        d.n_in * d.n_out + d.bias.as_ref().map_or(0, |b| b.len())
    }

    fn apply_f64(&self, cx: &mut F64Cx<'_>) {
        let (n_in, n_out) = (self.dense.n_in, self.dense.n_out);
        for b in 0..cx.rows {
            let x: Vec<f64> = (0..n_in).map(|q| (cx.read)(self.src, b, q)).collect();
            for j in 0..n_out {
                let mut y: f64 = x
                    .iter()
                    .enumerate()
                    .map(|(q, &v)| v * self.dense.w[q * n_out + j])
                    .sum();
                if let Some(bias) = &self.dense.bias {
                    y += bias[j];
                }
                let at = self.dst + b * n_out + j;
                let scale = self.row_scales.as_ref().map_or(self.scale, |s| s[b]);
                cx.scratch[at] = if self.accumulate {
                    cx.scratch[at] + scale * y
                } else {
                    scale * y
                };
            }
        }
    }

    fn bytes_per_step(&self, rows: u64) -> u64 {
        let (n_in, n_out) = (self.dense.n_in as u64, self.dense.n_out as u64);
        4 * (rows * n_in + n_in * n_out + rows * n_out * (1 + self.accumulate as u64))
    }

    fn fused(&self, cx: &mut FusedCx<'_>) -> (String, usize) {
        let d = &self.dense;
        let (base, space) = (cx.src_expr)(self.src);
        let at = cx.table.len();
        cx.table
            .extend(self.columns(0..d.n_out).iter().map(|x| x.to_bits()));
        let scale = fused_scale(cx, self.scale, self.row_scales.as_deref());
        let staged = cx.gathers && d.n_in <= GATHER_MAX;
        let sparse = staged && cx.plan.is_spike_source(self.src);
        let call = format!(
            "{}(lane, {base}, {space}u, {}u, {}u, {}, {}, {scale}, {}, {at}u);",
            if sparse {
                "op_dense_sparse"
            } else if staged {
                "op_dense_staged"
            } else {
                "op_dense"
            },
            d.n_in,
            d.n_out,
            (cx.destination)(self.dst, d.n_out),
            self.accumulate,
            d.bias.is_some(),
        );
        // A sparse one loops over its share of the inputs twice, the scan (a group of 32
        // shares, then up to 32 groups), and (for a quarter of the inputs spiking at most) the
        // active rows.
        let per = cx.per_lane;
        let iterations = if sparse {
            2 * per(d.n_in) + 64 + per(d.n_out) * (d.n_in / 4 + 1)
        } else {
            per(d.n_out) * (d.n_in + 1)
        };
        (call, iterations)
    }

    fn per_step(&self, cx: &mut PerStepCx<'_>) -> Result<()> {
        let d = &self.dense;
        let rows = cx.plan.rows;
        let (buf, base, pitch, loc) = (cx.binding)(self.src);
        // Weights larger than one binding: one dispatch per block of outputs, each with its
        // own columns (whole 128-output tiles where they fit). Each output sums its inputs in
        // order either way, so the results are those of the whole matrix.
        let per_output = d.n_in + d.bias.is_some() as usize;
        let fit = cx.room / per_output.max(1);
        let width = match fit {
            f if f >= d.n_out => d.n_out,
            f if f >= 128 => f / 128 * 128,
            f => f.max(1),
        };
        for j0 in (0..d.n_out).step_by(width.max(1)) {
            let cols = j0..(j0 + width).min(d.n_out);
            let table = self.columns(cols.clone());
            cx.gpu.check_words(
                &format!("dense weights ({} × {})", d.n_in, cols.len()),
                table.len() + rows,
            )?;
            // The rows' scales, if any, after W and b.
            let row_scales = table.len();
            let mut bits: Vec<u32> = table.iter().map(|x| x.to_bits()).collect();
            if let Some(s) = &self.row_scales {
                bits.extend(scale_words(s));
            }
            let weights = cx.table("dense weights", &bits)?;
            let w = DenseCfg {
                n_in: d.n_in as u32,
                n_out: cols.len() as u32,
                rows: rows as u32,
                src_base: base,
                src_pitch: pitch,
                dst: (self.dst + j0) as u32,
                accumulate: self.accumulate,
                scale: self.scale as f32,
                bias: d.bias.is_some(),
                dst_pitch: d.n_out as u32,
                per_row: self.row_scales.is_some(),
                row_scales: row_scales as u32,
            }
            .words(loc);
            let cfg = cx.uniform("dense cfg", &w);
            let (kernel, grid) = if rows >= TILED_ROWS {
                (
                    &builtin::DENSE_TILED,
                    Grid::Groups(cols.len().div_ceil(128) as u32, rows.div_ceil(128) as u32),
                )
            } else {
                (&builtin::DENSE, Grid::Flat(cols.len() * rows))
            };
            let bindings = CommBindings {
                cfg: &cfg,
                src: buf,
                index: None,
                weights: Some(&weights),
                dst: Some(cx.scratch),
                acc: None,
                clock: cx.clock,
            };
            cx.dispatch(kernel, &bindings, grid)?;
        }
        Ok(())
    }
}
