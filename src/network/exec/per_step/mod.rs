//! The per-step GPU executor of a plan: per step, dispatches for the projections, the
//! population updates (consecutive element-wise ones composed into one), delay ring stores and
//! monitors, built once with their bind groups; a run records a chunk of steps into one
//! compute pass and one submission, the step selected by the clock entry's dynamic offset.
//! Event projections that read the previous step's spikes are pushed by the source's update
//! instead ([`Push`]), and composed neuron updates count their spikes for count monitors, so a
//! network like COBA takes one dispatch per step. Nothing is read back inside a chunk;
//! monitors are read once per chunk.

use crate::network::RateRecord;
use std::sync::Arc;

mod composed;
mod schedule;

use composed::ComposedTable;
use schedule::{Planned, Schedule};

use super::{Carried, Chunk, Exec, MAX_CHUNK, read_sums, write_sums};
use crate::abi::{CountCfg, InputMode, RingCfg, SampleCfg, SimInput, SpikeBitsCfg};
use crate::error::{Error, Result};
use crate::gpu::{
    CLOCK_STRIDE, CLOCK_WORDS, CommBindings, DeviceLimits, Dispatch, ElementBindings, Gpu,
    GpuArray, Grid, NetworkBindings,
};
use crate::module::pack_params;
use crate::network::Record;
use crate::network::StepCost;
use crate::network::compose::{channel_records, clock_entries, sim_input, statement_sim};
use crate::network::plan::{ChannelSrc, InputSpec, Place, Plan};
use crate::network::projection::PerStepCx;
use crate::network::record::{entries, entry_layout, longest_chunk, read_back};
use crate::shaders::{KernelDef, builtin};

/// Bytes that the per-chunk buffers (input streams, monitors) may take together.
pub(super) const CHUNK_BUDGET: u64 = 256 << 20;

/// Spike counters per sample of a population counted inside its composed update (spread so
/// that a step's spikes do not all add to one address).
pub(super) const COUNTERS: usize = 32;

/// A monitor's chunk buffer and how to read it.
struct MonitorBuf {
    buffer: GpuArray,
    /// Words one step (spikes) or one sample (states) takes.
    per_entry: usize,
    /// For state monitors: the cfg uniform and its `SampleCfg`, whose `first` is set before each run.
    sampling: Option<(GpuArray, SampleCfg)>,
    /// The elements a state monitor of a subset samples (bound to its dispatch).
    _index: Option<GpuArray>,
    /// The monitor's own dispatch, or, for a count monitor of a population whose composed
    /// update counts its spikes, where its counters start in `acc`.
    dispatch: Option<Dispatch>,
    counters: Option<usize>,
}

pub(crate) struct PerStep {
    gpu: Gpu,
    plan: Arc<Plan>,
    arena: GpuArray,
    /// One buffer per external stream: `stream_chunk` steps of `rows × n` values.
    streams: Vec<GpuArray>,
    stream_chunk: usize,
    clock: GpuArray,
    /// The clock entries and step ranges of composed dispatches, when there are any.
    composed: Option<ComposedClock>,
    /// Bytes per step the plan counts and the composed updates' caches do not move.
    cached_bytes: u64,
    /// One step's dispatches, in program order.
    step: Vec<Dispatch>,
    monitors: Vec<MonitorBuf>,
    monitor_chunk: usize,
    /// Bytes per step the plan counts for reading the spikes of pushed event projections,
    /// which their sources deliver as they emit them.
    pushed_bytes: u64,
    /// The fixed-point sums (and spike counters), and where each population whose composed
    /// update counts its spikes has its counters (`COUNTERS` per sample).
    acc: GpuArray,
    /// Words of `acc` that hold sums.
    sums_len: usize,
    /// The delay rings of outputs.
    rings: GpuArray,
    counters: Vec<(usize, usize)>,
    /// Bytes per step the plan counts for the count monitors that the updates serve.
    counted_bytes: u64,
    /// The kernels it generated (composed updates, runs of event projections).
    generated: Vec<KernelDef>,
    // Buffers only the dispatches' bind groups refer to, kept with them.
    _keep: Vec<GpuArray>,
}

/// What a run tells the composed dispatches: the clock entries of its steps, and
/// in the step ranges, the steps on which deferred outputs reach the arena.
struct ComposedClock {
    clock: GpuArray,
    range: GpuArray,
    /// The populations whose outputs are deferred ([`StepRow`]).
    deferred: Vec<usize>,
    /// Whether a monitor reads a deferred output, so every step stores them.
    every_step: bool,
    /// The step range whose `store_outputs` is set for the end of a run, if one is.
    flagged: Option<usize>,
}

impl ComposedClock {
    /// Sets `store_outputs` on the steps that must store deferred outputs: every step, or
    /// the last of a run of `steps`.
    fn flag(&mut self, steps: usize) {
        let want = if self.every_step {
            usize::MAX
        } else {
            steps - 1
        };
        let word = |j: usize| j * CLOCK_STRIDE as usize / 4 + 2;
        match self.flagged {
            Some(j) if j == want => return,
            Some(j) if j != usize::MAX && want != usize::MAX => {
                self.range.write(word(j), &[0]);
                self.range.write(word(want), &[1]);
            }
            _ => self
                .range
                .write(0, &step_ranges(|j| want == usize::MAX || j == want)),
        }
        self.flagged = Some(want);
    }
}

/// The step ranges of composed per-step dispatches, one per step at its dynamic offset: the
/// step's index in the chunk, 1 step, and whether deferred outputs are stored.
pub(super) fn step_ranges(store: impl Fn(usize) -> bool) -> Vec<u32> {
    let stride = CLOCK_STRIDE as usize / 4;
    let mut words = vec![0u32; MAX_CHUNK * stride];
    for j in 0..MAX_CHUNK {
        words[j * stride..j * stride + 3].copy_from_slice(&[j as u32, 1, store(j) as u32]);
    }
    words
}

/// How many items of `per` bytes fit in `budget` bytes (any number when they take none).
pub(super) fn fit(budget: u64, per: u64) -> usize {
    budget.checked_div(per).map_or(usize::MAX, |c| c as usize)
}

/// A source's buffer and its words: base, row pitch, and the `source_base` words w12..w14.
fn binding<'a>(
    src: Place,
    plan: &Plan,
    arena: &'a GpuArray,
    rings: &'a GpuArray,
    streams: &'a [GpuArray],
) -> (Option<&'a GpuArray>, u32, u32, [u32; 3]) {
    match src {
        Place::Arena { offset, pitch } => (Some(arena), offset as u32, pitch as u32, [0, 0, 0]),
        Place::Ring { .. } => {
            let r = src.ring_read(plan).expect("a ring source");
            let ring = [r.depth as u32, r.delay as u32, r.len as u32];
            (Some(rings), r.base as u32, r.pitch as u32, ring)
        }
        Place::Stream { ext, pitch } => {
            let per_step = plan.rows * plan.externals[ext].n;
            (
                Some(&streams[ext]),
                0,
                pitch as u32,
                [0, 0, per_step as u32],
            )
        }
        Place::Constant(_) => (None, 0, 0, [0, 0, 0]),
    }
}

/// The buffers composed dispatches bind.
struct ComposedBuffers {
    arena: GpuArray,
    scratch: GpuArray,
    acc: GpuArray,
    /// The [`ComposedTable`] on the device.
    table: GpuArray,
    /// The chunk's clock entries, 4 words per step.
    clock: GpuArray,
    /// Per step, at its dynamic offset: the step's index in the chunk, 1 step, whether
    /// deferred outputs are stored ([`step_ranges`]).
    range: GpuArray,
}

impl ComposedBuffers {
    fn new(gpu: &Gpu, table: &ComposedTable, buffers: [&GpuArray; 3]) -> Result<ComposedBuffers> {
        let range = gpu.alloc_uniform("network step index", MAX_CHUNK * CLOCK_STRIDE as usize);
        range.write(0, &step_ranges(|_| false));
        let [arena, scratch, acc] = buffers.map(GpuArray::clone);
        Ok(ComposedBuffers {
            arena,
            scratch,
            acc,
            table: gpu.upload("network parameter table", &table.words)?,
            clock: gpu.alloc("network clock entries", CLOCK_WORDS * MAX_CHUNK)?,
            range,
        })
    }

    /// A dispatch of a composed `kernel` over `threads` invocations, with `tables` (the
    /// composed table unless given) as its parameters.
    fn dispatch(
        &self,
        gpu: &Gpu,
        kernel: &KernelDef,
        threads: usize,
        tables: Option<&GpuArray>,
    ) -> Result<Dispatch> {
        let grid = gpu.grid(kernel.name(), threads)?;
        gpu.network_dispatch(
            kernel,
            &NetworkBindings {
                arena: &self.arena,
                scratch: &self.scratch,
                acc: &self.acc,
                params: tables.unwrap_or(&self.table),
                control: &self.clock,
                range: &self.range,
            },
            grid,
        )
    }
}

/// The kernels the per-step executor generates for `plan` on a device with `limits` (the
/// composed updates and runs of event projections; the rest are built-in kernels).
pub(crate) fn kernels(plan: &Plan, limits: &DeviceLimits) -> Result<Vec<KernelDef>> {
    Ok(Schedule::new(plan, limits)?.kernels())
}

impl PerStep {
    pub fn new(gpu: &Gpu, plan: Arc<Plan>) -> Result<PerStep> {
        let rows = plan.rows;
        let init = plan.initial_arena_f32();
        gpu.check_words(
            "the network's states (one arena for all populations)",
            init.len(),
        )?;
        let schedule = Schedule::new(&plan, &gpu.limits())?;
        let room = (gpu.max_storage_binding() / 4) as usize;
        let arena = gpu.upload("network arena", &init)?;
        let scratch = gpu.alloc("network scratch (summed inputs)", plan.scratch_len)?;
        let acc = gpu.alloc(
            "network fixed-point accumulators and spike counters",
            schedule.acc_len,
        )?;
        let rings = gpu.alloc("network delay rings", plan.ring_len)?;
        let streams = plan
            .externals
            .iter()
            .map(|e| {
                gpu.alloc(
                    &format!("input stream `{}`", e.name),
                    schedule.stream_chunk * rows * e.n,
                )
            })
            .collect::<Result<Vec<_>>>()?;
        let clock = gpu.alloc_uniform("network clock", MAX_CHUNK * CLOCK_STRIDE as usize);
        let composed = match &schedule.composed {
            Some(t) => Some(ComposedBuffers::new(gpu, t, [&arena, &scratch, &acc])?),
            None => None,
        };
        let mut keep = Vec::new();
        let mut step = Vec::new();
        let uniform = |keep: &mut Vec<GpuArray>, what: &str, words: &[u32]| -> GpuArray {
            let u = gpu.alloc_uniform(what, std::mem::size_of_val(words));
            u.write(0, words);
            keep.push(u.clone());
            u
        };
        for planned in &schedule.steps {
            match planned {
                Planned::Events {
                    kernel,
                    threads,
                    tables,
                } => {
                    let c = composed.as_ref().expect("built for the event runs");
                    let tables = gpu.upload("event tables", tables)?;
                    step.push(c.dispatch(gpu, kernel, *threads, Some(&tables))?);
                    keep.push(tables);
                }
                Planned::Composed { kernel, threads } => {
                    let c = composed.as_ref().expect("built for the groups");
                    step.push(c.dispatch(gpu, kernel, *threads, None)?);
                }
                &Planned::Op { si, oi } => {
                    let binding = |src| binding(src, &plan, &arena, &rings, &streams);
                    let mut cx = PerStepCx {
                        gpu,
                        plan: &plan,
                        room,
                        binding: &binding,
                        scratch: &scratch,
                        acc: &acc,
                        clock: &clock,
                        keep: &mut keep,
                        step: &mut step,
                    };
                    plan.statements[si].ops[oi].kind().per_step(&mut cx)?;
                }
                &Planned::Update(si) => {
                    let s = &plan.statements[si];
                    let node = &plan.nodes[s.node];
                    // The population's update.
                    // Each input as `Sim` reads it, and the buffer it is bound from.
                    let input = |spec: InputSpec| -> (SimInput, Option<&GpuArray>) {
                        match spec {
                            InputSpec::Scratch { .. } => (sim_input(spec), Some(&scratch)),
                            InputSpec::Stream { ext, .. } => (
                                SimInput {
                                    step: rows * plan.externals[ext].n,
                                    ..SimInput::at(InputMode::Rows, 0)
                                },
                                Some(&streams[ext]),
                            ),
                            other => (sim_input(other), None),
                        }
                    };
                    let (x, x_buf) = input(s.x);
                    let (delta, mut d_buf) = input(s.delta);
                    // Conductances computed into the scratch are read through the delta binding, which
                    // is free unless the delta input itself is in the scratch.
                    if s.channels
                        .iter()
                        .any(|(_, at)| matches!(at, ChannelSrc::Scratch(_)))
                    {
                        d_buf = Some(&scratch);
                    }
                    let sim = statement_sim(&plan, s, x, delta, 0, 0);
                    let sim = uniform(&mut keep, "sim", bytemuck::cast_slice(&[sim]));
                    let params = gpu.upload("parameters", &pack_params(&node.params))?;
                    keep.push(params.clone());
                    let channels = if s.channels.is_empty() {
                        None
                    } else {
                        let words = channel_records(s);
                        let c = gpu.upload("current inputs", &words)?;
                        keep.push(c.clone());
                        Some(c)
                    };
                    step.push(gpu.element_dispatch(
                        node.model.kernel(),
                        &ElementBindings {
                            sim: &sim,
                            state: &arena,
                            params: &params,
                            x: x_buf,
                            out: node.emits.then_some(&arena),
                            delta: d_buf,
                            acc: matches!(s.delta, InputSpec::Acc { .. }).then_some(&acc),
                            channels: channels.as_ref(),
                            clock: &clock,
                        },
                        node.total,
                    )?);
                }
                &Planned::Ring(si) => {
                    let s = &plan.statements[si];
                    let node = &plan.nodes[s.node];
                    let ring = &plan.rings[s.ring.expect("planned for a ring")];
                    let w = RingCfg {
                        n: ring.len as u32,
                        src: node.out as u32,
                        dst: ring.base as u32,
                        depth: ring.depth as u32,
                    }
                    .words([0; 3]);
                    let cfg = uniform(&mut keep, "ring cfg", &w);
                    step.push(gpu.comm_dispatch(
                        &builtin::RING_STORE,
                        &CommBindings {
                            cfg: &cfg,
                            src: Some(&arena),
                            index: None,
                            weights: None,
                            dst: Some(&rings),
                            acc: None,
                            clock: &clock,
                        },
                        Grid::Flat(ring.len),
                    )?);
                }
            }
        }
        keep.push(scratch);
        let generated = schedule.kernels();
        Ok(PerStep {
            gpu: gpu.clone(),
            pushed_bytes: schedule.pushed_bytes,
            acc,
            rings,
            sums_len: schedule.sums_len,
            counters: schedule.counters,
            counted_bytes: 0,
            plan,
            arena,
            streams,
            stream_chunk: schedule.stream_chunk,
            clock,
            composed: composed.map(|c| ComposedClock {
                clock: c.clock,
                range: c.range,
                deferred: schedule.deferred,
                every_step: false,
                flagged: None,
            }),
            cached_bytes: schedule.cached_bytes,
            step,
            monitors: Vec::new(),
            monitor_chunk: MAX_CHUNK,
            generated,
            _keep: keep,
        })
    }

    /// Bytes per step the plan counts and this executor does not move: the spike reads of
    /// pushed event projections and of count monitors counted by the updates, and what the
    /// composed updates' caches serve ([`StepRow`]).
    fn unmoved_bytes_per_step(&self) -> u64 {
        // Deferred outputs that a monitor makes the updates store every step.
        let restored: u64 = self
            .composed
            .iter()
            .filter(|c| c.every_step)
            .flat_map(|c| &c.deferred)
            .map(|&n| 4 * self.plan.nodes[n].total as u64)
            .sum();
        self.pushed_bytes + self.counted_bytes + self.cached_bytes - restored
    }

    /// Dispatches recorded per step, monitors included.
    fn dispatches_per_step(&self) -> usize {
        self.step.len()
            + self
                .monitors
                .iter()
                .filter(|m| m.dispatch.is_some())
                .count()
    }
}

impl Exec for PerStep {
    fn name(&self) -> &'static str {
        "per-step"
    }

    fn generated(&self) -> Vec<KernelDef> {
        self.generated.clone()
    }

    /// The most steps one run records into one submission.
    fn chunk_len(&self) -> usize {
        self.stream_chunk.min(self.monitor_chunk)
    }

    fn cost(&self, (bytes, _): (u64, usize)) -> StepCost {
        StepCost {
            bytes: bytes - self.unmoved_bytes_per_step(),
            dispatches: self.dispatches_per_step() as f64,
            executor: self.name(),
            steps_per_dispatch: 1,
            registers: 0,
            barriers: 0,
        }
    }

    /// Builds the chunk buffers and dispatches of `monitors`.
    fn set_monitors(&mut self, monitors: &[Record]) -> Result<()> {
        let gpu = &self.gpu;
        let plan = &self.plan;
        // Each monitor's chunk fits one binding, and all of them the budget.
        let layouts: Vec<(usize, usize)> = monitors.iter().map(entry_layout).collect();
        let bytes = |chunk: usize| {
            layouts
                .iter()
                .map(move |&(w, every)| 4 * (entries(chunk, every) * w) as u64)
        };
        let chunk = longest_chunk(MAX_CHUNK, |c| {
            bytes(c).sum::<u64>() <= CHUNK_BUDGET
                && bytes(c).all(|b| b <= gpu.max_storage_binding())
        });
        let step_bytes: u64 = bytes(1).sum();
        if chunk == 0 {
            return Err(Error::LimitExceeded {
                what: "one step of the monitors".into(),
                requested: step_bytes,
                limit_name: "max_storage_buffer_binding_size",
                limit: gpu.max_storage_binding(),
            });
        }
        let mut bufs = Vec::with_capacity(monitors.len());
        let mut counted_bytes = 0;
        for (m, &(words, every)) in monitors.iter().zip(&layouts) {
            if let Record::Count(r) = m
                && let Some(&(_, at)) = self.counters.iter().find(|(node, _)| *node == r.node)
            {
                counted_bytes += 4 * plan.nodes[r.node].total as u64;
                bufs.push(MonitorBuf {
                    buffer: self.acc.clone(),
                    per_entry: words,
                    sampling: None,
                    _index: None,
                    dispatch: None,
                    counters: Some(at),
                });
                continue;
            }
            let buffer = gpu.alloc("monitor chunk", entries(chunk, every) * words)?;
            let mut index = None;
            let (cfg_words, kernel, grid, sampling) = match m {
                Record::Spikes(r) | Record::Rate(RateRecord { bits: r, .. }) => {
                    let node = &plan.nodes[r.node];
                    let w = SpikeBitsCfg {
                        n: node.n as u32,
                        rows: r.rows as u32,
                        src_base: node.out as u32,
                        src_pitch: node.n as u32,
                        dst: 0,
                        words: r.words_per_row() as u32,
                    };
                    (
                        w.words([0; 3]),
                        &builtin::SPIKE_BITS,
                        Grid::Flat(words),
                        None,
                    )
                }
                Record::State(r) => {
                    let node = &plan.nodes[r.node];
                    if r.subset {
                        let elements: Vec<u32> =
                            r.elements(node.n).iter().map(|&i| i as u32).collect();
                        index = Some(gpu.upload("sampled elements", &elements)?);
                    }
                    let w = SampleCfg {
                        n: (r.rows * r.n) as u32,
                        src: (node.state_base + r.var_index * node.total) as u32,
                        dst: 0,
                        every: r.every as u32,
                        first: 0,
                        shift: r.shift as u32,
                        indexed: r.subset,
                    };
                    (
                        w.words([0; 3]),
                        &builtin::SAMPLE_STATE,
                        Grid::Flat(words),
                        Some(w),
                    )
                }
                Record::Count(r) => {
                    let node = &plan.nodes[r.node];
                    let w = CountCfg {
                        n: node.n as u32,
                        rows: r.rows as u32,
                        src: node.out as u32,
                    };
                    (
                        w.words([0; 3]),
                        &builtin::SPIKE_COUNT,
                        Grid::Flat(node.total),
                        None,
                    )
                }
            };
            let cfg = gpu.alloc_uniform("monitor cfg", 64);
            cfg.write(0, &cfg_words);
            let spikes = sampling.is_none();
            let dispatch = gpu.comm_dispatch(
                kernel,
                &CommBindings {
                    cfg: &cfg,
                    src: Some(&self.arena),
                    index: index.as_ref(),
                    weights: None,
                    dst: (!spikes).then_some(&buffer),
                    acc: spikes.then_some(&buffer),
                    clock: &self.clock,
                },
                grid,
            )?;
            bufs.push(MonitorBuf {
                buffer,
                per_entry: words,
                sampling: sampling.map(|w| (cfg, w)),
                _index: index,
                dispatch: Some(dispatch),
                counters: None,
            });
        }
        // A monitor that reads a deferred output from the arena needs it stored every step.
        if let Some(o) = &mut self.composed {
            o.every_step = monitors.iter().zip(&bufs).any(|(m, b)| {
                let node = match m {
                    Record::Spikes(r) | Record::Rate(RateRecord { bits: r, .. }) => r.node,
                    Record::Count(r) => r.node,
                    Record::State(_) => return false,
                };
                b.dispatch.is_some() && o.deferred.contains(&node)
            });
        }
        self.monitors = bufs;
        self.counted_bytes = counted_bytes;
        self.monitor_chunk = chunk;
        Ok(())
    }

    /// Runs `steps` (at most [`Self::chunk_len`]) steps from `clock`'s step, reading back the
    /// monitors at the end.
    fn run(&mut self, chunk: &Chunk<'_>, monitors: &mut [Record]) -> Result<()> {
        let (clock, steps, streams) = (chunk.clock, chunk.steps, chunk.streams);
        assert!(steps <= self.chunk_len(), "a run is at most one chunk");
        if steps == 0 {
            return Ok(());
        }
        let k0 = clock.step();
        let ticks = clock_entries(clock, steps);
        let stride = CLOCK_STRIDE as usize / 4;
        let mut entries = vec![0u32; steps * stride];
        for (j, tick) in ticks.iter().enumerate() {
            entries[j * stride..j * stride + CLOCK_WORDS].copy_from_slice(tick);
        }
        self.clock.write(0, &entries);
        if let Some(composed) = &mut self.composed {
            composed.clock.write(0, ticks.as_flattened());
            composed.flag(steps);
        }
        for (buf, data) in self.streams.iter().zip(streams) {
            buf.write_f64(0, data);
        }
        for (m, record) in self.monitors.iter().zip(monitors.iter()) {
            if let Some((cfg, sample)) = &m.sampling {
                let first = (k0 + sample.shift as u64).div_ceil(sample.every as u64) as u32;
                cfg.write(0, &SampleCfg { first, ..*sample }.words([0; 3]));
            }
            match (record, m.counters) {
                (Record::Count(_), Some(at)) => {
                    m.buffer.write(at, &vec![0u32; m.per_entry * COUNTERS])
                }
                (Record::Count(_), None) => m.buffer.write(0, &vec![0u32; m.per_entry]),
                _ => {}
            }
        }
        let mut per_step: Vec<&Dispatch> = self.step.iter().collect();
        per_step.extend(self.monitors.iter().filter_map(|m| m.dispatch.as_ref()));
        self.gpu.run(
            &[],
            (0..steps).map(|j| ((j as u64 * CLOCK_STRIDE) as u32, &per_step[..])),
        )?;
        for (m, record) in self.monitors.iter().zip(monitors.iter_mut()) {
            match (record, m.counters) {
                (Record::Count(r), Some(at)) => {
                    let counters: Vec<u32> = m.buffer.view(at, m.per_entry * COUNTERS).read()?;
                    let per_row = counters.chunks(COUNTERS);
                    r.add(
                        steps,
                        per_row.map(|c| c.iter().map(|&x| u64::from(x)).sum()),
                    );
                }
                (record, _) => read_back(record, &m.buffer, 0, m.per_entry, k0, steps)?,
            }
        }
        Ok(())
    }

    fn read_arena(&self, at: usize, len: usize) -> Result<Vec<f64>> {
        self.arena.read_f64(at, len)
    }

    fn write_arena(&mut self, at: usize, data: &[f64]) -> Result<()> {
        self.gpu.alive()?;
        self.arena.write_f64(at, data);
        Ok(())
    }

    fn carried(&self) -> Result<Carried> {
        Ok(Carried {
            arena: self.arena.read_f64(0, self.plan.arena_len)?,
            rings: self.rings.read_f64(0, self.plan.ring_len)?,
            sums: read_sums(&self.acc, self.sums_len)?,
        })
    }

    fn carried_lens(&self) -> [usize; 3] {
        [self.plan.arena_len, self.plan.ring_len, self.sums_len]
    }

    fn set_carried(&mut self, c: &Carried) -> Result<()> {
        self.write_arena(0, &c.arena)?;
        if !c.rings.is_empty() {
            self.rings.write_f64(0, &c.rings);
        }
        write_sums(&self.acc, &c.sums);
        Ok(())
    }

    /// Waits until everything submitted has run.
    fn synchronize(&mut self) -> Result<()> {
        self.gpu.synchronize()
    }
}
