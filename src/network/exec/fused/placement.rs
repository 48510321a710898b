//! The fused executor's placement decisions: which rows live in registers, which outputs
//! live as bits or values in workgroup memory, and where statements' projections run. Pure
//! functions of the plan.

use crate::network::RateRecord;
use crate::network::Record;
use crate::network::plan::{ChannelSrc, InputSpec, Place, Plan};
use crate::network::projection::Projection;

/// The invocations of a workgroup: element `j` of every population belongs to invocation
/// `j mod size`, its slot is `j / size`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Lanes(pub(crate) usize);

impl Lanes {
    /// Elements of a population of `n` per invocation.
    pub(super) fn per(self, n: usize) -> usize {
        n.div_ceil(self.0)
    }

    /// Whether a population of `n` is updated by straight-line code, one call per element.
    pub(super) fn unrolled(self, n: usize) -> bool {
        self.per(n) <= MAX_UNROLL
    }

    /// An invocation's elements of a population of `n`, for straight-line code: per slot, the
    /// element's index (WGSL of `lane`) and the guard that the last slot needs when `n` is not
    /// a multiple of the lanes (`if (j < n) `, else empty).
    pub(super) fn slots(self, n: usize) -> impl Iterator<Item = (usize, String, String)> {
        (0..self.per(n)).map(move |slot| {
            let j = format!("lane + {}u", slot * self.0);
            let guard = if (slot + 1) * self.0 <= n {
                String::new()
            } else {
                format!("if ({j} < {n}u) ")
            };
            (slot, j, guard)
        })
    }
}

/// Populations of at most this many elements per invocation are updated by straight-line code,
/// one call per element, so that their rows can live in registers.
pub(super) const MAX_UNROLL: usize = 16;

/// The most registers per invocation that hold arena rows across steps.
pub(super) const MAX_RESIDENT: usize = 64;

/// An arena row (a state variable or output of one population, `n` per batch row) that the
/// fused kernel keeps in registers across the steps of a dispatch: loaded at the start, written
/// back at the end, and read and written in between only by its own element.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Resident {
    pub(super) base: usize,
    pub(super) n: usize,
    /// A state variable (read and written each step), or an emitted output (written).
    pub(super) state: bool,
    /// Its first register.
    pub(super) reg: usize,
}

/// The rows that can live in registers: rows of unrolled populations that nothing reads as a
/// whole row (projections, `x` or delta inputs from the arena, delay rings, monitors) and that
/// are read elsewhere only as the conductance of a current input of the same size (the same
/// element, so the same invocation and slot). In population order, while registers last.
pub(super) fn residents(plan: &Plan, monitors: &[Record], lanes: Lanes) -> Vec<Resident> {
    let rows = plan.rows;
    // Arena ranges read as whole rows, and rows read element by element (base, size).
    let mut shared: Vec<(usize, usize)> = Vec::new();
    let mut aligned: Vec<(usize, usize)> = Vec::new();
    for s in &plan.statements {
        let node = &plan.nodes[s.node];
        // `len` values from `offset`, in rows `pitch` apart.
        let extent =
            |offset: usize, pitch: usize, len: usize| (offset, offset + (rows - 1) * pitch + len);
        for op in &s.ops {
            if let Place::Arena { offset, pitch } = op.src() {
                shared.push(extent(offset, pitch, op.src_len()));
            }
        }
        for (spec, len) in [(s.x, s.x_n), (s.delta, node.n)] {
            if let InputSpec::Arena { offset, pitch } = spec {
                // A row of the statement's own size is read element by element (`arena_read`).
                if len == node.n && pitch == node.n {
                    aligned.push((offset, node.n));
                } else {
                    shared.push(extent(offset, pitch, len));
                }
            }
        }
        if s.ring.is_some() {
            shared.push((node.out, node.out + node.total));
        }
        for (_, at) in &s.channels {
            if let ChannelSrc::Arena(a) = *at {
                aligned.push((a, node.n));
            }
        }
    }
    for m in monitors {
        let (node, var) = match m {
            Record::State(r) => (&plan.nodes[r.node], Some(r.var_index)),
            Record::Spikes(r) | Record::Rate(RateRecord { bits: r, .. }) => {
                (&plan.nodes[r.node], None)
            }
            Record::Count(r) => (&plan.nodes[r.node], None),
        };
        let base = var.map_or(node.out, |v| node.state_base + v * node.total);
        shared.push((base, base + node.total));
    }
    let mut out = Vec::new();
    let mut regs = 0;
    for node in plan.nodes.iter().filter(|n| lanes.unrolled(n.n)) {
        let mut bases: Vec<(usize, bool)> = (0..node.vars)
            .map(|v| (node.state_base + v * node.total, true))
            .collect();
        if node.emits {
            bases.push((node.out, false));
        }
        for (base, state) in bases {
            let end = base + node.total;
            let whole = shared.iter().any(|&(a, b)| a < end && base < b);
            let misaligned = aligned.iter().any(|&(a, n)| {
                (a == base && n != node.n) || (a != base && a < end && base < a + n * rows)
            });
            if whole || misaligned || regs + lanes.per(node.n) > MAX_RESIDENT {
                continue;
            }
            out.push(Resident {
                base,
                n: node.n,
                state,
                reg: regs,
            });
            regs += lanes.per(node.n);
        }
    }
    out
}

/// An emitted output kept as values in workgroup memory (`wg_rows`): read only by the
/// workgroup's projections (from its own batch row), by elements of the same size (their own
/// value) and by spike monitors. Its values reach the arena on the last step of a dispatch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct WorkgroupRow {
    pub(super) node: usize,
    pub(super) out: usize,
    pub(super) n: usize,
    /// Where it starts in `wg_rows`.
    pub(super) at: usize,
}

/// The outputs, other than spike bits, that projections read and that nothing reads as a
/// whole from memory (a delay ring, an arena input of another size, another batch row), while
/// `room` words last.
pub(super) fn workgroup_rows(plan: &Plan, bits: &[BitRow], room: usize) -> Vec<WorkgroupRow> {
    let mut out = Vec::new();
    let mut words = 0;
    for (ni, node) in plan.nodes.iter().enumerate().filter(|(_, n)| n.emits) {
        if bits.iter().any(|b| b.node == ni) {
            continue;
        }
        if let Some((events, others, _)) = output_readers(plan, ni)
            && events + others > 0
            && words + node.n <= room
        {
            out.push(WorkgroupRow {
                node: ni,
                out: node.out,
                n: node.n,
                at: words,
            });
            words += node.n;
        }
    }
    out
}

/// The projections' results that can live in workgroup memory (`wg_results`): each statement's
/// scratch rows that its projections write and only its own update reads (as `x`, delta or a
/// conductance), while `room` words last — (scratch offset, values per row, place in `wg_results`).
/// They live only within a step, so nothing is loaded or stored.
pub(super) fn workgroup_inputs(plan: &Plan, room: usize) -> Vec<(usize, usize, usize)> {
    let mut out: Vec<(usize, usize, usize)> = Vec::new();
    let mut words = 0;
    for (si, s) in plan.statements.iter().enumerate() {
        for (dst, len) in s.ops.iter().filter_map(Projection::results) {
            if out.iter().any(|&(o, _, _)| o == dst) {
                continue;
            }
            // Read by this statement alone, and written only by its projections.
            let reads = |t: &crate::network::plan::Statement| {
                let input =
                    |spec| matches!(spec, InputSpec::Scratch { offset, .. } if offset == dst);
                input(t.x)
                    || input(t.delta)
                    || t.channels
                        .iter()
                        .any(|(_, at)| *at == ChannelSrc::Scratch(dst))
            };
            let elsewhere = plan.statements.iter().enumerate().any(|(ti, t)| {
                ti != si
                    && (reads(t)
                        || t.ops
                            .iter()
                            .any(|o| o.results().is_some_and(|(d, _)| d == dst)))
            });
            if !elsewhere && reads(s) && words + len <= room {
                out.push((dst, len, words));
                words += len;
            }
        }
    }
    out
}

/// An emitted output kept as bits in workgroup memory (`wg_spikes`): the spikes of a population
/// that only event projections read. Its values reach the arena on the last step of a dispatch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct BitRow {
    pub(super) node: usize,
    pub(super) out: usize,
    pub(super) n: usize,
    /// Its first word in `wg_spikes`.
    pub(super) word: usize,
}

/// Who reads population `ni`'s emitted output: event projections and other projections of
/// the reading workgroup's own batch row, and elements of the same size reading their own
/// value (`arena_read`) — or `None` when something reads it from memory as a whole (a delay
/// ring, an input of another size, another batch row's values).
pub(super) fn output_readers(plan: &Plan, ni: usize) -> Option<(usize, usize, bool)> {
    let rows = plan.rows;
    let node = &plan.nodes[ni];
    let (start, end) = (node.out, node.out + node.total);
    let hits = |a: usize, b: usize| a < end && start < b;
    let (mut events, mut others, mut elements) = (0, 0, false);
    for s in &plan.statements {
        if s.node == ni && s.ring.is_some() {
            return None;
        }
        let reader = &plan.nodes[s.node];
        for op in &s.ops {
            match op.src() {
                Place::Arena { offset, pitch } => {
                    let len = op.src_len();
                    let own = offset >= start
                        && offset + len <= start + node.n
                        && (pitch == node.n || rows == 1);
                    match op {
                        _ if !own && hits(offset, offset + (rows - 1) * pitch + len) => {
                            return None;
                        }
                        _ if !own => {}
                        Projection::Event { .. } | Projection::Procedural { .. } => events += 1,
                        _ => others += 1,
                    }
                }
                Place::Ring { ring, .. } if plan.rings[ring].node == ni => return None,
                _ => {}
            }
        }
        let aligned = |a: usize, len: usize, pitch: usize| {
            a == start && len == node.n && reader.n == node.n && (pitch == node.n || rows == 1)
        };
        for (spec, len) in [(s.x, s.x_n), (s.delta, reader.n)] {
            if let InputSpec::Arena { offset, pitch } = spec {
                if aligned(offset, len, pitch) {
                    elements = true;
                } else if hits(offset, offset + (rows - 1) * pitch + len) {
                    return None;
                }
            }
        }
        for (_, at) in &s.channels {
            if let ChannelSrc::Arena(a) = *at {
                if aligned(a, reader.n, reader.n) {
                    elements = true;
                } else if hits(a, a + reader.total) {
                    return None;
                }
            }
        }
    }
    Some((events, others, elements))
}

/// The outputs that only event projections read, while `room` words last.
pub(super) fn bit_rows(plan: &Plan, room: usize) -> Vec<BitRow> {
    let mut out = Vec::new();
    let mut words = 0;
    for (ni, node) in plan.nodes.iter().enumerate().filter(|(_, n)| n.emits) {
        let need = node.n.div_ceil(32);
        if let Some((events, 0, false)) = output_readers(plan, ni)
            && events > 0
            && words + need <= room
        {
            out.push(BitRow {
                node: ni,
                out: node.out,
                n: node.n,
                word: words,
            });
            words += need;
        }
    }
    out
}

/// Where each statement's projections run: the projections of later statements join an
/// earlier statement's (one pair of barriers for all) when they read nothing that the updates
/// in between write — a population's states and output, its delay ring. Entry `i` lists the
/// statements whose projections run just before update `i`. (A statement's projections write
/// only its own inputs, which no other update reads.)
pub(super) fn op_regions(plan: &Plan) -> Vec<Vec<usize>> {
    let rows = plan.rows;
    let mut regions = vec![Vec::new(); plan.statements.len()];
    let mut i = 0;
    while i < plan.statements.len() {
        if plan.statements[i].ops.is_empty() {
            i += 1;
            continue;
        }
        regions[i].push(i);
        // Arena ranges and rings the updates from statement i on write.
        let mut rows_written: Vec<(usize, usize)> = Vec::new();
        let mut rings_written: Vec<usize> = Vec::new();
        let mut t = i;
        loop {
            let s = &plan.statements[t];
            let node = &plan.nodes[s.node];
            rows_written.push((node.state_base, node.state_base + node.vars * node.total));
            rows_written.push((node.out, node.out + node.total));
            rings_written.extend(s.ring);
            t += 1;
            let Some(next) = plan.statements.get(t) else {
                break;
            };
            if next.ops.is_empty() {
                continue;
            }
            let conflict = next.ops.iter().any(|op| match op.src() {
                Place::Arena { offset, pitch } => {
                    let end = offset + (rows - 1) * pitch + op.src_len();
                    rows_written.iter().any(|&(a, b)| offset < b && a < end)
                }
                Place::Ring { ring, .. } => rings_written.contains(&ring),
                Place::Stream { .. } | Place::Constant(_) => false,
            });
            if conflict {
                break;
            }
            regions[i].push(t);
        }
        i = t;
    }
    regions
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::StateRecord;
    use crate::network::classic::{Coba, EiNetwork, FeedForward};
    use crate::network::plan::{self, Plan};

    fn coba(n: usize) -> Plan {
        plan::build(&Coba::new(n).build().unwrap().network, None, 0.1, None).unwrap()
    }

    /// COBA's statements: 0 gE (event projection of N's excitatory spikes), 1 gI (event
    /// projection of the inhibitory ones), 2 N (reads gE and gI as conductances).
    const GE: usize = 1;
    const GI: usize = 2;
    const N: usize = 0;

    #[test]
    fn coba_spikes_that_only_event_projections_read_are_bits() {
        let plan = coba(4000);
        let bits = bit_rows(&plan, 1 << 20);
        assert_eq!(bits.len(), 1);
        assert_eq!((bits[0].node, bits[0].n), (N, 4000));
        assert_eq!(bits[0].out, plan.nodes[N].out);
        // 125 words of bits do not fit in 100.
        assert!(bit_rows(&plan, 100).is_empty());
        assert_eq!(bit_rows(&plan, 125).len(), 1);
    }

    #[test]
    fn coba_rows_read_only_by_their_own_element_live_in_registers() {
        let plan = coba(4000);
        // 4000 over 256 lanes: 16 per invocation, unrolled; V, the last spike time and both
        // conductances take all 64 registers.
        let rows = residents(&plan, &[], Lanes(256));
        let node = |base: usize| {
            plan.nodes
                .iter()
                .position(|n| (n.state_base..n.state_base + n.vars * n.total).contains(&base))
                .unwrap()
        };
        let mut found: Vec<(usize, bool)> = rows.iter().map(|r| (node(r.base), r.state)).collect();
        found.sort();
        assert_eq!(
            found,
            vec![(N, true), (N, true), (GE, true), (GI, true)],
            "{rows:?}"
        );
        assert_eq!(rows.iter().map(|r| r.reg).max(), Some(48));
        // A monitor reads V as a whole row: V leaves the registers.
        let v = plan.nodes[N].state_base;
        let monitor = Record::State(StateRecord::new(
            "N",
            "V",
            (N, 0, 4000),
            &crate::network::Sampling::every(1),
            1,
            0,
            0.1,
        ));
        let with_monitor = residents(&plan, &[monitor], Lanes(256));
        assert_eq!(with_monitor.len(), 3);
        assert!(with_monitor.iter().all(|r| r.base != v));
        // 32 invocations leave 125 elements each: no straight-line code, no registers.
        assert!(residents(&plan, &[], Lanes(32)).is_empty());
    }

    #[test]
    fn coba_projections_share_one_pair_of_barriers() {
        let plan = coba(4000);
        // Both projections read last step's spikes and nothing the synapses' updates write, so
        // they run together ahead of the first statement.
        let regions = op_regions(&plan);
        assert_eq!(regions.len(), plan.statements.len());
        assert_eq!(regions[0], vec![0, 1]);
        assert!(regions[1..].iter().all(Vec::is_empty), "{regions:?}");
    }

    #[test]
    fn projection_results_read_only_by_their_statement_live_in_workgroup_memory() {
        // FF: each layer's dense projection is read only by its own statement's update.
        let ff = FeedForward::benchmark(0).build().unwrap();
        let plan = plan::build(&ff.network, None, 0.1, None).unwrap();
        let all = workgroup_inputs(&plan, 1 << 20);
        assert!(!all.is_empty());
        let words: usize = all.iter().map(|w| w.1).sum();
        // Places are consecutive and within the room.
        let mut at = 0;
        for &(_, n, place) in &all {
            assert_eq!(place, at);
            at += n;
        }
        assert!(workgroup_inputs(&plan, words - 1).len() < all.len());
        assert!(workgroup_inputs(&plan, 0).is_empty());
    }

    #[test]
    fn outputs_read_in_another_batch_row_shape_stay_in_memory() {
        // E/I: dense projections read whole rows of spikes; each output is read by the
        // workgroup's own projections only, so it may live on chip.
        let ei = EiNetwork::benchmark(80, 20, 0).build().unwrap();
        let plan = plan::build(&ei.network, Some(3), 0.1, None).unwrap();
        let exc = plan.nodes.iter().position(|n| n.name == "exc").unwrap();
        assert!(output_readers(&plan, exc).is_some());
        // A delayed read of COBA's spikes puts them in a ring: read from memory as a whole.
        let mut c = Coba::new(100).build().unwrap();
        let g = c.network.add(crate::synapse::Expon::new(100)).unwrap();
        c.network.update(
            g,
            crate::network::Wiring::new().x(crate::network::Term::output(c.neurons).delayed(3)),
        );
        let plan = plan::build(&c.network, None, 0.1, None).unwrap();
        assert!(output_readers(&plan, N).is_none());
        assert!(bit_rows(&plan, 1 << 20).iter().all(|b| b.node != N));
    }
}
