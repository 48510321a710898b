//! What the per-step executor decides from the plan and the device's limits alone: which
//! event projections their sources push, which updates compose into one dispatch and what
//! each one caches, and every dispatch of a step ([`Schedule`]). Pure functions of the plan.

use crate::error::Result;
use crate::gpu::DeviceLimits;
use crate::network::compose::{channel_records, elementwise, param_table};
use crate::network::plan::{ChannelSrc, InputSpec, Place, Plan, Statement};
use crate::network::projection::{EventProjection, Projection};
use crate::shaders::KernelDef;

use super::composed::{ComposedTable, composed_kernel, events_kernel};
use super::{CHUNK_BUDGET, COUNTERS, MAX_CHUNK, fit};

/// An event projection that the update of its source population delivers ("pushes") as
/// each spike is emitted, instead of a projection dispatch reading the spikes in the next
/// step: op `oi` of statement `si`, whose source is element `slice` on of the output of the
/// population that statement `source` updates. The source's update comes after statement `si`
/// in program order (so the projection reads the previous step's spikes), and the sums it
/// fills are filled by pushes alone. Sums come in two sets, for even and odd steps: an update
/// pushes into the next step's set while the consumers of this step read and clear theirs.
/// Integer sums make the order of delivery irrelevant, so results are those of the pull.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Push {
    pub(super) si: usize,
    pub(super) oi: usize,
    pub(super) source: usize,
    pub(super) slice: usize,
}

/// The event projections that can be pushed (both statements compose into network kernels),
/// as many as fit `room` words of tables (in program order).
pub(super) fn pushes(plan: &Plan, room: usize) -> Vec<Push> {
    let statement_of = |node: usize| plan.statements.iter().position(|s| s.node == node);
    let mut out: Vec<Push> = Vec::new();
    for (si, s) in plan.statements.iter().enumerate() {
        for (oi, op) in s.ops.iter().enumerate() {
            let Projection::Event(EventProjection {
                src: Place::Arena { offset, pitch },
                conn,
                acc,
                ..
            }) = op
            else {
                continue;
            };
            let source = plan.nodes.iter().enumerate().find(|(_, m)| {
                m.emits
                    && (m.out..m.out + m.n).contains(offset)
                    && offset + conn.n_pre() <= m.out + m.n
                    && (*pitch == m.n || plan.rows == 1)
            });
            let Some((node, m)) = source else { continue };
            let Some(source) = statement_of(node) else {
                continue;
            };
            if source > si
                && composable(plan, s)
                && composable(plan, &plan.statements[source])
                && matches!(s.delta, InputSpec::Acc { offset, slots: 1, .. } if offset == *acc)
            {
                out.push(Push {
                    si,
                    oi,
                    source,
                    slice: offset - m.out,
                });
            }
        }
    }
    // Sums that a projection left to pull also fills stay pulled.
    let pulled: Vec<usize> = plan
        .statements
        .iter()
        .enumerate()
        .flat_map(|(si, s)| s.ops.iter().enumerate().map(move |(oi, op)| (si, oi, op)))
        .filter(|&(si, oi, _)| !out.iter().any(|p| p.si == si && p.oi == oi))
        .filter_map(|(_, _, op)| op.sums())
        .collect();
    let sums = |p: &Push| match plan.statements[p.si].ops[p.oi].as_event() {
        Some(e) => e.acc,
        None => unreachable!("pushes are event projections"),
    };
    out.retain(|p| !pulled.contains(&sums(p)));
    // The pushed tables share one binding with the parameters: sums whose projections' tables
    // do not fit beside those of earlier sums are pulled.
    let mut pushed: Vec<usize> = Vec::new();
    let mut used = 0;
    for p in &out {
        let acc = sums(p);
        if pushed.contains(&acc) {
            continue;
        }
        let words: usize = out
            .iter()
            .filter(|q| sums(q) == acc)
            .map(|q| plan.statements[q.si].ops[q.oi].table_words())
            .sum();
        if used + words <= room {
            used += words;
            pushed.push(acc);
        }
    }
    out.retain(|p| pushed.contains(&sums(p)));
    out
}

pub(super) fn is_arena_event(plan: &Plan, (si, oi): (usize, usize)) -> bool {
    matches!(
        plan.statements[si].ops[oi],
        Projection::Event(EventProjection {
            src: Place::Arena { .. },
            ..
        })
    )
}

/// Whether `run` (of a group's projections) is two or more event projections from the arena,
/// which share one composed dispatch.
pub(super) fn is_event_run(plan: &Plan, run: &[(usize, usize)]) -> bool {
    run.len() > 1 && is_arena_event(plan, run[0])
}

/// A group's projections as (statement, op), in order, split into runs of arena event
/// projections whose tables together fit `room` words (one binding) and runs of the others;
/// pushed projections are left out.
pub(super) fn projection_runs(
    plan: &Plan,
    group: &[usize],
    pushes: &[Push],
    room: usize,
) -> Vec<Vec<(usize, usize)>> {
    let ops: Vec<(usize, usize)> = group
        .iter()
        .flat_map(|&si| (0..plan.statements[si].ops.len()).map(move |oi| (si, oi)))
        .filter(|&(si, oi)| !pushes.iter().any(|p| p.si == si && p.oi == oi))
        .collect();
    let words = |(si, oi): (usize, usize)| plan.statements[si].ops[oi].table_words();
    let mut runs: Vec<Vec<(usize, usize)>> = Vec::new();
    let mut used = 0;
    for op in ops {
        let joins = runs.last().is_some_and(|run| {
            is_arena_event(plan, run[0]) == is_arena_event(plan, op)
                && (!is_arena_event(plan, op) || used + words(op) <= room)
        });
        match runs.last_mut() {
            Some(run) if joins => run.push(op),
            _ => {
                runs.push(vec![op]);
                used = 0;
            }
        }
        used += words(op);
    }
    runs
}

/// Whether a statement's update can share a composed dispatch: element-wise, and no input
/// stream (streams have their own buffers here).
pub(super) fn composable(plan: &Plan, s: &Statement) -> bool {
    elementwise(plan, s) && !matches!(s.x, InputSpec::Stream { .. })
}

/// The statements in order, in groups whose updates run in one dispatch: consecutive
/// composable statements over the same elements, no delay ring before the last, and each
/// one's projections free to run before the group (they read nothing the group's earlier
/// updates write).
pub(super) fn groups(plan: &Plan) -> Vec<Vec<usize>> {
    let writes = |si: usize, offset: usize| {
        let node = &plan.nodes[plan.statements[si].node];
        let states = node.state_base..node.state_base + node.vars * node.total;
        states.contains(&offset) || (node.out..node.out + node.total).contains(&offset)
    };
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (si, s) in plan.statements.iter().enumerate() {
        let node = &plan.nodes[s.node];
        let joins = groups.last().is_some_and(|g| {
            g.iter().all(|&m| {
                let ms = &plan.statements[m];
                let mn = &plan.nodes[ms.node];
                composable(plan, ms)
                    && ms.ring.is_none()
                    && mn.n == node.n
                    && mn.total == node.total
            }) && composable(plan, s) && s.ops.iter().all(|op| {
                !matches!(op.src(), Place::Arena { offset, .. } if g.iter().any(|&m| writes(m, offset)))
            })
        });
        match groups.last_mut() {
            Some(g) if joins => g.push(si),
            _ => groups.push(vec![si]),
        }
    }
    groups
}

/// A row of one of a composed group's populations (a state variable or its output) that each
/// invocation of the group's dispatch keeps in private variables for the step: a state loaded
/// at the start (all of them at once, so that their loads are in flight together, as a vector
/// load's would be), an output at its first read; stored at the end if it was written and its
/// bits changed (a state that a step leaves alone, like the time of the last spike, costs no
/// write). An output that nothing outside the group reads during a run, and no update of the
/// group reads before it is written, is `deferred`: stored only when `range.store_outputs`
/// asks (a run's last step, or every step while a monitor reads it).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct StepRow {
    pub(super) base: usize,
    /// The statement whose update writes the row.
    pub(super) si: usize,
    /// A state variable (else an output).
    pub(super) state: bool,
    pub(super) deferred: bool,
}

/// The rows of `group`'s populations, each output marked deferred where it can be.
pub(super) fn step_rows(plan: &Plan, group: &[usize], pushes: &[Push]) -> Vec<StepRow> {
    let mut out = Vec::new();
    for (p, &si) in group.iter().enumerate() {
        let node = &plan.nodes[plan.statements[si].node];
        for v in 0..node.vars {
            out.push(StepRow {
                base: node.state_base + v * node.total,
                si,
                state: true,
                deferred: false,
            });
        }
        if node.emits {
            out.push(StepRow {
                base: node.out,
                si,
                state: false,
                deferred: deferrable(plan, group, p, pushes),
            });
        }
    }
    out
}

/// Whether the output of the update at place `p` of `group` is read during a run only by the
/// group's later updates, element by element (pushed projections read it from the cache).
pub(super) fn deferrable(plan: &Plan, group: &[usize], p: usize, pushes: &[Push]) -> bool {
    let rows = plan.rows;
    let s = &plan.statements[group[p]];
    let node = &plan.nodes[s.node];
    let (start, end) = (node.out, node.out + node.total);
    let hits = |a: usize, b: usize| a < end && start < b;
    if s.ring.is_some() {
        return false;
    }
    plan.statements.iter().enumerate().all(|(ti, t)| {
        let pulled = t.ops.iter().enumerate().any(|(oi, op)| {
            !pushes.iter().any(|q| q.si == ti && q.oi == oi)
                && matches!(op.src(), Place::Arena { offset, pitch }
                    if hits(offset, offset + (rows - 1) * pitch + op.src_len()))
        });
        let later = group[p + 1..].contains(&ti);
        !pulled && arena_reads(plan, t).all(|(a, b)| !hits(a, b) || (later && a == start))
    })
}

/// The arena ranges a statement's update reads, `[start, end)`: its `x` and delta inputs from
/// the arena and its conductances.
pub(super) fn arena_reads<'a>(
    plan: &'a Plan,
    t: &'a Statement,
) -> impl Iterator<Item = (usize, usize)> + 'a {
    let reader = &plan.nodes[t.node];
    let inputs =
        [(t.x, t.x_n), (t.delta, reader.n)]
            .into_iter()
            .filter_map(|(spec, len)| match spec {
                InputSpec::Arena { offset, pitch } => {
                    Some((offset, offset + (plan.rows - 1) * pitch + len))
                }
                _ => None,
            });
    let channels = t.channels.iter().filter_map(|(_, at)| match *at {
        ChannelSrc::Arena(a) => Some((a, a + reader.total)),
        _ => None,
    });
    inputs.chain(channels)
}

/// Bytes per step the plan counts and a composed group's cache does not move: deferred
/// outputs, and reads of the group's rows that the cache serves (a state row read again as a
/// conductance or an input, an output read by a later update).
pub(super) fn cached_bytes(plan: &Plan, group: &[usize], rows: &[StepRow]) -> u64 {
    let mut bytes = 0;
    for (q, &ti) in group.iter().enumerate() {
        let t = &plan.statements[ti];
        let total = plan.nodes[t.node].total as u64;
        for (at, _) in arena_reads(plan, t) {
            let Some(row) = rows.iter().find(|r| r.base == at) else {
                continue;
            };
            let owner = &plan.nodes[plan.statements[row.si].node];
            let written_before = group[..q].contains(&row.si);
            if at != owner.out || written_before {
                bytes += 4 * total;
            }
        }
    }
    let deferred = rows.iter().filter(|r| r.deferred);
    bytes
        + deferred
            .map(|r| 4 * plan.nodes[plan.statements[r.si].node].total as u64)
            .sum::<u64>()
}

/// One dispatch of a step, in program order, as [`Schedule`] plans it.
#[derive(Debug)]
pub(super) enum Planned {
    /// A run of event projections from the arena in one generated kernel over `threads`
    /// invocations, with its tables.
    Events {
        kernel: KernelDef,
        threads: usize,
        tables: Vec<u32>,
    },
    /// Projection `oi` of statement `si` by its built-in kernel.
    Op { si: usize, oi: usize },
    /// The updates of a group of statements in one generated kernel.
    Composed { kernel: KernelDef, threads: usize },
    /// The update of statement `si` by its model's element kernel.
    Update(usize),
    /// The delay ring store of statement `si`.
    Ring(usize),
}

/// What the per-step executor decides from the plan and the device's limits before any
/// buffer exists: which event projections are pushed, which updates compose, which spikes
/// the updates count, and every dispatch of a step with its generated kernel.
pub(super) struct Schedule {
    /// Words of `acc`: the sums (two sets when some are pushed), then the spike counters.
    pub(super) acc_len: usize,
    /// Words of `acc` that hold sums (what a run carries to its next step).
    pub(super) sums_len: usize,
    pub(super) counters: Vec<(usize, usize)>,
    pub(super) stream_chunk: usize,
    pub(super) composed: Option<ComposedTable>,
    pub(super) steps: Vec<Planned>,
    pub(super) cached_bytes: u64,
    pub(super) deferred: Vec<usize>,
    pub(super) pushed_bytes: u64,
}

impl Schedule {
    pub(super) fn new(plan: &Plan, limits: &DeviceLimits) -> Result<Schedule> {
        let rows = plan.rows;
        // Event projections delivered by their sources' updates need a second set of sums.
        // Words of tables one binding holds beside the parameters and channel records.
        let room = (limits.max_storage_binding / 4) as usize;
        let beside = param_table(plan).0.len()
            + plan
                .statements
                .iter()
                .map(|s| channel_records(s).len())
                .sum::<usize>();
        let pushes = pushes(plan, room.saturating_sub(beside));
        let sum_sets = if pushes.is_empty() { 1 } else { 2 };
        // Neurons whose updates compose count their spikes as they emit them, so that a count
        // monitor needs no dispatch of its own.
        let groups = groups(plan);
        let counted = |si: usize| {
            let s = &plan.statements[si];
            let node = &plan.nodes[s.node];
            composable(plan, s)
                && plan.is_spike_source(Place::Arena {
                    offset: node.out,
                    pitch: node.n,
                })
        };
        let mut counters = Vec::new();
        let mut acc_len = sum_sets * plan.acc_len;
        for si in groups.iter().flatten().copied().filter(|&si| counted(si)) {
            counters.push((plan.statements[si].node, acc_len));
            acc_len += rows * COUNTERS;
        }
        // Streams: as many steps per chunk as the budget and the binding limit allow.
        let stream_step_bytes: u64 = plan.externals.iter().map(|e| (4 * rows * e.n) as u64).sum();
        let largest = plan
            .externals
            .iter()
            .map(|e| (4 * rows * e.n) as u64)
            .max()
            .unwrap_or(0);
        let stream_chunk = MAX_CHUNK
            .min(fit(CHUNK_BUDGET, stream_step_bytes))
            .min(fit(limits.max_storage_binding, largest))
            .max(1);
        // Consecutive element-wise updates run as one composed dispatch (their projections
        // first, where that changes nothing they read), runs of event projections as another.
        // Groups updated by a composed dispatch: more than one update, a push to deliver or to
        // read, or spikes to count.
        let composed_group = |g: &Vec<usize>| {
            g.len() > 1
                || pushes
                    .iter()
                    .any(|p| g.contains(&p.si) || g.contains(&p.source))
                || g.iter().any(|&si| counted(si))
        };
        let composes = groups.iter().any(|g| {
            composed_group(g)
                || projection_runs(plan, g, &pushes, room)
                    .iter()
                    .any(|r| is_event_run(plan, r))
        });
        let mut composed = match composes {
            true => Some(ComposedTable::new(
                plan,
                limits,
                &groups
                    .iter()
                    .filter(|g| composed_group(g))
                    .collect::<Vec<_>>(),
                &pushes,
                &counters,
            )?),
            false => None,
        };
        let (mut cached_bytes, mut deferred, mut steps) = (0, Vec::new(), Vec::new());
        for group in &groups {
            // The group's projections, in order; runs of event projections share a dispatch.
            for run in projection_runs(plan, group, &pushes, room) {
                if is_event_run(plan, &run) {
                    let (kernel, threads, tables) = events_kernel(plan, limits, &run)?;
                    steps.push(Planned::Events {
                        kernel,
                        threads,
                        tables,
                    });
                } else {
                    steps.extend(run.into_iter().map(|(si, oi)| Planned::Op { si, oi }));
                }
            }
            let last = *group.last().expect("groups are not empty");
            if composed_group(group) {
                let c = composed.as_mut().expect("built for the groups");
                let cached = step_rows(plan, group, &pushes);
                cached_bytes += self::cached_bytes(plan, group, &cached);
                deferred.extend(
                    cached
                        .iter()
                        .filter(|r| r.deferred)
                        .map(|r| plan.statements[r.si].node),
                );
                let (kernel, threads) = composed_kernel(plan, group, &cached, c);
                steps.push(Planned::Composed { kernel, threads });
            } else {
                steps.push(Planned::Update(last));
            }
            if plan.statements[last].ring.is_some() {
                steps.push(Planned::Ring(last));
            }
        }
        let pushed_bytes = pushes
            .iter()
            .filter_map(|p| plan.statements[p.si].ops[p.oi].as_event())
            .map(|e| 4 * (rows * e.conn.n_pre()) as u64)
            .sum();
        Ok(Schedule {
            acc_len,
            sums_len: sum_sets * plan.acc_len,
            counters,
            stream_chunk,
            composed,
            steps,
            cached_bytes,
            deferred,
            pushed_bytes,
        })
    }

    /// The kernels it generates.
    pub(super) fn kernels(&self) -> Vec<KernelDef> {
        self.steps
            .iter()
            .filter_map(|p| match p {
                Planned::Events { kernel, .. } | Planned::Composed { kernel, .. } => {
                    Some(kernel.clone())
                }
                _ => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::classic::Coba;
    use crate::network::plan;

    fn coba(n: usize) -> Plan {
        plan::build(&Coba::new(n).build().unwrap().network, None, 0.1, None).unwrap()
    }

    #[test]
    fn coba_is_one_composed_dispatch_that_pushes_both_projections() {
        let plan = coba(4000);
        // gE, gI and N update the same 4000 elements element-wise: one group.
        assert_eq!(groups(&plan), vec![vec![0, 1, 2]]);
        let p = pushes(&plan, usize::MAX);
        assert_eq!(p.len(), 2);
        assert!(p.iter().all(|p| p.source == 2), "N's update pushes: {p:?}");
        assert_eq!((p[0].si, p[0].slice), (0, 0));
        assert_eq!((p[1].si, p[1].slice), (1, 3200));
        let s = Schedule::new(&plan, &DeviceLimits::LARGE_GPU).unwrap();
        assert!(matches!(
            s.steps[..],
            [Planned::Composed { threads: 4000, .. }]
        ));
        // Two sets of sums (even and odd steps), then N's spike counters.
        assert_eq!(s.acc_len, 2 * plan.acc_len + COUNTERS);
        assert_eq!(s.counters, vec![(0, 2 * plan.acc_len)]);
        assert_eq!(s.pushed_bytes, 4 * 4000);
    }

    #[test]
    fn pushes_take_tables_in_program_order_while_they_fit() {
        let plan = coba(4000);
        // Excitatory table: 3200 × 80 targets; inhibitory: 800 × 80.
        let p = pushes(&plan, 100_000);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].si, 1, "only the inhibitory table fits");
        assert!(pushes(&plan, 1000).is_empty());
        // A binding that holds the excitatory table but not both: the excitatory projection
        // is pushed, the inhibitory one runs from the arena ahead of the composed updates.
        let limits = DeviceLimits {
            max_storage_binding: 4 * 300_000,
            ..DeviceLimits::LARGE_GPU
        };
        let s = Schedule::new(&plan, &limits).unwrap();
        assert!(
            matches!(
                s.steps[..],
                [Planned::Op { si: 1, oi: 0 }, Planned::Composed { .. }]
            ),
            "{:?}",
            s.steps
        );
    }

    #[test]
    fn an_output_read_only_by_later_updates_and_pushes_is_deferred() {
        let plan = coba(4000);
        let rows = step_rows(&plan, &[0, 1, 2], &pushes(&plan, usize::MAX));
        let out = |node: usize| plan.nodes[node].out;
        let deferred: Vec<usize> = rows.iter().filter(|r| r.deferred).map(|r| r.base).collect();
        // N's spikes are read only from the cache by its pushes; g of gE and gI are read by N.
        assert!(deferred.contains(&out(0)), "{rows:?}");
        let cached = cached_bytes(&plan, &[0, 1, 2], &rows);
        assert!(cached > 0);
    }

    #[test]
    fn updates_fed_by_a_stream_do_not_compose() {
        use crate::network::{Network, Term, Wiring};
        let mut net = Network::new();
        let e = net.external("drive", 10).unwrap();
        let a = net.add(crate::neuron::LIF::new(10)).unwrap();
        let b = net.add(crate::neuron::LIF::new(10)).unwrap();
        net.update(a, Wiring::new().x(Term::external(e)));
        net.update(b, Wiring::new().x(Term::output(a)));
        let plan = plan::build(&net, Some(2), 0.1, None).unwrap();
        let fed = plan
            .statements
            .iter()
            .position(|s| matches!(s.x, InputSpec::Stream { .. }))
            .expect("the input layer reads the stream");
        assert_eq!(fed, 0);
        assert!(!composable(&plan, &plan.statements[0]));
        assert!(composable(&plan, &plan.statements[1]));
        assert_eq!(groups(&plan), vec![vec![0], vec![1]]);
    }
}
