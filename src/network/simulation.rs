//! A compiled network: [`Simulation`] runs its plan on an executor, feeds its external
//! streams and keeps its monitors.

use std::ops::ControlFlow;
use std::sync::Arc;

use super::exec::{Chunk, Exec};
use super::plan::{self, Plan};
use super::record::{CountRecord, RateRecord, RecordStream, Sampling, SpikeRecord, StateRecord};
use super::{ExternalId, MonitorId, NodeId, Record};
use crate::clock::{Clock, EPOCH_STEPS, rebase_time};
use crate::error::{Error, Result};
use crate::shape::TensorShape;
use crate::tensor::Device;

/// What one step of a compiled network costs, counted from its plan.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepCost {
    /// Bytes of device memory read and written: every population's states read and written,
    /// its output written, its inputs read; every projection's source, weights and results —
    /// less what the executor keeps on chip or never reads back (see `registers`).
    pub bytes: u64,
    /// Dispatches per step on a GPU (a fraction when one dispatch runs many steps; on the
    /// f64 executor, one per projection, update and monitor).
    pub dispatches: f64,
    /// `"fused"`, `"per-step"` or `"f64"`.
    pub executor: &'static str,
    /// Steps one dispatch runs.
    pub steps_per_dispatch: usize,
    /// Values each invocation keeps in registers across the steps of a dispatch (fused
    /// executor: states and outputs only their own element touches). What the fused executor
    /// keeps on chip — these registers, spikes as bits and event sums in workgroup memory —
    /// is not in `bytes`.
    pub registers: usize,
    /// Workgroup barriers per step between the statements of the fused kernel (0 for the
    /// other executors, which synchronise by dispatches).
    pub barriers: usize,
}

/// One line: "fused executor, 28 steps per dispatch, 0.036 dispatches and 0.00 MB of memory
/// traffic per step".
impl std::fmt::Display for StepCost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} executor, {} steps per dispatch, {:.3} dispatches and {:.2} MB of memory traffic per step",
            self.executor,
            self.steps_per_dispatch,
            self.dispatches,
            self.bytes as f64 / 1e6
        )
    }
}

/// The most steps a run takes between two calls of its progress callback and two writes of
/// streamed monitors (the GPU executors' chunks are at most this long anyway).
const CHUNK: usize = 1000;

/// How far a run is ([`Simulation::run_with`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Progress {
    /// Steps run so far in this run.
    pub done: usize,
    /// Steps this run was asked for.
    pub total: usize,
    /// The simulation's step now (its clock).
    pub step: u64,
    /// Wall time since the run started.
    pub elapsed: std::time::Duration,
}

impl Progress {
    /// The wall time the rest of the run should take, at the pace so far.
    pub fn eta(&self) -> std::time::Duration {
        let left = (self.total - self.done) as f64 / self.done.max(1) as f64;
        self.elapsed.mul_f64(left)
    }
}

/// A compiled network: its states on a device, a clock, and monitors.
///
/// ```
/// # fn main() -> brainwgpu::Result<()> {
/// use brainwgpu::network::classic::Coba;
/// use brainwgpu::prelude::*;
///
/// let coba = Coba::new(200).build()?;
/// // Device::gpu()? for the default adapter; Device::Cpu is the f64 reference.
/// let mut sim = coba.network.compile(&Device::Cpu, None, 0.1 * ms)?;
/// let spikes = sim.monitor_spikes(coba.neurons)?;
/// sim.run(1000)?; // 100 ms
/// assert_eq!(sim.clock().step(), 1000);
/// println!("{:.1} Hz", sim.spikes(spikes)?.rate_hz());
/// let v = sim.state(coba.neurons, "V")?; // one value per neuron (and instance)
/// assert_eq!(v.len(), 200);
/// # Ok(())
/// # }
/// ```
pub struct Simulation {
    batch: Option<usize>,
    device: Device,
    plan: Arc<Plan>,
    clock: Clock,
    exec: Box<dyn Exec>,
    /// Host data not yet run, per external stream (steps × rows × size values).
    streams: Vec<Vec<f64>>,
    monitors: Vec<Record>,
    /// The id of each monitor in `monitors`, and the next id to give.
    monitor_ids: Vec<MonitorId>,
    next_monitor: usize,
    /// Monitors streamed to disk after every chunk.
    to_disk: Vec<(MonitorId, RecordStream)>,
}

impl Simulation {
    pub(super) fn new(
        batch: Option<usize>,
        device: Device,
        plan: Arc<Plan>,
        clock: Clock,
        exec: Box<dyn Exec>,
    ) -> Result<Simulation> {
        super::exec::dump(exec.as_ref())?;
        Ok(Simulation {
            batch,
            device,
            streams: vec![Vec::new(); plan.externals.len()],
            plan,
            clock,
            exec,
            monitors: Vec::new(),
            monitor_ids: Vec::new(),
            next_monitor: 0,
            to_disk: Vec::new(),
        })
    }

    /// The device it runs on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The clock: the next step to run, and `dt`.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Rows of the batch (1 without a batch axis).
    pub fn rows(&self) -> usize {
        self.plan.rows
    }

    fn node(&self, node: NodeId) -> Result<&plan::PlanNode> {
        self.plan.nodes.get(node.0).ok_or_else(|| {
            Error::invalid(
                "Simulation",
                "node",
                node.0,
                "is not a population of this network",
            )
        })
    }

    /// The shape of `node`'s states and output: `(batch, *in_size)`.
    pub fn shape(&self, node: NodeId) -> Result<TensorShape> {
        let n = self.node(node)?;
        Ok(TensorShape::new(self.batch, n.in_size.clone()))
    }

    /// Queues values of external stream `ext` for the next steps: `steps × rows × size`
    /// values, row-major. A run consumes them and fails if there are too few.
    pub fn feed(&mut self, ext: ExternalId, data: &[f64]) -> Result<()> {
        let e = self.plan.externals.get(ext.0).ok_or_else(|| {
            Error::invalid(
                "Simulation",
                "external",
                ext.0,
                "is not an input of this network",
            )
        })?;
        let per_step = e.n * self.plan.rows;
        if !data.len().is_multiple_of(per_step) {
            return Err(Error::shape(
                format!("data of external `{}`", e.name),
                format!("a multiple of {per_step} values (rows × size per step)"),
                format!("{} values", data.len()),
            ));
        }
        if let Some(bad) = data.iter().find(|&&v| !crate::model::finite(v)) {
            return Err(Error::invalid(&e.name, "data", bad, crate::model::FINITE));
        }
        self.streams[ext.0].extend_from_slice(data);
        Ok(())
    }

    /// Records the spikes (any nonzero output) of `node` every step from now on.
    ///
    /// ```
    /// # fn main() -> brainwgpu::Result<()> {
    /// # use brainwgpu::network::classic::Coba;
    /// # use brainwgpu::prelude::*;
    /// # let coba = Coba::new(100).build()?;
    /// # let mut sim = coba.network.compile(&Device::Cpu, None, 0.1 * ms)?;
    /// let m = sim.monitor_spikes(coba.neurons)?;
    /// sim.run(500)?;
    /// let spikes = sim.spikes(m)?;
    /// for (step, sample, neuron) in spikes.events().into_iter().take(3) {
    ///     println!("neuron {neuron} of sample {sample} at {:.1} ms", step as f64 * 0.1);
    /// }
    /// assert_eq!(spikes.steps(), 500);
    /// # Ok(())
    /// # }
    /// ```
    pub fn monitor_spikes(&mut self, node: NodeId) -> Result<MonitorId> {
        let record = self.spike_record(node)?;
        self.add_monitor(Record::Spikes(record))
    }

    fn spike_record(&self, node: NodeId) -> Result<SpikeRecord> {
        let n = self.node(node)?;
        Ok(SpikeRecord::new(
            &n.name,
            node.0,
            self.plan.rows,
            n.n,
            self.clock.step(),
            self.plan.dt,
        ))
    }

    /// Counts the spikes of `node` per step and instance from now on (its population rate),
    /// keeping no per-neuron record: memory grows by one count per step and instance.
    ///
    /// ```
    /// # fn main() -> brainwgpu::Result<()> {
    /// # use brainwgpu::network::classic::Coba;
    /// # use brainwgpu::prelude::*;
    /// # let coba = Coba::new(100).build()?;
    /// # let mut sim = coba.network.compile(&Device::Cpu, Some(2), 0.1 * ms)?;
    /// let m = sim.monitor_rate(coba.neurons)?;
    /// sim.run(500)?;
    /// let rates = sim.rates(m)?;
    /// let per_step_hz: Vec<f64> = rates.rate_hz(1); // instance 1, one value per step
    /// assert_eq!(per_step_hz.len(), 500);
    /// println!("{:.1} Hz", rates.mean_rate_hz());
    /// # Ok(())
    /// # }
    /// ```
    pub fn monitor_rate(&mut self, node: NodeId) -> Result<MonitorId> {
        let record = RateRecord::new(self.spike_record(node)?);
        self.add_monitor(Record::Rate(record))
    }

    /// Counts the spikes (nonzero outputs) of `node` per sample from now on, without keeping
    /// when they happened.
    ///
    /// ```
    /// # fn main() -> brainwgpu::Result<()> {
    /// # use brainwgpu::network::classic::Coba;
    /// # use brainwgpu::prelude::*;
    /// # let coba = Coba::new(100).build()?;
    /// # let mut sim = coba.network.compile(&Device::Cpu, Some(3), 0.1 * ms)?;
    /// let m = sim.monitor_count(coba.neurons)?;
    /// sim.run(500)?;
    /// let counts = sim.counts(m)?;
    /// assert_eq!(counts.rates_hz().len(), 3); // one rate per instance
    /// println!("{} spikes, {:.1} Hz", counts.total(), counts.rate_hz());
    /// # Ok(())
    /// # }
    /// ```
    pub fn monitor_count(&mut self, node: NodeId) -> Result<MonitorId> {
        let n = self.node(node)?;
        let record = CountRecord::new(&n.name, node.0, self.plan.rows, n.n, self.plan.dt);
        self.add_monitor(Record::Count(record))
    }

    /// Records state variable `var` of `node` every `every` steps from now on, every neuron.
    ///
    /// ```
    /// # fn main() -> brainwgpu::Result<()> {
    /// # use brainwgpu::network::classic::Coba;
    /// # use brainwgpu::prelude::*;
    /// # let coba = Coba::new(100).build()?;
    /// # let mut sim = coba.network.compile(&Device::Cpu, None, 0.1 * ms)?;
    /// let m = sim.monitor_state(coba.neurons, "V", 10)?;
    /// sim.run(500)?;
    /// let v = sim.samples(m)?;
    /// assert_eq!((v.steps.len(), v.n), (50, 100)); // samples × neurons in `v.values`
    /// # Ok(())
    /// # }
    /// ```
    pub fn monitor_state(&mut self, node: NodeId, var: &str, every: usize) -> Result<MonitorId> {
        self.monitor_state_with(node, var, &Sampling::every(every))
    }

    /// Records state variable `var` of `node` as `sampling` says: a subset of its neurons, a
    /// window of steps, every k steps. Only the sampled values are kept, on the device too.
    pub fn monitor_state_with(
        &mut self,
        node: NodeId,
        var: &str,
        sampling: &Sampling,
    ) -> Result<MonitorId> {
        let n = self.node(node)?;
        let v = n.var(var)?;
        if sampling.every == 0 {
            return Err(Error::invalid("monitor_state", "every", 0, "must be ≥ 1"));
        }
        if let Some(neurons) = &sampling.neurons {
            if neurons.is_empty() {
                return Err(Error::invalid(
                    "monitor_state",
                    "neurons",
                    "[]",
                    "must name at least one neuron",
                ));
            }
            if let Some(bad) = neurons.iter().find(|&&j| j >= n.n) {
                return Err(Error::invalid(
                    "monitor_state",
                    "neurons",
                    bad,
                    format!("must be below the population's {} neurons", n.n),
                ));
            }
        }
        if let (Some(a), Some(b)) = (sampling.start, sampling.stop)
            && a > b
        {
            return Err(Error::invalid(
                "monitor_state",
                "steps",
                format!("{a}..{b}"),
                "must not end before it starts",
            ));
        }
        let mut record = StateRecord::new(
            &n.name,
            var,
            (node.0, v, n.n),
            sampling,
            self.plan.rows,
            self.clock.step(),
            self.plan.dt,
        );
        record.time_valued = n.model.time_states().contains(&v);
        self.add_monitor(Record::State(record))
    }

    fn add_monitor(&mut self, record: Record) -> Result<MonitorId> {
        self.monitors.push(record);
        if let Err(e) = self.exec.set_monitors(&self.monitors) {
            self.monitors.pop();
            self.exec.set_monitors(&self.monitors)?;
            return Err(e);
        }
        super::exec::dump(self.exec.as_ref())?;
        let id = MonitorId(self.next_monitor);
        self.next_monitor += 1;
        self.monitor_ids.push(id);
        Ok(id)
    }

    fn position(&self, id: MonitorId) -> Result<usize> {
        self.monitor_ids
            .iter()
            .position(|&m| m == id)
            .ok_or_else(|| {
                Error::invalid(
                    "Simulation",
                    "monitor",
                    id.0,
                    "is not a monitor of this simulation (never added, or removed)",
                )
            })
    }

    /// What monitor `id` recorded so far, leaving it empty: it goes on recording from the
    /// next step run, and what it held is freed. Drain a long run's monitors between runs to
    /// keep memory flat.
    pub fn drain(&mut self, id: MonitorId) -> Result<Record> {
        let at = self.position(id)?;
        let next = self.clock.step();
        Ok(match &mut self.monitors[at] {
            Record::Spikes(r) => Record::Spikes(r.take(next)),
            Record::State(r) => Record::State(r.take()),
            Record::Count(r) => Record::Count(r.take()),
            Record::Rate(r) => Record::Rate(r.take(next)),
        })
    }

    /// Streams monitor `id` to the `.npz` at `path` from now on: after every chunk of a run
    /// (up to 1000 steps on a GPU) what it recorded is appended to files beside `path` and
    /// freed, so memory stays flat however long the run. [`Simulation::finish_stream`] (or
    /// removing the monitor, or dropping the simulation) writes the archive — the same arrays
    /// as the record's `to_npz`. What the monitor held before is streamed first.
    pub fn stream_to(&mut self, id: MonitorId, path: impl AsRef<std::path::Path>) -> Result<()> {
        let at = self.position(id)?;
        if self.to_disk.iter().any(|(m, _)| *m == id) {
            return Err(Error::invalid(
                "stream_to",
                "monitor",
                id.0,
                "is already streamed (finish_stream first)",
            ));
        }
        // What the monitor holds goes first; if the stream cannot start, it stays where it was.
        let record = self.drain(id)?;
        match RecordStream::start(path.as_ref(), record) {
            Ok(stream) => {
                self.to_disk.push((id, stream));
                Ok(())
            }
            Err(failed) => {
                let (e, record) = *failed;
                self.monitors[at] = record;
                Err(e)
            }
        }
    }

    /// Writes the `.npz` of a streamed monitor and returns its path; the monitor goes on
    /// recording in memory.
    pub fn finish_stream(&mut self, id: MonitorId) -> Result<std::path::PathBuf> {
        let at = self
            .to_disk
            .iter()
            .position(|(m, _)| *m == id)
            .ok_or_else(|| Error::invalid("finish_stream", "monitor", id.0, "is not streamed"))?;
        self.flush_to_disk()?;
        let (_, stream) = self.to_disk.remove(at);
        stream.finish()
    }

    /// Moves what every streamed monitor recorded to its files.
    fn flush_to_disk(&mut self) -> Result<()> {
        let ids: Vec<MonitorId> = self.to_disk.iter().map(|(m, _)| *m).collect();
        for (i, id) in ids.into_iter().enumerate() {
            let record = self.drain(id)?;
            self.to_disk[i].1.append(record)?;
        }
        Ok(())
    }

    /// Removes monitor `id` and returns what it recorded; later runs no longer record it. A
    /// streamed monitor's archive is written first (and what it returns is empty).
    pub fn remove_monitor(&mut self, id: MonitorId) -> Result<Record> {
        if self.to_disk.iter().any(|(m, _)| *m == id) {
            self.finish_stream(id)?;
        }
        let at = self.position(id)?;
        let record = self.monitors.remove(at);
        self.monitor_ids.remove(at);
        self.exec.set_monitors(&self.monitors)?;
        super::exec::dump(self.exec.as_ref())?;
        Ok(record)
    }

    fn monitor(&self, id: MonitorId) -> Option<&Record> {
        self.position(id).ok().map(|at| &self.monitors[at])
    }

    fn wrong_kind(id: MonitorId, kind: &str) -> Error {
        Error::invalid(
            "Simulation",
            "monitor",
            id.0,
            format!("is not a {kind} monitor of this simulation"),
        )
    }

    /// What spike monitor `id` recorded.
    pub fn spikes(&self, id: MonitorId) -> Result<&SpikeRecord> {
        match self.monitor(id) {
            Some(Record::Spikes(r)) => Ok(r),
            _ => Err(Self::wrong_kind(id, "spike")),
        }
    }

    /// What rate monitor `id` counted.
    pub fn rates(&self, id: MonitorId) -> Result<&RateRecord> {
        match self.monitor(id) {
            Some(Record::Rate(r)) => Ok(r),
            _ => Err(Self::wrong_kind(id, "rate")),
        }
    }

    /// What count monitor `id` counted.
    pub fn counts(&self, id: MonitorId) -> Result<&CountRecord> {
        match self.monitor(id) {
            Some(Record::Count(r)) => Ok(r),
            _ => Err(Self::wrong_kind(id, "count")),
        }
    }

    /// What state monitor `id` recorded.
    pub fn samples(&self, id: MonitorId) -> Result<&StateRecord> {
        match self.monitor(id) {
            Some(Record::State(r)) => Ok(r),
            _ => Err(Self::wrong_kind(id, "state")),
        }
    }

    /// Runs `steps` steps. On a GPU, chunks of up to 1000 steps are recorded into one
    /// submission each; monitors are read back once per chunk, nothing else.
    pub fn run(&mut self, steps: usize) -> Result<()> {
        self.run_with(steps, |_| ControlFlow::Continue(()))
            .map(|_| ())
    }

    /// [`Simulation::run`] that calls `on_chunk` after every chunk (at most 1000 steps) with
    /// how far it is; returning `ControlFlow::Break(())` stops the run there, between two
    /// chunks, with every state, monitor and the clock consistent (a later `run` goes on from
    /// there). Returns the steps run.
    ///
    /// ```no_run
    /// # use brainwgpu::network::Simulation;
    /// # use std::ops::ControlFlow;
    /// # fn demo(sim: &mut Simulation) -> brainwgpu::Result<()> {
    /// // At most 30 s of wall time, with a progress line.
    /// let ran = sim.run_with(1_000_000, |p| {
    ///     eprint!("\r{}/{} steps, {:.0} s left", p.done, p.total, p.eta().as_secs_f64());
    ///     if p.elapsed.as_secs() < 30 { ControlFlow::Continue(()) } else { ControlFlow::Break(()) }
    /// })?;
    /// # Ok(()) }
    /// ```
    pub fn run_with(
        &mut self,
        steps: usize,
        mut on_chunk: impl FnMut(&Progress) -> ControlFlow<()>,
    ) -> Result<usize> {
        for (e, data) in self.plan.externals.iter().zip(&self.streams) {
            let have = data.len() / (e.n * self.plan.rows);
            if have < steps {
                return Err(Error::invalid(
                    &e.name,
                    "data",
                    format!("{have} steps queued"),
                    format!("a run of {steps} steps needs {steps} (Simulation::feed)"),
                ));
            }
        }
        let limit = self.exec.max_step();
        let end = self.clock.step().saturating_add(steps as u64);
        if end > limit {
            return Err(Error::LimitExceeded {
                what: format!(
                    "a run of {steps} steps from step {}, on the {} executor",
                    self.clock.step(),
                    self.exec.name()
                ),
                requested: end,
                limit_name: "the step counter",
                limit,
            });
        }
        let started = std::time::Instant::now();
        let mut done = 0;
        while done < steps {
            // A chunk ends where an epoch does: its time-valued states move before the next.
            let to_epoch = EPOCH_STEPS - self.clock.step() % EPOCH_STEPS;
            let chunk =
                (self.exec.chunk_len().min(CHUNK).min(steps - done) as u64).min(to_epoch) as usize;
            let streams: Vec<&[f64]> = self
                .plan
                .externals
                .iter()
                .zip(&self.streams)
                .map(|(e, d)| &d[..chunk * e.n * self.plan.rows])
                .collect();
            let run = Chunk {
                clock: &self.clock,
                steps: chunk,
                streams: &streams,
            };
            self.exec.run(&run, &mut self.monitors)?;
            for m in &mut self.monitors {
                if let Record::Rate(r) = m {
                    r.absorb();
                }
            }
            for (e, d) in self.plan.externals.iter().zip(&mut self.streams) {
                d.drain(..chunk * e.n * self.plan.rows);
            }
            let mut next = self.clock.clone();
            next.set_step(self.clock.step() + chunk as u64);
            self.move_epoch(&next)?;
            self.clock = next;
            done += chunk;
            self.flush_to_disk()?;
            let progress = Progress {
                done,
                total: steps,
                step: self.clock.step(),
                elapsed: started.elapsed(),
            };
            if on_chunk(&progress).is_break() {
                break;
            }
        }
        Ok(done)
    }

    /// Saves everything the run carries to its next step — every state, the step counter
    /// (also every random stream's position), the delay rings and the event sums in flight —
    /// to the `.npz` checkpoint `path`. [`Simulation::restore`] on a simulation of the same
    /// network (compiled the same way, in this process or another) goes on from it exactly as
    /// this one would. Queued external-stream data and monitors are not part of it.
    pub fn save(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        let carried = self.exec.carried()?;
        super::checkpoint::save(
            path.as_ref(),
            &self.plan,
            self.exec.name(),
            self.clock.step(),
            &carried,
        )
    }

    /// Restores a checkpoint written by [`Simulation::save`]: the states, the step and what
    /// was in flight. A checkpoint of another network, executor or library version is an
    /// [`Error::Checkpoint`]. Monitors stay; spike and rate monitors must be empty (drain
    /// them first), so that their records number steps from the restored step.
    pub fn restore(&mut self, path: impl AsRef<std::path::Path>) -> Result<()> {
        let path = path.as_ref();
        let (step, carried) = super::checkpoint::load(path, &self.plan, self.exec.name())?;
        let [arena, rings, sums] = self.exec.carried_lens();
        for (what, got, want) in [
            ("states", carried.arena.len(), arena),
            ("delay rings", carried.rings.len(), rings),
            ("event sums", carried.sums.len(), sums),
        ] {
            if got != want {
                return Err(Error::Checkpoint {
                    path: path.to_path_buf(),
                    expected: format!("laid out with {want} values of {what} on this device"),
                    got: format!("{got}"),
                });
            }
        }
        for m in &self.monitors {
            let recorded = match m {
                Record::Spikes(r) => r.steps(),
                Record::Rate(r) => r.steps(),
                _ => 0,
            };
            if recorded > 0 {
                return Err(Error::invalid(
                    "Simulation::restore",
                    "monitors",
                    format!("{recorded} steps recorded"),
                    "spike and rate monitors must be empty (drain them first)",
                ));
            }
        }
        self.exec.set_carried(&carried)?;
        self.clock.set_step(step);
        self.restart_monitors_at(step);
        Ok(())
    }

    /// Writes every population's states and output and every projection's weights to the
    /// `.npz` at `path`, under their names: `<population>.<state>` and `<population>.output`
    /// (shape `(batch, *in_size)`, or `in_size` without a batch axis); for each term of a
    /// population's inputs that carries weights, `<population>.<input><k>.` followed by `W`
    /// (`(in, out)`) and `b` for a dense projection, or `pre`, `post`, `weight` (and `delay`,
    /// ms) for stored event connectivity — `<input><k>` being the k-th term of its `x`,
    /// `delta` or `current` inputs (`x0`, `delta1`, `current0` …). [`Dense::read_npz`] and
    /// [`Sparse::read_npz`] read such weights back (after picking the arrays out).
    ///
    /// [`Dense::read_npz`]: super::Dense::read_npz
    /// [`Sparse::read_npz`]: super::Sparse::read_npz
    pub fn export_npz(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        use crate::npz::{NpyData, NpzWriter};
        let mut w = NpzWriter::new();
        for (i, n) in self.plan.nodes.iter().enumerate() {
            let shape = self.shape(NodeId(i))?.dims();
            for var in n.model.state_names() {
                w.add(
                    &format!("{}.{var}", n.name),
                    &shape,
                    NpyData::F64(self.state(NodeId(i), var)?),
                )?;
            }
            w.add(
                &format!("{}.output", n.name),
                &shape,
                NpyData::F64(self.output(NodeId(i))?),
            )?;
        }
        for s in &self.plan.statements {
            let target = &self.plan.nodes[s.node].name;
            for (label, weights) in &s.weights {
                let at = |a: &str| format!("{target}.{label}.{a}");
                match weights {
                    plan::Weighted::Dense(d) => {
                        w.add(&at("W"), &[d.n_in, d.n_out], NpyData::F64(d.w.to_vec()))?;
                        if let Some(b) = &d.bias {
                            w.add(&at("b"), &[b.len()], NpyData::F64(b.to_vec()))?;
                        }
                    }
                    plan::Weighted::Sparse(sp) => {
                        for (name, data) in sp.columns() {
                            let len = match &data {
                                NpyData::I64(v) => v.len(),
                                NpyData::F64(v) => v.len(),
                                _ => 0,
                            };
                            w.add(&at(name), &[len], data)?;
                        }
                    }
                }
            }
        }
        w.write(path)
    }

    /// State variable `var` of `node` now (read back from the device): `rows × in_size` values.
    /// Time-valued states ([`crate::Model::time_states`]) are absolute times, as the user set
    /// them or the model wrote them.
    pub fn state(&self, node: NodeId, var: &str) -> Result<Vec<f64>> {
        let n = self.node(node)?;
        let v = n.var(var)?;
        let at = n.state_base + v * n.total;
        let mut values = self.exec.read_arena(at, n.total)?;
        if n.model.time_states().contains(&v) {
            let epoch = self.clock.epoch_ms();
            values.iter_mut().for_each(|x| *x += epoch);
        }
        Ok(values)
    }

    /// The output of `node` after the latest step (spikes of a neuron, `g` of a synapse …).
    pub fn output(&self, node: NodeId) -> Result<Vec<f64>> {
        let n = self.node(node)?;
        self.exec.read_arena(n.out, n.total)
    }

    /// Overwrites state variable `var` of `node` (`rows × in_size` values), e.g. to start from
    /// given initial values.
    pub fn set_state(&mut self, node: NodeId, var: &str, data: &[f64]) -> Result<()> {
        let n = self.node(node)?;
        let v = n.var(var)?;
        if data.len() != n.total {
            return Err(Error::shape(
                format!("state `{var}` of `{}`", n.name),
                format!("{} values", n.total),
                format!("{} values", data.len()),
            ));
        }
        if let Some(bad) = data.iter().find(|&&x| !crate::model::finite(x)) {
            return Err(Error::invalid(
                format!("state `{var}` of `{}`", n.name),
                "data",
                bad,
                crate::model::FINITE,
            ));
        }
        let at = n.state_base + v * n.total;
        if n.model.time_states().contains(&v) {
            let epoch = self.clock.epoch_ms();
            let relative: Vec<f64> = data.iter().map(|&x| x - epoch).collect();
            return self.exec.write_arena(at, &relative);
        }
        self.exec.write_arena(at, data)
    }

    /// Moves the clock to `step` before the first run — to start a simulation late in a
    /// protocol, or to check that behaviour there equals behaviour at step 0 (it does: see
    /// [`crate::clock::EPOCH_STEPS`]). States keep their values, time-valued ones their
    /// absolute times. Refused once a step has run (events in flight are placed by step), and
    /// beyond the last step the executor's counters reach.
    pub fn set_step(&mut self, step: u64) -> Result<()> {
        if self.clock.step() != 0 {
            return Err(Error::invalid(
                "Simulation::set_step",
                "clock",
                format!("at step {}", self.clock.step()),
                "the clock can be moved only before the first run",
            ));
        }
        let limit = self.exec.max_step();
        if step > limit {
            return Err(Error::LimitExceeded {
                what: format!(
                    "a clock at step {step} on the {} executor",
                    self.exec.name()
                ),
                requested: step,
                limit_name: "the step counter",
                limit,
            });
        }
        let mut to = self.clock.clone();
        to.set_step(step);
        self.move_epoch(&to)?;
        self.clock = to;
        self.restart_monitors_at(step);
        Ok(())
    }

    /// Makes spike and rate monitors number their steps from `step` (the clock moved there).
    fn restart_monitors_at(&mut self, step: u64) {
        for m in &mut self.monitors {
            match m {
                Record::Spikes(r) => r.first_step = step,
                Record::Rate(r) => r.restart_at(step),
                _ => {}
            }
        }
    }

    /// Moves every time-valued state from the clock's epoch to `to`'s ([`rebase_time`]).
    fn move_epoch(&mut self, to: &Clock) -> Result<()> {
        let delta = to.epoch() as i64 - self.clock.epoch() as i64;
        if delta == 0 {
            return Ok(());
        }
        let single = self.exec.single_precision();
        let dt = self.clock.dt_ms();
        for n in &self.plan.nodes {
            for v in n.model.time_states() {
                let at = n.state_base + v * n.total;
                let mut values = self.exec.read_arena(at, n.total)?;
                for x in &mut values {
                    *x = rebase_time(*x, dt, delta, single);
                }
                self.exec.write_arena(at, &values)?;
            }
        }
        Ok(())
    }

    /// Compiles what the next run needs (the fused kernel is compiled at the first run after
    /// the monitors change) and waits until everything submitted to the device has run: call
    /// it before timing runs.
    pub fn synchronize(&mut self) -> Result<()> {
        self.exec.synchronize()
    }

    /// Which executor runs it — `"fused"`, `"per-step"` or `"f64"` — and the steps one
    /// dispatch runs (1 for the per-step executor).
    pub fn executor(&self) -> (&'static str, usize) {
        (self.exec.name(), self.exec.steps_per_dispatch())
    }

    /// What one step costs, counted from the plan (for benchmarks).
    pub fn cost_per_step(&self) -> StepCost {
        let monitors: Vec<(usize, plan::MonitorKind)> = self
            .monitors
            .iter()
            .map(|m| match m {
                Record::Spikes(r) | Record::Rate(RateRecord { bits: r, .. }) => {
                    (r.node, plan::MonitorKind::Spikes)
                }
                Record::Count(r) => (r.node, plan::MonitorKind::Count),
                Record::State(r) => (r.node, plan::MonitorKind::State(r.every, r.rows * r.n)),
            })
            .collect();
        self.exec.cost(self.plan.cost_per_step(&monitors))
    }
}

impl Drop for Simulation {
    /// Streamed monitors still open are written out (errors can only be reported by
    /// [`Simulation::finish_stream`]).
    fn drop(&mut self) {
        let _ = self.flush_to_disk();
        for (_, stream) in self.to_disk.drain(..) {
            let _ = stream.finish();
        }
    }
}
