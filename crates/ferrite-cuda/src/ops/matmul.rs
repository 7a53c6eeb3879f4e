//! Batched matrix products on the device: f32/f64 through cuBLAS `gemm_strided_batched`, with
//! transposed operands passed as transposes (no copy); only a layout cuBLAS cannot describe (no
//! unit stride in either matrix dim) is copied first. Integers run a simple kernel.

use crate::device::{Gemm, grid, launch};
use crate::error::Error as CudaError;
use crate::kernels::{self, Module};
use crate::layout::Strided;
use crate::ops::elementwise::copy_strided;
use crate::storage::CudaStorage;
use ferrite_tensor::{DType, Error, Layout, Result};

/// How cuBLAS (column-major) reads a row-major `[rows, cols]` matrix with strides `(rs, cs)` as
/// its transpose (`cols x rows`): as it lies (`N`: false, leading dim `rs`) when rows are dense,
/// or transposed (`T`: true, leading dim `cs`) when columns are. None when neither.
fn blas_view(rows: usize, cols: usize, rs: usize, cs: usize) -> Option<(bool, usize)> {
    let n_ld = if rows == 1 { cols.max(1) } else { rs };
    if (cs == 1 || cols == 1) && n_ld >= cols.max(1) {
        return Some((false, n_ld));
    }
    let t_ld = if cols == 1 { rows.max(1) } else { cs };
    if (rs == 1 || rows == 1) && t_ld >= rows.max(1) {
        return Some((true, t_ld));
    }
    None
}

/// One cuBLAS operand: the storage to read (the original or a dense copy), its element offset,
/// batch stride, and how cuBLAS reads it.
struct Operand {
    copy: Option<CudaStorage>,
    offset: usize,
    batch_stride: usize,
    transposed: bool,
    ld: usize,
}

fn operand(s: &CudaStorage, l: &Layout) -> Result<Operand> {
    let (b, rows, cols) = (l.dims()[0], l.dims()[1], l.dims()[2]);
    let st = l.strides();
    let batch_stride = if b == 1 { 0 } else { st[0] };
    if let Some((transposed, ld)) = blas_view(rows, cols, st[1], st[2]) {
        return Ok(Operand { copy: None, offset: l.offset(), batch_stride, transposed, ld });
    }
    // No unit stride in either matrix dim: cuBLAS cannot read it, so make it dense.
    let dense = copy_strided(s, l, "matmul")?;
    Ok(Operand {
        copy: Some(dense),
        offset: 0,
        batch_stride: rows * cols,
        transposed: false,
        ld: cols.max(1),
    })
}

fn int32(v: usize, what: &str, s: &CudaStorage) -> Result<i32> {
    i32::try_from(v).map_err(|_| {
        Error::from(CudaError::Layout {
            op: "matmul",
            device: s.gpu().device(),
            reason: format!("{what} = {v} does not fit cuBLAS's 32-bit sizes"),
        })
    })
}

pub(crate) fn matmul(a: &CudaStorage, la: &Layout, b: &CudaStorage, lb: &Layout) -> Result<CudaStorage> {
    let dtype = a.dtype();
    if b.dtype() != dtype {
        return Err(Error::DTypeMismatch { op: "matmul", expected: dtype, got: b.dtype() });
    }
    let (batch, m, k, n) = (la.dims()[0], la.dims()[1], la.dims()[2], lb.dims()[2]);
    let out = a.sibling(batch * m * n, dtype, "matmul")?;
    if batch * m * n == 0 {
        return Ok(out);
    }
    let gpu = a.gpu();
    match dtype {
        DType::I64 | DType::U8 => {
            let sa = Strided::exact(la, "matmul", gpu.device())?;
            let sb = Strided::exact(lb, "matmul", gpu.device())?;
            let (o, pa, pb) = (out.ptr(), a.ptr(), b.ptr());
            let (b64, m64, n64, k64) = (batch as u64, m as u64, n as u64, k as u64);
            launch!(gpu, "matmul", Module::Matmul, kernels::typed("matmul", dtype), grid(batch * m * n);
                o, pa, sa, pb, sb, b64, m64, n64, k64);
            return Ok(out);
        }
        DType::F32 | DType::F64 => {}
        DType::Bool => return Err(Error::UnsupportedDType { op: "matmul", dtype }),
    }
    if k == 0 {
        gpu.memset_zero(out.ptr(), out.bytes(), "matmul")?;
        return Ok(out);
    }
    let (oa, ob) = (operand(a, la)?, operand(b, lb)?);
    let size = dtype.size_in_bytes();
    let base = |s: &CudaStorage, o: &Operand| {
        o.copy.as_ref().map_or(s.ptr(), |c| c.ptr()) + (o.offset * size) as u64
    };
    // Row-major C = A B is column-major C^T = B^T A^T: cuBLAS's first operand is our `b`.
    let gemm = Gemm {
        transa: ob.transposed,
        transb: oa.transposed,
        m: int32(n, "n", a)?,
        n: int32(m, "m", a)?,
        k: int32(k, "k", a)?,
        a: base(b, &ob),
        lda: int32(ob.ld, "ld(b)", a)?,
        stride_a: ob.batch_stride as i64,
        b: base(a, &oa),
        ldb: int32(oa.ld, "ld(a)", a)?,
        stride_b: oa.batch_stride as i64,
        c: out.ptr(),
        ldc: int32(n, "n", a)?,
        stride_c: (m * n) as i64,
        batch: int32(batch, "batch", a)?,
    };
    gpu.gemm(dtype, &gemm, "matmul")?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operands_are_read_as_they_lie_or_transposed() {
        // A dense [3, 4] matrix: N with ld 4; its transpose view ([4, 3], strides (1, 4)): T with ld 4.
        assert_eq!(blas_view(3, 4, 4, 1), Some((false, 4)));
        assert_eq!(blas_view(4, 3, 1, 4), Some((true, 4)));
        // A column slice of a wider matrix keeps its row stride as the leading dim.
        assert_eq!(blas_view(3, 2, 10, 1), Some((false, 10)));
        // Vectors: any stride of a size-1 dim is ignored.
        assert_eq!(blas_view(1, 5, 0, 1), Some((false, 5)));
        assert_eq!(blas_view(5, 1, 1, 0), Some((false, 1)));
        assert_eq!(blas_view(5, 1, 0, 7), None);
        // Every other element of both dims: no unit stride, so it is copied.
        assert_eq!(blas_view(3, 4, 8, 2), None);
        // A broadcast row (stride 0 over rows) cannot be a leading dim.
        assert_eq!(blas_view(3, 4, 0, 1), None);
    }
}
