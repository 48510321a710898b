//! Where a projection's values are in memory ([`Place`]): the arena, a delay ring, an input
//! stream or a constant.

use crate::network::plan::Plan;

/// Where a delayed source's values are: row 0 of slot 0 at `base` of the rings, slots of `len`
/// words, `depth` of them, the step `delay` ago in slot `(k + depth − delay) mod depth`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct RingRead {
    pub base: usize,
    pub depth: usize,
    pub delay: usize,
    pub len: usize,
    pub pitch: usize,
}

/// Where a projection reads from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Place {
    /// The arena, rows `pitch` apart.
    Arena { offset: usize, pitch: usize },
    /// A delay ring: slot `(k − delay) mod depth`, `offset` into the slot, rows `pitch` apart.
    Ring {
        ring: usize,
        delay: usize,
        offset: usize,
        pitch: usize,
    },
    /// An external stream (this step's values), rows `pitch` apart.
    Stream { ext: usize, pitch: usize },
    /// A constant.
    Constant(f64),
}

impl Place {
    /// Where a ring source's values are (`None` for other sources).
    pub fn ring_read(self, plan: &Plan) -> Option<RingRead> {
        match self {
            Place::Ring {
                ring,
                delay,
                offset,
                pitch,
            } => {
                let r = &plan.rings[ring];
                Some(RingRead {
                    base: r.base + offset,
                    depth: r.depth,
                    delay,
                    len: r.len,
                    pitch,
                })
            }
            _ => None,
        }
    }

    /// The constant, for a constant source.
    pub fn constant(self) -> Option<f64> {
        match self {
            Place::Constant(c) => Some(c),
            _ => None,
        }
    }

    /// The same source from its element `first` on (`None` for a stream or a constant, which
    /// have no offset to shift).
    pub fn shifted(self, first: usize) -> Option<Place> {
        match self {
            Place::Arena { offset, pitch } => Some(Place::Arena {
                offset: offset + first,
                pitch,
            }),
            Place::Ring {
                ring,
                delay,
                offset,
                pitch,
            } => Some(Place::Ring {
                ring,
                delay,
                offset: offset + first,
                pitch,
            }),
            Place::Stream { .. } | Place::Constant(_) => None,
        }
    }
}
