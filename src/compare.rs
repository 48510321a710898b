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
//! # f32 against a reference ([`judge_f32`])
//!
//! An f32 run may legitimately part from the f64 reference in two ways: a neuron's `V` lands
//! within rounding of its threshold and spikes one step earlier or later; or a time window
//! (`t − t_spike < τ_ref`, `t − t_arrival < T_duration`) ends exactly on a step, where `k·dt`
//! rounds differently in f32. After that the element's
//! trajectory differs. So, per element:
//! 1. every trace stays within `tol × scale` of the reference (scale: the largest reference
//!    magnitude, leaving out `V` on spiking steps, where it runs away in ExpIF), less
//!    [`SLOPE_ALLOWANCE`] of the reference's change over a step (a hair of timing on steep
//!    upswings), up to the element's first disagreement at step `k₀`; on steps where both
//!    spike, `V` is not compared;
//! 2. the disagreement at `k₀` must have one of the legitimate causes: a spike that differs
//!    while `V` of both runs lies within `tol × scale` of the threshold; a window whose end
//!    test `t − start < duration` comes out differently in f32 and in f64 at exactly that
//!    step ([`window_rounds_differently`]); or a hard reset right
//!    after a run-away spike (ExpIF, 1e17 mV), which the f64 reference computes as
//!    `V − (V − V_reset)` and so loses to its own rounding, while the kernels select
//!    `V_reset` (the reference is then off by up to ulp(V), tens of mV, and the element is not
//!    compared further). Anything else — a wrong
//!    time constant, a swapped update order, a missing lag, the wrong reset, a missing
//!    refractory period — fails here;
//! 3. after `k₀`, the i-th remaining spike of one run must pair with the i-th of the other
//!    within [`SPIKE_WINDOW`] steps, the counts differing by at most one;
//! 4. if more than half the elements (and more than two) part at a threshold, the cause is
//!    systematic, not rounding, and the run fails. (Window ends need no such guard: they are
//!    checked exactly — and with `τ_ref = 1.7 ms`, f32 and f64 disagree on half of them.)

use crate::error::{Error, Result};

/// Tolerance of the f64 reference against BrainPy's float64 goldens, relative to scale.
pub const F64_TOL: f64 = 1e-9;

/// Tolerance of an f32 kernel against the f64 reference, relative to scale.
pub const F32_TOL: f64 = 5e-5;

/// How far (in steps) a spike may move after the first legitimate difference (a refractory
/// end flipped by rounding lets LIFRef drift by up to 3).
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
    compare_trace_except(got, want, |_| false)
}

/// [`compare_trace`], except that the values where `runaway(i)` holds (a neuron's `V` on its
/// spiking steps, which ExpIF runs away to 1e17) are left out of the scale and compared
/// relative to their own magnitude.
pub fn compare_trace_except(
    got: &[f64],
    want: &[f64],
    runaway: impl Fn(usize) -> bool,
) -> Result<TraceReport> {
    if got.len() != want.len() {
        return Err(Error::shape(
            "compared trace",
            format!("{} values", want.len()),
            format!("{} values", got.len()),
        ));
    }
    let scale = want
        .iter()
        .enumerate()
        .filter(|&(i, x)| x.is_finite() && !runaway(i))
        .fold(0.0f64, |m, (_, x)| m.max(x.abs()))
        .max(f64::MIN_POSITIVE);
    let mut report = TraceReport {
        worst: 0.0,
        at: 0,
        scale,
    };
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let same = g == w || (g.is_nan() && w.is_nan());
        let own = if runaway(i) {
            scale.max(w.abs())
        } else {
            scale
        };
        let err = if same { 0.0 } else { (g - w).abs() / own };
        let err = if err.is_nan() { f64::INFINITY } else { err };
        if err > report.worst {
            report.worst = err;
            report.at = i;
        }
    }
    Ok(report)
}

/// A state trace under judgement: the result and the reference, step-major
/// (`steps × elems`).
#[derive(Clone, Copy, Debug)]
pub struct Trace<'a> {
    /// Its name (for messages).
    pub name: &'a str,
    /// The f32 result.
    pub got: &'a [f64],
    /// The reference.
    pub want: &'a [f64],
}

/// The spikes of a spiking model, and how its first difference may legitimately arise.
pub struct Spikes<'a> {
    /// The f32 spikes (0/1).
    pub got: &'a [f64],
    /// The reference spikes.
    pub want: &'a [f64],
    /// Which of the traces is the membrane potential compared with the threshold.
    pub v: usize,
    /// The threshold at step `k`, element `e`.
    pub threshold: &'a dyn Fn(usize, usize) -> f64,
}

/// A time window `t − start < duration` whose end may round differently in f32 (a refractory
/// period, a transmitter pulse).
pub struct Window<'a> {
    /// Its name (for messages).
    pub name: &'a str,
    /// Its length (ms).
    pub duration: f64,
    /// The reference's start of the window in force at step `k`, element `e`.
    pub start: &'a dyn Fn(usize, usize) -> f64,
}

/// Everything the f32 rule looks at for one run.
pub struct F32Case<'a> {
    /// Steps.
    pub steps: usize,
    /// Elements per step.
    pub elems: usize,
    /// The step (ms): `t_k = k·dt`.
    pub dt: f64,
    /// The state traces (and other outputs) to compare.
    pub traces: Vec<Trace<'a>>,
    /// For spiking models.
    pub spikes: Option<Spikes<'a>>,
    /// The windows of the model.
    pub windows: Vec<Window<'a>>,
}

/// The verdict of [`judge_f32`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Judgement {
    /// Worst `|got − want| / scale` over the compared steps (after the timing allowance).
    pub worst: f64,
    /// Which trace, step and element.
    pub worst_where: String,
    /// Spikes in the result and the reference.
    pub spikes_got: usize,
    /// Spikes in the reference.
    pub spikes_want: usize,
    /// Elements whose first difference is a threshold crossing within rounding.
    pub threshold_flips: usize,
    /// Elements whose first difference is a window end within rounding.
    pub window_flips: usize,
    /// Elements whose first difference follows a reset from a run-away `V`, which the
    /// reference computes with cancellation.
    pub cancellation_resets: usize,
    /// Largest shift of a paired spike after a first difference, in steps.
    pub max_shift: usize,
    /// The first rule violated, with where; `None` when the result passes.
    pub failure: Option<String>,
}

impl Judgement {
    /// `true` when no rule was violated.
    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }

    fn fail(&mut self, why: String) {
        if self.failure.is_none() {
            self.failure = Some(why);
        }
    }
}

/// Whether `t − start < duration` at step `k` (`t = k·dt`, `start` a step time) comes out
/// differently in f64 (BrainPy's reference) and in f32 (the kernels, `t = f32(k)·f32(dt)`).
pub fn window_rounds_differently(k: usize, start: f64, duration: f64, dt: f64) -> bool {
    if !start.is_finite() || start < 0.0 {
        return false;
    }
    let j = (start / dt).round();
    let f64_open = k as f64 * dt - j * dt < duration;
    let f32_open = (k as f32 * dt as f32) - (j as f32 * dt as f32) < duration as f32;
    f64_open != f32_open
}

/// How much of a step's change a value may lag by (the timing allowance on steep slopes):
/// `|got − want|` is first reduced by `SLOPE_ALLOWANCE × max(|Δwant|)` of the neighbouring
/// steps, so a spike upswing that is a hair early or late in f32 is not a failure.
pub const SLOPE_ALLOWANCE: f64 = 1e-3;

/// The f32 rule (module docs), for any model: continuous traces within `tol` of their scale up
/// to each element's first disagreement; that disagreement explained by a threshold crossing
/// within rounding or a window end within rounding; after it, spikes paired within
/// [`SPIKE_WINDOW`] steps.
pub fn judge_f32(c: &F32Case<'_>, tol: f64) -> Result<Judgement> {
    let n = c.steps * c.elems;
    for t in &c.traces {
        if t.got.len() != n || t.want.len() != n {
            return Err(Error::shape(
                format!("trace {}", t.name),
                format!("{} steps × {} elements", c.steps, c.elems),
                format!("{} / {} values", t.got.len(), t.want.len()),
            ));
        }
    }
    if let Some(s) = &c.spikes
        && (s.got.len() != n || s.want.len() != n || s.v >= c.traces.len())
    {
        return Err(Error::shape(
            "spikes",
            format!("{} values and a V trace", n),
            format!("{} / {} values", s.got.len(), s.want.len()),
        ));
    }
    let spiking = |k: usize, e: usize| {
        c.spikes
            .as_ref()
            .is_some_and(|s| s.want[k * c.elems + e] != 0.0)
    };
    // Scales: the largest reference magnitude, leaving out V on spiking steps (run-away values).
    let scales: Vec<f64> = c
        .traces
        .iter()
        .enumerate()
        .map(|(ti, t)| {
            let v_trace = c.spikes.as_ref().is_some_and(|s| s.v == ti);
            (0..n)
                .filter(|&i| !(v_trace && spiking(i / c.elems, i % c.elems)))
                .map(|i| t.want[i])
                .filter(|x| x.is_finite())
                .fold(0.0f64, |m, x| m.max(x.abs()))
                .max(f64::MIN_POSITIVE)
        })
        .collect();
    let mut j = Judgement {
        spikes_got: c
            .spikes
            .as_ref()
            .map_or(0, |s| s.got.iter().filter(|&&x| x != 0.0).count()),
        spikes_want: c
            .spikes
            .as_ref()
            .map_or(0, |s| s.want.iter().filter(|&&x| x != 0.0).count()),
        ..Judgement::default()
    };
    // The deviation of trace `ti` at step k, element e, relative to its scale.
    let deviation = |ti: usize, k: usize, e: usize| -> f64 {
        let t = &c.traces[ti];
        let at = |k: usize| k * c.elems + e;
        let (g, w) = (t.got[at(k)], t.want[at(k)]);
        if g == w || (g.is_nan() && w.is_nan()) {
            return 0.0;
        }
        // The reference's change to the neighbouring steps, leaving out run-away V values.
        let v_trace = c.spikes.as_ref().is_some_and(|s| s.v == ti);
        let mut slope = 0.0f64;
        for nk in [k.wrapping_sub(1), k + 1] {
            if nk < c.steps && !(v_trace && spiking(nk, e)) {
                slope = slope.max((t.want[at(nk)] - w).abs());
            }
        }
        let err = ((g - w).abs() - SLOPE_ALLOWANCE * slope).max(0.0) / scales[ti];
        if err.is_nan() { f64::INFINITY } else { err }
    };
    for e in 0..c.elems {
        let mut first = None;
        for k in 0..c.steps {
            let spike_differs = c.spikes.as_ref().is_some_and(|s| {
                (s.got[k * c.elems + e] != 0.0) != (s.want[k * c.elems + e] != 0.0)
            });
            let both_spiked = c
                .spikes
                .as_ref()
                .is_some_and(|s| s.got[k * c.elems + e] != 0.0 && s.want[k * c.elems + e] != 0.0);
            let mut bad = spike_differs;
            let mut step_worst = (0.0, 0);
            for ti in 0..c.traces.len() {
                if both_spiked && c.spikes.as_ref().is_some_and(|s| s.v == ti) {
                    continue;
                }
                let d = deviation(ti, k, e);
                if d > step_worst.0 {
                    step_worst = (d, ti);
                }
                bad |= d > tol;
            }
            // The worst deviation is reported over the steps that agree.
            if !bad && step_worst.0 > j.worst {
                j.worst = step_worst.0;
                j.worst_where = format!("{} step {k} elem {e}", c.traces[step_worst.1].name);
            }
            if bad {
                first = Some((k, spike_differs));
                break;
            }
        }
        let Some((k0, spike_differs)) = first else {
            continue;
        };
        let by_window = c
            .windows
            .iter()
            .find(|w| window_rounds_differently(k0, (w.start)(k0, e), w.duration, c.dt));
        // A threshold flip: both runs' V within tolerance (and the slope allowance) of the
        // threshold, one just above, one just below.
        let by_threshold = c
            .spikes
            .as_ref()
            .filter(|_| spike_differs)
            .is_some_and(|s| {
                let v = &c.traces[s.v];
                let theta = (s.threshold)(k0, e);
                let i = k0 * c.elems + e;
                let mut slope = 0.0f64;
                if k0 > 0 {
                    slope = slope.max((v.want[i] - v.want[i - c.elems]).abs());
                }
                let reach = tol * scales[s.v] + SLOPE_ALLOWANCE * slope;
                (v.want[i] - theta).abs().max((v.got[i] - theta).abs()) <= reach
            });
        // A reset from a run-away V (ExpIF): V − (V − V_reset) in the reference loses the
        // reset value to its own rounding when |V| is so large that its ulp exceeds the
        // tolerance; the kernels select V_reset exactly.
        let by_cancellation = c.spikes.as_ref().is_some_and(|s| {
            k0 > 0 && {
                let i = (k0 - 1) * c.elems + e;
                s.want[i] != 0.0
                    && s.got[i] != 0.0
                    && c.traces[s.v].want[i].abs() * f64::EPSILON > tol * scales[s.v]
            }
        });
        if by_window.is_some() {
            j.window_flips += 1;
        } else if by_threshold {
            j.threshold_flips += 1;
        } else if by_cancellation {
            // The reference's state is off by its own rounding from here on (ulp(V) can be
            // tens of mV): nothing later in this element is comparable.
            j.cancellation_resets += 1;
            continue;
        } else {
            let detail: Vec<String> = c
                .traces
                .iter()
                .map(|t| {
                    format!(
                        "{} {} (want {})",
                        t.name,
                        t.got[k0 * c.elems + e],
                        t.want[k0 * c.elems + e]
                    )
                })
                .collect();
            j.fail(format!(
                "element {e} first differs at step {k0}{} with no f32 cause (not at a threshold, not at a window end): {}",
                if spike_differs { " in its spike" } else { "" },
                detail.join(", ")
            ));
            continue;
        }
        if let Some(s) = &c.spikes {
            let times = |x: &[f64]| -> Vec<usize> {
                (k0..c.steps)
                    .filter(|&k| x[k * c.elems + e] != 0.0)
                    .collect()
            };
            let (tg, tw) = (times(s.got), times(s.want));
            if tg.len().abs_diff(tw.len()) > 1 {
                j.fail(format!(
                    "element {e}: {} spikes against {} after its first difference at step {k0}",
                    tg.len(),
                    tw.len()
                ));
            }
            for (a, b) in tg.iter().zip(&tw) {
                let shift = a.abs_diff(*b);
                j.max_shift = j.max_shift.max(shift);
                if shift > SPIKE_WINDOW {
                    j.fail(format!(
                        "element {e}: spike at step {a} pairs with step {b}, {shift} steps apart"
                    ));
                }
            }
        }
    }
    // A V within rounding of the threshold is rare; most elements parting that way is a bug.
    // (Window ends are another matter: with τ_ref = 1.7 ms, f32 and f64 disagree on half of
    // all refractory ends.)
    if j.threshold_flips > 2 && 2 * j.threshold_flips > c.elems {
        j.fail(format!(
            "{} of {} elements part at a threshold: rounding does that rarely, this is systematic",
            j.threshold_flips, c.elems
        ));
    }
    Ok(j)
}

/// The spike rule for a plain spiking neuron: `V` and spikes with one threshold per element
/// (a [`judge_f32`] without windows).
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
) -> Result<Judgement> {
    let theta = |_k: usize, e: usize| threshold(e);
    judge_f32(
        &F32Case {
            steps,
            elems,
            dt: 0.1,
            traces: vec![Trace {
                name: "V",
                got: v_got,
                want: v_want,
            }],
            spikes: Some(Spikes {
                got: s_got,
                want: s_want,
                v: 0,
                threshold: &theta,
            }),
            windows: vec![],
        },
        tol,
    )
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
