//! Scaled copy or sum: `dst = [dst +] scale·src`, `count` values per row, or `scale·c` for a
//! constant source. Kernels: `axpy` of `shaders/comm/copy.wgsl` (per step) and `op_axpy` of
//! `shaders/network/ops.wgsl` (fused).

use super::{F64Cx, FusedCx, Kind, PerStepCx};
use crate::abi::AxpyCfg;
use crate::error::Result;
use crate::gpu::{CommBindings, Grid};
use crate::network::compose::f32_lit;
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
                let v = self.scale * (cx.read)(self.src, b, q);
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
        let call = format!(
            "op_axpy(lane, {base}, {space}u, {}u, {}, {}, {}, {}, {});",
            self.count,
            (cx.destination)(self.dst, self.count),
            self.accumulate,
            f32_lit(self.scale),
            constant.is_some(),
            f32_lit(constant.unwrap_or(0.0))
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
        }
        .words(loc);
        let cfg = cx.uniform("axpy cfg", &w);
        let bindings = CommBindings {
            cfg: &cfg,
            src: buf,
            index: None,
            weights: None,
            dst: Some(cx.scratch),
            acc: None,
            clock: cx.clock,
        };
        cx.dispatch(&builtin::AXPY, &bindings, Grid::Flat(self.count * rows))
    }
}
