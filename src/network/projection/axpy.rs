//! Scaled copy or sum: `dst = [dst +] scale·src`, `count` values per row, or `scale·c` for a
//! constant source. Kernels: `axpy` of `shaders/comm/copy.wgsl` (per step) and `op_axpy` of
//! `shaders/network/ops.wgsl` (fused).

use std::sync::Arc;

use super::{F64Cx, FusedCx, Kind, PerStepCx};
use crate::abi::AxpyCfg;
use crate::error::Result;
use crate::gpu::{CommBindings, Grid};
use crate::network::plan::Place;
use crate::shaders::builtin;

/// A copy projection of a statement.
#[derive(Clone, Debug)]
pub(crate) struct AxpyProjection {
    pub src: Place,
    /// Values per row.
    pub count: usize,
    /// Where its results start in the scratch (`count` per row).
    pub dst: usize,
    pub accumulate: bool,
    pub scale: f64,
    /// The scale of each row instead of `scale` (a sweep over the batch), if given.
    pub row_scales: Option<Arc<[f64]>>,
}

impl AxpyProjection {
    /// The scale of row `b`.
    fn scale_of(&self, b: usize) -> f64 {
        self.row_scales.as_ref().map_or(self.scale, |s| s[b])
    }
}

/// The scale a fused kernel's call multiplies by: the literal, or with scales per row, each
/// row's from the table, read by the workgroup's row.
pub(crate) fn fused_scale(cx: &mut FusedCx<'_>, scale: f64, rows: Option<&[f64]>) -> String {
    match rows {
        Some(s) => {
            let at = cx.table.len();
            cx.table.extend(scale_words(s));
            format!("bitcast<f32>(params[{at}u + row])")
        }
        None => cx.f32_value(scale),
    }
}

/// Each row's scale as the f32 the kernels multiply by.
pub(crate) fn scale_words(scales: &[f64]) -> Vec<u32> {
    scales.iter().map(|&s| (s as f32).to_bits()).collect()
}

impl Kind for AxpyProjection {
    fn src(&self) -> Place {
        self.src
    }

    fn src_len(&self) -> usize {
        self.count
    }

    fn results(&self) -> Option<(usize, usize)> {
        Some((self.dst, self.count))
    }

    fn accumulates(&self) -> bool {
        self.accumulate
    }

    fn apply_f64(&self, cx: &mut F64Cx<'_>) {
        for b in 0..cx.rows {
            for q in 0..self.count {
                let v = self.scale_of(b) * (cx.read)(self.src, b, q);
                let at = self.dst + b * self.count + q;
                cx.scratch[at] = if self.accumulate {
                    cx.scratch[at] + v
                } else {
                    v
                };
            }
        }
    }

    fn bytes_per_step(&self, rows: u64) -> u64 {
        let read = !matches!(self.src, Place::Constant(_)) as u64 + self.accumulate as u64;
        4 * rows * self.count as u64 * (1 + read)
    }

    fn fused(&self, cx: &mut FusedCx<'_>) -> (String, usize) {
        let (base, space) = (cx.src_expr)(self.src);
        let constant = self.src.constant();
        let scale = fused_scale(cx, self.scale, self.row_scales.as_deref());
        let value = cx.f32_value(constant.unwrap_or(0.0));
        let call = format!(
            "op_axpy(lane, {base}, {space}u, {}u, {}, {}, {scale}, {}, {value});",
            self.count,
            (cx.destination)(self.dst, self.count),
            self.accumulate,
            constant.is_some(),
        );
        (call, (cx.per_lane)(self.count))
    }

    fn per_step(&self, cx: &mut PerStepCx<'_>) -> Result<()> {
        let rows = cx.plan.rows;
        let (buf, base, pitch, loc) = (cx.binding)(self.src);
        let constant = self.src.constant();
        let w = AxpyCfg {
            count: self.count as u32,
            rows: rows as u32,
            src_base: base,
            src_pitch: pitch,
            dst: self.dst as u32,
            accumulate: self.accumulate,
            scale: self.scale as f32,
            from_constant: constant.is_some(),
            constant: constant.unwrap_or(0.0) as f32,
            dst_pitch: self.count as u32,
            per_row: self.row_scales.is_some(),
        }
        .words(loc);
        let cfg = cx.uniform("axpy cfg", &w);
        let scales = match &self.row_scales {
            Some(s) => Some(cx.table("scales per instance", &scale_words(s))?),
            None => None,
        };
        let bindings = CommBindings {
            cfg: &cfg,
            src: buf,
            index: None,
            weights: scales.as_ref(),
            dst: Some(cx.scratch),
            acc: None,
            clock: cx.clock,
        };
        cx.dispatch(&builtin::AXPY, &bindings, Grid::Flat(self.count * rows))
    }
}
