//! Indexing on the device (kernels/index.cu): index_select and gather, and their adjoints
//! scatter_add and index_add (atomic adds). Shape checks happen here, before any launch; an
//! out-of-bounds index is found by the kernel and reported at the next synchronisation.

use crate::device::{grid, launch};
use crate::kernels::{self, Module};
use crate::layout::{Strided, collapse};
use crate::storage::CudaStorage;
use ferrite_tensor::{DType, Error, Layout, Result};

fn check_indices(ids: &CudaStorage, op: &'static str) -> Result<()> {
    if ids.dtype() != DType::I64 {
        return Err(Error::DTypeMismatch { op, expected: DType::I64, got: ids.dtype() });
    }
    Ok(())
}

/// The dtypes the atomic kernels add (as the CPU: f32, f64, i64), both sides the same.
fn check_accumulable(dst: &CudaStorage, src: &CudaStorage, op: &'static str) -> Result<()> {
    if dst.dtype() != src.dtype() || !matches!(dst.dtype(), DType::F32 | DType::F64 | DType::I64) {
        return Err(Error::DTypeMismatch { op, expected: dst.dtype(), got: src.dtype() });
    }
    Ok(())
}

pub(crate) fn index_select(
    s: &CudaStorage,
    l: &Layout,
    ids: &CudaStorage,
    il: &Layout,
    dim: usize,
) -> Result<CudaStorage> {
    const OP: &str = "index_select";
    check_indices(ids, OP)?;
    let mut dims = l.dims().to_vec();
    dims[dim] = il.numel();
    let n: usize = dims.iter().product();
    let out = s.sibling(n, s.dtype(), OP)?;
    if n == 0 {
        return Ok(out);
    }
    let gpu = s.gpu();
    let ls = Strided::with_dims(&dims, l.strides(), l.offset(), OP, gpu.device())?;
    let [li] = collapse([il], OP, gpu.device())?;
    let (n64, o, src, pi, dim64, size, err) =
        (n as u64, out.ptr(), s.ptr(), ids.ptr(), dim as u64, l.dims()[dim] as u64, gpu.error_word());
    launch!(gpu, OP, Module::Index, kernels::typed(OP, s.dtype()), grid(n); n64, o, src, ls, pi, li, dim64, size, err);
    Ok(out)
}

/// The CPU's checks of gather-like ops (0-d operands become 1-element vectors): same rank, and
/// the index no larger than the source in every dim but `dim`. Returns the (lifted) layouts.
fn gather_layouts(l: &Layout, il: &Layout, dim: usize, op: &'static str) -> Result<(Layout, Layout)> {
    let (l, il) = if l.rank() == 0 && il.rank() == 0 {
        (l.unsqueeze(0), il.unsqueeze(0))
    } else {
        (l.clone(), il.clone())
    };
    if il.rank() != l.rank() || (0..l.rank()).any(|d| d != dim && il.dims()[d] > l.dims()[d]) {
        return Err(Error::ShapeMismatch { op, lhs: l.shape().clone(), rhs: il.shape().clone() });
    }
    Ok((l, il))
}

pub(crate) fn gather(
    s: &CudaStorage,
    l: &Layout,
    ids: &CudaStorage,
    il: &Layout,
    dim: usize,
) -> Result<CudaStorage> {
    const OP: &str = "gather";
    check_indices(ids, OP)?;
    let (l, il) = gather_layouts(l, il, dim, OP)?;
    let n = il.numel();
    let out = s.sibling(n, s.dtype(), OP)?;
    if n == 0 {
        return Ok(out);
    }
    let gpu = s.gpu();
    let ls = Strided::exact(&l, OP, gpu.device())?;
    let li = Strided::exact(&il, OP, gpu.device())?;
    let (n64, o, src, pi, dim64, err) =
        (n as u64, out.ptr(), s.ptr(), ids.ptr(), dim as u64, gpu.error_word());
    launch!(gpu, OP, Module::Index, kernels::typed(OP, s.dtype()), grid(n); n64, o, src, ls, pi, li, dim64, err);
    Ok(out)
}

pub(crate) fn scatter_add(
    dst: &mut CudaStorage,
    l: &Layout,
    ids: &CudaStorage,
    il: &Layout,
    src: &CudaStorage,
    sl: &Layout,
    dim: usize,
) -> Result<()> {
    const OP: &str = "scatter_add";
    check_indices(ids, OP)?;
    check_accumulable(dst, src, OP)?;
    let (l, il) = gather_layouts(l, il, dim, OP)?;
    // The CPU pairs the n-th index with the n-th source element in row-major order.
    if sl.numel() != il.numel() {
        return Err(Error::ShapeMismatch { op: OP, lhs: il.shape().clone(), rhs: sl.shape().clone() });
    }
    let n = il.numel();
    if n == 0 {
        return Ok(());
    }
    let gpu = dst.gpu().clone();
    let ld = Strided::exact(&l, OP, gpu.device())?;
    let li = Strided::exact(&il, OP, gpu.device())?;
    let [ls] = collapse([sl], OP, gpu.device())?;
    let (n64, d, pi, ps, dim64, err) =
        (n as u64, dst.ptr(), ids.ptr(), src.ptr(), dim as u64, gpu.error_word());
    launch!(gpu, OP, Module::Index, kernels::typed(OP, dst.dtype()), grid(n); n64, d, ld, pi, li, ps, ls, dim64, err);
    Ok(())
}

pub(crate) fn index_add(
    dst: &mut CudaStorage,
    l: &Layout,
    ids: &CudaStorage,
    il: &Layout,
    src: &CudaStorage,
    sl: &Layout,
    dim: usize,
) -> Result<()> {
    const OP: &str = "index_add";
    check_indices(ids, OP)?;
    check_accumulable(dst, src, OP)?;
    // Source slice j along dim goes to destination slice ids[j]: the other dims must agree.
    let fits = sl.rank() == l.rank()
        && sl.dims()[dim] == il.numel()
        && (0..l.rank()).all(|d| d == dim || sl.dims()[d] == l.dims()[d]);
    if !fits {
        return Err(Error::ShapeMismatch { op: OP, lhs: l.shape().clone(), rhs: sl.shape().clone() });
    }
    let n = sl.numel();
    if n == 0 {
        return Ok(());
    }
    let gpu = dst.gpu().clone();
    let ld = Strided::exact(l, OP, gpu.device())?;
    let ls = Strided::exact(sl, OP, gpu.device())?;
    let [li] = collapse([il], OP, gpu.device())?;
    let (n64, d, pi, ps, dim64, err) =
        (n as u64, dst.ptr(), ids.ptr(), src.ptr(), dim as u64, gpu.error_word());
    launch!(gpu, OP, Module::Index, kernels::typed(OP, dst.dtype()), grid(n); n64, d, ld, pi, li, ps, ls, dim64, err);
    Ok(())
}
