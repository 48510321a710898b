//! Sizes: a model's `in_size` and the `(batch, *in_size)` shape of its states.

use std::fmt;

use crate::error::{Error, Result};

/// A model's `in_size` (BrainPy's `varshape`): `100`, `(10, 10)`, … Every dimension ≥ 1.
///
/// All models are element-wise, so an N-D size behaves like its flattened 1-D size; the
/// dimensions are kept for shapes and error messages.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Shape(Vec<usize>);

impl Shape {
    /// A shape from its dimensions; checked by [`Shape::validate`] when a model uses it.
    pub fn new(dims: impl Into<Vec<usize>>) -> Shape {
        Shape(dims.into())
    }

    /// The dimensions.
    pub fn dims(&self) -> &[usize] {
        &self.0
    }

    /// Number of elements (the product of the dimensions; saturating, so that a shape too
    /// large for [`Shape::validate`] never wraps to a small number).
    pub fn numel(&self) -> usize {
        self.0.iter().fold(1usize, |n, &d| n.saturating_mul(d))
    }

    /// `Ok` when the shape has at least one dimension, none is zero, and it has at most
    /// [`MAX_ELEMENTS`] elements.
    pub fn validate(&self, owner: &str) -> Result<()> {
        if self.0.is_empty() || self.0.contains(&0) {
            return Err(Error::invalid(
                owner,
                "in_size",
                self,
                "needs at least one dimension and every dimension ≥ 1",
            ));
        }
        if self.numel() > MAX_ELEMENTS {
            return Err(Error::invalid(
                owner,
                "in_size",
                self,
                format!("has more than {MAX_ELEMENTS} elements (kernels index with 32 bits)"),
            ));
        }
        Ok(())
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_dims(f, &self.0)
    }
}

fn write_dims(f: &mut fmt::Formatter<'_>, dims: &[usize]) -> fmt::Result {
    write!(f, "(")?;
    for (i, d) in dims.iter().enumerate() {
        if i > 0 {
            write!(f, ", ")?;
        }
        write!(f, "{d}")?;
    }
    if dims.len() == 1 {
        write!(f, ",")?;
    }
    write!(f, ")")
}

impl From<usize> for Shape {
    fn from(n: usize) -> Shape {
        Shape(vec![n])
    }
}

impl From<(usize, usize)> for Shape {
    fn from((a, b): (usize, usize)) -> Shape {
        Shape(vec![a, b])
    }
}

impl From<(usize, usize, usize)> for Shape {
    fn from((a, b, c): (usize, usize, usize)) -> Shape {
        Shape(vec![a, b, c])
    }
}

impl<const N: usize> From<[usize; N]> for Shape {
    fn from(d: [usize; N]) -> Shape {
        Shape(d.to_vec())
    }
}

impl From<&[usize]> for Shape {
    fn from(d: &[usize]) -> Shape {
        Shape(d.to_vec())
    }
}

impl From<Vec<usize>> for Shape {
    fn from(d: Vec<usize>) -> Shape {
        Shape(d)
    }
}

/// The shape of a state or tensor: `in_size` with an optional leading batch axis.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TensorShape {
    /// `None`: no batch axis (BrainPy's `batch_size=None`).
    pub batch: Option<usize>,
    /// The per-sample shape.
    pub in_size: Shape,
}

impl TensorShape {
    /// `(batch, *in_size)` or `in_size`.
    pub fn new(batch: Option<usize>, in_size: impl Into<Shape>) -> TensorShape {
        TensorShape {
            batch,
            in_size: in_size.into(),
        }
    }

    /// All dimensions, batch first when present.
    pub fn dims(&self) -> Vec<usize> {
        let mut d = Vec::with_capacity(self.in_size.0.len() + 1);
        d.extend(self.batch);
        d.extend_from_slice(&self.in_size.0);
        d
    }

    /// Rows of the batch axis (1 when absent).
    pub fn rows(&self) -> usize {
        self.batch.unwrap_or(1)
    }

    /// Total number of elements.
    pub fn numel(&self) -> usize {
        self.rows() * self.in_size.numel()
    }
}

impl fmt::Display for TensorShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_dims(f, &self.dims())
    }
}

/// Checks a batch size given to `init_state`/`reset_state`.
pub(crate) fn validate_batch(owner: &str, batch: Option<usize>) -> Result<()> {
    match batch {
        Some(0) => Err(Error::invalid(
            owner,
            "batch_size",
            0,
            "must be ≥ 1 or None",
        )),
        Some(b) if b > MAX_ELEMENTS => Err(Error::invalid(
            owner,
            "batch_size",
            b,
            format!("must be at most {MAX_ELEMENTS} (kernels index with 32 bits)"),
        )),
        _ => Ok(()),
    }
}

/// The most elements of anything a kernel indexes (a population, a batch, the state arena):
/// indices are 32-bit words.
pub const MAX_ELEMENTS: usize = u32::MAX as usize;

/// `rows × n` elements, or an error naming `what` when they exceed [`MAX_ELEMENTS`].
pub(crate) fn elements(what: &str, rows: usize, n: usize) -> Result<usize> {
    rows.checked_mul(n)
        .filter(|&t| t <= MAX_ELEMENTS)
        .ok_or_else(|| Error::LimitExceeded {
            what: format!("{what}: {rows} × {n} elements"),
            requested: (rows as u64).saturating_mul(n as u64),
            limit_name: "elements a 32-bit index reaches",
            limit: MAX_ELEMENTS as u64,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_print_like_numpy() {
        assert_eq!(TensorShape::new(Some(32), 100).to_string(), "(32, 100)");
        assert_eq!(TensorShape::new(None, 7).to_string(), "(7,)");
        assert_eq!(TensorShape::new(Some(3), (2, 3)).to_string(), "(3, 2, 3)");
        assert_eq!(TensorShape::new(Some(3), (2, 3)).numel(), 18);
    }

    #[test]
    fn empty_and_zero_sizes_are_rejected() {
        assert!(Shape::new(vec![]).validate("LIF").is_err());
        assert!(Shape::from((2, 0)).validate("LIF").is_err());
        assert!(Shape::from(5).validate("LIF").is_ok());
    }
}
