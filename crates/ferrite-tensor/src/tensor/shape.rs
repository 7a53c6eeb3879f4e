//! Shape and view ops: reshape/view, flatten, squeeze/unsqueeze, transpose/permute, expand,
//! narrow/slice/select, and joining (cat, stack) and splitting (split, chunk).

use super::Tensor;
use crate::layout::infer_shape;
use crate::op::Op;
use crate::shape::normalize_dim;
use crate::{Error, Layout, Result, Shape};

/// A target shape that may hold one `-1` to infer: `[3, 4]`, `[-1, 4]`, a `Shape`, or `()`.
pub trait ShapeSpec {
    /// The sizes, with `-1` for "infer".
    fn spec(&self) -> Vec<isize>;
}

macro_rules! spec_ints {
    ($($t:ty),*) => {$(
        impl<const N: usize> ShapeSpec for [$t; N] {
            fn spec(&self) -> Vec<isize> {
                self.iter().map(|&d| d as isize).collect()
            }
        }
        impl ShapeSpec for &[$t] {
            fn spec(&self) -> Vec<isize> {
                self.iter().map(|&d| d as isize).collect()
            }
        }
        impl ShapeSpec for Vec<$t> {
            fn spec(&self) -> Vec<isize> {
                self.iter().map(|&d| d as isize).collect()
            }
        }
        impl ShapeSpec for $t {
            fn spec(&self) -> Vec<isize> {
                vec![*self as isize]
            }
        }
    )*};
}
spec_ints!(i32, i64, isize, usize);

/// An integer usable as one size in a [`ShapeSpec`] tuple.
pub trait DimSize: Copy {
    /// The size (`-1` to infer).
    fn size(self) -> isize;
}

macro_rules! dim_size {
    ($($t:ty),*) => {$(
        impl DimSize for $t {
            fn size(self) -> isize {
                self as isize
            }
        }
    )*};
}
dim_size!(i32, i64, isize, usize);

macro_rules! spec_tuple {
    ($($n:ident),+) => {
        impl<$($n: DimSize),+> ShapeSpec for ($($n,)+) {
            #[allow(non_snake_case)]
            fn spec(&self) -> Vec<isize> {
                let ($($n,)+) = *self;
                vec![$($n.size()),+]
            }
        }
    };
}
spec_tuple!(A);
spec_tuple!(A, B);
spec_tuple!(A, B, C);
spec_tuple!(A, B, C, D);
spec_tuple!(A, B, C, D, E);
spec_tuple!(A, B, C, D, E, F);

impl ShapeSpec for Shape {
    fn spec(&self) -> Vec<isize> {
        self.dims().iter().map(|&d| d as isize).collect()
    }
}

impl ShapeSpec for &Shape {
    fn spec(&self) -> Vec<isize> {
        (*self).spec()
    }
}

impl ShapeSpec for () {
    fn spec(&self) -> Vec<isize> {
        vec![]
    }
}

impl Tensor {
    /// A view over the same storage with `layout`, recorded as `op`/`name` for autograd.
    pub(crate) fn view_op(&self, layout: Layout, op: impl FnOnce() -> (Op, &'static str)) -> Tensor {
        self.with_layout(layout).record(op, &[self], |_| vec![])
    }

    /// Same data in a new shape, sharing storage when the strides allow (else a copy), as PyTorch's
    /// `reshape`. One dim may be `-1`.
    ///
    /// ```
    /// use ferrite_tensor::Tensor;
    /// let x = Tensor::arange(12)?.reshape([-1, 4])?;
    /// assert_eq!(x.dims(), &[3, 4]);
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn reshape(&self, shape: impl ShapeSpec) -> Result<Tensor> {
        let shape = infer_shape(&shape.spec(), self.numel(), self.shape(), "reshape")?;
        match self.layout().reshape_view(&shape) {
            Some(l) => Ok(self.view_op(l, || (Op::Reshape, "ViewBackward0"))),
            None => {
                let c = self.deep_clone()?;
                let l = Layout::contiguous(shape);
                Ok(c.view_op(l, || (Op::Reshape, "UnsafeViewBackward0")))
            }
        }
    }

    /// Like [`Tensor::reshape`] but never copies: an error when the strides do not allow a view.
    pub fn view(&self, shape: impl ShapeSpec) -> Result<Tensor> {
        let shape = infer_shape(&shape.spec(), self.numel(), self.shape(), "view")?;
        match self.layout().reshape_view(&shape) {
            Some(l) => Ok(self.view_op(l, || (Op::Reshape, "ViewBackward0"))),
            None => Err(Error::InvalidArgument {
                op: "view",
                reason: format!(
                    "view size {shape} is not compatible with input tensor's size {} and stride {:?}; use reshape",
                    self.shape(),
                    self.layout().strides()
                ),
            }),
        }
    }

    /// Merges dims `start_dim..=end_dim` into one (PyTorch's `flatten`; negative dims allowed).
    pub fn flatten(&self, start_dim: isize, end_dim: isize) -> Result<Tensor> {
        if self.dim() == 0 {
            return self.reshape([1]);
        }
        let s = normalize_dim(start_dim, self.dim(), "flatten")?;
        let e = normalize_dim(end_dim, self.dim(), "flatten")?;
        if s > e {
            return Err(Error::InvalidArgument {
                op: "flatten",
                reason: format!("start_dim {start_dim} comes after end_dim {end_dim}"),
            });
        }
        let d = self.dims();
        let mut shape: Vec<usize> = d[..s].to_vec();
        shape.push(d[s..=e].iter().product());
        shape.extend(&d[e + 1..]);
        self.reshape(shape)
    }

    /// Flattens everything into 1-D.
    pub fn flatten_all(&self) -> Result<Tensor> {
        self.flatten(0, -1)
    }

    /// Inserts a size-1 dim at `dim` (`-1` appends).
    pub fn unsqueeze(&self, dim: isize) -> Result<Tensor> {
        let d = normalize_dim(dim, self.dim() + 1, "unsqueeze")?;
        Ok(self.view_op(self.layout().unsqueeze(d), || (Op::Reshape, "UnsqueezeBackward0")))
    }

    /// Removes `dim` if its size is 1 (else returns the same shape, as PyTorch).
    pub fn squeeze(&self, dim: isize) -> Result<Tensor> {
        let d = normalize_dim(dim, self.dim(), "squeeze")?;
        if self.dim() == 0 || self.dims()[d] != 1 {
            return Ok(self.view_op(self.layout().clone(), || (Op::Reshape, "SqueezeBackward1")));
        }
        Ok(self.view_op(self.layout().select(d, 0), || (Op::Reshape, "SqueezeBackward1")))
    }

    /// Removes every size-1 dim.
    pub fn squeeze_all(&self) -> Result<Tensor> {
        let shape: Vec<usize> = self.dims().iter().copied().filter(|&d| d != 1).collect();
        let l = self.layout().reshape_view(&Shape::from(shape)).expect("dropping size-1 dims is a view");
        Ok(self.view_op(l, || (Op::Reshape, "SqueezeBackward0")))
    }

    /// Swaps two dims (a view).
    pub fn transpose(&self, dim0: isize, dim1: isize) -> Result<Tensor> {
        let a = normalize_dim(dim0, self.dim(), "transpose")?;
        let b = normalize_dim(dim1, self.dim(), "transpose")?;
        let mut perm: Vec<usize> = (0..self.dim()).collect();
        perm.swap(a, b);
        Ok(self.view_op(self.layout().transpose(a, b), || (Op::Permute(perm), "TransposeBackward0")))
    }

    /// The transpose of a matrix (a 0-d or 1-d tensor is returned as is), PyTorch's `t()`/`.T`.
    pub fn t(&self) -> Result<Tensor> {
        if self.dim() > 2 {
            return Err(Error::InvalidArgument {
                op: "t",
                reason: format!("expects a tensor with <= 2 dimensions, but self is {}D", self.dim()),
            });
        }
        if self.dim() < 2 {
            return Ok(self
                .view_op(self.layout().clone(), || (Op::Permute((0..self.dim()).collect()), "TBackward0")));
        }
        Ok(self.view_op(self.layout().transpose(0, 1), || (Op::Permute(vec![1, 0]), "TBackward0")))
    }

    /// Reorders dims: output dim `i` is input dim `dims[i]` (negative allowed).
    pub fn permute(&self, dims: &[isize]) -> Result<Tensor> {
        let perm =
            dims.iter().map(|&d| normalize_dim(d, self.dim(), "permute")).collect::<Result<Vec<_>>>()?;
        let l = self.layout().permute(&perm)?;
        Ok(self.view_op(l, || (Op::Permute(perm), "PermuteBackward0")))
    }

    /// Broadcasts to a larger shape without copying (`-1` keeps a dim), PyTorch's `expand`.
    pub fn expand(&self, shape: impl ShapeSpec) -> Result<Tensor> {
        let spec = shape.spec();
        let lead = spec.len().saturating_sub(self.dim());
        let dims: Vec<usize> = spec
            .iter()
            .enumerate()
            .map(|(i, &d)| if d == -1 && i >= lead { self.dims()[i - lead] } else { d.max(0) as usize })
            .collect();
        let l = self.layout().broadcast_to(&Shape::from(dims), "expand")?;
        Ok(self.view_op(l, || (Op::Expand, "ExpandBackward0")))
    }

    /// Broadcasts to `shape` (PyTorch's `broadcast_to`).
    pub fn broadcast_to(&self, shape: impl Into<Shape>) -> Result<Tensor> {
        let l = self.layout().broadcast_to(&shape.into(), "broadcast_to")?;
        Ok(self.view_op(l, || (Op::Expand, "ExpandBackward0")))
    }

    /// `len` elements of `dim` from `start` (a view).
    pub fn narrow(&self, dim: isize, start: usize, len: usize) -> Result<Tensor> {
        let d = normalize_dim(dim, self.dim(), "narrow")?;
        if start + len > self.dims()[d] {
            return Err(Error::InvalidArgument {
                op: "narrow",
                reason: format!("start {start} + length {len} exceeds dim {d} of size {}", self.dims()[d]),
            });
        }
        Ok(self.view_op(self.layout().slice(d, start, len, 1), || {
            (Op::Slice { dim: d, start, step: 1 }, "SliceBackward0")
        }))
    }

    /// Python's `x[start:end:step]` along `dim`, with negative and out-of-range bounds clamped as
    /// Python does (a view; `step` must be positive).
    pub fn slice(&self, dim: isize, start: Option<isize>, end: Option<isize>, step: usize) -> Result<Tensor> {
        let d = normalize_dim(dim, self.dim(), "slice")?;
        if step == 0 {
            return Err(Error::InvalidArgument { op: "slice", reason: "slice step cannot be zero".into() });
        }
        let n = self.dims()[d] as isize;
        let clamp = |v: isize| if v < 0 { (v + n).max(0) } else { v.min(n) };
        let s = clamp(start.unwrap_or(0));
        let e = clamp(end.unwrap_or(n)).max(s);
        let len = ((e - s) as usize).div_ceil(step);
        let s = s as usize;
        Ok(self.view_op(self.layout().slice(d, s, len, step), || {
            (Op::Slice { dim: d, start: s, step }, "SliceBackward0")
        }))
    }

    /// Fixes `dim` at `index` (negative counts from the end), removing the dim (a view).
    pub fn select(&self, dim: isize, index: isize) -> Result<Tensor> {
        let d = normalize_dim(dim, self.dim(), "select")?;
        let n = self.dims()[d];
        let i = if index < 0 { index + n as isize } else { index };
        if i < 0 || i >= n as isize {
            return Err(Error::IndexOutOfBounds { op: "select", index: index as i64, dim: d, size: n });
        }
        let i = i as usize;
        Ok(self.view_op(self.layout().select(d, i), || (Op::Select { dim: d, index: i }, "SelectBackward0")))
    }

    /// Concatenates tensors along `dim` (all other dims must match; dtypes are promoted).
    ///
    /// ```
    /// use ferrite_tensor::Tensor;
    /// let x = Tensor::arange(6)?.reshape([2, 3])?;
    /// assert_eq!(Tensor::cat(&[&x, &x], 0)?.dims(), &[4, 3]);
    /// assert_eq!(Tensor::cat(&[&x, &x], 1)?.dims(), &[2, 6]);
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn cat(tensors: &[&Tensor], dim: isize) -> Result<Tensor> {
        Tensor::cat_named(tensors, dim, "CatBackward0")
    }

    fn cat_named(tensors: &[&Tensor], dim: isize, name: &'static str) -> Result<Tensor> {
        let first = tensors.first().ok_or_else(|| Error::InvalidArgument {
            op: "cat",
            reason: "expected a non-empty list of tensors".into(),
        })?;
        let d = normalize_dim(dim, first.dim(), "cat")?;
        let dtype = tensors.iter().fold(first.dtype(), |acc, t| acc.promote(t.dtype()));
        let mut total = 0;
        for t in tensors {
            first.same_device(t, "cat")?;
            let ok = t.dim() == first.dim()
                && t.dims().iter().zip(first.dims()).enumerate().all(|(i, (a, b))| i == d || a == b);
            if !ok {
                return Err(Error::ShapeMismatch {
                    op: "cat",
                    lhs: first.shape().clone(),
                    rhs: t.shape().clone(),
                });
            }
            total += t.dims()[d];
        }
        let mut dims = first.dims().to_vec();
        dims[d] = total;
        let shape = Shape::from(dims);
        let backend = crate::backend::device_backend(first.device(), "cat")?;
        let mut out = backend.zeros(&shape, dtype)?;
        let full = Layout::contiguous(shape.clone());
        let mut start = 0;
        let inputs = tensors.iter().map(|t| t.to_dtype(dtype)).collect::<Result<Vec<_>>>()?;
        for t in &inputs {
            let n = t.dims()[d];
            let region = full.slice(d, start, n, 1);
            t.with_storage(|s, l| out.copy_from(&region, s, l))?;
            start += n;
        }
        let refs: Vec<&Tensor> = inputs.iter().collect();
        Ok(Tensor::result(out, shape, || (Op::Cat { dim: d }, name), &refs, |_| vec![]))
    }

    /// Stacks same-shaped tensors along a new dim.
    pub fn stack(tensors: &[&Tensor], dim: isize) -> Result<Tensor> {
        let first = tensors.first().ok_or_else(|| Error::InvalidArgument {
            op: "stack",
            reason: "expected a non-empty list of tensors".into(),
        })?;
        let d = normalize_dim(dim, first.dim() + 1, "stack")? as isize;
        for t in tensors {
            if t.shape() != first.shape() {
                return Err(Error::ShapeMismatch {
                    op: "stack",
                    lhs: first.shape().clone(),
                    rhs: t.shape().clone(),
                });
            }
        }
        let parts = tensors.iter().map(|t| t.unsqueeze(d)).collect::<Result<Vec<_>>>()?;
        let refs: Vec<&Tensor> = parts.iter().collect();
        Tensor::cat_named(&refs, d, "StackBackward0")
    }

    /// Splits into pieces of `size` along `dim` (the last may be smaller), as views.
    pub fn split(&self, size: usize, dim: isize) -> Result<Vec<Tensor>> {
        let d = normalize_dim(dim, self.dim(), "split")?;
        if size == 0 {
            return Err(Error::InvalidArgument { op: "split", reason: "split size must be positive".into() });
        }
        let n = self.dims()[d];
        (0..n.max(1)).step_by(size).map(|s| self.narrow(d as isize, s, size.min(n - s))).collect()
    }

    /// Splits into pieces of the given sizes along `dim`, which must add up to its size.
    pub fn split_sizes(&self, sizes: &[usize], dim: isize) -> Result<Vec<Tensor>> {
        let d = normalize_dim(dim, self.dim(), "split")?;
        if sizes.iter().sum::<usize>() != self.dims()[d] {
            return Err(Error::InvalidArgument {
                op: "split_with_sizes",
                reason: format!("sizes {sizes:?} do not add up to dim {d} of size {}", self.dims()[d]),
            });
        }
        let mut start = 0;
        sizes
            .iter()
            .map(|&s| {
                let t = self.narrow(d as isize, start, s);
                start += s;
                t
            })
            .collect()
    }

    /// Splits into `chunks` nearly equal pieces along `dim` (PyTorch's `chunk`).
    pub fn chunk(&self, chunks: usize, dim: isize) -> Result<Vec<Tensor>> {
        let d = normalize_dim(dim, self.dim(), "chunk")?;
        if chunks == 0 {
            return Err(Error::InvalidArgument {
                op: "chunk",
                reason: "number of chunks must be positive".into(),
            });
        }
        self.split(self.dims()[d].div_ceil(chunks).max(1), dim)
    }

    /// Iterates over the first dim (Python's `for row in x`), yielding views.
    pub fn iter(&self) -> Result<impl Iterator<Item = Tensor> + '_> {
        let n = self.len()?;
        Ok((0..n).map(move |i| self.select(0, i as isize).expect("index in range")))
    }
}
