//! Indexing: the [`crate::s!`] macro for Python's `x[...]` forms, reading a view with [`Tensor::i`],
//! writing through one with [`Tensor::set_`], and index tensors (`index_select`, `gather`).

use super::{Operand, Tensor};
use crate::op::Op;
use crate::shape::normalize_dim;
use crate::{DType, Error, Layout, Result};
use std::ops::{Range, RangeFrom, RangeFull, RangeInclusive, RangeTo, RangeToInclusive};

/// One item of an index: Python's `2`, `-1`, `1:3`, `::2`, `None` or `...`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexItem {
    /// One position (negative counts from the end); the dim disappears.
    At(isize),
    /// `start:end:step`; open bounds are `None`.
    Slice {
        /// First index (negative counts from the end).
        start: Option<isize>,
        /// One past the last (negative counts from the end).
        end: Option<isize>,
        /// Positive step.
        step: usize,
    },
    /// `None`: a new size-1 dim.
    NewAxis,
    /// `...`: as many full slices as needed.
    Ellipsis,
}

/// Python's `None` in an index: inserts a size-1 dim (`s![.., NewAxis]`).
#[derive(Clone, Copy, Debug)]
pub struct NewAxis;

/// Python's `...` in an index.
#[derive(Clone, Copy, Debug)]
pub struct Ellipsis;

impl IndexItem {
    /// Sets the step of a slice (`s![..;2]` calls this).
    pub fn step(self, step: usize) -> IndexItem {
        match self {
            IndexItem::Slice { start, end, .. } => IndexItem::Slice { start, end, step },
            other => other,
        }
    }
}

impl From<NewAxis> for IndexItem {
    fn from(_: NewAxis) -> Self {
        IndexItem::NewAxis
    }
}

impl From<Ellipsis> for IndexItem {
    fn from(_: Ellipsis) -> Self {
        IndexItem::Ellipsis
    }
}

impl From<RangeFull> for IndexItem {
    fn from(_: RangeFull) -> Self {
        IndexItem::Slice { start: None, end: None, step: 1 }
    }
}

macro_rules! index_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for IndexItem {
            fn from(i: $t) -> Self {
                IndexItem::At(i as isize)
            }
        }
        impl From<Range<$t>> for IndexItem {
            fn from(r: Range<$t>) -> Self {
                IndexItem::Slice { start: Some(r.start as isize), end: Some(r.end as isize), step: 1 }
            }
        }
        impl From<RangeInclusive<$t>> for IndexItem {
            fn from(r: RangeInclusive<$t>) -> Self {
                let end = *r.end() as isize + 1;
                IndexItem::Slice { start: Some(*r.start() as isize), end: (end != 0).then_some(end), step: 1 }
            }
        }
        impl From<RangeFrom<$t>> for IndexItem {
            fn from(r: RangeFrom<$t>) -> Self {
                IndexItem::Slice { start: Some(r.start as isize), end: None, step: 1 }
            }
        }
        impl From<RangeTo<$t>> for IndexItem {
            fn from(r: RangeTo<$t>) -> Self {
                IndexItem::Slice { start: None, end: Some(r.end as isize), step: 1 }
            }
        }
        impl From<RangeToInclusive<$t>> for IndexItem {
            fn from(r: RangeToInclusive<$t>) -> Self {
                let end = r.end as isize + 1;
                IndexItem::Slice { start: None, end: (end != 0).then_some(end), step: 1 }
            }
        }
    )*};
}
index_from_int!(i32, i64, isize, usize);

/// Builds an index like Python's `x[...]`: integers (negative from the end), ranges, a step after
/// `;`, [`NewAxis`] and [`Ellipsis`].
///
/// | Python | ferrite |
/// |---|---|
/// | `X[-1]` | `X.i(s![-1])` |
/// | `X[1:3]` | `X.i(s![1..3])` |
/// | `a[1:3, ::2]` | `a.i(s![1..3, ..;2])` |
/// | `X[0:2, :] = 12` | `X.set_(s![0..2, ..], 12)` |
/// | `x[:, None]` | `x.i(s![.., NewAxis])` |
///
/// ```
/// use ferrite_tensor::{s, Tensor};
/// let x = Tensor::arange(12)?.reshape([3, 4])?;
/// assert_eq!(x.i(s![-1])?.to_vec::<i64>()?, vec![8, 9, 10, 11]);
/// assert_eq!(x.i(s![1..3, ..;2])?.to_vec::<i64>()?, vec![4, 6, 8, 10]);
/// # Ok::<(), ferrite_tensor::Error>(())
/// ```
#[macro_export]
macro_rules! s {
    (@acc [$($out:expr),*]) => { vec![$($out),*] };
    (@acc [$($out:expr),*] $r:expr ; $step:expr , $($rest:tt)*) => {
        $crate::s!(@acc [$($out,)* $crate::IndexItem::from($r).step($step)] $($rest)*)
    };
    (@acc [$($out:expr),*] $r:expr ; $step:expr) => {
        $crate::s!(@acc [$($out,)* $crate::IndexItem::from($r).step($step)])
    };
    (@acc [$($out:expr),*] $r:expr , $($rest:tt)*) => {
        $crate::s!(@acc [$($out,)* $crate::IndexItem::from($r)] $($rest)*)
    };
    (@acc [$($out:expr),*] $r:expr) => {
        $crate::s!(@acc [$($out,)* $crate::IndexItem::from($r)])
    };
    ($($t:tt)*) => { $crate::s!(@acc [] $($t)*) };
}

impl Tensor {
    /// The view `x[index]` (Python's basic indexing), sharing storage.
    pub fn i(&self, index: impl AsRef<[IndexItem]>) -> Result<Tensor> {
        let items = index.as_ref();
        let explicit =
            items.iter().filter(|i| matches!(i, IndexItem::At(_) | IndexItem::Slice { .. })).count();
        if explicit > self.dim() {
            return Err(Error::InvalidArgument {
                op: "index",
                reason: format!("too many indices for a tensor of dimension {}: {items:?}", self.dim()),
            });
        }
        if items.iter().filter(|i| matches!(i, IndexItem::Ellipsis)).count() > 1 {
            return Err(Error::InvalidArgument {
                op: "index",
                reason: "an index can only have a single ellipsis".into(),
            });
        }
        let mut t = self.clone();
        let mut d = 0isize; // the dim of `t` the next item applies to
        for item in items {
            match *item {
                IndexItem::At(i) => t = t.select(d, i)?,
                IndexItem::Slice { start, end, step } => {
                    if !(start.is_none() && end.is_none() && step == 1) {
                        t = t.slice(d, start, end, step)?;
                    }
                    d += 1;
                }
                IndexItem::NewAxis => {
                    t = t.unsqueeze(d)?;
                    d += 1;
                }
                IndexItem::Ellipsis => d += (self.dim() - explicit) as isize,
            }
        }
        Ok(t)
    }

    /// Writes `value` (a tensor broadcast to the region, or a number) into `x[index]` in place:
    /// Python's `X[0:2, :] = 12` and `Z[:] = X + Y`. Every view of the storage sees the change.
    ///
    /// ```
    /// use ferrite_tensor::{s, Tensor};
    /// let x = Tensor::zeros([3, 4]);
    /// x.set_(s![0..2, ..], 12)?;
    /// x.set_(s![2, 3], 9)?;
    /// assert_eq!(x.sum_all()?.item::<f32>()?, 12.0 * 8.0 + 9.0);
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn set_<'a>(&self, index: impl AsRef<[IndexItem]>, value: impl Into<Operand<'a>>) -> Result<()> {
        let region = self.i(index)?;
        let value = match value.into() {
            Operand::Tensor(t) => t.clone(),
            Operand::Scalar(s) => Tensor::full_on((), s, self.dtype(), self.device())?,
        };
        self.assign_region(&region, &value)
    }

    /// Writes `value` into `region`, a view of `self`, recording a `CopySlices` node when autograd
    /// is involved.
    pub(crate) fn assign_region(&self, region: &Tensor, value: &Tensor) -> Result<()> {
        let value = value.to_dtype(self.dtype())?.broadcast_to(region.shape().clone())?;
        if !crate::graph::should_record(&[self, &value]) {
            self.check_inplace("copy_")?;
            return region.copy_raw(&value);
        }
        self.check_inplace("copy_")?;
        if !self.is_contiguous() {
            return Err(Error::InPlace {
                op: "copy_",
                reason: "slice assignment with autograd needs a contiguous base tensor",
            });
        }
        // Out of place: new = old with the region replaced; then write back and rebase history.
        let old = self.history_handle();
        let rel = Layout::new(
            region.shape().clone(),
            region.layout().strides().to_vec(),
            region.layout().offset() - self.layout().offset(),
        );
        let fresh = old.detach().deep_clone()?;
        fresh.with_layout(rel.clone()).copy_raw(&value)?;
        let fresh =
            fresh.record(|| (Op::SliceAssign { region: rel }, "CopySlices"), &[&old, &value], |_| vec![]);
        self.detach().copy_raw(&fresh)?;
        self.set_grad_fn(fresh.grad_fn());
        Ok(())
    }

    /// Slices of `dim` picked by a 1-D i64 index tensor (a copy), PyTorch's `index_select`.
    pub fn index_select(&self, dim: isize, indices: &Tensor) -> Result<Tensor> {
        let d = normalize_dim(dim, self.dim(), "index_select")?;
        if self.dim() == 0 {
            // A 0-d source has one element: every index must be 0 (or -1), and the result is 0-d.
            return self.reshape([1])?.index_select(0, &indices.reshape([-1])?)?.reshape(());
        }
        let ids = indices.to_dtype(DType::I64)?;
        if ids.dim() > 1 {
            return Err(Error::InvalidArgument {
                op: "index_select",
                reason: format!("index must be 0-d or 1-d, got shape {}", ids.shape()),
            });
        }
        self.same_device(&ids, "index_select")?;
        let data = {
            let (g, gi) = (self.storage().read(), ids.storage().read());
            g.index_select(self.layout(), &**gi, ids.layout(), d)?
        };
        let mut dims = self.dims().to_vec();
        dims[d] = ids.numel();
        Ok(Tensor::result(
            data,
            dims.into(),
            || (Op::IndexSelect { dim: d }, "IndexSelectBackward0"),
            &[self, &ids],
            |_| vec![],
        ))
    }

    /// `out[i][j] = self[i][index[i][j]]` along `dim` (PyTorch's `gather`); d2l picks predicted
    /// probabilities with it: `y_hat.gather(1, y.unsqueeze(1))`.
    pub fn gather(&self, dim: isize, indices: &Tensor) -> Result<Tensor> {
        let d = normalize_dim(dim, self.dim(), "gather")?;
        let ids = indices.to_dtype(DType::I64)?;
        self.same_device(&ids, "gather")?;
        let data = {
            let (g, gi) = (self.storage().read(), ids.storage().read());
            g.gather(self.layout(), &**gi, ids.layout(), d)?
        };
        Ok(Tensor::result(
            data,
            ids.shape().clone(),
            || (Op::Gather { dim: d }, "GatherBackward0"),
            &[self, &ids],
            |_| vec![],
        ))
    }

    /// Zeros of `shape` with `src` added at `indices` along `dim` (the adjoint of `gather`; not recorded).
    pub fn scatter_add_zeros(
        shape: &crate::Shape,
        dim: usize,
        indices: &Tensor,
        src: &Tensor,
    ) -> Result<Tensor> {
        let out = crate::backend::device_backend(src.device(), "scatter_add")?.zeros(shape, src.dtype())?;
        let out = Tensor::from_storage(out, shape.clone())?;
        {
            let mut g = out.storage().write();
            let (gi, gs) = (indices.storage().read(), src.storage().read());
            g.scatter_add(out.layout(), &**gi, indices.layout(), &**gs, src.layout(), dim)?;
        }
        Ok(out)
    }

    /// Zeros of `shape` with slices of `src` added at `indices` along `dim` (the adjoint of `index_select`).
    pub fn index_add_zeros(
        shape: &crate::Shape,
        dim: usize,
        indices: &Tensor,
        src: &Tensor,
    ) -> Result<Tensor> {
        let out = crate::backend::device_backend(src.device(), "index_add")?.zeros(shape, src.dtype())?;
        let out = Tensor::from_storage(out, shape.clone())?;
        {
            let mut g = out.storage().write();
            let (gi, gs) = (indices.storage().read(), src.storage().read());
            g.index_add(out.layout(), &**gi, indices.layout(), &**gs, src.layout(), dim)?;
        }
        Ok(out)
    }

    /// A new strided view of this tensor's storage (advanced; used by gradient rules). It is not
    /// differentiable: on a tensor that records history it is an error rather than a silent cut.
    pub fn as_strided(&self, layout: Layout) -> Result<Tensor> {
        if crate::graph::should_record(&[self]) {
            return Err(Error::InvalidArgument {
                op: "as_strided",
                reason: "as_strided is not differentiable; call it on a detached tensor or under no_grad"
                    .into(),
            });
        }
        if layout.storage_extent() > self.with_storage(|s, _| s.len()) {
            return Err(Error::InvalidArgument {
                op: "as_strided",
                reason: format!("layout {layout:?} reaches past the storage"),
            });
        }
        Ok(self.with_layout(layout))
    }
}
