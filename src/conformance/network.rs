//! The network golden files (`net_*.npz`): the docstring feed-forward and E/I networks and the
//! COBA example's machinery, rebuilt with [`crate::network::classic`] from the weights,
//! connectivity, initial values and inputs stored in each file, run as whole networks (one
//! compiled plan, monitors), and compared trace by trace.
//!
//! The f64 reference must match every trace to [`F64_TOL`](crate::compare::F64_TOL) and every spike exactly. On an f32
//! device the whole network is one coupled system, so the rule is per batch row (rows are
//! independent instances): every trace within [`F32_TOL`] of its scale and every spike equal
//! up to the row's first disagreement; that first disagreement must have a legitimate f32
//! cause somewhere in the row (a spike that differs while `V` lies within rounding of the
//! threshold, or a refractory end that rounds differently in f32); after it the row's spike
//! counts per population stay within [`COUNT_DRIFT`] of the reference.

use super::{Case, Report, Traces, format_err};
use crate::compare::{F32_TOL, window_rounds_differently};
use crate::error::Result;
use crate::model::Init;
use crate::network::classic::{Coba, EiInput, EiNetwork, FeedForward, FeedForwardInput};
use crate::network::{Dense, Executor, ExternalId, FixedProb, Network, NodeId, Weights};
use crate::tensor::Device;
use crate::units::{Quantity, Time, ms};

/// How far a row's spike count per population may drift from the reference after its first
/// legitimate disagreement (relative, with at least two spikes of slack).
pub const COUNT_DRIFT: f64 = 0.2;

/// The three network layouts the files use.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    FeedForward,
    Ei,
    Coba,
}

/// A population whose spikes are recorded, with what explains a flip of one of its spikes.
struct SpikingPop {
    spikes: &'static str,
    v: &'static str,
    threshold: f64,
    /// Refractory period and the trace of the last spike time (LIFRef).
    refractory: Option<(f64, &'static str)>,
}

/// A synapse with a transmitter window (AMPA, GABAa) fed by a recorded spike train: its
/// window opens at each spike and lasts `duration`.
struct Transmitter {
    spikes: &'static str,
    duration: f64,
}

/// A network file's network as a replay runs it: its batch, the external stream and the key of
/// the file's values for it, and what it records.
struct Replay {
    network: Network,
    batch: Option<usize>,
    input: Option<(ExternalId, &'static str)>,
    rec: Recording,
}

/// What a replay records: spike trains (`key`, population) and states (`key`, population,
/// variable), all every step.
struct Recording {
    spikes: Vec<(&'static str, NodeId)>,
    states: Vec<(&'static str, NodeId, &'static str)>,
    /// Per-step spike counts (`key`, index into `spikes`).
    counts: Vec<(&'static str, usize)>,
}

impl Case {
    /// Whether the file is a network golden (`net_*`).
    pub fn is_network(&self) -> bool {
        self.model.starts_with("net_")
    }

    fn network_kind(&self) -> Result<Kind> {
        let m = self.model.as_str();
        if m.starts_with("net_ff_") {
            Ok(Kind::FeedForward)
        } else if m.starts_with("net_ei_") {
            Ok(Kind::Ei)
        } else if m.starts_with("net_coba_") {
            Ok(Kind::Coba)
        } else {
            Err(format_err(
                self,
                format!("network case {m} is not supported"),
            ))
        }
    }

    /// The recorded keys of a network file.
    pub(super) fn network_keys(&self) -> Result<Vec<&'static str>> {
        Ok(match self.network_kind()? {
            Kind::FeedForward => vec![
                "spikes0",
                "spikes1",
                "spikes2",
                "out_spikes",
                "count0",
                "count1",
                "count2",
                "count3",
                "g1",
                "g2",
                "V1",
                "V_out",
            ],
            Kind::Ei => vec![
                "exc_spikes",
                "inh_spikes",
                "exc_count",
                "inh_count",
                "V_exc",
                "V_inh",
                "g_exc",
                "g_inh",
            ],
            Kind::Coba => vec!["spikes", "V", "gE", "gI", "last_spike_time"],
        })
    }

    fn dense_from(&self, w: &str, b: Option<&str>) -> Result<Dense> {
        let shape = self.shape(w)?;
        if shape.len() != 2 {
            return Err(format_err(self, format!("`{w}` is not a matrix")));
        }
        let d = Dense::new(shape[0], shape[1], self.array(w)?);
        Ok(match b {
            Some(b) if self.npz.contains(b) => d.bias(self.array(b)?),
            _ => d,
        })
    }

    /// Event-driven connectivity from `conn_idx_*` (targets per pre) and the dense
    /// equivalent `W_*` (duplicates summed): each synapse's weight is its entry of `W` divided
    /// by how often the pair occurs.
    fn fixed_prob_from(&self, idx: &str, w: &str, n_post: usize) -> Result<FixedProb> {
        let shape = self.dims(idx, 2, 2)?;
        let (n_pre, k) = (shape[0], shape[1]);
        let targets = self.npz.get(idx)?.to_indices(self.npz.path(), idx)?;
        if k == 0 || targets.iter().any(|&t| t as usize >= n_post) {
            return Err(format_err(
                self,
                format!("`{idx}` needs targets below {n_post} and at least one per source"),
            ));
        }
        let dense = self.array(w)?;
        if dense.len() != n_pre * n_post {
            return Err(format_err(
                self,
                format!("`{w}` is not ({n_pre}, {n_post})"),
            ));
        }
        let mut weights = Vec::with_capacity(targets.len());
        for pre in 0..n_pre {
            let row = &targets[pre * k..(pre + 1) * k];
            for &t in row {
                let times = row.iter().filter(|&&u| u == t).count() as f64;
                weights.push(
                    dense
                        .get(pre * n_post + t as usize)
                        .copied()
                        .unwrap_or(f64::NAN)
                        / times,
                );
            }
        }
        let weights = if weights.iter().all(|&x| Some(&x) == weights.first()) && !weights.is_empty()
        {
            Weights::Homogeneous(weights[0])
        } else {
            Weights::PerSynapse(weights.into())
        };
        Ok(FixedProb::from_targets(n_pre, n_post, k, targets, weights))
    }

    /// The network of a network file, its batch and `dt`, as a replay compiles it (for reading
    /// or checking its kernels without a device: [`Network::kernels`]).
    pub fn network(&self) -> Result<(Network, Option<usize>, Quantity<Time>)> {
        let built = self.build_network()?;
        Ok((built.network, built.batch, self.dt * ms))
    }

    /// The network of the file and what a replay feeds it and records.
    fn build_network(&self) -> Result<Replay> {
        Ok(match self.network_kind()? {
            Kind::FeedForward => {
                let r_hidden2 = self.meta["R_hidden2"].as_f64().unwrap_or(1.0);
                let ff = FeedForward {
                    layers: [
                        self.dense_from("W1", Some("b1"))?,
                        self.dense_from("W2", Some("b2"))?,
                        self.dense_from("W3", Some("b3"))?,
                    ],
                    r_hidden2,
                    amplitude: self.npz.scalar("in_amp")?,
                    input: FeedForwardInput::External,
                }
                .build()?;
                let batch = self.dims("in_spikes", 3, 3)?[1];
                let [l0, l1, l2, l3] = ff.lif;
                let rec = Recording {
                    spikes: vec![
                        ("spikes0", l0),
                        ("spikes1", l1),
                        ("spikes2", l2),
                        ("out_spikes", l3),
                    ],
                    states: vec![
                        ("g1", ff.expon, "g"),
                        ("g2", ff.ampa, "g"),
                        ("V1", l1, "V"),
                        ("V_out", l3, "V"),
                    ],
                    counts: vec![("count0", 0), ("count1", 1), ("count2", 2), ("count3", 3)],
                };
                Replay {
                    network: ff.network,
                    batch: Some(batch),
                    input: Some((ff.input.expect("external input"), "in_spikes")),
                    rec,
                }
            }
            Kind::Ei => {
                let ei = EiNetwork {
                    w_ee: self.dense_from("W_ee", Some("b_ee"))?,
                    w_ei: self.dense_from("W_ei", Some("b_ei"))?,
                    w_ie: self.dense_from("W_ie", Some("b_ie"))?,
                    w_ii: self.dense_from("W_ii", Some("b_ii"))?,
                    input: EiInput::External,
                }
                .build()?;
                let batch = self.dims("in_ext", 3, 3)?[1];
                let rec = Recording {
                    spikes: vec![("exc_spikes", ei.exc), ("inh_spikes", ei.inh)],
                    states: vec![
                        ("V_exc", ei.exc, "V"),
                        ("V_inh", ei.inh, "V"),
                        ("g_exc", ei.g_exc, "g"),
                        ("g_inh", ei.g_inh, "g"),
                    ],
                    counts: vec![("exc_count", 0), ("inh_count", 1)],
                };
                Replay {
                    network: ei.network,
                    batch: Some(batch),
                    input: Some((ei.input.expect("external input"), "in_ext")),
                    rec,
                }
            }
            Kind::Coba => {
                let v0 = self.array("V0")?;
                let n = v0.len();
                let n_exc = self.dims("conn_idx_E", 2, 2)?[0];
                let conn_e = self.fixed_prob_from("conn_idx_E", "W_E", n)?;
                let conn_i = self.fixed_prob_from("conn_idx_I", "W_I", n)?;
                let mut coba = Coba::new(n);
                coba.excitatory = n_exc;
                coba.i_ext = Quantity::internal(
                    *self
                        .array("I_ext")?
                        .first()
                        .ok_or_else(|| format_err(self, "`I_ext` is empty"))?,
                );
                coba.v_init = Init::per_neuron(v0.iter().map(|&v| Quantity::internal(v)));
                coba.connectivity = Some((conn_e, conn_i));
                let net = coba.build()?;
                let rec = Recording {
                    spikes: vec![("spikes", net.neurons)],
                    states: vec![
                        ("V", net.neurons, "V"),
                        ("gE", net.g_exc, "g"),
                        ("gI", net.g_inh, "g"),
                        ("last_spike_time", net.neurons, "last_spike_time"),
                    ],
                    counts: vec![],
                };
                Replay {
                    network: net.network,
                    batch: None,
                    input: None,
                    rec,
                }
            }
        })
    }

    /// Builds and runs a network file on `device`, recording the file's traces.
    pub(super) fn simulate_network(&self, device: &Device, executor: Executor) -> Result<Traces> {
        let steps = self.npz.get("t")?.numel();
        let Replay {
            network,
            batch,
            input,
            rec,
        } = self.build_network()?;
        let mut sim = network.compile_with(device, batch, self.dt * ms, executor)?;
        if let Some((ext, key)) = input {
            sim.feed(ext, &self.array(key)?)?;
        }
        let spike_ids = rec
            .spikes
            .iter()
            .map(|(_, node)| sim.monitor_spikes(*node))
            .collect::<Result<Vec<_>>>()?;
        let state_ids = rec
            .states
            .iter()
            .map(|(_, node, var)| sim.monitor_state(*node, var, 1))
            .collect::<Result<Vec<_>>>()?;
        sim.run(steps)?;
        let mut traces = Traces::new();
        for ((key, _), id) in rec.spikes.iter().zip(&spike_ids) {
            let r = sim.spikes(*id)?;
            traces.insert(
                key.to_string(),
                r.dense().into_iter().map(f64::from).collect(),
            );
        }
        for (key, i) in &rec.counts {
            let r = sim.spikes(spike_ids[*i])?;
            traces.insert(
                key.to_string(),
                r.counts().into_iter().map(|c| c as f64).collect(),
            );
        }
        for ((key, _, _), id) in rec.states.iter().zip(&state_ids) {
            traces.insert(key.to_string(), sim.samples(*id)?.values.clone());
        }
        Ok(traces)
    }

    /// The network f32 rule (module docs).
    pub(super) fn compare_network_f32(&self, got: &Traces) -> Result<Report> {
        let want = self.golden()?;
        for key in want.keys() {
            if !got.contains_key(key) {
                return Err(format_err(self, format!("no computed trace `{key}`")));
            }
        }
        let steps = self.npz.get("t")?.numel();
        let (pops, continuous, windows): (Vec<SpikingPop>, Vec<&str>, Vec<Transmitter>) =
            match self.network_kind()? {
                Kind::FeedForward => {
                    let pop = |spikes, v| SpikingPop {
                        spikes,
                        v,
                        threshold: 1.0,
                        refractory: None,
                    };
                    // Only V of hidden 1 and of the output layer are recorded; flips in the other
                    // layers show through them or their synapses one step later.
                    // AMPA's arrivals are the (nearly always nonzero) Linear outputs: its window
                    // never closes.
                    (
                        vec![pop("spikes1", "V1"), pop("out_spikes", "V_out")],
                        vec!["g1", "g2", "V1", "V_out"],
                        vec![],
                    )
                }
                Kind::Ei => {
                    let pop = |spikes, v| SpikingPop {
                        spikes,
                        v,
                        threshold: 1.0,
                        refractory: None,
                    };
                    let transmitter = |spikes| Transmitter {
                        spikes,
                        duration: 1.0,
                    };
                    (
                        vec![pop("exc_spikes", "V_exc"), pop("inh_spikes", "V_inh")],
                        vec!["V_exc", "V_inh", "g_exc", "g_inh"],
                        vec![transmitter("exc_spikes"), transmitter("inh_spikes")],
                    )
                }
                Kind::Coba => (
                    vec![SpikingPop {
                        spikes: "spikes",
                        v: "V",
                        threshold: -50.0,
                        refractory: Some((5.0, "last_spike_time")),
                    }],
                    vec!["V", "gE", "gI"],
                    vec![],
                ),
            };
        let spike_keys: Vec<&str> = want
            .keys()
            .filter(|k| k.contains("spikes"))
            .map(|k| k.as_str())
            .collect();
        // Rows: the second axis of a spike trace when it has three.
        let shape = self.shape(spike_keys[0])?;
        let rows = if shape.len() == 3 { shape[1] } else { 1 };
        let scale = |key: &str| {
            want[key]
                .iter()
                .fold(0.0f64, |m, x| m.max(x.abs()))
                .max(f64::MIN_POSITIVE)
        };
        let per_row = |key: &str| want[key].len() / (steps * rows);
        let mut report = Report::new(&self.name);
        let mut notes = Vec::new();
        for row in 0..rows {
            let at = |key: &str, k: usize, j: usize| (k * rows + row) * per_row(key) + j;
            // The row's first disagreement: a spike or a trace beyond tolerance.
            let mut first: Option<(usize, String)> = None;
            'steps: for k in 0..steps {
                for key in &spike_keys {
                    for j in 0..per_row(key) {
                        if got[*key][at(key, k, j)] != want[*key][at(key, k, j)] {
                            first = Some((k, format!("{key} neuron {j}")));
                            break 'steps;
                        }
                    }
                }
                for key in &continuous {
                    let s = scale(key);
                    for j in 0..per_row(key) {
                        let (g, w) = (got[*key][at(key, k, j)], want[*key][at(key, k, j)]);
                        let err = (g - w).abs() / s;
                        let err = if err.is_nan() { f64::INFINITY } else { err };
                        if err > F32_TOL {
                            first = Some((k, format!("{key} elem {j}: {g} vs {w}")));
                            break 'steps;
                        }
                        if err > report.worst {
                            report.worst = err;
                            report.worst_where = format!("{key} row {row} step {k} elem {j}");
                        }
                    }
                }
            }
            let Some((k0, what)) = first else { continue };
            // A legitimate cause at k0 (or the step before, for a flip that shows in the
            // traces one step later): a spike flip with V near threshold, or a refractory end
            // that rounds differently.
            let mut cause = None;
            for k in k0.saturating_sub(1)..=k0 {
                for p in &pops {
                    let sv = scale(p.v);
                    for j in 0..per_row(p.spikes) {
                        let i = at(p.spikes, k, j);
                        let vi = at(p.v, k, j);
                        if got[p.spikes][i] != want[p.spikes][i] {
                            let near = |v: f64| (v - p.threshold).abs() <= F32_TOL * sv;
                            if near(want[p.v][vi]) || near(got[p.v][vi]) {
                                cause.get_or_insert(format!(
                                    "{} neuron {j} at step {k} within rounding of threshold",
                                    p.spikes
                                ));
                            }
                        }
                        if let Some((tau_ref, last)) = p.refractory {
                            let start = if k == 0 {
                                f64::NAN
                            } else {
                                want[last][at(last, k - 1, j)]
                            };
                            if window_rounds_differently(k, start, tau_ref, self.dt) {
                                cause.get_or_insert(format!(
                                    "refractory end of neuron {j} at step {k} rounds differently"
                                ));
                            }
                        }
                    }
                }
            }
            for k in k0.saturating_sub(2)..=k0 {
                for w in &windows {
                    for j in 0..per_row(w.spikes) {
                        // The arrival in force at step k: the last spike at or before it.
                        let last = (0..=k)
                            .rev()
                            .find(|&q| want[w.spikes][at(w.spikes, q, j)] != 0.0);
                        let start = last.map_or(f64::NAN, |q| q as f64 * self.dt);
                        if window_rounds_differently(k, start, w.duration, self.dt) {
                            cause.get_or_insert(format!("transmitter window after {} neuron {j} ends at step {k}, which rounds differently", w.spikes));
                        }
                    }
                }
            }
            let Some(cause) = cause else {
                report.passed = false;
                report.detail =
                    format!("row {row}: first difference at step {k0} ({what}) has no f32 cause");
                return Ok(report);
            };
            // After it: spike counts per population within the drift.
            for key in &spike_keys {
                let count = |t: &Traces| -> f64 {
                    (0..steps)
                        .flat_map(|k| (0..per_row(key)).map(move |j| (k, j)))
                        .map(|(k, j)| t[*key][at(key, k, j)])
                        .sum()
                };
                let (cg, cw) = (count(got), count(&want));
                if (cg - cw).abs() > (COUNT_DRIFT * cw).max(2.0) {
                    report.passed = false;
                    report.detail = format!(
                        "row {row}: {key} {cg} spikes vs {cw} after the first difference at step {k0} ({cause})"
                    );
                    return Ok(report);
                }
            }
            notes.push(format!("row {row} parts at step {k0}: {cause}"));
        }
        let spikes =
            |t: &Traces| -> f64 { spike_keys.iter().map(|k| t[*k].iter().sum::<f64>()).sum() };
        report.detail = format!(
            "{} spikes vs {}; {}",
            spikes(got),
            spikes(&want),
            if notes.is_empty() {
                "identical spikes".to_string()
            } else {
                notes.join("; ")
            }
        );
        Ok(report)
    }
}
