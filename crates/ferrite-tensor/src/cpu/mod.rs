//! The CPU backend: storages are `Vec`s (or read-only windows on a file mapping, see [`Buffer`]),
//! kernels are generic strided loops (rayon above a size threshold) and matmul goes through the
//! `gemm` crate, which picks SIMD at run time, or for large f32 products on AVX2 CPUs through
//! `sgemm.rs`.

mod buffer;
mod bytes;
mod elementwise;
mod index;
mod inplace;
mod matmul;
mod num;
mod pool;
mod reduce;
#[cfg(target_arch = "x86_64")]
mod sgemm;
mod stream;
mod strided;
mod warm;

pub use buffer::{Buffer, Plain, SharedBytes};
pub use num::{Float, Num};

use crate::backend::{BackendStorage, DeviceBackend};
use crate::op::{BinaryOp, ReduceOp, UnaryOp};
use crate::{DType, Device, Element, Error, Layout, Result, Scalar, Shape};
use std::any::Any;

/// Elements in host memory, one variant per dtype.
#[derive(Clone, Debug, PartialEq)]
pub enum CpuStorage {
    /// `bool` elements.
    Bool(Buffer<bool>),
    /// `u8` elements.
    U8(Buffer<u8>),
    /// `i64` elements.
    I64(Buffer<i64>),
    /// `f32` elements.
    F32(Buffer<f32>),
    /// `f64` elements.
    F64(Buffer<f64>),
}

/// Runs `$body` with `$v` bound to the inner `Vec` of whichever dtype `$s` holds.
#[macro_export]
#[doc(hidden)]
macro_rules! with_cpu {
    ($s:expr, $v:ident => $body:expr) => {
        match $s {
            $crate::cpu::CpuStorage::Bool($v) => $body,
            $crate::cpu::CpuStorage::U8($v) => $body,
            $crate::cpu::CpuStorage::I64($v) => $body,
            $crate::cpu::CpuStorage::F32($v) => $body,
            $crate::cpu::CpuStorage::F64($v) => $body,
        }
    };
}

/// Like [`with_cpu!`] but rebuilds a `CpuStorage` of the same dtype from `$body`'s `Vec`.
macro_rules! map_cpu {
    ($s:expr, $v:ident => $body:expr) => {
        match $s {
            CpuStorage::Bool($v) => CpuStorage::Bool(Buffer::from($body)),
            CpuStorage::U8($v) => CpuStorage::U8(Buffer::from($body)),
            CpuStorage::I64($v) => CpuStorage::I64(Buffer::from($body)),
            CpuStorage::F32($v) => CpuStorage::F32(Buffer::from($body)),
            CpuStorage::F64($v) => CpuStorage::F64(Buffer::from($body)),
        }
    };
}

/// A Rust element type with a `CpuStorage` variant.
pub trait CpuElement: Element {
    /// Wraps a `Vec` of this type.
    fn wrap(v: Vec<Self>) -> CpuStorage;
    /// The elements, if the storage holds this type.
    fn slice(s: &CpuStorage) -> Option<&[Self]>;
    /// Mutable access, if the storage holds this type.
    fn slice_mut(s: &mut CpuStorage) -> Option<&mut Buffer<Self>>;
}

macro_rules! cpu_element {
    ($t:ty, $v:ident) => {
        impl CpuElement for $t {
            fn wrap(v: Vec<Self>) -> CpuStorage {
                CpuStorage::$v(v.into())
            }
            fn slice(s: &CpuStorage) -> Option<&[Self]> {
                match s {
                    CpuStorage::$v(v) => Some(v),
                    _ => None,
                }
            }
            fn slice_mut(s: &mut CpuStorage) -> Option<&mut Buffer<Self>> {
                match s {
                    CpuStorage::$v(v) => Some(v),
                    _ => None,
                }
            }
        }
    };
}
cpu_element!(bool, Bool);
cpu_element!(u8, U8);
cpu_element!(i64, I64);
cpu_element!(f32, F32);
cpu_element!(f64, F64);

impl<T: CpuElement> From<Vec<T>> for CpuStorage {
    /// The storage of `T` holding `v`.
    fn from(v: Vec<T>) -> Self {
        T::wrap(v)
    }
}

impl CpuStorage {
    /// `n` zeros of `dtype`.
    pub fn zeros(n: usize, dtype: DType) -> Self {
        match dtype {
            DType::Bool => CpuStorage::Bool(vec![false; n].into()),
            DType::U8 => CpuStorage::U8(vec![0; n].into()),
            DType::I64 => CpuStorage::I64(vec![0; n].into()),
            DType::F32 => CpuStorage::F32(vec![0.0; n].into()),
            DType::F64 => CpuStorage::F64(vec![0.0; n].into()),
        }
    }

    /// The dtype held.
    pub fn dtype(&self) -> DType {
        match self {
            CpuStorage::Bool(_) => DType::Bool,
            CpuStorage::U8(_) => DType::U8,
            CpuStorage::I64(_) => DType::I64,
            CpuStorage::F32(_) => DType::F32,
            CpuStorage::F64(_) => DType::F64,
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        with_cpu!(self, v => v.len())
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every element as f64, in storage order.
    pub fn to_f64_vec(&self) -> Vec<f64> {
        with_cpu!(self, v => v.iter().map(|x| x.to_f64()).collect())
    }

    /// Element `i` as f64.
    pub fn get_f64(&self, i: usize) -> f64 {
        with_cpu!(self, v => v[i].to_f64())
    }

    /// Element `i` as i64.
    pub fn get_i64(&self, i: usize) -> i64 {
        with_cpu!(self, v => v[i].to_i64())
    }

    /// The data as a slice of `T`, or a dtype error naming `op`.
    pub fn as_slice<T: CpuElement>(&self, op: &'static str) -> Result<&[T]> {
        T::slice(self).ok_or(Error::DTypeMismatch { op, expected: T::DTYPE, got: self.dtype() })
    }
}

/// Which kernels compute f32 matrix products on this CPU, in words (for benchmark reports).
///
/// ```
/// assert!(ferrite_tensor::cpu::matmul_kernels().starts_with("gemm crate"));
/// ```
pub fn matmul_kernels() -> String {
    #[cfg(target_arch = "x86_64")]
    if sgemm::available() {
        let from = sgemm::MIN_FLOPS.ilog2();
        return format!("gemm crate; own AVX2 kernel for f32 products of 2^{from} multiply-adds and more");
    }
    "gemm crate".into()
}

/// Downcasts another operand to a CPU storage, or reports the device mismatch.
pub(crate) fn cpu_of<'a>(s: &'a dyn BackendStorage, op: &'static str) -> Result<&'a CpuStorage> {
    s.as_any().downcast_ref::<CpuStorage>().ok_or(Error::DeviceMismatch {
        op,
        lhs: Device::Cpu,
        rhs: s.device(),
    })
}

/// An i64 index operand, checked.
pub(crate) fn indices_of<'a>(s: &'a dyn BackendStorage, op: &'static str) -> Result<&'a [i64]> {
    cpu_of(s, op)?.as_slice::<i64>(op)
}

impl BackendStorage for CpuStorage {
    fn device(&self) -> Device {
        Device::Cpu
    }
    fn dtype(&self) -> DType {
        CpuStorage::dtype(self)
    }
    fn len(&self) -> usize {
        CpuStorage::len(self)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn to_cpu(&self, layout: &Layout) -> Result<CpuStorage> {
        Ok(self.strided_copy(layout))
    }
    fn copy_strided(&self, layout: &Layout) -> Result<Box<dyn BackendStorage>> {
        Ok(Box::new(self.strided_copy(layout)))
    }
    fn cast(&self, layout: &Layout, dtype: DType) -> Result<Box<dyn BackendStorage>> {
        Ok(Box::new(elementwise::cast(self, layout, dtype)))
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
        let rhs = cpu_of(rhs, op.name())?;
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
        let (t, f) = (cpu_of(on_true, "where")?, cpu_of(on_false, "where")?);
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
        let rhs = cpu_of(rhs, "matmul")?;
        Ok(Box::new(matmul::matmul(self, layout, rhs, rhs_layout)?))
    }
    fn index_select(
        &self,
        layout: &Layout,
        indices: &dyn BackendStorage,
        indices_layout: &Layout,
        dim: usize,
    ) -> Result<Box<dyn BackendStorage>> {
        let ids = indices_of(indices, "index_select")?;
        Ok(Box::new(index::index_select(self, layout, ids, indices_layout, dim)?))
    }
    fn gather(
        &self,
        layout: &Layout,
        indices: &dyn BackendStorage,
        indices_layout: &Layout,
        dim: usize,
    ) -> Result<Box<dyn BackendStorage>> {
        let ids = indices_of(indices, "gather")?;
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
        let ids = indices_of(indices, "scatter_add")?;
        let src = cpu_of(src, "scatter_add")?;
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
        let ids = indices_of(indices, "index_add")?;
        let src = cpu_of(src, "index_add")?;
        index::index_add(self, layout, ids, indices_layout, src, src_layout, dim)
    }
    fn copy_from(&mut self, layout: &Layout, src: &dyn BackendStorage, src_layout: &Layout) -> Result<()> {
        let src = cpu_of(src, "copy_")?;
        elementwise::copy_into(self, layout, src, src_layout)
    }
    fn binary_inplace(
        &mut self,
        op: BinaryOp,
        layout: &Layout,
        rhs: &dyn BackendStorage,
        rhs_layout: &Layout,
    ) -> Result<()> {
        let rhs = cpu_of(rhs, op.name())?;
        inplace::binary_inplace(op, self, layout, rhs, rhs_layout)
    }
    fn binary_into(
        &mut self,
        op: BinaryOp,
        layout: &Layout,
        lhs: &dyn BackendStorage,
        lhs_layout: &Layout,
        rhs: &dyn BackendStorage,
        rhs_layout: &Layout,
    ) -> Result<()> {
        let (lhs, rhs) = (cpu_of(lhs, op.name())?, cpu_of(rhs, op.name())?);
        inplace::binary_into(op, self, layout, lhs, lhs_layout, rhs, rhs_layout)
    }
    fn mul_add_inplace(
        &mut self,
        layout: &Layout,
        a: &dyn BackendStorage,
        a_layout: &Layout,
        b: &dyn BackendStorage,
        b_layout: &Layout,
    ) -> Result<()> {
        let (a, b) = (cpu_of(a, "mul_add")?, cpu_of(b, "mul_add")?);
        inplace::mul_add_inplace(self, layout, a, a_layout, b, b_layout)
    }
    fn fill(&mut self, layout: &Layout, value: Scalar) -> Result<()> {
        elementwise::fill(self, layout, value);
        Ok(())
    }
    fn recycle(&mut self) {
        match self {
            CpuStorage::F32(v) => v.take_owned().map_or((), pool::give),
            CpuStorage::F64(v) => v.take_owned().map_or((), pool::give),
            CpuStorage::I64(v) => v.take_owned().map_or((), pool::give),
            _ => {}
        }
    }
}

impl CpuStorage {
    /// A contiguous copy of a strided view.
    pub fn strided_copy(&self, layout: &Layout) -> CpuStorage {
        if let Some(r) = layout.contiguous_range() {
            // Into a pooled buffer: a fresh weight-sized one would fault in every page.
            return map_cpu!(self, v => {
                let mut out = pool::take(r.len());
                out.extend_from_slice(&v[r]);
                out
            });
        }
        map_cpu!(self, v => strided::map1(v, layout, |x| x))
    }
}

/// The CPU as a [`DeviceBackend`].
pub struct CpuDevice;

impl DeviceBackend for CpuDevice {
    fn device(&self) -> Device {
        Device::Cpu
    }
    fn zeros(&self, shape: &Shape, dtype: DType) -> Result<Box<dyn BackendStorage>> {
        Ok(Box::new(CpuStorage::zeros(shape.numel(), dtype)))
    }
    fn upload(&self, data: &CpuStorage) -> Result<Box<dyn BackendStorage>> {
        Ok(Box::new(data.clone()))
    }
    fn synchronize(&self) -> Result<()> {
        Ok(())
    }
}
