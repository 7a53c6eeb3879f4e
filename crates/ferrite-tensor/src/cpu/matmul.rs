//! CPU matrix products through the `gemm` crate (run-time SIMD dispatch, rayon threads); strided
//! operands, transposed ones included, are passed by stride without a copy.

use super::{CpuElement, CpuStorage, Num};
use crate::{Error, Layout, Result};
use gemm::Parallelism;
use rayon::prelude::*;

/// Below this many multiply-adds per matrix, threads cost more than they save.
const PAR_FLOPS: usize = 1 << 18;

struct Operand {
    offset: usize,
    batch_stride: usize,
    rs: isize,
    cs: isize,
}

fn operand(l: &Layout) -> Operand {
    let s = l.strides();
    Operand { offset: l.offset(), batch_stride: s[0], rs: s[1] as isize, cs: s[2] as isize }
}

fn gemm_batched<T: Num + CpuElement + 'static>(a: &[T], la: &Layout, b: &[T], lb: &Layout) -> Vec<T> {
    let (batch, m, k, n) = (la.dims()[0], la.dims()[1], la.dims()[2], lb.dims()[2]);
    let (oa, ob) = (operand(la), operand(lb));
    if m * n * batch == 0 || k == 0 {
        return vec![T::ZERO; batch * m * n];
    }
    // Every element is written by the kernel (read_dst = false), so the buffer need not be zeroed:
    // a reused one skips both the zero pass and the page faults of a fresh allocation.
    let mut out = super::pool::take::<T>(batch * m * n);
    out.resize(batch * m * n, T::ZERO);
    let one_matrix = |dst: &mut [T], i: usize, par: Parallelism| {
        let pa = oa.offset + i * oa.batch_stride;
        let pb = ob.offset + i * ob.batch_stride;
        if k == 0 {
            return;
        }
        // SAFETY: every index the kernel touches lies inside the slices: the layouts were
        // checked by the tensor layer to fit their storages, and `dst` is a dense m x n block.
        unsafe {
            gemm::gemm(
                m,
                n,
                k,
                dst.as_mut_ptr(),
                1,
                n as isize,
                false,
                a.as_ptr().add(pa),
                oa.cs,
                oa.rs,
                b.as_ptr().add(pb),
                ob.cs,
                ob.rs,
                T::ZERO,
                T::ONE,
                false,
                false,
                false,
                par,
            )
        }
    };
    let flops = m * n * k;
    if batch > 1 && flops < PAR_FLOPS * 4 {
        out.par_chunks_mut(m * n).enumerate().for_each(|(i, dst)| one_matrix(dst, i, Parallelism::None));
    } else {
        let par = if flops >= PAR_FLOPS { Parallelism::Rayon(0) } else { Parallelism::None };
        for (i, dst) in out.chunks_mut(m * n).enumerate() {
            one_matrix(dst, i, par);
        }
    }
    out
}

fn naive_batched<T: Num + CpuElement>(a: &[T], la: &Layout, b: &[T], lb: &Layout) -> Vec<T> {
    let (batch, m, k, n) = (la.dims()[0], la.dims()[1], la.dims()[2], lb.dims()[2]);
    let (sa, sb) = (la.strides(), lb.strides());
    let mut out = vec![T::ZERO; batch * m * n];
    for bi in 0..batch {
        for i in 0..m {
            for p in 0..k {
                let x = a[la.offset() + bi * sa[0] + i * sa[1] + p * sa[2]];
                for j in 0..n {
                    let y = b[lb.offset() + bi * sb[0] + p * sb[1] + j * sb[2]];
                    let o = &mut out[(bi * m + i) * n + j];
                    *o = T::add(*o, T::mul(x, y));
                }
            }
        }
    }
    out
}

pub(super) fn matmul(a: &CpuStorage, la: &Layout, b: &CpuStorage, lb: &Layout) -> Result<CpuStorage> {
    Ok(match (a, b) {
        (CpuStorage::F32(a), CpuStorage::F32(b)) => CpuStorage::F32(gemm_batched(a, la, b, lb)),
        (CpuStorage::F64(a), CpuStorage::F64(b)) => CpuStorage::F64(gemm_batched(a, la, b, lb)),
        (CpuStorage::I64(a), CpuStorage::I64(b)) => CpuStorage::I64(naive_batched(a, la, b, lb)),
        (CpuStorage::U8(a), CpuStorage::U8(b)) => CpuStorage::U8(naive_batched(a, la, b, lb)),
        (a, b) if a.dtype() != b.dtype() => {
            return Err(Error::DTypeMismatch { op: "matmul", expected: a.dtype(), got: b.dtype() });
        }
        (a, _) => return Err(Error::UnsupportedDType { op: "matmul", dtype: a.dtype() }),
    })
}
