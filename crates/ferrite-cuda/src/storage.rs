//! `CudaStorage`: a block of device memory holding elements of one dtype, and its
//! `BackendStorage` implementation, which dispatches each method to the kernels in `ops/`.

use crate::alloc::Block;
use crate::device::Gpu;
use crate::ops::{elementwise, index, matmul, reduce};
use ferrite_tensor::backend::BackendStorage;
use ferrite_tensor::cpu::CpuStorage;
use ferrite_tensor::op::{BinaryOp, ReduceOp, UnaryOp};
use ferrite_tensor::{DType, Device, Error, Layout, Result, Scalar};
use std::any::Any;
use std::sync::Arc;

/// Elements of one dtype in the memory of one GPU (bool is stored as one byte, 0 or 1).
///
/// Its memory comes from the device's caching allocator and goes back there when the storage is
/// dropped or recycled; every op on it is queued on the device's stream.
pub struct CudaStorage {
    block: Option<Block>,
    len: usize,
    dtype: DType,
    gpu: Arc<Gpu>,
}

impl std::fmt::Debug for CudaStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CudaStorage({} x {} on {:?})", self.len, self.dtype, self.gpu)
    }
}

impl Drop for CudaStorage {
    fn drop(&mut self) {
        if let Some(b) = self.block.take() {
            self.gpu.release(b);
        }
    }
}

impl CudaStorage {
    /// A storage of `len` elements whose contents the caller writes next.
    pub(crate) fn uninit(gpu: &Arc<Gpu>, len: usize, dtype: DType, op: &'static str) -> crate::Result<Self> {
        let block = gpu.alloc(len * dtype.size_in_bytes(), op)?;
        Ok(CudaStorage { block: Some(block), len, dtype, gpu: gpu.clone() })
    }

    /// A fresh storage on the same device.
    pub(crate) fn sibling(&self, len: usize, dtype: DType, op: &'static str) -> crate::Result<Self> {
        Self::uninit(&self.gpu, len, dtype, op)
    }

    /// The device address of element 0 (0 for an empty storage).
    pub(crate) fn ptr(&self) -> u64 {
        self.block.as_ref().map_or(0, |b| b.ptr)
    }

    /// The size of the elements in bytes.
    pub(crate) fn bytes(&self) -> usize {
        self.len * self.dtype.size_in_bytes()
    }

    /// The element type (also `BackendStorage::dtype`, here without the trait in scope).
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// Relabels the elements as another dtype of the same representation (bool as u8 and back).
    pub(crate) fn set_dtype(&mut self, dtype: DType) {
        debug_assert_eq!(dtype.size_in_bytes(), self.dtype.size_in_bytes());
        self.dtype = dtype;
    }

    pub(crate) fn gpu(&self) -> &Arc<Gpu> {
        &self.gpu
    }

    /// Another operand of an op on this storage: a `CudaStorage` on the same GPU, or a device mismatch.
    pub(crate) fn operand<'a>(
        &self,
        other: &'a dyn BackendStorage,
        op: &'static str,
    ) -> Result<&'a CudaStorage> {
        match other.as_any().downcast_ref::<CudaStorage>() {
            Some(s) if s.gpu.device() == self.gpu.device() => Ok(s),
            _ => Err(Error::DeviceMismatch { op, lhs: self.gpu.device(), rhs: other.device() }),
        }
    }
}

impl BackendStorage for CudaStorage {
    fn device(&self) -> Device {
        self.gpu.device()
    }
    fn dtype(&self) -> DType {
        CudaStorage::dtype(self)
    }
    fn len(&self) -> usize {
        self.len
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn to_cpu(&self, layout: &Layout) -> Result<CpuStorage> {
        elementwise::to_cpu(self, layout)
    }
    fn copy_strided(&self, layout: &Layout) -> Result<Box<dyn BackendStorage>> {
        Ok(Box::new(elementwise::copy_strided(self, layout, "contiguous")?))
    }
    fn cast(&self, layout: &Layout, dtype: DType) -> Result<Box<dyn BackendStorage>> {
        Ok(Box::new(elementwise::cast(self, layout, dtype)?))
    }
    fn unary(&self, op: UnaryOp, layout: &Layout) -> Result<Box<dyn BackendStorage>> {
        Ok(Box::new(elementwise::unary(self, op, layout)?))
    }
    fn binary(
        &self,
        op: BinaryOp,
        layout: &Layout,
        rhs: &dyn BackendStorage,
        rhs_layout: &Layout,
    ) -> Result<Box<dyn BackendStorage>> {
        let rhs = self.operand(rhs, op.name())?;
        Ok(Box::new(elementwise::binary(op, self, layout, rhs, rhs_layout)?))
    }
    fn where_cond(
        &self,
        layout: &Layout,
        on_true: &dyn BackendStorage,
        true_layout: &Layout,
        on_false: &dyn BackendStorage,
        false_layout: &Layout,
    ) -> Result<Box<dyn BackendStorage>> {
        let (t, f) = (self.operand(on_true, "where")?, self.operand(on_false, "where")?);
        Ok(Box::new(elementwise::where_cond(self, layout, t, true_layout, f, false_layout)?))
    }
    fn reduce(&self, op: ReduceOp, layout: &Layout, dims: &[usize]) -> Result<Box<dyn BackendStorage>> {
        Ok(Box::new(reduce::reduce(self, op, layout, dims)?))
    }
    fn cumsum(&self, layout: &Layout, dim: usize) -> Result<Box<dyn BackendStorage>> {
        Ok(Box::new(reduce::cumsum(self, layout, dim)?))
    }
    fn matmul(
        &self,
        layout: &Layout,
        rhs: &dyn BackendStorage,
        rhs_layout: &Layout,
    ) -> Result<Box<dyn BackendStorage>> {
        let rhs = self.operand(rhs, "matmul")?;
        Ok(Box::new(matmul::matmul(self, layout, rhs, rhs_layout)?))
    }
    fn index_select(
        &self,
        layout: &Layout,
        indices: &dyn BackendStorage,
        indices_layout: &Layout,
        dim: usize,
    ) -> Result<Box<dyn BackendStorage>> {
        let ids = self.operand(indices, "index_select")?;
        Ok(Box::new(index::index_select(self, layout, ids, indices_layout, dim)?))
    }
    fn gather(
        &self,
        layout: &Layout,
        indices: &dyn BackendStorage,
        indices_layout: &Layout,
        dim: usize,
    ) -> Result<Box<dyn BackendStorage>> {
        let ids = self.operand(indices, "gather")?;
        Ok(Box::new(index::gather(self, layout, ids, indices_layout, dim)?))
    }
    fn scatter_add(
        &mut self,
        layout: &Layout,
        indices: &dyn BackendStorage,
        indices_layout: &Layout,
        src: &dyn BackendStorage,
        src_layout: &Layout,
        dim: usize,
    ) -> Result<()> {
        let (ids, src) = (self.operand(indices, "scatter_add")?, self.operand(src, "scatter_add")?);
        index::scatter_add(self, layout, ids, indices_layout, src, src_layout, dim)
    }
    fn index_add(
        &mut self,
        layout: &Layout,
        indices: &dyn BackendStorage,
        indices_layout: &Layout,
        src: &dyn BackendStorage,
        src_layout: &Layout,
        dim: usize,
    ) -> Result<()> {
        let (ids, src) = (self.operand(indices, "index_add")?, self.operand(src, "index_add")?);
        index::index_add(self, layout, ids, indices_layout, src, src_layout, dim)
    }
    fn copy_from(&mut self, layout: &Layout, src: &dyn BackendStorage, src_layout: &Layout) -> Result<()> {
        let src = self.operand(src, "copy_")?;
        elementwise::copy_into(self, layout, src, src_layout)
    }
    fn binary_inplace(
        &mut self,
        op: BinaryOp,
        layout: &Layout,
        rhs: &dyn BackendStorage,
        rhs_layout: &Layout,
    ) -> Result<()> {
        let rhs = self.operand(rhs, op.name())?;
        elementwise::binary_inplace(op, self, layout, rhs, rhs_layout)
    }
    fn mul_add_inplace(
        &mut self,
        layout: &Layout,
        a: &dyn BackendStorage,
        a_layout: &Layout,
        b: &dyn BackendStorage,
        b_layout: &Layout,
    ) -> Result<()> {
        let (a, b) = (self.operand(a, "mul_add")?, self.operand(b, "mul_add")?);
        elementwise::mul_add_inplace(self, layout, a, a_layout, b, b_layout)
    }
    fn fill(&mut self, layout: &Layout, value: Scalar) -> Result<()> {
        elementwise::fill(self, layout, value)
    }
    fn recycle(&mut self) {
        if let Some(b) = self.block.take() {
            self.gpu.release(b);
        }
    }
}
