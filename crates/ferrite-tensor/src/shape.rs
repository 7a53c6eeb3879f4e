//! Shapes: dimension sizes, dim normalisation (negative dims) and broadcasting.

use crate::{Error, Result};
use std::fmt;

/// The sizes of a tensor's dimensions. Prints as a Rust slice: `[2, 3]`.
///
/// ```
/// use ferrite_tensor::Shape;
/// let s = Shape::from([2, 3, 4]);
/// assert_eq!(s.numel(), 24);
/// assert_eq!(s.dim(-1, "size")?, 2);
/// # Ok::<(), ferrite_tensor::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Shape(Vec<usize>);

impl Shape {
    /// The 0-d shape of a scalar tensor.
    pub fn scalar() -> Self {
        Shape(Vec::new())
    }

    /// The sizes.
    pub fn dims(&self) -> &[usize] {
        &self.0
    }

    /// Number of dimensions.
    pub fn rank(&self) -> usize {
        self.0.len()
    }

    /// Number of elements (1 for a 0-d shape).
    pub fn numel(&self) -> usize {
        self.0.iter().product()
    }

    /// Row-major (C-contiguous) strides for this shape.
    pub fn contiguous_strides(&self) -> Vec<usize> {
        let mut strides = vec![0usize; self.0.len()];
        let mut acc = 1usize;
        for (s, &d) in strides.iter_mut().zip(&self.0).rev() {
            *s = acc;
            acc *= d.max(1);
        }
        strides
    }

    /// Normalises a possibly negative dim index (`-1` is the last) for `op`.
    pub fn dim(&self, dim: isize, op: &'static str) -> Result<usize> {
        normalize_dim(dim, self.rank(), op)
    }

    /// The broadcast shape of two shapes (NumPy/PyTorch rules), or an error naming `op`.
    pub fn broadcast(&self, other: &Shape, op: &'static str) -> Result<Shape> {
        let (a, b) = (&self.0, &other.0);
        let n = a.len().max(b.len());
        let mut out = vec![0; n];
        for i in 0..n {
            let da = if i < n - a.len() { 1 } else { a[i - (n - a.len())] };
            let db = if i < n - b.len() { 1 } else { b[i - (n - b.len())] };
            out[i] = match (da, db) {
                (x, y) if x == y => x,
                (1, y) => y,
                (x, 1) => x,
                _ => return Err(Error::ShapeMismatch { op, lhs: self.clone(), rhs: other.clone() }),
            };
        }
        Ok(Shape(out))
    }
}

/// Normalises `dim` in `-rank..rank` (a 0-d tensor accepts `0` and `-1`, as PyTorch does).
pub fn normalize_dim(dim: isize, rank: usize, op: &'static str) -> Result<usize> {
    let r = rank.max(1) as isize;
    let d = if dim < 0 { dim + r } else { dim };
    if d < 0 || d >= r {
        return Err(Error::DimOutOfRange { op, dim, rank });
    }
    Ok(d as usize)
}

impl fmt::Debug for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl From<Vec<usize>> for Shape {
    fn from(v: Vec<usize>) -> Self {
        Shape(v)
    }
}

impl From<&[usize]> for Shape {
    fn from(v: &[usize]) -> Self {
        Shape(v.to_vec())
    }
}

impl<const N: usize> From<[usize; N]> for Shape {
    fn from(v: [usize; N]) -> Self {
        Shape(v.to_vec())
    }
}

impl From<&Shape> for Shape {
    fn from(v: &Shape) -> Self {
        v.clone()
    }
}

impl From<()> for Shape {
    fn from(_: ()) -> Self {
        Shape::scalar()
    }
}

impl From<usize> for Shape {
    fn from(v: usize) -> Self {
        Shape(vec![v])
    }
}

macro_rules! shape_from_tuple {
    ($($n:ident),+) => {
        impl From<($(shape_from_tuple!(@usize $n),)+)> for Shape {
            #[allow(non_snake_case)]
            fn from(($($n,)+): ($(shape_from_tuple!(@usize $n),)+)) -> Self {
                Shape(vec![$($n),+])
            }
        }
    };
    (@usize $n:ident) => { usize };
}
shape_from_tuple!(A);
shape_from_tuple!(A, B);
shape_from_tuple!(A, B, C);
shape_from_tuple!(A, B, C, D);
shape_from_tuple!(A, B, C, D, E);
shape_from_tuple!(A, B, C, D, E, F);

impl std::ops::Index<usize> for Shape {
    type Output = usize;
    fn index(&self, i: usize) -> &usize {
        &self.0[i]
    }
}

impl PartialEq<[usize]> for Shape {
    fn eq(&self, other: &[usize]) -> bool {
        self.0 == other
    }
}

impl<const N: usize> PartialEq<[usize; N]> for Shape {
    fn eq(&self, other: &[usize; N]) -> bool {
        self.0 == other
    }
}

impl PartialEq<Vec<usize>> for Shape {
    fn eq(&self, other: &Vec<usize>) -> bool {
        &self.0 == other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting() {
        let a = Shape::from([3, 1]);
        let b = Shape::from([1, 2]);
        assert_eq!(a.broadcast(&b, "add").unwrap(), [3, 2]);
        let c = Shape::from([2, 3]);
        let err = c.broadcast(&Shape::from([3, 2]), "add").unwrap_err();
        assert_eq!(err.to_string(), "add: shapes [2, 3] and [3, 2] do not broadcast");
        assert_eq!(Shape::scalar().broadcast(&c, "mul").unwrap(), [2, 3]);
    }

    #[test]
    fn dims() {
        let s = Shape::from([2, 3]);
        assert_eq!(s.dim(-1, "sum").unwrap(), 1);
        assert!(s.dim(2, "sum").is_err());
        assert_eq!(Shape::scalar().dim(-1, "sum").unwrap(), 0);
        assert_eq!(s.contiguous_strides(), vec![3, 1]);
    }
}
