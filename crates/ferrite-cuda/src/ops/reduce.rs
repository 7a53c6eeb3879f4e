//! Reductions over any dims and cumsum on the device (kernels/reduce.cu). The layout is permuted
//! so kept dims come first and reduced dims last; one block reduces one output element.

use crate::device::{grid, launch};
use crate::kernels::{self, Module};
use crate::layout::{Strided, collapse};
use crate::storage::CudaStorage;
use cudarc::driver::LaunchConfig;
use ferrite_tensor::op::ReduceOp;
use ferrite_tensor::{DType, Error, Layout, Result, Shape};

/// Most blocks of a reduction launch: the kernel loops over further rows.
const MAX_ROWS_PER_LAUNCH: usize = 1 << 16;

/// The layout of some dims of `l` (in the given order), at `offset`.
fn sub_layout(l: &Layout, dims: &[usize], offset: usize) -> Layout {
    Layout::new(
        Shape::from(dims.iter().map(|&d| l.dims()[d]).collect::<Vec<_>>()),
        dims.iter().map(|&d| l.strides()[d]).collect(),
        offset,
    )
}

pub(crate) fn reduce(s: &CudaStorage, op: ReduceOp, l: &Layout, dims: &[usize]) -> Result<CudaStorage> {
    let name = kernels::reduce_token(op);
    let dtype = s.dtype();
    let is_arg = matches!(op, ReduceOp::ArgMax | ReduceOp::ArgMin);
    if (matches!(op, ReduceOp::Max | ReduceOp::Min) || is_arg) && dims.iter().any(|&d| l.dims()[d] == 0) {
        return Err(Error::InvalidArgument {
            op: name,
            reason: format!("cannot reduce an empty dim of a tensor of shape {}", l.shape()),
        });
    }
    if dtype == DType::Bool {
        return Err(Error::UnsupportedDType { op: name, dtype });
    }
    let kept: Vec<usize> = (0..l.rank()).filter(|d| !dims.contains(d)).collect();
    let outer = sub_layout(l, &kept, l.offset());
    let inner = sub_layout(l, dims, 0);
    let (m, k) = (outer.numel(), inner.numel());
    let out_dtype = if is_arg { DType::I64 } else { dtype };
    if m == 0 {
        return Ok(s.sibling(0, out_dtype, name)?);
    }
    let gpu = s.gpu();
    let [so] = collapse([&outer], name, gpu.device())?;
    let [si] = collapse([&inner], name, gpu.device())?;
    let parts = if is_arg { 1 } else { parts(m, k) };
    if parts == 1 {
        let out = s.sibling(m, out_dtype, name)?;
        launch_rows(s, &out, so, si, m, k, 1, op)?;
        return Ok(out);
    }
    // Few long rows: each is cut into `parts` blocks' worth, whose results are reduced by the same
    // op in a second launch (a fixed order: the result does not depend on timing).
    let partial = s.sibling(m * parts, dtype, name)?;
    launch_rows(s, &partial, so, si, m, k, parts, op)?;
    let out = s.sibling(m, dtype, name)?;
    let (po, pi) = (Strided::with_dims(&[m], &[parts], 0, name, gpu.device())?, Strided::dense(parts));
    launch_rows(&partial, &out, po, pi, m, parts, 1, op)?;
    Ok(out)
}

/// How many parts to cut each of `m` rows of `k` elements into: enough blocks to fill a GPU
/// (about 1024) when rows are few and long, with at least 4096 elements per part.
fn parts(m: usize, k: usize) -> usize {
    const MIN_PART: usize = 4096;
    const TARGET_BLOCKS: usize = 1024;
    if m >= TARGET_BLOCKS / 4 || k < 2 * MIN_PART {
        return 1;
    }
    (TARGET_BLOCKS / m).clamp(1, k / MIN_PART)
}

/// One launch of a reduction kernel: `out[row * parts + part]` for every row and part.
#[allow(clippy::too_many_arguments)]
fn launch_rows(
    x: &CudaStorage,
    out: &CudaStorage,
    so: Strided,
    si: Strided,
    m: usize,
    k: usize,
    parts: usize,
    op: ReduceOp,
) -> Result<()> {
    let name = kernels::reduce_token(op);
    let gpu = x.gpu();
    // A power of two (the tree needs it) between a warp and 256, near the part's length.
    let threads = k.div_ceil(parts).next_power_of_two().clamp(32, 256) as u32;
    let cfg = LaunchConfig {
        grid_dim: ((m * parts).min(MAX_ROWS_PER_LAUNCH) as u32, 1, 1),
        block_dim: (threads, 1, 1),
        shared_mem_bytes: 0,
    };
    let (o, px, m64, k64, parts64) = (out.ptr(), x.ptr(), m as u64, k as u64, parts as u64);
    let kernel = kernels::reduce(op, x.dtype());
    if matches!(op, ReduceOp::ArgMax | ReduceOp::ArgMin) {
        // One pass, whole rows: the arg kernels take no `parts`.
        debug_assert_eq!(parts, 1);
        launch!(gpu, name, Module::Reduce, kernel, cfg; o, px, so, si, m64, k64);
    } else {
        launch!(gpu, name, Module::Reduce, kernel, cfg; o, px, so, si, m64, k64, parts64);
    }
    Ok(())
}

pub(crate) fn cumsum(s: &CudaStorage, l: &Layout, dim: usize) -> Result<CudaStorage> {
    let dtype = s.dtype();
    if dtype == DType::Bool {
        return Err(Error::UnsupportedDType { op: "cumsum", dtype });
    }
    if l.rank() == 0 {
        return crate::ops::elementwise::copy_strided(s, l, "cumsum");
    }
    let numel = l.numel();
    let out = s.sibling(numel, dtype, "cumsum")?;
    if numel == 0 {
        return Ok(out);
    }
    // The scanned dim last: line `L`, element `j` is row-major element `L * n + j` of this view.
    let perm: Vec<usize> = (0..l.rank()).filter(|&d| d != dim).chain([dim]).collect();
    let p = l.permute(&perm)?;
    let gpu = s.gpu();
    let [lx] = collapse([&p], "cumsum", gpu.device())?;
    let n = l.dims()[dim];
    let inner: usize = l.dims()[dim + 1..].iter().product();
    let lines = numel / n;
    let (o, x, lines64, n64, inner64) = (out.ptr(), s.ptr(), lines as u64, n as u64, inner as u64);
    launch!(gpu, "cumsum", Module::Reduce, kernels::typed("cumsum", dtype), grid(lines); o, x, lx, lines64, n64, inner64);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::parts;

    #[test]
    fn only_few_long_rows_are_cut() {
        assert_eq!(parts(1, 1000), 1);
        assert_eq!(parts(1, 1 << 20), 256);
        assert_eq!(parts(1, 1 << 28), 1024);
        assert_eq!(parts(4, 1 << 28), 256);
        assert_eq!(parts(512, 1 << 28), 1);
    }
}
