//! The object-safe backend interface: a storage on some device and the primitive ops on it,
//! selected by op enums. The CPU implements it in [`crate::cpu`]; ferrite-cuda implements it for GPUs.
//!
//! Contract: every method reads its inputs through the given [`Layout`]s (strided, possibly
//! broadcast with stride 0) and returns a fresh contiguous storage, except the `*_inplace`/`copy_from`/
//! `fill` methods, which write through a layout of `self`. Binary inputs have the same dtype and
//! already-broadcast layouts of one shape; the [`crate::Tensor`] layer does promotion and checks.

use crate::cpu::CpuStorage;
use crate::op::{BinaryOp, ReduceOp, UnaryOp};
use crate::{DType, Device, Layout, Result, Scalar, Shape};
use std::any::Any;
use std::fmt;

/// A block of elements of one dtype on one device.
pub trait BackendStorage: Send + Sync + fmt::Debug + Any {
    /// The device holding the elements.
    fn device(&self) -> Device;
    /// The element type.
    fn dtype(&self) -> DType;
    /// Number of elements.
    fn len(&self) -> usize;
    /// True when it holds no elements.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Downcast support.
    fn as_any(&self) -> &dyn Any;
    /// A host copy of the elements a layout selects, in row-major order.
    fn to_cpu(&self, layout: &Layout) -> Result<CpuStorage>;
    /// A contiguous copy of a strided view.
    fn copy_strided(&self, layout: &Layout) -> Result<Box<dyn BackendStorage>>;
    /// Elementwise conversion to `dtype`.
    fn cast(&self, layout: &Layout, dtype: DType) -> Result<Box<dyn BackendStorage>>;
    /// An elementwise unary op.
    fn unary(&self, op: UnaryOp, layout: &Layout) -> Result<Box<dyn BackendStorage>>;
    /// An elementwise binary op; both layouts have one shape.
    fn binary(
        &self,
        op: BinaryOp,
        layout: &Layout,
        rhs: &dyn BackendStorage,
        rhs_layout: &Layout,
    ) -> Result<Box<dyn BackendStorage>>;
    /// `where(self, on_true, on_false)` with `self` a bool condition; all layouts have one shape.
    fn where_cond(
        &self,
        layout: &Layout,
        on_true: &dyn BackendStorage,
        true_layout: &Layout,
        on_false: &dyn BackendStorage,
        false_layout: &Layout,
    ) -> Result<Box<dyn BackendStorage>>;
    /// Reduces `dims` (sorted, unique, non-empty) to size 1; the result has the keepdim shape.
    /// `ArgMax`/`ArgMin` take exactly one dim and give i64.
    fn reduce(&self, op: ReduceOp, layout: &Layout, dims: &[usize]) -> Result<Box<dyn BackendStorage>>;
    /// Cumulative sum along `dim`.
    fn cumsum(&self, layout: &Layout, dim: usize) -> Result<Box<dyn BackendStorage>>;
    /// Batched matrix product of `[b, m, k]` and `[b, k, n]` layouts (any strides) into `[b, m, n]`.
    fn matmul(
        &self,
        layout: &Layout,
        rhs: &dyn BackendStorage,
        rhs_layout: &Layout,
    ) -> Result<Box<dyn BackendStorage>>;
    /// Picks slices of `dim` by an i64 index vector.
    fn index_select(
        &self,
        layout: &Layout,
        indices: &dyn BackendStorage,
        indices_layout: &Layout,
        dim: usize,
    ) -> Result<Box<dyn BackendStorage>>;
    /// `out[i][j] = self[i][indices[i][j]]` along `dim` (PyTorch's `gather`).
    fn gather(
        &self,
        layout: &Layout,
        indices: &dyn BackendStorage,
        indices_layout: &Layout,
        dim: usize,
    ) -> Result<Box<dyn BackendStorage>>;
    /// Adds `src` into the contiguous `self` at `indices` along `dim` (the adjoint of `gather`).
    fn scatter_add(
        &mut self,
        layout: &Layout,
        indices: &dyn BackendStorage,
        indices_layout: &Layout,
        src: &dyn BackendStorage,
        src_layout: &Layout,
        dim: usize,
    ) -> Result<()>;
    /// Adds slices of `src` into slices of `self` along `dim` (the adjoint of `index_select`).
    fn index_add(
        &mut self,
        layout: &Layout,
        indices: &dyn BackendStorage,
        indices_layout: &Layout,
        src: &dyn BackendStorage,
        src_layout: &Layout,
        dim: usize,
    ) -> Result<()>;
    /// Copies `src` (same shape and dtype) into the view `layout` of `self`.
    fn copy_from(&mut self, layout: &Layout, src: &dyn BackendStorage, src_layout: &Layout) -> Result<()>;
    /// `self[layout] = self[layout] op rhs`, in place.
    fn binary_inplace(
        &mut self,
        op: BinaryOp,
        layout: &Layout,
        rhs: &dyn BackendStorage,
        rhs_layout: &Layout,
    ) -> Result<()>;
    /// `self[layout] = lhs op rhs` (PyTorch's `out=`): `lhs` and `rhs` are read through layouts of
    /// `layout`'s shape and have `self`'s dtype, and neither shares `self`'s memory. This default
    /// computes into a temporary and copies it in; the CPU backend writes straight into `self`.
    fn binary_into(
        &mut self,
        op: BinaryOp,
        layout: &Layout,
        lhs: &dyn BackendStorage,
        lhs_layout: &Layout,
        rhs: &dyn BackendStorage,
        rhs_layout: &Layout,
    ) -> Result<()> {
        let result = lhs.binary(op, lhs_layout, rhs, rhs_layout)?;
        self.copy_from(layout, &*result, &Layout::contiguous(layout.shape().clone()))
    }
    /// `self[layout] = a * b + self[layout]`, in place; `a` and `b` have the layout's shape and
    /// `self`'s dtype. PyTorch's kernels of `add_(other, alpha=)` and `addcmul_` round once (a fused
    /// multiply-add), and so does the CPU backend; this default multiplies into a temporary and
    /// adds that, rounding twice.
    fn mul_add_inplace(
        &mut self,
        layout: &Layout,
        a: &dyn BackendStorage,
        a_layout: &Layout,
        b: &dyn BackendStorage,
        b_layout: &Layout,
    ) -> Result<()> {
        let product = a.binary(BinaryOp::Mul, a_layout, b, b_layout)?;
        self.binary_inplace(BinaryOp::Add, layout, &*product, &Layout::contiguous(layout.shape().clone()))
    }
    /// Sets every element of the view to `value`.
    fn fill(&mut self, layout: &Layout, value: Scalar) -> Result<()>;
    /// Called when the last handle to the storage goes away: a backend may keep the memory for
    /// reuse (the CPU caches large buffers; a GPU backend would return blocks to its allocator).
    fn recycle(&mut self) {}
}

/// A device's allocator: makes storages there. The CPU one is built in; ferrite-cuda registers one
/// per GPU with [`register_device`].
pub trait DeviceBackend: Send + Sync {
    /// The device.
    fn device(&self) -> Device;
    /// A storage of `shape.numel()` zeros.
    fn zeros(&self, shape: &Shape, dtype: DType) -> Result<Box<dyn BackendStorage>>;
    /// Copies host data to the device.
    fn upload(&self, data: &CpuStorage) -> Result<Box<dyn BackendStorage>>;
    /// Waits for queued work to finish.
    fn synchronize(&self) -> Result<()>;
}

static DEVICES: std::sync::RwLock<Vec<std::sync::Arc<dyn DeviceBackend>>> =
    std::sync::RwLock::new(Vec::new());

/// Makes a non-CPU device available to [`crate::Tensor::to_device`] (called by ferrite-cuda).
pub fn register_device(backend: std::sync::Arc<dyn DeviceBackend>) {
    let mut devices = DEVICES.write().unwrap_or_else(|e| e.into_inner());
    devices.retain(|d| d.device() != backend.device());
    devices.push(backend);
}

/// The registered backend for `device`, or an error naming it.
pub fn device_backend(device: Device, op: &'static str) -> Result<std::sync::Arc<dyn DeviceBackend>> {
    if device.is_cpu() {
        return Ok(std::sync::Arc::new(crate::cpu::CpuDevice));
    }
    let devices = DEVICES.read().unwrap_or_else(|e| e.into_inner());
    devices.iter().find(|d| d.device() == device).cloned().ok_or_else(|| crate::Error::Backend {
        op,
        device,
        reason:
            "no such device is available (build with the `cuda` feature on a machine with a GPU, and call \
                 `ferrite::cuda::init()` or `try_gpu` before naming a `Device::Cuda` directly)"
                .into(),
    })
}
