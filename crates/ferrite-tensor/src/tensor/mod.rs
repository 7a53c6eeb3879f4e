//! The `Tensor` handle: a layout over shared storage, plus the autograd state (requires_grad,
//! grad slot, grad_fn node). Its methods are spread over this folder by op family.

mod arith;
mod convert;
mod create;
mod index;
mod inplace;
mod linalg;
mod ops;
mod out;
mod random;
mod reduce;
mod shape;

pub use arith::Operand;
pub use convert::TensorLiteral;
pub use index::{Ellipsis, IndexItem, NewAxis};
pub use shape::ShapeSpec;

use crate::backend::BackendStorage;
use crate::graph::{Node, should_record};
use crate::op::Op;
use crate::storage::Storage;
use crate::{DType, Device, Error, Layout, Result, Shape};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// An n-dimensional array on a device, with PyTorch's semantics.
///
/// `Clone` is a cheap handle copy: both handles are the *same* tensor (as `y = x` in Python),
/// sharing data, `requires_grad` and `.grad`. PyTorch's `x.clone()`, a copy of the data, is
/// [`Tensor::deep_clone`]. Views (`reshape`, `transpose`, `i`, ...) share storage with their base,
/// so in-place writes through one are seen by the other.
///
/// ```
/// use ferrite_tensor::Tensor;
/// let x = Tensor::arange(12)?.reshape([3, 4])?;
/// assert_eq!(x.dims(), &[3, 4]);
/// let y = x.add(1)?;
/// assert_eq!(y.sum_all()?.item::<i64>()?, 78);
/// # Ok::<(), ferrite_tensor::Error>(())
/// ```
#[derive(Clone)]
pub struct Tensor(Arc<TensorImpl>);

struct TensorImpl {
    storage: Storage,
    layout: Layout,
    dtype: DType,
    device: Device,
    requires_grad: AtomicBool,
    grad: Mutex<Option<Tensor>>,
    grad_fn: Mutex<Option<Arc<Node>>>,
}

impl Tensor {
    /// A tensor over `storage` with `layout`, recording `node` as its grad_fn.
    pub(crate) fn from_parts(storage: Storage, layout: Layout, dtype: DType, device: Device) -> Tensor {
        Tensor(Arc::new(TensorImpl {
            storage,
            layout,
            dtype,
            device,
            requires_grad: AtomicBool::new(false),
            grad: Mutex::new(None),
            grad_fn: Mutex::new(None),
        }))
    }

    /// A contiguous tensor of `shape` over a fresh backend storage.
    pub fn from_storage(data: Box<dyn BackendStorage>, shape: impl Into<Shape>) -> Result<Tensor> {
        let shape = shape.into();
        if data.len() != shape.numel() {
            return Err(Error::DataLength { op: "from_storage", len: data.len(), shape });
        }
        let (dtype, device) = (data.dtype(), data.device());
        Ok(Tensor::from_parts(Storage::new(data), Layout::contiguous(shape), dtype, device))
    }

    /// A fresh result of an op: records a node when grad mode is on and an input requires grad.
    pub(crate) fn result(
        data: Box<dyn BackendStorage>,
        shape: Shape,
        op: impl FnOnce() -> (Op, &'static str),
        inputs: &[&Tensor],
        saved: impl FnOnce(&Tensor) -> Vec<Tensor>,
    ) -> Tensor {
        debug_assert_eq!(data.len(), shape.numel());
        let (dtype, device) = (data.dtype(), data.device());
        let t = Tensor::from_parts(Storage::new(data), Layout::contiguous(shape), dtype, device);
        t.record(op, inputs, saved)
    }

    /// Sets the grad_fn of a fresh result when recording applies.
    pub(crate) fn record(
        self,
        op: impl FnOnce() -> (Op, &'static str),
        inputs: &[&Tensor],
        saved: impl FnOnce(&Tensor) -> Vec<Tensor>,
    ) -> Tensor {
        if should_record(inputs) && self.0.dtype.is_float() {
            let (op, name) = op();
            let node = Node::new(op, name, inputs, saved(&self));
            *self.0.grad_fn.lock().unwrap_or_else(|e| e.into_inner()) = Some(node);
        }
        self
    }

    /// A view of this tensor's storage with another layout (no grad recorded here).
    pub(crate) fn with_layout(&self, layout: Layout) -> Tensor {
        Tensor::from_parts(self.0.storage.clone(), layout, self.0.dtype, self.0.device)
    }

    /// The shared storage.
    pub fn storage(&self) -> &Storage {
        &self.0.storage
    }

    /// True when this is the only handle to the tensor, no other tensor shares its storage, and
    /// it spans that storage densely: no one else can see a write to it or be written through it.
    /// The autograd engine then keeps a gradient as a leaf's `.grad()` without copying it.
    ///
    /// ```
    /// use ferrite_tensor::Tensor;
    /// let a = Tensor::zeros([2, 3]);
    /// assert!(a.is_uniquely_held());
    /// let view = a.t()?;
    /// assert!(!a.is_uniquely_held() && !view.is_uniquely_held());
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn is_uniquely_held(&self) -> bool {
        Arc::strong_count(&self.0) == 1
            && Arc::weak_count(&self.0) == 0
            && self.0.storage.is_unique()
            && self.is_contiguous()
            && self.layout().offset() == 0
            && self.0.storage.read().len() == self.numel()
    }

    /// The layout (shape, strides, offset).
    pub fn layout(&self) -> &Layout {
        &self.0.layout
    }

    /// The shape.
    pub fn shape(&self) -> &Shape {
        self.0.layout.shape()
    }

    /// The sizes, as a slice.
    pub fn dims(&self) -> &[usize] {
        self.0.layout.dims()
    }

    /// Number of dimensions (PyTorch's `dim()`).
    pub fn dim(&self) -> usize {
        self.0.layout.rank()
    }

    /// Size of `dim`, which may be negative (`size(-1)` is the last).
    pub fn size(&self, dim: isize) -> Result<usize> {
        Ok(self.dims()[self.shape().dim(dim, "size")?])
    }

    /// Number of elements.
    pub fn numel(&self) -> usize {
        self.0.layout.numel()
    }

    /// Size of the first dim (Python's `len(x)`); a 0-d tensor has none, which is an error (PyTorch raises).
    pub fn len(&self) -> Result<usize> {
        match self.dims().first() {
            Some(&n) => Ok(n),
            None => Err(Error::InvalidArgument { op: "len", reason: "len() of a 0-d tensor".into() }),
        }
    }

    /// True when the tensor has no elements.
    pub fn is_empty(&self) -> bool {
        self.numel() == 0
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        self.0.dtype
    }

    /// The device.
    pub fn device(&self) -> Device {
        self.0.device
    }

    /// True when elements are dense and row-major.
    pub fn is_contiguous(&self) -> bool {
        self.0.layout.is_contiguous()
    }

    /// True when both handles are the same tensor object (Python's `x is y`).
    pub fn is_same(&self, other: &Tensor) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// The storage's in-place write count (PyTorch's `_version`).
    pub fn storage_version(&self) -> u64 {
        self.0.storage.version()
    }

    /// An identity for the storage, stable while it lives (d2l's `id(X)` checks).
    pub fn data_ptr(&self) -> usize {
        self.0.storage.id()
    }

    /// True when the tensor records history: it requires grad itself, or an op made it from one that does.
    pub fn requires_grad(&self) -> bool {
        self.0.requires_grad.load(Ordering::Relaxed) || self.grad_fn().is_some()
    }

    /// Marks a leaf as requiring grad (or not); returns the same tensor for chaining.
    ///
    /// Only float tensors can require grad; a non-leaf cannot be turned off.
    pub fn requires_grad_(&self, requires_grad: bool) -> Result<Tensor> {
        if requires_grad && !self.dtype().is_float() {
            return Err(Error::UnsupportedDType { op: "requires_grad_", dtype: self.dtype() });
        }
        if !self.is_leaf() && !requires_grad {
            return Err(Error::InvalidArgument {
                op: "requires_grad_",
                reason: "you can only change requires_grad flags of leaf tensors; use detach() instead"
                    .into(),
            });
        }
        self.0.requires_grad.store(requires_grad, Ordering::Relaxed);
        Ok(self.clone())
    }

    /// True when no recorded op produced this tensor.
    pub fn is_leaf(&self) -> bool {
        self.grad_fn().is_none()
    }

    /// The node that produced this tensor, if recorded.
    pub fn grad_fn(&self) -> Option<Arc<Node>> {
        self.0.grad_fn.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// True when this tensor is a view made by a recorded view op (reshape, slice, transpose...)
    /// of a tensor with history: an in-place write through it cannot update the base's history.
    pub(crate) fn is_tracked_view(&self) -> bool {
        self.grad_fn().is_some_and(|n| {
            matches!(n.op(), Op::Reshape | Op::Permute(_) | Op::Expand | Op::Slice { .. } | Op::Select { .. })
        })
    }

    /// Replaces the producing node (autograd uses this when an in-place op rewrites history).
    #[doc(hidden)]
    pub fn set_grad_fn(&self, node: Option<Arc<Node>>) {
        *self.0.grad_fn.lock().unwrap_or_else(|e| e.into_inner()) = node;
    }

    /// The accumulated gradient, `None` before any backward reached this leaf.
    pub fn grad(&self) -> Option<Tensor> {
        self.0.grad.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Sets or clears the gradient (`x.grad = None` is `set_grad(None)`).
    pub fn set_grad(&self, grad: Option<Tensor>) {
        *self.0.grad.lock().unwrap_or_else(|e| e.into_inner()) = grad;
    }

    /// Clears the gradient (what an optimizer's `zero_grad` does with `set_to_none`).
    pub fn zero_grad(&self) {
        self.set_grad(None);
    }

    /// A tensor sharing storage, with no history and `requires_grad == false` (PyTorch's `detach`).
    pub fn detach(&self) -> Tensor {
        self.with_layout(self.layout().clone())
    }

    /// The tensor's data without history (PyTorch's `.data`): writes through it are not recorded.
    pub fn data(&self) -> Tensor {
        self.detach()
    }

    /// Runs `f` on the backend storage under a read lock.
    pub fn with_storage<R>(&self, f: impl FnOnce(&dyn BackendStorage, &Layout) -> R) -> R {
        let g = self.0.storage.read();
        f(&**g, self.layout())
    }

    /// Checks that two tensors share a device.
    pub(crate) fn same_device(&self, other: &Tensor, op: &'static str) -> Result<()> {
        if self.device() != other.device() {
            return Err(Error::DeviceMismatch { op, lhs: self.device(), rhs: other.device() });
        }
        Ok(())
    }
}

impl fmt::Debug for Tensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
