//! How f32 GPU results are judged against the f64 reference (and the reference against
//! BrainPy's golden traces). The tests and the conformance tools use these rules, so they
//! are written down once, here.
//!
//! # Continuous traces
//!
//! A trace (a state over steps × elements) matches when every value is within
//! `tol × scale` of the reference, where `scale` is the largest magnitude of the reference
//! trace (so a trace in mS and one in mV are judged alike). The f64 reference must match
//! BrainPy's goldens with `tol =` [`F64_TOL`]; an f32 kernel the f64 reference with
//! [`F32_TOL`].
//!
//! # Spike trains ([`compare_spiking`])
//!
//! An f32 neuron may legitimately spike one step earlier or later than the f64 reference when
//! its `V` lands within rounding of the threshold; after that its trajectory differs. So, per
//! element:
//! 1. up to and including the first step `k₀` where the spikes differ, `V` must match as a
//!    trace;
//! 2. at `k₀` the reference (or the f32) `V` must lie within `tol × scale` of the threshold —
//!    any other first difference is a bug (a wrong time constant, order or reset);
//! 3. from `k₀` on, the i-th remaining spike of one must have a partner, the i-th remaining
//!    spike of the other, at most [`SPIKE_WINDOW`] steps away, and the counts may differ by at
//!    most one (a spike pushed past the last step).

use crate::error::{Error, Result};

/// Tolerance of the f64 reference against BrainPy's float64 goldens, relative to scale.
pub const F64_TOL: f64 = 1e-9;

/// Tolerance of an f32 kernel against the f64 reference, relative to scale.
pub const F32_TOL: f64 = 5e-5;

/// How far (in steps) a spike may move after the first legitimate difference.
pub const SPIKE_WINDOW: usize = 3;

/// The worst deviation of a trace.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceReport {
    /// Largest `|got − want| / scale`.
    pub worst: f64,
    /// Where (flat index) it occurred.
    pub at: usize,
    /// The scale used (largest `|want|`, at least `f64::MIN_POSITIVE`).
    pub scale: f64,
}

impl TraceReport {
    /// `true` when the worst deviation is within `tol` (NaN never is, unless both are NaN
    /// at the same place, which counts as equal).
    pub fn within(&self, tol: f64) -> bool {
        self.worst <= tol
    }
}

/// Compares two traces of equal length (NaN matches NaN, ±∞ matches itself).
pub fn compare_trace(got: &[f64], want: &[f64]) -> Result<TraceReport> {
    if got.len() != want.len() {
        return Err(Error::shape(
            "compared trace",
            format!("{} values", want.len()),
            format!("{} values", got.len()),
        ));
    }
    let scale = want
        .iter()
        .filter(|x| x.is_finite())
        .fold(0.0f64, |m, x| m.max(x.abs()))
        .max(f64::MIN_POSITIVE);
    let mut report = TraceReport {
        worst: 0.0,
        at: 0,
        scale,
    };
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let same = g == w || (g.is_nan() && w.is_nan());
        let err = if same { 0.0 } else { (g - w).abs() / scale };
        let err = if err.is_nan() { f64::INFINITY } else { err };
        if err > report.worst {
            report.worst = err;
            report.at = i;
        }
    }
    Ok(report)
}

/// The verdict of [`compare_spiking`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SpikeReport {
    /// Worst `|ΔV| / scale` over the steps before each element's first spike difference.
    pub worst_trace: f64,
    /// Spikes in the reference and in the result.
    pub spikes_want: usize,
    /// Spikes in the result.
    pub spikes_got: usize,
    /// Elements whose spike trains differ somewhere (each after a legitimate first
    /// difference, if `failure` is `None`).
    pub elements_shifted: usize,
    /// Largest shift of a paired spike after a first difference, in steps.
    pub max_shift: usize,
    /// The first rule violated, with where; `None` when the result passes.
    pub failure: Option<String>,
}

impl SpikeReport {
    /// `true` when no rule was violated.
    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }
}

/// Applies the spike rule (module docs) to `steps × elems` step-major arrays: membrane
/// potentials `v_*`, spikes `s_*` (0/1), and each element's threshold.
#[allow(clippy::too_many_arguments)]
pub fn compare_spiking(
    steps: usize,
    elems: usize,
    v_got: &[f64],
    v_want: &[f64],
    s_got: &[f64],
    s_want: &[f64],
    threshold: impl Fn(usize) -> f64,
    tol: f64,
) -> Result<SpikeReport> {
    let n = steps * elems;
    for (what, len) in [
        ("V", v_got.len()),
        ("V reference", v_want.len()),
        ("spikes", s_got.len()),
        ("spike reference", s_want.len()),
    ] {
        if len != n {
            return Err(Error::shape(
                what,
                format!("{steps} steps × {elems} elements"),
                format!("{len} values"),
            ));
        }
    }
    let scale = compare_trace(v_want, v_want)?.scale;
    let mut r = SpikeReport {
        spikes_want: s_want.iter().filter(|&&s| s != 0.0).count(),
        spikes_got: s_got.iter().filter(|&&s| s != 0.0).count(),
        ..SpikeReport::default()
    };
    for e in 0..elems {
        let at = |k: usize| k * elems + e;
        let k0 = (0..steps).find(|&k| (s_got[at(k)] != 0.0) != (s_want[at(k)] != 0.0));
        // V is compared up to and including the step of the first spike difference.
        for k in 0..k0.map_or(steps, |k| k + 1) {
            let err = (v_got[at(k)] - v_want[at(k)]).abs() / scale;
            let err = if err.is_nan() { f64::INFINITY } else { err };
            r.worst_trace = r.worst_trace.max(err);
            if err > tol && r.failure.is_none() {
                r.failure = Some(format!(
                    "V differs by {:.3e} of scale at step {k}, element {e} (got {}, want {}), up to its first spike difference",
                    err,
                    v_got[at(k)],
                    v_want[at(k)]
                ));
            }
        }
        let Some(k0) = k0 else { continue };
        r.elements_shifted += 1;
        let theta = threshold(e);
        let near = (v_want[at(k0)] - theta)
            .abs()
            .min((v_got[at(k0)] - theta).abs())
            / scale;
        if near > tol && r.failure.is_none() {
            r.failure = Some(format!(
                "first spike difference at step {k0}, element {e}, with V = {} (want {}) far from the threshold {theta}",
                v_got[at(k0)],
                v_want[at(k0)]
            ));
        }
        let times =
            |s: &[f64]| -> Vec<usize> { (k0..steps).filter(|&k| s[at(k)] != 0.0).collect() };
        let (tg, tw) = (times(s_got), times(s_want));
        if tg.len().abs_diff(tw.len()) > 1 && r.failure.is_none() {
            r.failure = Some(format!(
                "element {e}: {} spikes against {} after the first difference at step {k0}",
                tg.len(),
                tw.len()
            ));
        }
        for (a, b) in tg.iter().zip(&tw) {
            let shift = a.abs_diff(*b);
            r.max_shift = r.max_shift.max(shift);
            if shift > SPIKE_WINDOW && r.failure.is_none() {
                r.failure = Some(format!(
                    "element {e}: spike at step {a} pairs with step {b}, {shift} steps apart"
                ));
            }
        }
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_scale_is_the_reference_magnitude() {
        let r = compare_trace(&[1.0, -70.0 + 1e-3], &[1.0, -70.0]).unwrap();
        assert_eq!(r.at, 1);
        assert!((r.worst - 1e-3 / 70.0).abs() < 1e-12);
        assert!(!compare_trace(&[f64::NAN], &[1.0]).unwrap().within(1.0));
        assert!(compare_trace(&[1.0], &[1.0, 2.0]).is_err());
        assert!(compare_trace(&[f64::NAN], &[f64::NAN]).unwrap().within(0.0));
    }

    #[test]
    fn spike_rule_accepts_a_threshold_flip_and_rejects_a_far_one() {
        // One element, 4 steps; the reference spikes at step 1 with V just at threshold.
        let v_want = [0.5, 1.0, 0.2, 0.4];
        let s_want = [0.0, 1.0, 0.0, 0.0];
        let v_got = [0.5, 1.0 - 1e-7, 0.3, 0.5];
        let s_got = [0.0, 0.0, 1.0, 0.0];
        let ok = compare_spiking(4, 1, &v_got, &v_want, &s_got, &s_want, |_| 1.0, F32_TOL).unwrap();
        assert!(ok.passed(), "{ok:?}");
        assert_eq!(ok.max_shift, 1);
        // The same shift with V far from threshold is a bug.
        let v_want = [0.5, 1.5, 0.2, 0.4];
        let bad =
            compare_spiking(4, 1, &v_got, &v_want, &s_got, &s_want, |_| 1.0, F32_TOL).unwrap();
        assert!(!bad.passed());
    }
}
