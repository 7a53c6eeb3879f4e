//! CPU matrix products through the `gemm` crate (run-time SIMD dispatch), or for large f32 products
//! on AVX2 CPUs without AVX-512 through this crate's own kernel (`sgemm.rs`); strided operands,
//! transposed ones included, are passed by stride without a copy. Large products are cut into one
//! band of rows or columns per rayon thread, each a single-threaded call.

use super::{CpuElement, CpuStorage, Num};
use crate::{Error, Layout, Result};
use gemm::Parallelism;
use rayon::prelude::*;
use std::mem::MaybeUninit;

/// Below this many multiply-adds per matrix, threads cost more than they save (measured with two
/// threads: at 2^19, the MLP's [256, 10] products already gain from a split along their long side).
const PAR_FLOPS: usize = 1 << 19;
/// Above this many threads, the `gemm` crate's own two-dimensional partition is used instead of a
/// split along one dim, which packs the shared operand once per part.
const MAX_SPLIT: usize = 4;
/// From this many multiply-adds (2048^3) the `gemm` crate's own partition, which shares the packed
/// right operand between threads, beats one band per thread, which packs it once per band
/// (measured at n = 2048 with two threads: 120-126 against 110-112 GFLOP/s).
const GEMM_OWN_SPLIT_FLOPS: usize = 1 << 33;
/// From this depth and this many multiply-adds (512^3), a product whose operands both have dense
/// rows (nothing to pack, so a band per thread saves no packing) uses the `gemm` crate's own
/// partition (measured with two threads, 8-10 interleaved rounds, medians in GFLOP/s: n = 512 103
/// against 87 for bands, n = 1024 110 against 108). Smaller ones keep bands: the `gemm` crate runs
/// its parts on two pool threads while the caller sleeps, so one of them must be woken (see
/// `warm.rs`), where bands run on the caller and the pool thread kept awake (n = 256, 4
/// interleaved runs: 89-116 against 76-84 GFLOP/s). At n = 512 the crate's partition still held
/// with the worker kept awake (4 interleaved runs: 120-127 against 92-126 GFLOP/s).
const GEMM_OWN_SPLIT_DEPTH: usize = 256;
/// The size from which [`GEMM_OWN_SPLIT_DEPTH`] applies.
const GEMM_OWN_SPLIT_DENSE_FLOPS: usize = 1 << 27;

/// Which kernel computes a product.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kernel {
    /// The `gemm` crate.
    Gemm,
    /// `sgemm.rs` (f32 only).
    #[cfg(target_arch = "x86_64")]
    Own,
}

/// The kernel for an `[m, k] @ [k, n]` product of `T` on this CPU.
fn kernel<T: 'static>(m: usize, n: usize, k: usize) -> Kernel {
    #[cfg(target_arch = "x86_64")]
    if std::any::TypeId::of::<T>() == std::any::TypeId::of::<f32>() && super::sgemm::chosen(m, n, k) {
        return Kernel::Own;
    }
    let _ = (m, n, k);
    Kernel::Gemm
}

#[derive(Clone, Copy)]
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

/// A raw pointer that may cross to a rayon thread: each part of a split product writes its own
/// rows or columns of the output and only reads the operands.
#[derive(Clone, Copy)]
struct SendPtr<T>(*mut T);
// SAFETY: see the type's doc; the parts' output regions are disjoint.
unsafe impl<T> Send for SendPtr<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for SendPtr<T> {}

impl<T> SendPtr<T> {
    /// The pointer (a method, so closures capture the whole `Send` wrapper, not its field).
    fn get(self) -> *mut T {
        self.0
    }
}

/// How a product `[m, k] @ [k, n]` is cut across threads.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Split {
    /// One call on the calling thread.
    None,
    /// `parts` calls, each on a band of rows of the output (and of `a`).
    Rows(usize),
    /// `parts` calls, each on a band of columns of the output (and of `b`).
    Cols(usize),
    /// One call with the `gemm` crate's own threading.
    Gemm,
}

/// Chooses the split of one `[m, k] @ [k, n]` product. The `gemm` crate packs an operand whose rows
/// are not dense (a transposed view, such as a weight in `x @ W.t()`); each part of a split packs
/// its share of the operand it cuts and all of the other, so when one operand needs packing and
/// the depth makes packing matter, cutting that operand packs it once in all. Otherwise the longer
/// side is cut. Measured with two threads on the MLP's and square shapes (see docs/performance.md).
///
/// This crate's kernel packs both operands whatever their strides, so each band packs its share of
/// the operand it cuts and all of the other: the longer side is cut, which packs the least in all.
/// It has no partition of its own, so it is always cut in bands.
fn plan(m: usize, n: usize, k: usize, a: &Operand, b: &Operand, threads: usize, kernel: Kernel) -> Split {
    if threads < 2 || m * n * k < PAR_FLOPS {
        return Split::None;
    }
    let (rows, cols) = (Split::Rows(threads), Split::Cols(threads));
    let wide = 32 * threads;
    let longer = match () {
        _ if m >= n && m >= wide => rows,
        _ if n > m && n >= wide => cols,
        _ => Split::None,
    };
    if kernel != Kernel::Gemm {
        return longer;
    }
    if threads > MAX_SPLIT {
        return Split::Gemm;
    }
    let (pack_a, pack_b) = (a.cs != 1, b.cs != 1);
    let dense_and_deep =
        !pack_a && !pack_b && k >= GEMM_OWN_SPLIT_DEPTH && m * n * k >= GEMM_OWN_SPLIT_DENSE_FLOPS;
    match () {
        _ if m * n * k >= GEMM_OWN_SPLIT_FLOPS || dense_and_deep => Split::Gemm,
        _ if k >= 128 && pack_a && !pack_b && m >= wide => rows,
        _ if k >= 128 && pack_b && !pack_a && n >= wide => cols,
        _ => longer,
    }
}

/// `dst = a @ b` for one `[m, k] @ [k, n]` product with `kernel`, `dst` dense with rows `dst_rs`
/// apart. `par` is the `gemm` crate's threading; this crate's kernel runs on the calling thread.
///
/// # Safety
/// `a` and `b` must point at the first elements of operands whose strided elements are all in
/// bounds, and `dst` at an `m x n` block (rows `dst_rs` apart) that nothing else reads or writes
/// meanwhile; it may be uninitialized. `kernel` must be [`kernel`]'s choice for `T`.
#[allow(clippy::too_many_arguments)]
unsafe fn product<T: Num + 'static>(
    (kernel, par): (Kernel, Parallelism),
    dst: *mut T,
    dst_rs: usize,
    (m, n, k): (usize, usize, usize),
    a: *const T,
    oa: &Operand,
    b: *const T,
    ob: &Operand,
) {
    match kernel {
        // SAFETY: the caller's contract; the kernel only writes `dst` (read_dst = false).
        Kernel::Gemm => unsafe {
            gemm::gemm(
                m,
                n,
                k,
                dst,
                1,
                dst_rs as isize,
                false,
                a,
                oa.cs,
                oa.rs,
                b,
                ob.cs,
                ob.rs,
                T::ZERO,
                T::ONE,
                false,
                false,
                false,
                par,
            )
        },
        #[cfg(target_arch = "x86_64")]
        Kernel::Own => {
            use super::sgemm::{Mat, sgemm};
            debug_assert_eq!(std::any::TypeId::of::<T>(), std::any::TypeId::of::<f32>());
            debug_assert!(matches!(par, Parallelism::None));
            let (a, b) =
                (Mat { ptr: a.cast(), rs: oa.rs, cs: oa.cs }, Mat { ptr: b.cast(), rs: ob.rs, cs: ob.cs });
            // SAFETY: `kernel` chose `Own`, so `T` is f32 and the CPU runs the kernel; the rest is
            // the caller's contract.
            unsafe { sgemm(m, n, k, a, b, dst.cast(), dst_rs) }
        }
    }
}

/// [`product`] with `kernel`, cut across threads as `split` says.
///
/// # Safety
/// As [`product`].
#[allow(clippy::too_many_arguments)]
unsafe fn split_product<T: Num + 'static>(
    dst: *mut T,
    (m, n, k): (usize, usize, usize),
    a: *const T,
    oa: &Operand,
    b: *const T,
    ob: &Operand,
    split: Split,
    kernel: Kernel,
) {
    let (dst, a, b) = (SendPtr(dst), SendPtr(a.cast_mut()), SendPtr(b.cast_mut()));
    let rows = |(r, h): (usize, usize)| {
        // SAFETY: this part writes rows r..r + h of `dst` and reads inside `a` and `b`, which the
        // caller vouches for; the parts' rows are disjoint.
        unsafe {
            let (d, a) = (dst.get().add(r * n), a.get().offset(r as isize * oa.rs));
            product((kernel, Parallelism::None), d, n, (h, n, k), a, oa, b.get(), ob)
        }
    };
    let cols = |(c, w): (usize, usize)| {
        // SAFETY: as above, for columns c..c + w.
        unsafe {
            let (d, b) = (dst.get().add(c), b.get().offset(c as isize * ob.cs));
            product((kernel, Parallelism::None), d, n, (m, w, k), a.get(), oa, b, ob)
        }
    };
    match split {
        Split::None => rows((0, m)),
        // SAFETY: as for `rows`, with the whole output.
        Split::Gemm => super::warm::parallel(|| unsafe {
            product((Kernel::Gemm, Parallelism::Rayon(0)), dst.get(), n, (m, n, k), a.get(), oa, b.get(), ob)
        }),
        Split::Rows(parts) => on_threads(bands(m, parts), rows),
        Split::Cols(parts) => on_threads(bands(n, parts), cols),
    }
}

/// Cuts `0..len` into `parts` bands of whole 16-element blocks (the kernels' register width),
/// the last one ragged: `(start, len)` each.
fn bands(len: usize, parts: usize) -> Vec<(usize, usize)> {
    let step = len.div_ceil(parts).next_multiple_of(16);
    (0..len).step_by(step).map(|s| (s, step.min(len - s))).collect()
}

/// Runs `f` on each band: the first on the calling thread, the others spawned on the rayon pool.
/// The caller works instead of waiting (it is usually not a pool thread: `join` would hand all
/// the work over and sleep), and its half starts while a pool thread wakes up.
fn on_threads(bands: Vec<(usize, usize)>, f: impl Fn((usize, usize)) + Sync) {
    let f = &f;
    super::warm::parallel(|| {
        rayon::in_place_scope(|s| {
            for &band in &bands[1..] {
                s.spawn(move |_| f(band));
            }
            f(bands[0]);
        })
    });
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
    let spare = &mut out.spare_capacity_mut()[..batch * m * n];
    let kernel = kernel::<T>(m, n, k);
    let one_matrix = |dst: &mut [MaybeUninit<T>], i: usize, split: Split| {
        // SAFETY: the layouts were checked by the tensor layer to fit their storages, so every
        // strided element of matrix `i` is in bounds; `dst` is that matrix's dense m x n block.
        unsafe {
            let pa = a.as_ptr().add(oa.offset + i * oa.batch_stride);
            let pb = b.as_ptr().add(ob.offset + i * ob.batch_stride);
            split_product(dst.as_mut_ptr().cast::<T>(), (m, n, k), pa, &oa, pb, &ob, split, kernel)
        }
    };
    let threads = rayon::current_num_threads();
    if batch > 1 && m * n * k < PAR_FLOPS * 4 {
        // Small matrices: one thread per matrix.
        super::warm::parallel(|| {
            spare.par_chunks_mut(m * n).enumerate().for_each(|(i, dst)| one_matrix(dst, i, Split::None))
        });
    } else {
        let split = plan(m, n, k, &oa, &ob, threads, kernel);
        for (i, dst) in spare.chunks_mut(m * n).enumerate() {
            one_matrix(dst, i, split);
        }
    }
    // SAFETY: the kernel wrote all `batch * m * n` elements above (k > 0 here).
    unsafe { out.set_len(batch * m * n) };
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
        (CpuStorage::F32(a), CpuStorage::F32(b)) => CpuStorage::F32(gemm_batched(a, la, b, lb).into()),
        (CpuStorage::F64(a), CpuStorage::F64(b)) => CpuStorage::F64(gemm_batched(a, la, b, lb).into()),
        (CpuStorage::I64(a), CpuStorage::I64(b)) => CpuStorage::I64(naive_batched(a, la, b, lb).into()),
        (CpuStorage::U8(a), CpuStorage::U8(b)) => CpuStorage::U8(naive_batched(a, la, b, lb).into()),
        (a, b) if a.dtype() != b.dtype() => {
            return Err(Error::DTypeMismatch { op: "matmul", expected: a.dtype(), got: b.dtype() });
        }
        (a, _) => return Err(Error::UnsupportedDType { op: "matmul", dtype: a.dtype() }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every split, with ragged bands and transposed operands, against the naive loop (exactly:
    /// small integers in f64 and f32 sum without rounding). The f32 product is large enough for
    /// this crate's own kernel where the CPU runs it.
    #[test]
    fn split_products_match_the_naive_loop() {
        fn check<T: Num + CpuElement + 'static + std::fmt::Debug + From<i8>>(m: usize, n: usize, k: usize) {
            let a: Vec<T> = (0..m * k).map(|i| T::from((i % 7) as i8 - 3)).collect();
            let b: Vec<T> = (0..k * n).map(|i| T::from((i % 5) as i8 - 2)).collect();
            // `a` as a transposed view of a [k, m] buffer, `b` dense.
            let la = Layout::contiguous([1, k, m]).transpose(1, 2);
            let lb = Layout::contiguous([1, k, n]);
            let want = naive_batched(&a, &la, &b, &lb);
            let (oa, ob) = (operand(&la), operand(&lb));
            let kernel = kernel::<T>(m, n, k);
            let splits =
                [Split::None, Split::Gemm, Split::Rows(2), Split::Rows(3), Split::Cols(2), Split::Cols(3)];
            for split in splits {
                let mut got = vec![T::ZERO; m * n];
                // SAFETY: the operands are whole buffers of their layouts; `got` is m x n.
                unsafe {
                    split_product(
                        got.as_mut_ptr(),
                        (m, n, k),
                        a.as_ptr(),
                        &oa,
                        b.as_ptr(),
                        &ob,
                        split,
                        kernel,
                    )
                };
                assert!(got == want, "{split:?} {kernel:?}");
            }
        }
        check::<f64>(70, 45, 33);
        check::<f32>(70, 45, 33);
        check::<f32>(700, 650, 600);
    }

    /// With rounding (values that are not small integers), every band split gives bitwise the
    /// product of one call, as `sgemm.rs` promises for its kernel (where the CPU runs it): each element is summed in the
    /// same order wherever its band starts.
    #[test]
    fn split_products_round_alike() {
        let (m, n, k) = (700, 650, 600);
        let a: Vec<f32> = (0..m * k).map(|i| ((i * 7919) % 1013) as f32 / 97.0 - 5.0).collect();
        let b: Vec<f32> = (0..k * n).map(|i| ((i * 104_729) % 1009) as f32 / 89.0 - 5.0).collect();
        let (la, lb) = (Layout::contiguous([1, m, k]), Layout::contiguous([1, k, n]));
        let (oa, ob) = (operand(&la), operand(&lb));
        let kernel = kernel::<f32>(m, n, k);
        if kernel == Kernel::Gemm {
            eprintln!("skipped: this CPU takes the gemm crate, which does not promise this");
            return;
        }
        let run = |split| {
            let mut got = vec![0f32; m * n];
            // SAFETY: the operands are whole buffers of their layouts; `got` is m x n.
            unsafe {
                split_product(got.as_mut_ptr(), (m, n, k), a.as_ptr(), &oa, b.as_ptr(), &ob, split, kernel)
            };
            got
        };
        let one = run(Split::None);
        for split in [Split::Rows(2), Split::Rows(3), Split::Cols(2), Split::Cols(3)] {
            assert!(run(split) == one, "{split:?} {kernel:?}");
        }
    }

    #[test]
    fn plans_cut_the_operand_that_needs_packing() {
        let dense = |cols: usize| Operand { offset: 0, batch_stride: 0, rs: cols as isize, cs: 1 };
        let transposed = |rows: usize| Operand { offset: 0, batch_stride: 0, rs: 1, cs: rows as isize };
        // x @ W1.t() (the weight is packed): columns; x.t() @ g (x.t() is packed): rows.
        let g = Kernel::Gemm;
        assert_eq!(plan(256, 256, 784, &dense(784), &transposed(784), 2, g), Split::Cols(2));
        assert_eq!(plan(784, 256, 256, &transposed(784), &dense(256), 2, g), Split::Rows(2));
        // A short side is not cut; tiny products are not cut at all.
        assert_eq!(plan(256, 10, 256, &dense(256), &transposed(256), 2, g), Split::Rows(2));
        assert_eq!(plan(16, 16, 16, &dense(16), &dense(16), 2, g), Split::None);
        assert_eq!(plan(256, 256, 784, &dense(784), &transposed(784), 1, g), Split::None);
        // Nothing to pack, deep and large enough: the gemm crate's own partition; shallow or
        // small: bands.
        assert_eq!(plan(512, 512, 512, &dense(512), &dense(512), 2, g), Split::Gemm);
        assert_eq!(plan(256, 256, 256, &dense(256), &dense(256), 2, g), Split::Rows(2));
        assert_eq!(plan(256, 256, 10, &dense(10), &dense(256), 2, g), Split::Rows(2));
        // This crate's kernel has no partition of its own: always bands.
        #[cfg(target_arch = "x86_64")]
        {
            let own = Kernel::Own;
            assert_eq!(plan(1024, 1024, 1024, &dense(1024), &dense(1024), 2, own), Split::Rows(2));
            assert_eq!(plan(1024, 2048, 1024, &dense(1024), &dense(2048), 8, own), Split::Cols(8));
            // The longer side is cut, whichever operand is transposed (x @ W.t() at batch 1024).
            assert_eq!(plan(1024, 256, 784, &dense(784), &transposed(784), 2, own), Split::Rows(2));
        }
    }
}
