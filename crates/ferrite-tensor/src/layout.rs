//! Layouts: how a tensor's elements sit in its storage (shape, strides, offset), and the views
//! that only change the layout.

use crate::shape::normalize_dim;
use crate::{Error, Result, Shape};

/// Shape, strides (in elements) and start offset of a strided view into a storage.
///
/// Every view op (reshape of a contiguous tensor, transpose, permute, narrow, expand, slicing
/// with a step) returns a new `Layout` over the same storage; nothing is copied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    shape: Shape,
    strides: Vec<usize>,
    offset: usize,
}

impl Layout {
    /// A row-major layout of `shape` starting at `offset`.
    pub fn contiguous_with_offset(shape: impl Into<Shape>, offset: usize) -> Self {
        let shape = shape.into();
        let strides = shape.contiguous_strides();
        Layout { shape, strides, offset }
    }

    /// A row-major layout of `shape` at offset 0.
    pub fn contiguous(shape: impl Into<Shape>) -> Self {
        Self::contiguous_with_offset(shape, 0)
    }

    /// A layout from its parts. Callers guarantee it stays inside its storage.
    pub fn new(shape: Shape, strides: Vec<usize>, offset: usize) -> Self {
        debug_assert_eq!(shape.rank(), strides.len());
        Layout { shape, strides, offset }
    }

    /// The shape.
    pub fn shape(&self) -> &Shape {
        &self.shape
    }

    /// The sizes.
    pub fn dims(&self) -> &[usize] {
        self.shape.dims()
    }

    /// Strides in elements.
    pub fn strides(&self) -> &[usize] {
        &self.strides
    }

    /// Offset of the first element in the storage.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Number of elements.
    pub fn numel(&self) -> usize {
        self.shape.numel()
    }

    /// Number of dimensions.
    pub fn rank(&self) -> usize {
        self.shape.rank()
    }

    /// True when elements are row-major and dense (size-1 dims may have any stride; an empty
    /// layout is contiguous, as in PyTorch).
    pub fn is_contiguous(&self) -> bool {
        if self.numel() == 0 {
            return true;
        }
        let mut expected = 1;
        for (&d, &s) in self.dims().iter().zip(&self.strides).rev() {
            if d != 1 && s != expected {
                return false;
            }
            expected *= d;
        }
        true
    }

    /// The contiguous range `offset..offset + numel` when the layout is contiguous (`0..0` when
    /// empty: an empty view's offset may point past the end of its storage).
    pub fn contiguous_range(&self) -> Option<std::ops::Range<usize>> {
        if self.numel() == 0 {
            return Some(0..0);
        }
        self.is_contiguous().then(|| self.offset..self.offset + self.numel())
    }

    /// One past the largest storage index this layout reads (0 when empty).
    pub fn storage_extent(&self) -> usize {
        if self.numel() == 0 {
            return 0;
        }
        self.offset + self.dims().iter().zip(&self.strides).map(|(&d, &s)| (d - 1) * s).sum::<usize>() + 1
    }

    /// Swaps two dims.
    pub fn transpose(&self, d0: usize, d1: usize) -> Layout {
        let mut l = self.clone();
        let mut dims = l.shape.dims().to_vec();
        dims.swap(d0, d1);
        l.strides.swap(d0, d1);
        l.shape = Shape::from(dims);
        l
    }

    /// Reorders dims: output dim `i` is input dim `perm[i]`.
    pub fn permute(&self, perm: &[usize]) -> Result<Layout> {
        let rank = self.rank();
        let mut seen = vec![false; rank];
        if perm.len() != rank || perm.iter().any(|&p| p >= rank || std::mem::replace(&mut seen[p], true)) {
            return Err(Error::InvalidArgument {
                op: "permute",
                reason: format!(
                    "{perm:?} is not a permutation of the {rank} dims of a tensor of shape {}",
                    self.shape
                ),
            });
        }
        let dims = perm.iter().map(|&p| self.dims()[p]).collect::<Vec<_>>();
        let strides = perm.iter().map(|&p| self.strides[p]).collect();
        Ok(Layout { shape: Shape::from(dims), strides, offset: self.offset })
    }

    /// Takes `len` elements of `dim` starting at `start`, every `step`-th one.
    pub fn slice(&self, dim: usize, start: usize, len: usize, step: usize) -> Layout {
        debug_assert!(step >= 1 && (len == 0 || start + (len - 1) * step < self.dims()[dim]));
        let mut dims = self.dims().to_vec();
        dims[dim] = len;
        let mut strides = self.strides.clone();
        let offset = if len == 0 { self.offset } else { self.offset + start * self.strides[dim] };
        strides[dim] *= step;
        Layout { shape: Shape::from(dims), strides, offset }
    }

    /// Removes `dim` by fixing its index.
    pub fn select(&self, dim: usize, index: usize) -> Layout {
        let mut dims = self.dims().to_vec();
        let mut strides = self.strides.clone();
        let offset = self.offset + index * strides[dim];
        dims.remove(dim);
        strides.remove(dim);
        Layout { shape: Shape::from(dims), strides, offset }
    }

    /// Inserts a size-1 dim at `dim` (which may equal the rank).
    pub fn unsqueeze(&self, dim: usize) -> Layout {
        let mut dims = self.dims().to_vec();
        let mut strides = self.strides.clone();
        let stride = if dim < dims.len() { strides[dim] * dims[dim] } else { 1 };
        dims.insert(dim, 1);
        strides.insert(dim, stride);
        Layout { shape: Shape::from(dims), strides, offset: self.offset }
    }

    /// Broadcasts to `shape` by giving new and size-1 dims a stride of 0.
    pub fn broadcast_to(&self, shape: &Shape, op: &'static str) -> Result<Layout> {
        let (src, dst) = (self.dims(), shape.dims());
        let err = || Error::ShapeMismatch { op, lhs: self.shape.clone(), rhs: shape.clone() };
        if dst.len() < src.len() {
            return Err(err());
        }
        let lead = dst.len() - src.len();
        let mut strides = vec![0; dst.len()];
        for i in 0..src.len() {
            strides[lead + i] = match (src[i], dst[lead + i]) {
                (a, b) if a == b => self.strides[i],
                (1, _) => 0,
                _ => return Err(err()),
            };
        }
        Ok(Layout { shape: shape.clone(), strides, offset: self.offset })
    }

    /// The layout of a reshape to `shape` that shares storage, if the strides allow one
    /// (PyTorch's `view` rule: each group of merged or split dims must be contiguous within itself).
    pub fn reshape_view(&self, shape: &Shape) -> Option<Layout> {
        if self.is_contiguous() {
            return Some(Layout::contiguous_with_offset(shape.clone(), self.offset));
        }
        // Walk groups of old dims whose product equals a group of new dims.
        let (old, olds) = (self.dims(), &self.strides);
        let new = shape.dims();
        let mut strides = vec![0usize; new.len()];
        let (mut i, mut j) = (0, 0);
        while i < old.len() || j < new.len() {
            // Skip size-1 dims on either side: they can take any stride.
            if j < new.len() && new[j] == 1 {
                strides[j] = 1;
                j += 1;
                continue;
            }
            if i < old.len() && old[i] == 1 {
                i += 1;
                continue;
            }
            if i >= old.len() || j >= new.len() {
                return None;
            }
            let (i0, j0) = (i, j);
            let (mut po, mut pn) = (old[i], new[j]);
            i += 1;
            j += 1;
            while po != pn {
                if po < pn {
                    if i >= old.len() {
                        return None;
                    }
                    po *= old[i];
                    i += 1;
                } else {
                    if j >= new.len() {
                        return None;
                    }
                    pn *= new[j];
                    j += 1;
                }
            }
            // The non-1 old dims of the group must be contiguous among themselves.
            let group: Vec<usize> = (i0..i).filter(|&m| old[m] != 1).collect();
            if group.windows(2).any(|w| olds[w[0]] != olds[w[1]] * old[w[1]]) {
                return None;
            }
            let mut s = (i0..i).rev().find(|&m| old[m] != 1).map(|m| olds[m]).unwrap_or(1);
            for k in (j0..j).rev() {
                strides[k] = s;
                s *= new[k];
            }
        }
        Some(Layout { shape: shape.clone(), strides, offset: self.offset })
    }

    /// Storage indices of every element in row-major order.
    pub fn strided_indices(&self) -> StridedIndex<'_> {
        StridedIndex::new(self)
    }
}

/// Resolves a shape with at most one `-1` against `numel` (PyTorch's `view(-1, 4)`).
pub fn infer_shape(spec: &[isize], numel: usize, from: &Shape, op: &'static str) -> Result<Shape> {
    let err = || Error::InvalidReshape { op, from: from.clone(), to: spec.to_vec() };
    let mut infer = None;
    let mut known = 1usize;
    for (i, &d) in spec.iter().enumerate() {
        match d {
            -1 if infer.is_none() => infer = Some(i),
            d if d >= 0 => known *= d as usize,
            _ => return Err(err()),
        }
    }
    let mut dims: Vec<usize> = spec.iter().map(|&d| d.max(0) as usize).collect();
    if let Some(i) = infer {
        if known == 0 || !numel.is_multiple_of(known) {
            return Err(err());
        }
        dims[i] = numel / known;
    } else if known != numel {
        return Err(err());
    }
    Ok(Shape::from(dims))
}

/// Checks a dim for an op, normalising negative values.
pub fn dim_for(layout: &Layout, dim: isize, op: &'static str) -> Result<usize> {
    normalize_dim(dim, layout.rank(), op)
}

/// Iterator over the storage index of each element of a layout, in row-major order.
pub struct StridedIndex<'a> {
    layout: &'a Layout,
    next: Option<usize>,
    counter: Vec<usize>,
}

impl<'a> StridedIndex<'a> {
    fn new(layout: &'a Layout) -> Self {
        let next = (layout.numel() > 0).then_some(layout.offset);
        StridedIndex { layout, next, counter: vec![0; layout.rank()] }
    }
}

impl Iterator for StridedIndex<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        let current = self.next?;
        let dims = self.layout.dims();
        let strides = &self.layout.strides;
        let mut idx = current;
        let mut d = dims.len();
        loop {
            if d == 0 {
                self.next = None;
                break;
            }
            d -= 1;
            self.counter[d] += 1;
            if self.counter[d] < dims[d] {
                idx += strides[d];
                self.next = Some(idx);
                break;
            }
            idx -= (dims[d] - 1) * strides[d];
            self.counter[d] = 0;
        }
        Some(current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idx(l: &Layout) -> Vec<usize> {
        l.strided_indices().collect()
    }

    #[test]
    fn transpose_and_slice() {
        let l = Layout::contiguous([2, 3]);
        assert_eq!(idx(&l.transpose(0, 1)), vec![0, 3, 1, 4, 2, 5]);
        assert_eq!(idx(&l.slice(1, 0, 2, 2)), vec![0, 2, 3, 5]);
        assert_eq!(idx(&l.select(0, 1)), vec![3, 4, 5]);
        assert!(!l.transpose(0, 1).is_contiguous());
    }

    #[test]
    fn reshape_views() {
        let l = Layout::contiguous([4, 6]);
        let t = l.transpose(0, 1); // [6, 4] strides [1, 6]
        assert!(t.reshape_view(&Shape::from([24])).is_none());
        let v = t.reshape_view(&Shape::from([2, 3, 4])).unwrap();
        assert_eq!(v.strides(), &[3, 1, 6]);
        let s = l.slice(1, 0, 3, 1); // [4, 3] strides [6, 1]
        let v = s.reshape_view(&Shape::from([4, 3, 1])).unwrap();
        assert_eq!(idx(&v), idx(&s));
        assert!(s.reshape_view(&Shape::from([12])).is_none());
    }

    #[test]
    fn infer() {
        let s = Shape::from([12]);
        assert_eq!(infer_shape(&[-1, 4], 12, &s, "view").unwrap(), [3, 4]);
        assert!(infer_shape(&[-1, 5], 12, &s, "view").is_err());
        assert!(infer_shape(&[-1, -1], 12, &s, "view").is_err());
    }
}
