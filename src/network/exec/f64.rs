//! The f64 host executor of a plan: the reference the GPU executors are tested against.

use crate::network::RateRecord;
use std::sync::Arc;

use super::{Carried, Chunk, Exec};
use crate::error::Result;
use crate::host::{HostInput, HostStates, HostStep, step_elements};
use crate::network::Record;
use crate::network::StepCost;
use crate::network::plan::{ChannelSrc, InputSpec, Place, Plan};
use crate::network::projection::F64Cx;
use crate::synout::SynOut;

pub(crate) struct F64 {
    plan: Arc<Plan>,
    arena: Vec<f64>,
    scratch: Vec<f64>,
    /// Sums of event-driven projections, exact in f64.
    acc: Vec<f64>,
    rings: Vec<f64>,
}

/// One population's region of the arena as the host loop's states.
struct Region<'a> {
    arena: &'a mut [f64],
    base: usize,
    total: usize,
    out: usize,
}

impl HostStates for Region<'_> {
    fn get(&self, v: usize, i: usize) -> f64 {
        self.arena[self.base + v * self.total + i]
    }
    fn set(&mut self, v: usize, i: usize, value: f64) {
        self.arena[self.base + v * self.total + i] = value;
    }
    fn set_out(&mut self, i: usize, value: f64) {
        self.arena[self.out + i] = value;
    }
}

impl F64 {
    pub fn new(plan: Arc<Plan>) -> F64 {
        F64 {
            arena: plan.initial_arena(),
            scratch: vec![0.0; plan.scratch_len],
            acc: vec![0.0; plan.acc_len],
            rings: vec![0.0; plan.ring_len],
            plan,
        }
    }
}

/// Value `idx` of sample `b`'s row of `src` at step `k`, from the arena, the rings or this
/// step's stream values.
fn read(
    plan: &Plan,
    arena: &[f64],
    rings: &[f64],
    (src, b, idx): (Place, usize, usize),
    k: u64,
    stream_step: &[&[f64]],
) -> f64 {
    match src {
        Place::Arena { offset, pitch } => arena[offset + b * pitch + idx],
        Place::Ring { .. } => {
            let r = src.ring_read(plan).expect("a ring source");
            let slot = ((k + r.depth as u64 - r.delay as u64) % r.depth as u64) as usize;
            rings[r.base + slot * r.len + b * r.pitch + idx]
        }
        Place::Stream { ext, pitch } => stream_step[ext][b * pitch + idx],
        Place::Constant(c) => c,
    }
}

impl Exec for F64 {
    fn name(&self) -> &'static str {
        "f64"
    }

    /// The host runs any number of steps at once.
    fn chunk_len(&self) -> usize {
        usize::MAX
    }

    /// Its states are f64.
    fn single_precision(&self) -> bool {
        false
    }

    fn set_monitors(&mut self, _monitors: &[Record]) -> Result<()> {
        Ok(())
    }

    fn read_arena(&self, at: usize, len: usize) -> Result<Vec<f64>> {
        Ok(self.arena[at..at + len].to_vec())
    }

    fn carried(&self) -> Result<Carried> {
        Ok(Carried {
            arena: self.arena.clone(),
            rings: self.rings.clone(),
            sums: self.acc.clone(),
        })
    }

    fn carried_lens(&self) -> [usize; 3] {
        [self.arena.len(), self.rings.len(), self.acc.len()]
    }

    fn set_carried(&mut self, c: &Carried) -> Result<()> {
        self.arena.copy_from_slice(&c.arena);
        self.rings.copy_from_slice(&c.rings);
        self.acc.copy_from_slice(&c.sums);
        Ok(())
    }

    fn write_arena(&mut self, at: usize, data: &[f64]) -> Result<()> {
        self.arena[at..at + data.len()].copy_from_slice(data);
        Ok(())
    }

    fn synchronize(&mut self) -> Result<()> {
        Ok(())
    }

    /// One dispatch per projection, update and monitor, as the plan counts them.
    fn cost(&self, (bytes, dispatches): (u64, usize)) -> StepCost {
        StepCost {
            bytes,
            dispatches: dispatches as f64,
            executor: self.name(),
            steps_per_dispatch: 1,
            registers: 0,
            barriers: 0,
        }
    }

    fn run(&mut self, chunk: &Chunk<'_>, monitors: &mut [Record]) -> Result<()> {
        let (clock, steps, streams) = (chunk.clock, chunk.steps, chunk.streams);
        let plan = self.plan.clone();
        let rows = plan.rows;
        for j in 0..steps {
            let k = clock.step() + j as u64;
            let mut at = clock.clone();
            at.set_step(k);
            let time = (at.since_epoch_ms(), plan.dt, k, at.epoch_ms());
            let stream_step: Vec<&[f64]> = plan
                .externals
                .iter()
                .zip(streams)
                .map(|(e, d)| &d[j * rows * e.n..(j + 1) * rows * e.n])
                .collect();
            for s in &plan.statements {
                for op in &s.ops {
                    let (plan, arena, rings) = (&*self.plan, &self.arena, &self.rings);
                    let read =
                        |src, b, idx| read(plan, arena, rings, (src, b, idx), k, &stream_step);
                    op.kind().apply_f64(&mut F64Cx {
                        rows: plan.rows,
                        step: k,
                        read: &read,
                        scratch: &mut self.scratch,
                        acc: &mut self.acc,
                    });
                }
                let node = &plan.nodes[s.node];
                // Inputs are copied out of the arena first: the update writes into it.
                let input =
                    |spec: InputSpec, len: usize, this: &F64| -> (Vec<f64>, usize, Option<f64>) {
                        match spec {
                            InputSpec::None => (Vec::new(), 0, Some(0.0)),
                            InputSpec::Scalar(v) => (Vec::new(), 0, Some(v)),
                            InputSpec::Arena { offset, pitch } => (
                                this.arena[offset..offset + (rows - 1) * pitch + len].to_vec(),
                                pitch,
                                None,
                            ),
                            InputSpec::Scratch { offset, pitch } => (
                                this.scratch[offset..offset + rows * pitch].to_vec(),
                                pitch,
                                None,
                            ),
                            InputSpec::Stream { ext, pitch } => {
                                (stream_step[ext].to_vec(), pitch, None)
                            }
                            InputSpec::Acc {
                                offset, slots, set, ..
                            } => {
                                let at = offset + (k % slots as u64) as usize * set;
                                (this.acc[at..at + rows * len].to_vec(), len, None)
                            }
                        }
                    };
                let (x_data, x_pitch, x_scalar) = input(s.x, s.x_n, self);
                let (d_data, d_pitch, d_scalar) = input(s.delta, node.n, self);
                if let InputSpec::Acc {
                    offset, slots, set, ..
                } = s.delta
                {
                    let at = offset + (k % slots as u64) as usize * set;
                    self.acc[at..at + rows * node.n].fill(0.0);
                }
                fn host(data: &[f64], pitch: usize, scalar: Option<f64>) -> HostInput<'_> {
                    match scalar {
                        Some(0.0) if data.is_empty() => HostInput::None,
                        Some(v) => HostInput::Scalar(v),
                        None => HostInput::Rows {
                            data,
                            pitch,
                            per_sample: true,
                        },
                    }
                }
                let conductances: Vec<(SynOut, Vec<f64>)> = s
                    .channels
                    .iter()
                    .map(|(out, at)| {
                        let g = match *at {
                            ChannelSrc::Arena(a) => &self.arena[a..a + node.total],
                            ChannelSrc::Scratch(a) => &self.scratch[a..a + node.total],
                        };
                        (*out, g.to_vec())
                    })
                    .collect();
                let channels: Vec<(SynOut, &[f64])> =
                    conductances.iter().map(|(o, g)| (*o, &g[..])).collect();
                let step = HostStep {
                    time,
                    n: node.n,
                    total: node.total,
                    x_n: s.x_n,
                    x: host(&x_data, x_pitch, x_scalar),
                    delta: host(&d_data, d_pitch, d_scalar),
                    channels: &channels,
                    params: &node.params,
                };
                let mut region = Region {
                    arena: &mut self.arena,
                    base: node.state_base,
                    total: node.total,
                    out: node.out,
                };
                step_elements(node.model.as_ref(), || node.owner(), &step, &mut region)?;
                if let Some(r) = s.ring {
                    let ring = &plan.rings[r];
                    let at = ring.base + (k as usize % ring.depth) * ring.len;
                    self.rings[at..at + ring.len]
                        .copy_from_slice(&self.arena[node.out..node.out + node.total]);
                }
            }
            for m in monitors.iter_mut() {
                match m {
                    Record::Spikes(r) | Record::Rate(RateRecord { bits: r, .. }) => {
                        let node = &plan.nodes[r.node];
                        r.push_values(&self.arena[node.out..node.out + node.total]);
                    }
                    Record::Count(r) => {
                        let node = &plan.nodes[r.node];
                        let out = &self.arena[node.out..node.out + node.total];
                        r.add(
                            1,
                            out.chunks(node.n)
                                .map(|row| row.iter().filter(|&&x| x != 0.0).count() as u64),
                        );
                    }
                    Record::State(r) => {
                        if r.on_grid(k) {
                            let node = &plan.nodes[r.node];
                            let at = node.state_base + r.var_index * node.total;
                            let values: Vec<f64> = r
                                .elements(node.n)
                                .iter()
                                .map(|&i| self.arena[at + i])
                                .collect();
                            r.push(k, &values);
                        }
                    }
                }
            }
        }
        Ok(())
    }
}
