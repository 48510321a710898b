//! What monitors keep: spikes as bitmasks, states as samples; both export to `.npz`.

use std::path::Path;

use super::Record;
use crate::error::Result;
use crate::gpu::GpuArray;
use crate::npz::{NpyData, NpzStream, NpzWriter};

/// The spikes of one population, step by step: for each recorded step and sample, one bit per
/// neuron.
#[derive(Clone, Debug, PartialEq)]
pub struct SpikeRecord {
    /// The population.
    pub name: String,
    pub(crate) node: usize,
    /// Samples per step (1 without a batch axis).
    pub rows: usize,
    /// Neurons per sample.
    pub n: usize,
    /// The step index of the first recorded step.
    pub first_step: u64,
    dt: f64,
    words: Vec<u32>,
}

impl SpikeRecord {
    pub(crate) fn new(
        name: &str,
        node: usize,
        rows: usize,
        n: usize,
        first_step: u64,
        dt: f64,
    ) -> SpikeRecord {
        SpikeRecord {
            name: name.to_string(),
            node,
            rows,
            n,
            first_step,
            dt,
            words: Vec::new(),
        }
    }

    /// Words of bits per sample and step.
    pub(crate) fn words_per_row(&self) -> usize {
        self.n.div_ceil(32)
    }

    /// Appends steps given as bitmask words (`steps × rows × words_per_row`).
    pub(crate) fn push_words(&mut self, words: &[u32]) {
        self.words.extend_from_slice(words);
    }

    /// Appends one step given as values (any nonzero value is a spike), `rows × n`.
    pub(crate) fn push_values(&mut self, values: &[f64]) {
        let w = self.words_per_row();
        for b in 0..self.rows {
            for q in 0..w {
                let mut bits = 0u32;
                for j in q * 32..((q + 1) * 32).min(self.n) {
                    if values[b * self.n + j] != 0.0 {
                        bits |= 1 << (j - q * 32);
                    }
                }
                self.words.push(bits);
            }
        }
    }

    /// The time step in ms.
    pub fn dt_ms(&self) -> f64 {
        self.dt
    }

    /// Recorded steps.
    pub fn steps(&self) -> usize {
        self.words.len() / (self.rows * self.words_per_row()).max(1)
    }

    /// The record so far, leaving this one empty to go on recording from step `next`.
    pub(crate) fn take(&mut self, next: u64) -> SpikeRecord {
        let mut taken = self.clone();
        taken.words = std::mem::take(&mut self.words);
        self.first_step = next;
        taken
    }

    /// Whether neuron `j` of sample `row` spiked at recorded step `step`.
    pub fn spiked(&self, step: usize, row: usize, j: usize) -> bool {
        let w = self.words_per_row();
        (self.words[(step * self.rows + row) * w + j / 32] >> (j % 32)) & 1 == 1
    }

    /// All spikes as `(step, row, neuron)`, in order.
    pub fn events(&self) -> Vec<(usize, usize, usize)> {
        let w = self.words_per_row();
        let mut out = Vec::new();
        for (i, &word) in self.words.iter().enumerate() {
            let mut bits = word;
            while bits != 0 {
                let q = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let (step_row, wi) = (i / w, i % w);
                out.push((step_row / self.rows, step_row % self.rows, wi * 32 + q));
            }
        }
        out
    }

    /// The number of spikes.
    pub fn count(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Spikes per recorded step and sample (`steps × rows`).
    pub fn counts(&self) -> Vec<usize> {
        let w = self.words_per_row();
        self.words
            .chunks(w)
            .map(|c| c.iter().map(|x| x.count_ones() as usize).sum())
            .collect()
    }

    /// Spikes of sample `row` per bin of `bin` recorded steps (the population's spike-count
    /// histogram; a last partial bin is dropped).
    pub fn binned(&self, row: usize, bin: usize) -> Vec<usize> {
        let bin = bin.max(1);
        let mut out = vec![0usize; self.steps() / bin];
        for (step, r, _) in self.events() {
            if r == row && step / bin < out.len() {
                out[step / bin] += 1;
            }
        }
        out
    }

    /// The Fano factor (variance over mean) of [`binned`](Self::binned): about 1 when the
    /// population fires asynchronously, much more when it fires in synchronous waves; `None`
    /// without spikes or with fewer than two bins.
    pub fn population_fano(&self, row: usize, bin: usize) -> Option<f64> {
        let counts = self.binned(row, bin);
        let n = counts.len() as f64;
        let mean = counts.iter().sum::<usize>() as f64 / n;
        if counts.len() < 2 || mean == 0.0 {
            return None;
        }
        let var = counts
            .iter()
            .map(|&c| (c as f64 - mean).powi(2))
            .sum::<f64>()
            / (n - 1.0);
        Some(var / mean)
    }

    /// The strongest frequency (Hz) of sample `row`'s population rate in bins of `bin` steps,
    /// between 2 Hz and the Nyquist frequency at 1 Hz steps (a plain DFT), with its share of
    /// the power there; `None` for fewer than four bins or a constant rate.
    pub fn dominant_frequency(&self, row: usize, bin: usize) -> Option<(f64, f64)> {
        let counts = self.binned(row, bin);
        let bin_s = bin.max(1) as f64 * self.dt * 1e-3;
        let mean = counts.iter().sum::<usize>() as f64 / counts.len().max(1) as f64;
        let nyquist = (0.5 / bin_s).floor() as usize;
        let (mut best, mut total) = ((0.0, 0.0), 0.0);
        for f in 2..nyquist {
            let w = std::f64::consts::TAU * f as f64 * bin_s;
            let (mut re, mut im) = (0.0, 0.0);
            for (i, &c) in counts.iter().enumerate() {
                let x = c as f64 - mean;
                re += x * (w * i as f64).cos();
                im += x * (w * i as f64).sin();
            }
            let power = re * re + im * im;
            total += power;
            if power > best.1 {
                best = (f as f64, power);
            }
        }
        (counts.len() >= 4 && total > 0.0).then(|| (best.0, best.1 / total))
    }

    /// 0/1 per step, sample and neuron (`steps × rows × n`).
    pub fn dense(&self) -> Vec<u8> {
        let mut out = vec![0u8; self.steps() * self.rows * self.n];
        for (s, b, j) in self.events() {
            out[(s * self.rows + b) * self.n + j] = 1;
        }
        out
    }

    /// The mean firing rate in Hz over the recorded steps, neurons and samples.
    pub fn rate_hz(&self) -> f64 {
        let time_s = self.steps() as f64 * self.dt * 1e-3;
        self.count() as f64 / (time_s * (self.rows * self.n) as f64).max(f64::MIN_POSITIVE)
    }

    /// The coefficient of variation of the inter-spike intervals, pooled over the neurons of
    /// sample `row` that spiked at least three times (≈ 1 for irregular, Poisson-like firing,
    /// ≈ 0 for clock-like firing); `None` without such neurons.
    pub fn isi_cv(&self, row: usize) -> Option<f64> {
        let mut last = vec![None::<usize>; self.n];
        let mut per_neuron: Vec<Vec<f64>> = vec![Vec::new(); self.n];
        for (step, r, j) in self.events() {
            if r != row {
                continue;
            }
            if let Some(prev) = last[j] {
                per_neuron[j].push((step - prev) as f64);
            }
            last[j] = Some(step);
        }
        let cvs: Vec<f64> = per_neuron
            .iter()
            .filter(|isi| isi.len() >= 2)
            .map(|isi| {
                let mean = isi.iter().sum::<f64>() / isi.len() as f64;
                let var = isi.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / isi.len() as f64;
                var.sqrt() / mean
            })
            .collect();
        (!cvs.is_empty()).then(|| cvs.iter().sum::<f64>() / cvs.len() as f64)
    }

    /// Writes `times_ms`, `steps`, `rows`, `neurons` (one entry per spike), `dt_ms` and
    /// `shape` (steps, rows, n) to an `.npz`.
    pub fn to_npz(&self, path: impl AsRef<Path>) -> Result<()> {
        write_arrays(self, path.as_ref())
    }
}

impl Arrays for SpikeRecord {
    fn growing(&self) -> Vec<Array> {
        let events = self.events();
        let step = |e: &(usize, usize, usize)| self.first_step as i64 + e.0 as i64;
        vec![
            (
                "times_ms",
                vec![],
                NpyData::F64(events.iter().map(|e| step(e) as f64 * self.dt).collect()),
            ),
            (
                "steps",
                vec![],
                NpyData::I64(events.iter().map(step).collect()),
            ),
            (
                "rows",
                vec![],
                NpyData::I32(events.iter().map(|e| e.1 as i32).collect()),
            ),
            (
                "neurons",
                vec![],
                NpyData::I32(events.iter().map(|e| e.2 as i32).collect()),
            ),
        ]
    }

    fn entries(&self) -> u64 {
        self.steps() as u64
    }

    fn once(&self, entries: u64) -> Vec<Array> {
        vec![
            ("dt_ms", vec![], NpyData::F64(vec![self.dt])),
            (
                "shape",
                vec![3],
                NpyData::I64(vec![entries as i64, self.rows as i64, self.n as i64]),
            ),
        ]
    }
}

/// Which elements of a state variable a state monitor samples, and when: every `every` steps
/// from `start` (an absolute step; by default the steps that are multiples of `every`, from
/// the next step run) until before `stop`, the neurons `neurons` (indices into `in_size`, the
/// same in every instance) or all of them. Memory on the host and the device
/// is proportional to the neurons sampled.
///
/// ```
/// use brainwgpu::network::Sampling;
/// // V of neurons 0, 10 and 20, every 10th step from step 1000 to 2000.
/// let s = Sampling::every(10).neurons(vec![0, 10, 20]).steps(1000..2000);
/// assert_eq!(s.every, 10);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sampling {
    /// Steps between samples (≥ 1).
    pub every: usize,
    /// The neurons sampled in each instance (`None`: all).
    pub neurons: Option<Vec<usize>>,
    /// The first step sampled (absolute; `None`: the first multiple of `every` from the next
    /// step run).
    pub start: Option<u64>,
    /// The step before which sampling stops (absolute; `None`: never).
    pub stop: Option<u64>,
}

impl Sampling {
    /// Every neuron, every `every` steps from the next step on.
    pub fn every(every: usize) -> Sampling {
        Sampling {
            every,
            neurons: None,
            start: None,
            stop: None,
        }
    }

    /// Only `neurons` (indices into the population's `in_size`, flattened).
    pub fn neurons(mut self, neurons: Vec<usize>) -> Sampling {
        self.neurons = Some(neurons);
        self
    }

    /// Only the steps `range` (absolute step numbers; samples at `start`, `start + every` …).
    pub fn steps(mut self, range: std::ops::Range<u64>) -> Sampling {
        self.start = Some(range.start);
        self.stop = Some(range.end);
        self
    }
}

/// Samples of one state variable of a population: every `every` steps within a window, of all
/// its neurons or a subset (see [`Sampling`]).
#[derive(Clone, Debug, PartialEq)]
pub struct StateRecord {
    /// The population.
    pub name: String,
    /// The state variable.
    pub var: String,
    pub(crate) node: usize,
    pub(crate) var_index: usize,
    /// Steps between samples.
    pub every: usize,
    /// Samples per step (1 without a batch axis).
    pub rows: usize,
    /// Neurons sampled per instance (the length of `neurons`).
    pub n: usize,
    /// The neurons sampled, in the order of each sample's values.
    pub neurons: Vec<usize>,
    /// Whether `neurons` is a subset (else every neuron, in order).
    pub(crate) subset: bool,
    /// Sampled steps are the `k` in `[start, stop)` with `(k + shift) mod every = 0`.
    pub(crate) start: u64,
    pub(crate) stop: u64,
    pub(crate) shift: u64,
    dt: f64,
    /// Whether the variable is a time ([`crate::Model::time_states`]): kept relative to the
    /// clock's epoch on the device, recorded as absolute times.
    pub(crate) time_valued: bool,
    /// The step index of each sample.
    pub steps: Vec<u64>,
    /// The samples, `samples × rows × n`.
    pub values: Vec<f64>,
}

impl StateRecord {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        name: &str,
        var: &str,
        (node, var_index, n_all): (usize, usize, usize),
        sampling: &Sampling,
        rows: usize,
        now: u64,
        dt: f64,
    ) -> StateRecord {
        let every = sampling.every.max(1);
        let start = sampling.start.unwrap_or(now);
        let (neurons, subset) = match &sampling.neurons {
            Some(v) => (v.clone(), true),
            None => ((0..n_all).collect(), false),
        };
        StateRecord {
            name: name.to_string(),
            var: var.to_string(),
            node,
            var_index,
            every,
            rows,
            n: neurons.len(),
            neurons,
            subset,
            start,
            stop: sampling.stop.unwrap_or(u64::MAX),
            // The grid: from `start` when given, else the multiples of `every` (so that a
            // monitor added again after a restore samples the steps it sampled before).
            shift: (every as u64 - sampling.start.unwrap_or(0) % every as u64) % every as u64,
            dt,
            time_valued: false,
            steps: Vec::new(),
            values: Vec::new(),
        }
    }

    /// Whether step `k` is on the sampling grid (the kernels sample these; the window is
    /// applied when the samples reach the host).
    pub(crate) fn on_grid(&self, k: u64) -> bool {
        (k + self.shift).is_multiple_of(self.every as u64)
    }

    /// The flat elements sampled, `rows × n` (`b·n_all + j`).
    pub(crate) fn elements(&self, n_all: usize) -> Vec<usize> {
        (0..self.rows)
            .flat_map(|b| self.neurons.iter().map(move |&j| b * n_all + j))
            .collect()
    }

    /// Appends the sample of step `k` (`rows × n` values), if `k` is within the window.
    pub(crate) fn push(&mut self, k: u64, values: &[f64]) {
        if (self.start..self.stop).contains(&k) {
            self.steps.push(k);
            if self.time_valued {
                let epoch = crate::clock::epoch_of(k) as f64 * self.dt;
                self.values.extend(values.iter().map(|&x| x + epoch));
            } else {
                self.values.extend_from_slice(values);
            }
        }
    }

    /// The record so far, leaving this one empty to go on sampling.
    pub(crate) fn take(&mut self) -> StateRecord {
        let mut taken = self.clone();
        taken.steps = std::mem::take(&mut self.steps);
        taken.values = std::mem::take(&mut self.values);
        taken
    }

    /// The time step in ms.
    pub fn dt_ms(&self) -> f64 {
        self.dt
    }

    /// Writes `times_ms`, `neurons` and `values` (`samples × rows × n`) to an `.npz`.
    pub fn to_npz(&self, path: impl AsRef<Path>) -> Result<()> {
        write_arrays(self, path.as_ref())
    }
}

impl Arrays for StateRecord {
    fn growing(&self) -> Vec<Array> {
        vec![
            (
                "times_ms",
                vec![],
                NpyData::F64(self.steps.iter().map(|&k| k as f64 * self.dt).collect()),
            ),
            (
                "values",
                vec![self.rows, self.n],
                NpyData::F64(self.values.clone()),
            ),
        ]
    }

    fn entries(&self) -> u64 {
        self.steps.len() as u64
    }

    fn once(&self, _entries: u64) -> Vec<Array> {
        vec![(
            "neurons",
            vec![self.n],
            NpyData::I64(self.neurons.iter().map(|&j| j as i64).collect()),
        )]
    }
}

/// A population's activity: its spike count per step and instance, without per-neuron
/// storage (a rate monitor). The kernels record spikes as bits for one chunk of steps; each
/// chunk is reduced to counts when it reaches the host.
#[derive(Clone, Debug, PartialEq)]
pub struct RateRecord {
    /// The population.
    pub name: String,
    /// Samples per step (1 without a batch axis).
    pub rows: usize,
    /// Neurons per sample.
    pub n: usize,
    /// The step index of the first recorded step.
    pub first_step: u64,
    dt: f64,
    /// What the executors fill: one chunk's spike bits, emptied into `counts`.
    pub(crate) bits: SpikeRecord,
    counts: Vec<u32>,
}

impl RateRecord {
    pub(crate) fn new(bits: SpikeRecord) -> RateRecord {
        RateRecord {
            name: bits.name.clone(),
            rows: bits.rows,
            n: bits.n,
            first_step: bits.first_step,
            dt: bits.dt,
            bits,
            counts: Vec::new(),
        }
    }

    /// Moves the recorded spike bits into counts.
    pub(crate) fn absorb(&mut self) {
        self.counts
            .extend(self.bits.counts().into_iter().map(|c| c as u32));
        self.bits.words.clear();
    }

    /// Recorded steps.
    pub fn steps(&self) -> usize {
        self.counts.len() / self.rows.max(1)
    }

    /// Spikes per recorded step and instance (`steps × rows`).
    pub fn counts(&self) -> &[u32] {
        &self.counts
    }

    /// The population rate of instance `row` in Hz, per recorded step.
    pub fn rate_hz(&self, row: usize) -> Vec<f64> {
        let per = self.n as f64 * self.dt * 1e-3;
        self.counts
            .iter()
            .skip(row)
            .step_by(self.rows.max(1))
            .map(|&c| c as f64 / per)
            .collect()
    }

    /// The mean rate in Hz over the recorded steps, neurons and instances.
    pub fn mean_rate_hz(&self) -> f64 {
        let total: u64 = self.counts.iter().map(|&c| u64::from(c)).sum();
        let time_s = self.steps() as f64 * self.dt * 1e-3;
        total as f64 / (time_s * (self.rows * self.n) as f64).max(f64::MIN_POSITIVE)
    }

    /// Numbers the (empty) record's steps from `step` on.
    pub(crate) fn restart_at(&mut self, step: u64) {
        self.first_step = step;
        self.bits.first_step = step;
    }

    /// The record so far, leaving this one empty to go on counting from step `next`.
    pub(crate) fn take(&mut self, next: u64) -> RateRecord {
        let mut taken = self.clone();
        taken.counts = std::mem::take(&mut self.counts);
        self.first_step = next;
        self.bits.first_step = next;
        taken
    }

    /// Writes `times_ms` and `counts` (`steps × rows`) to an `.npz`.
    pub fn to_npz(&self, path: impl AsRef<Path>) -> Result<()> {
        write_arrays(self, path.as_ref())
    }
}

impl Arrays for RateRecord {
    fn growing(&self) -> Vec<Array> {
        vec![
            (
                "times_ms",
                vec![],
                NpyData::F64(
                    (0..self.steps() as u64)
                        .map(|s| (self.first_step + s) as f64 * self.dt)
                        .collect(),
                ),
            ),
            (
                "counts",
                vec![self.rows],
                NpyData::I64(self.counts.iter().map(|&c| i64::from(c)).collect()),
            ),
        ]
    }

    fn entries(&self) -> u64 {
        self.steps() as u64
    }

    fn once(&self, _entries: u64) -> Vec<Array> {
        Vec::new()
    }
}

/// One array of a record's `.npz`: its name, the shape of one entry along the first axis
/// (growing arrays) or its whole shape (the others), and its values.
type Array = (&'static str, Vec<usize>, NpyData);

/// A record's `.npz` arrays, the one definition its `to_npz` and its stream share: those that
/// grow with the run, and those written once, at the end, given the entries recorded in all.
trait Arrays {
    fn growing(&self) -> Vec<Array>;
    /// Steps (or samples) recorded.
    fn entries(&self) -> u64;
    fn once(&self, entries: u64) -> Vec<Array>;
}

/// Writes a record's arrays to an `.npz`.
fn write_arrays(record: &dyn Arrays, path: &Path) -> Result<()> {
    let mut w = NpzWriter::new();
    for (name, inner, data) in record.growing() {
        let entry: usize = inner.iter().product::<usize>().max(1);
        let mut shape = vec![data.len() / entry];
        shape.extend(inner);
        w.add(name, &shape, data)?;
    }
    for (name, shape, data) in record.once(record.entries()) {
        w.add(name, &shape, data)?;
    }
    w.write(path)
}

fn descr(data: &NpyData) -> &'static str {
    match data {
        NpyData::I64(_) => "<i8",
        NpyData::I32(_) => "<i4",
        _ => "<f8",
    }
}

/// Spike counts of one population per sample, summed over the recorded steps: the cheapest
/// monitor (one counter per sample, read once per chunk), for firing rates of large networks.
#[derive(Clone, Debug, PartialEq)]
pub struct CountRecord {
    /// The population.
    pub name: String,
    pub(crate) node: usize,
    /// Samples (1 without a batch axis).
    pub rows: usize,
    /// Neurons per sample.
    pub n: usize,
    /// Steps counted.
    pub steps: u64,
    /// Spikes per sample.
    pub counts: Vec<u64>,
    dt: f64,
}

impl CountRecord {
    pub(crate) fn new(name: &str, node: usize, rows: usize, n: usize, dt: f64) -> CountRecord {
        CountRecord {
            name: name.to_string(),
            node,
            rows,
            n,
            steps: 0,
            counts: vec![0; rows],
            dt,
        }
    }

    /// Adds `steps` steps with these counts per sample.
    pub(crate) fn add(&mut self, steps: usize, counts: impl IntoIterator<Item = u64>) {
        self.steps += steps as u64;
        for (c, add) in self.counts.iter_mut().zip(counts) {
            *c += add;
        }
    }

    /// The record so far, leaving this one at zero to go on counting.
    pub(crate) fn take(&mut self) -> CountRecord {
        let taken = self.clone();
        self.steps = 0;
        self.counts.iter_mut().for_each(|c| *c = 0);
        taken
    }

    /// All spikes counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The firing rate of each sample (instance) in Hz, over its neurons and the counted
    /// steps: a sweep's curve.
    pub fn rates_hz(&self) -> Vec<f64> {
        let time_s = self.steps as f64 * self.dt * 1e-3;
        let per = (time_s * self.n as f64).max(f64::MIN_POSITIVE);
        self.counts.iter().map(|&c| c as f64 / per).collect()
    }

    /// The mean firing rate in Hz over the counted steps, neurons and samples.
    pub fn rate_hz(&self) -> f64 {
        let time_s = self.steps as f64 * self.dt * 1e-3;
        self.total() as f64 / (time_s * (self.rows * self.n) as f64).max(f64::MIN_POSITIVE)
    }
}

/// A monitor's chunk layout: words per entry, and steps between entries (`usize::MAX` for a
/// count monitor, whose one entry sums the whole run).
pub(crate) fn entry_layout(m: &Record) -> (usize, usize) {
    match m {
        Record::Spikes(r) | Record::Rate(RateRecord { bits: r, .. }) => {
            (r.rows * r.words_per_row(), 1)
        }
        Record::State(r) => (r.rows * r.n, r.every),
        Record::Count(r) => (r.rows, usize::MAX),
    }
}

/// Entries of a chunk that records runs of up to `chunk` steps, an entry every `every` steps.
pub(crate) fn entries(chunk: usize, every: usize) -> usize {
    match every {
        usize::MAX => 1,
        _ => chunk.div_ceil(every) + 1,
    }
}

/// The most steps, up to `max`, that one run may record: the largest chunk length for which
/// `fits` holds (it must hold for every shorter one too); 0 when not even one step fits.
pub(crate) fn longest_chunk(max: usize, fits: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, max);
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if fits(mid) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo
}

/// Reads back what a monitor's device buffer holds after a run of `steps` steps from step
/// `k0` — spike words, counters, or sampled states as f32 bits — starting `at` words into
/// `buffer`, `per_entry` words per step or sample, and appends it to the record.
pub(crate) fn read_back(
    record: &mut Record,
    buffer: &GpuArray,
    at: usize,
    per_entry: usize,
    k0: u64,
    steps: usize,
) -> Result<()> {
    match record {
        Record::Spikes(r) | Record::Rate(RateRecord { bits: r, .. }) => {
            r.push_words(&buffer.view(at, steps * per_entry).read::<u32>()?)
        }
        Record::Count(r) => {
            let counts: Vec<u32> = buffer.view(at, per_entry).read()?;
            r.add(steps, counts.into_iter().map(u64::from));
        }
        Record::State(r) => {
            let sampled: Vec<u64> = (k0..k0 + steps as u64).filter(|&k| r.on_grid(k)).collect();
            if !sampled.is_empty() {
                let bits: Vec<u32> = buffer.view(at, sampled.len() * per_entry).read()?;
                for (k, sample) in sampled.iter().zip(bits.chunks(per_entry)) {
                    let values: Vec<f64> =
                        sample.iter().map(|&b| f32::from_bits(b) as f64).collect();
                    r.push(*k, &values);
                }
            }
        }
    }
    Ok(())
}

/// A monitor's record streamed to an `.npz` chunk by chunk (`Simulation::stream_to`): the
/// same arrays as its `to_npz`, written as the run goes.
pub(crate) struct RecordStream {
    stream: NpzStream,
    /// Steps (spikes, rates) or samples (states) streamed so far.
    entries: u64,
    /// The last record drained, for the arrays written at the end.
    last: Record,
}

/// A record's arrays, or `None` for a count monitor (one count per instance: nothing grows).
fn arrays(record: &Record) -> Option<&dyn Arrays> {
    match record {
        Record::Spikes(r) => Some(r),
        Record::State(r) => Some(r),
        Record::Rate(r) => Some(r),
        Record::Count(_) => None,
    }
}

impl RecordStream {
    /// A stream to `path` that starts with `record` (just drained). A count monitor, which
    /// holds one count per instance, is not streamed. On an error the record comes back.
    pub fn start(
        path: &Path,
        record: Record,
    ) -> std::result::Result<RecordStream, Box<(crate::error::Error, Record)>> {
        let Some(a) = arrays(&record) else {
            let e = crate::error::Error::invalid(
                "stream_to",
                "monitor",
                "a count monitor",
                "holds one count per instance, which needs no streaming",
            );
            return Err(Box::new((e, record)));
        };
        let (growing, entries) = (a.growing(), a.entries());
        let spec: Vec<(&str, &'static str, &[usize])> = growing
            .iter()
            .map(|(name, inner, data)| (*name, descr(data), &inner[..]))
            .collect();
        let mut stream = match NpzStream::create(path, &spec) {
            Ok(s) => s,
            Err(e) => return Err(Box::new((e, record))),
        };
        for (name, _, data) in &growing {
            if let Err(e) = stream.append(name, data) {
                return Err(Box::new((e, record)));
            }
        }
        Ok(RecordStream {
            stream,
            entries,
            last: record,
        })
    }

    /// Appends what `record` (just drained) holds.
    pub fn append(&mut self, record: Record) -> Result<()> {
        if let Some(a) = arrays(&record) {
            for (name, _, data) in a.growing() {
                self.stream.append(name, &data)?;
            }
            self.entries += a.entries();
        }
        self.last = record;
        Ok(())
    }

    /// Writes the archive.
    pub fn finish(self) -> Result<std::path::PathBuf> {
        let once = arrays(&self.last).map_or(Vec::new(), |a| a.once(self.entries));
        let extras: Vec<(&str, &[usize], NpyData)> = once
            .iter()
            .map(|(name, shape, data)| (*name, &shape[..], data.clone()))
            .collect();
        self.stream.finish(&extras)
    }
}
