//! Streaming (non-temporal) stores for f32 arithmetic whose result is larger than the last-level
//! cache. Such a result cannot stay in cache for the next op anyway, and written with ordinary
//! stores each of its cache lines is first read from memory (to own the line), so `c = a + b`
//! moves four bytes for every three it needs. Streaming stores skip that read.
//!
//! Measured in a microbenchmark on 16M f32 (64 MiB, twice the 32 MiB L3 of an AMD EPYC, AVX2),
//! interleaved, medians in GB/s of the three logical bytes: one thread 24-28 streamed against
//! 20-21 with ordinary stores (PyTorch's `torch.add(a, b, out=c)`: 19-20); two threads 31-37
//! against 24-29. In `cargo xtask bench`, W4's `add out=` went from 0.87x / 0.97x of PyTorch (1 / 2
//! threads) to 0.99x / 1.05x, in two runs of 7 rounds each.
//!
//! The results are bitwise those of the scalar loops: IEEE addition, subtraction, multiplication
//! and division round the same in a vector lane as in a scalar register.

use super::strided::{PAR_CHUNK, par_fill};
use crate::Layout;
use crate::op::BinaryOp;
use std::mem::MaybeUninit;
use std::sync::OnceLock;

/// Results from this size up are streamed: the largest cache the CPU reports (the `gemm` crate's
/// CPUID reading), but at least [`MIN_STREAM_BYTES`], so a CPU that reports no cache (the crate
/// then assumes 1 MiB) does not stream results that a real last-level cache would hold.
fn stream_from_bytes() -> usize {
    static BYTES: OnceLock<usize> = OnceLock::new();
    *BYTES.get_or_init(|| {
        let llc = gemm_common::cache::CACHE_INFO.iter().map(|c| c.cache_bytes).max().unwrap_or(0);
        llc.max(MIN_STREAM_BYTES)
    })
}

/// The smallest result that is streamed, whatever the CPU reports.
const MIN_STREAM_BYTES: usize = 8 << 20;

/// One streamed kernel: `d[i] = a[i] op b[i]` for `n` elements.
type Kernel = unsafe fn(*mut f32, *const f32, *const f32, usize);

/// The streamed kernel for `op` on `n` elements, when there is one and it pays: an arithmetic op,
/// a result of at least the last-level cache, and a CPU with AVX.
fn kernel(op: BinaryOp, n: usize) -> Option<Kernel> {
    if n * size_of::<f32>() < stream_from_bytes() {
        return None;
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        return match op {
            BinaryOp::Add => Some(avx::stream::<{ avx::ADD }>),
            BinaryOp::Sub => Some(avx::stream::<{ avx::SUB }>),
            BinaryOp::Mul => Some(avx::stream::<{ avx::MUL }>),
            BinaryOp::Div => Some(avx::stream::<{ avx::DIV }>),
            _ => None,
        };
    }
    let _ = op;
    None
}

/// The elements of a dense operand of `n` elements, or `None` for a strided or broadcast one.
fn dense<'a>(v: &'a [f32], l: &Layout, n: usize) -> Option<&'a [f32]> {
    l.contiguous_range().filter(|r| r.len() == n).map(|r| &v[r])
}

/// `a op b` set up for streaming: both operands dense, of one length.
pub(super) struct Streamed<'a> {
    kernel: Kernel,
    a: &'a [f32],
    b: &'a [f32],
}

/// `a[la] op b[lb]` (layouts of one shape) set up for streaming, when `op` has a streamed kernel,
/// the result is large enough and both operands are dense; `None` otherwise.
pub(super) fn streamed<'a>(
    op: BinaryOp,
    a: &'a [f32],
    la: &Layout,
    b: &'a [f32],
    lb: &Layout,
) -> Option<Streamed<'a>> {
    let n = la.numel();
    Some(Streamed { kernel: kernel(op, n)?, a: dense(a, la, n)?, b: dense(b, lb, n)? })
}

impl Streamed<'_> {
    /// The result in a new (pooled) buffer, one part per thread.
    pub(super) fn to_vec(&self) -> Vec<f32> {
        // SAFETY: `fill` writes every element of each part it is given.
        unsafe { super::pool::filled(self.a.len(), PAR_CHUNK, |part, start| self.fill(part, start)) }
    }

    /// The result written over `d`, one part per thread.
    ///
    /// # Panics
    /// When `d` is not of the operands' length (the callers pass the output of their shape).
    pub(super) fn write(&self, d: &mut [f32]) {
        assert_eq!(d.len(), self.a.len(), "a streamed result goes into an output of its length");
        // SAFETY: `MaybeUninit<f32>` has `f32`'s layout, and the kernel only writes valid `f32`s.
        let d = unsafe { &mut *(d as *mut [f32] as *mut [MaybeUninit<f32>]) };
        par_fill(d, PAR_CHUNK, |part, start| self.fill(part, start));
    }

    /// Elements `start..start + part.len()` of the result into `part`.
    fn fill(&self, part: &mut [MaybeUninit<f32>], start: usize) {
        let (a, b) = (&self.a[start..start + part.len()], &self.b[start..start + part.len()]);
        // SAFETY: `kernel` came from `kernel()`, which checked the CPU; the three slices have
        // `part.len()` elements (the ranges above panic otherwise), and `part` is borrowed
        // mutably, so it overlaps neither operand.
        unsafe { (self.kernel)(part.as_mut_ptr().cast(), a.as_ptr(), b.as_ptr(), part.len()) }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx {
    use std::arch::x86_64::*;

    pub const ADD: u8 = 0;
    pub const SUB: u8 = 1;
    pub const MUL: u8 = 2;
    pub const DIV: u8 = 3;

    #[inline(always)]
    fn scalar<const OP: u8>(x: f32, y: f32) -> f32 {
        match OP {
            ADD => x + y,
            SUB => x - y,
            MUL => x * y,
            _ => x / y,
        }
    }

    #[target_feature(enable = "avx")]
    #[inline]
    fn vector<const OP: u8>(x: __m256, y: __m256) -> __m256 {
        match OP {
            ADD => _mm256_add_ps(x, y),
            SUB => _mm256_sub_ps(x, y),
            MUL => _mm256_mul_ps(x, y),
            _ => _mm256_div_ps(x, y),
        }
    }

    /// `d[i] = a[i] op b[i]` for `n` elements: scalar up to `d`'s first 32-byte boundary, then
    /// eight lanes per streaming store, then the scalar tail. The closing fence orders the
    /// streamed stores before whatever the thread does next (signalling the join that ends a
    /// parallel part included), as ordinary stores would be.
    ///
    /// # Safety
    /// The CPU supports AVX; `d`, `a` and `b` are valid for `n` elements and `d` overlaps neither.
    #[target_feature(enable = "avx")]
    pub unsafe fn stream<const OP: u8>(d: *mut f32, a: *const f32, b: *const f32, n: usize) {
        // SAFETY: the caller's contract; every index below is < n, and `d + i` is 32-byte
        // aligned at each streaming store (`head` elements bring it to the boundary, `i` then
        // moves in steps of 8 f32 = 32 bytes).
        unsafe {
            let head = (d.align_offset(32)).min(n);
            for i in 0..head {
                *d.add(i) = scalar::<OP>(*a.add(i), *b.add(i));
            }
            let mut i = head;
            while i + 8 <= n {
                let v = vector::<OP>(_mm256_loadu_ps(a.add(i)), _mm256_loadu_ps(b.add(i)));
                _mm256_stream_ps(d.add(i), v);
                i += 8;
            }
            while i < n {
                *d.add(i) = scalar::<OP>(*a.add(i), *b.add(i));
                i += 1;
            }
            _mm_sfence();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every op on every alignment and length around a vector: the streamed kernel writes what
    /// the scalar loop writes, bit for bit.
    #[test]
    fn kernels_match_the_scalar_loop_at_every_alignment() {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx") {
            let a: Vec<f32> = (0..100).map(|i| (i as f32 - 50.0) * 0.37).collect();
            let b: Vec<f32> = (0..100).map(|i| (i as f32 * 1.3 + 0.1).sin()).collect();
            type Scalar = fn(f32, f32) -> f32;
            let ops: [(Kernel, Scalar); 4] = [
                (avx::stream::<{ avx::ADD }>, |x, y| x + y),
                (avx::stream::<{ avx::SUB }>, |x, y| x - y),
                (avx::stream::<{ avx::MUL }>, |x, y| x * y),
                (avx::stream::<{ avx::DIV }>, |x, y| x / y),
            ];
            for (k, f) in ops {
                for skip in 0..8 {
                    for n in [0, 1, 7, 8, 9, 31, 40, 90] {
                        let mut d = vec![f32::NAN; 100];
                        // SAFETY: AVX was detected; `skip + n <= 98 < 100` for all three slices.
                        unsafe { k(d.as_mut_ptr().add(skip), a[skip..].as_ptr(), b[skip..].as_ptr(), n) };
                        for i in 0..100 {
                            let want = if (skip..skip + n).contains(&i) { f(a[i], b[i]) } else { f32::NAN };
                            assert_eq!(d[i].to_bits(), want.to_bits(), "skip {skip} n {n} element {i}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn only_large_dense_arithmetic_is_streamed() {
        let n = stream_from_bytes() / 4;
        let v: Vec<f32> = (0..n).map(|i| (i % 1000) as f32).collect();
        let dense_l = Layout::contiguous([n]);
        let broadcast = Layout::contiguous([1]).broadcast_to(&[n].into(), "add").unwrap();
        let small = Layout::contiguous([16]);
        assert!(streamed(BinaryOp::Add, &v, &broadcast, &v, &dense_l).is_none());
        assert!(streamed(BinaryOp::Pow, &v, &dense_l, &v, &dense_l).is_none());
        assert!(streamed(BinaryOp::Add, &v, &small, &v, &small).is_none());
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx") {
            let s = streamed(BinaryOp::Mul, &v, &dense_l, &v, &dense_l).expect("large, dense, AVX");
            let want: Vec<f32> = v.iter().map(|x| x * x).collect();
            assert_eq!(s.to_vec(), want);
            let mut d = vec![0.0f32; n];
            s.write(&mut d);
            assert_eq!(d, want);
        }
    }
}
