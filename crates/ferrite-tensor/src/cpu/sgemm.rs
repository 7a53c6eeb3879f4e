//! An f32 matrix product for x86-64 CPUs with AVX2 and FMA but no AVX-512, used for products of
//! 256^3 multiply-adds and more; everything else goes through the `gemm` crate.
//!
//! Why: on such CPUs the `gemm` crate falls behind MKL on large products, and behind this kernel.
//! Measured on an AMD EPYC (Zen 3, AVX2, 2 vCPUs) through `Tensor::matmul`, in one process whose
//! calls alternate with PyTorch's `torch.mm` (MKL), so that both see the same moment of a host
//! whose speed drifts by 30% within seconds; medians of the paired ratios, above 1 faster than
//! MKL, in two runs each:
//!
//! | product | threads | this kernel | `gemm` crate |
//! |---|---|---|---|
//! | 512^3 | 1 | 1.07, 1.12 | 0.93, 1.00 |
//! | 1024^3 | 1 | 1.07, 1.11 | 0.88, 0.86 |
//! | 1024^3, right operand transposed | 1 | 1.04, 0.99 | 0.93, 0.98 |
//! | 2048^3 | 1 | 1.16, 1.09 | 0.93, 0.87 |
//! | 2048^3 | 2 | 1.07, 1.12 | 0.87, 1.06 |
//!
//! The layout is the classic one (Goto, BLIS): a 6x16 register tile (12 of the 16 ymm registers
//! accumulate), the right operand packed in `KC x NC` blocks that stay in L3 and stream through
//! L1 one 16-column panel at a time, the left operand packed in `MC x KC` blocks that stay in L2.
//! Packing takes any strides, so transposed and broadcast views need no copy first.
//!
//! Each output element is summed in the same order whatever the band of rows or columns it was
//! computed in, so a product cut across threads (see `matmul.rs`) gives bitwise the result of one
//! thread.

use std::cell::RefCell;

/// Rows of the register tile.
const MR: usize = 6;
/// Columns of the register tile: two ymm registers of 8 lanes.
const NR: usize = 16;

/// Cache blocking: `mc` rows of the left operand (a multiple of [`MR`]), `kc` of depth, `nc`
/// columns of the right operand (a multiple of [`NR`]).
#[derive(Clone, Copy, Debug)]
struct Blocking {
    mc: usize,
    kc: usize,
    nc: usize,
}

/// A packed left block is 96 KiB (for a 512 KiB L2), a packed right block 1 MiB (for L3), one
/// right panel 16 KiB (for a 32 KiB L1). In a prototype of this kernel at n = 1024 (one and two
/// threads), 72 or 120 rows, 512 depth and 4096 columns were within noise of this or slower.
const BLOCKING: Blocking = Blocking { mc: 96, kc: 256, nc: 1024 };

/// From this many multiply-adds (256^3) a product uses this kernel. Paired with MKL at one thread
/// (two runs each, ratios to MKL, this kernel against the `gemm` crate): n = 256 1.08, 1.04 against
/// 1.06, 1.05; the d2l MLP's products [256, 784] @ [784, 256] (B transposed) 1.04, 1.03 against
/// 1.04, 1.03, [256, 256] @ [256, 784] (A transposed) 1.09, 1.08 against 1.08, 1.05, and
/// [1024, 784] @ [784, 256] 1.11, 1.06 against 1.06, 1.03. Below it the `gemm` crate's smaller
/// tiles win: n = 192 1.03, 1.04 against 1.06, 1.07; n = 128 0.99, 0.99 against 1.05, 1.04.
pub(super) const MIN_FLOPS: usize = 1 << 24;

/// A strided f32 matrix: element `(i, j)` at `ptr + i * rs + j * cs`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Mat {
    pub(super) ptr: *const f32,
    pub(super) rs: isize,
    pub(super) cs: isize,
}

/// Whether this CPU runs the kernel: AVX2 and FMA, and no AVX-512 (where the `gemm` crate's
/// 16-lane kernels are the better choice; not measured here).
pub(super) fn available() -> bool {
    static AVAILABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma")
            && !std::arch::is_x86_feature_detected!("avx512f")
    })
}

/// Whether an `[m, k] @ [k, n]` f32 product goes through this kernel on this CPU.
pub(super) fn chosen(m: usize, n: usize, k: usize) -> bool {
    m.saturating_mul(n).saturating_mul(k) >= MIN_FLOPS && available()
}

/// `c = a @ b` for `a` of `[m, k]` and `b` of `[k, n]`; `c` is dense with rows `ldc` apart.
///
/// # Safety
/// [`chosen`] must have been true on this CPU; `a` and `b` must have every strided element in
/// bounds; `c` must be an `m x n` block (rows `ldc` apart) that nothing else touches meanwhile. It
/// may be uninitialized: every element is written before it is read.
pub(super) unsafe fn sgemm(m: usize, n: usize, k: usize, a: Mat, b: Mat, c: *mut f32, ldc: usize) {
    debug_assert!(available());
    // SAFETY: the caller's contract.
    unsafe { blocked(m, n, k, a, b, c, ldc, BLOCKING) }
}

thread_local! {
    /// Each thread's packing buffers (left, right), kept between calls.
    static PACKED: RefCell<(Vec<f32>, Vec<f32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// A buffer of at least `len` floats from `buf`, its start aligned to a 64-byte cache line.
fn aligned(buf: &mut Vec<f32>, len: usize) -> *mut f32 {
    const LINE: usize = 64 / size_of::<f32>();
    if buf.len() < len + LINE {
        *buf = vec![0.0; len + LINE];
    }
    let skip = buf.as_ptr().align_offset(64).min(LINE);
    buf[skip..].as_mut_ptr()
}

/// [`sgemm`] with the blocking `bl` (the tests use small blocks to cross every edge).
///
/// # Safety
/// As [`sgemm`].
#[allow(clippy::too_many_arguments)]
unsafe fn blocked(m: usize, n: usize, k: usize, a: Mat, b: Mat, c: *mut f32, ldc: usize, bl: Blocking) {
    debug_assert!(k > 0, "the caller writes the zeros of an empty depth");
    // Equal depth blocks (a multiple of the kernel's unrolling) instead of full ones and a short
    // last one, whose every step would cost as much traffic to `c` as a full block's.
    let bl = Blocking { kc: k.div_ceil(k.div_ceil(bl.kc)).next_multiple_of(4), ..bl };
    PACKED.with_borrow_mut(|(left, right)| {
        let pa = aligned(left, bl.mc.min(m).next_multiple_of(MR) * bl.kc.min(k));
        let pb = aligned(right, bl.nc.min(n).next_multiple_of(NR) * bl.kc.min(k));
        for jc in (0..n).step_by(bl.nc) {
            let nc = bl.nc.min(n - jc);
            for pc in (0..k).step_by(bl.kc) {
                let kc = bl.kc.min(k - pc);
                // SAFETY: the offsets stay inside the operands (caller's contract), the buffers
                // hold a whole block, and `c`'s block is this call's to write.
                unsafe {
                    pack::<NR>(kc, nc, at(b, pc, jc), pb);
                    for ic in (0..m).step_by(bl.mc) {
                        let mc = bl.mc.min(m - ic);
                        let a = at(a, ic, pc);
                        pack::<MR>(kc, mc, Mat { rs: a.cs, cs: a.rs, ..a }, pa);
                        macro_block(mc, nc, kc, pa, pb, c.add(ic * ldc + jc), ldc, pc > 0);
                    }
                }
            }
        }
    })
}

/// `x` from its element `(i, j)` on.
///
/// # Safety
/// `(i, j)` must be inside `x`.
unsafe fn at(x: Mat, i: usize, j: usize) -> Mat {
    // SAFETY: the caller's contract.
    Mat { ptr: unsafe { x.ptr.offset(i as isize * x.rs + j as isize * x.cs) }, ..x }
}

/// Packs depth `0..kc` and lanes `0..width` of `x` (lane `j` at depth `p` is element `(p, j)`)
/// into panels of `W` lanes, depth-major within a panel (`panel[p][j]`), the last panel padded
/// with zeros. The right operand's lanes are its columns (`W` = [`NR`]); the left operand's are its
/// rows (`W` = [`MR`], packed as its transpose).
///
/// # Safety
/// `x` must hold the block; `out` must have room for `width.next_multiple_of(W) * kc` floats;
/// [`available`] must be true.
unsafe fn pack<const W: usize>(kc: usize, width: usize, x: Mat, out: *mut f32) {
    for (panel, j0) in (0..width).step_by(W).enumerate() {
        let lanes = W.min(width - j0);
        // SAFETY: depth 0..kc and lanes j0..j0 + lanes are inside `x`; the panel is inside `out`.
        unsafe {
            let o = out.add(panel * W * kc);
            let base = x.ptr.offset(j0 as isize * x.cs);
            if lanes == W && x.cs == 1 {
                // Lanes are dense: one copy per depth step.
                for p in 0..kc {
                    std::ptr::copy_nonoverlapping(base.offset(p as isize * x.rs), o.add(p * W), W);
                }
            } else if lanes == W && x.rs == 1 {
                // Depth is dense: eight steps at a time through a transpose.
                avx2::transpose_panel::<W>(kc, base, x.cs, o);
            } else {
                for p in 0..kc {
                    for j in 0..W {
                        let v =
                            if j < lanes { *base.offset(p as isize * x.rs + j as isize * x.cs) } else { 0.0 };
                        *o.add(p * W + j) = v;
                    }
                }
            }
        }
    }
}

/// `c[0..mc, 0..nc] (+)= packed a @ packed b` over depth `kc`, one register tile at a time; tiles
/// that stick out of `c` go through a scratch tile.
///
/// # Safety
/// The packed blocks must be as [`pack`] leaves them; `c` must be the block's
/// output (rows `ldc` apart), written already when `acc`; [`available`] must be true.
#[allow(clippy::too_many_arguments)]
unsafe fn macro_block(
    mc: usize,
    nc: usize,
    kc: usize,
    pa: *const f32,
    pb: *const f32,
    c: *mut f32,
    ldc: usize,
    acc: bool,
) {
    let mut tile = [0f32; MR * NR];
    for jr in (0..nc).step_by(NR) {
        let cols = NR.min(nc - jr);
        for ir in (0..mc).step_by(MR) {
            let rows = MR.min(mc - ir);
            // SAFETY: the panels are inside the packed blocks; the tile is inside `c`'s block.
            unsafe {
                let (ap, bp, cp) = (pa.add(ir * kc), pb.add(jr * kc), c.add(ir * ldc + jr));
                if rows == MR && cols == NR {
                    avx2::kernel(kc, ap, bp, cp, ldc, acc);
                } else {
                    avx2::kernel(kc, ap, bp, tile.as_mut_ptr(), NR, false);
                    for i in 0..rows {
                        for j in 0..cols {
                            let d = cp.add(i * ldc + j);
                            *d = if acc { *d + tile[i * NR + j] } else { tile[i * NR + j] };
                        }
                    }
                }
            }
        }
    }
}

mod avx2 {
    use super::{MR, NR};
    use std::arch::x86_64::*;

    /// `c[0..MR, 0..NR]` (rows `ldc` apart) `= a_panel @ b_panel`, or `+=` when `acc`, over depth
    /// `kc`.
    ///
    /// The tile's rows of `c` are prefetched first, so their misses overlap the multiply-adds, and
    /// the depth loop is unrolled by four. At n = 1024 and 2048 (one thread, paired with MKL as in
    /// this file's header, six runs), the plain loop gave 0.96-1.01 (median 1.01), with the
    /// prefetch 0.99-1.09 (1.05), with both 1.03-1.10 (1.06).
    ///
    /// # Safety
    /// AVX2 and FMA must be available; the panels must hold `kc` steps; `c` must hold the tile.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn kernel(kc: usize, a: *const f32, b: *const f32, c: *mut f32, ldc: usize, acc: bool) {
        let mut lo = [_mm256_setzero_ps(); MR];
        let mut hi = [_mm256_setzero_ps(); MR];
        for i in 0..MR {
            // A prefetch never faults, so these need no bounds.
            _mm_prefetch::<_MM_HINT_T0>(c.wrapping_add(i * ldc).cast());
            _mm_prefetch::<_MM_HINT_T0>(c.wrapping_add(i * ldc + NR - 1).cast());
        }
        // One depth step: the tile += column p of the a panel times row p of the b panel.
        let mut step = |p: usize| {
            // SAFETY: step p of both panels is inside them (p < kc).
            unsafe {
                let (ap, bp) = (a.add(p * MR), b.add(p * NR));
                let (b0, b1) = (_mm256_loadu_ps(bp), _mm256_loadu_ps(bp.add(8)));
                for i in 0..MR {
                    let ai = _mm256_broadcast_ss(&*ap.add(i));
                    lo[i] = _mm256_fmadd_ps(ai, b0, lo[i]);
                    hi[i] = _mm256_fmadd_ps(ai, b1, hi[i]);
                }
            }
        };
        let mut p = 0;
        while p + 4 <= kc {
            step(p);
            step(p + 1);
            step(p + 2);
            step(p + 3);
            p += 4;
        }
        for p in p..kc {
            step(p);
        }
        for i in 0..MR {
            // SAFETY: row i of the tile is inside `c`.
            unsafe {
                let r = c.add(i * ldc);
                let (l, h) = if acc {
                    (
                        _mm256_add_ps(_mm256_loadu_ps(r), lo[i]),
                        _mm256_add_ps(_mm256_loadu_ps(r.add(8)), hi[i]),
                    )
                } else {
                    (lo[i], hi[i])
                };
                _mm256_storeu_ps(r, l);
                _mm256_storeu_ps(r.add(8), h);
            }
        }
    }

    /// Packs a panel of `W` lanes ([`MR`] or [`NR`]) whose depth is dense (lane `j` at
    /// `base + j * stride`) into `out[p][j]`, eight depth steps and eight lanes at a time through
    /// an 8x8 transpose (the six lanes of an [`MR`] panel with two ignored ones).
    ///
    /// # Safety
    /// AVX2 must be available; the panel's `kc` x `W` elements must be inside the operand and
    /// `out` must hold `kc * W` floats.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn transpose_panel<const W: usize>(
        kc: usize,
        base: *const f32,
        stride: isize,
        out: *mut f32,
    ) {
        debug_assert!(W == MR || W == NR);
        // A six-lane panel's rows are stored whole, eight lanes at a time, each spilling two zeros
        // into the next row, which the next store (or the tail loop) then writes: only the last
        // row of the panel, whose spill would land past its end, needs a masked store. (With a
        // masked store for every row, packing took 13.8% of the d2l MLP's [1024, 784] @
        // [784, 256] product on an AMD EPYC, where that store is microcoded; 7.3% without.)
        let last_row =
            _mm256_setr_epi32(-1, -1, -1, -1, -1, -1, if W > 6 { -1 } else { 0 }, if W > 7 { -1 } else { 0 });
        let mut p = 0;
        while p + 8 <= kc {
            for group in (0..W).step_by(8) {
                // SAFETY: lanes group..group + 8 (those below W) at depth p..p + 8 are inside the
                // panel; rows p..p + 8 of `out` are inside it.
                unsafe {
                    let lane = |j: usize| {
                        let j = group + j;
                        if j < W {
                            _mm256_loadu_ps(base.offset(j as isize * stride + p as isize))
                        } else {
                            _mm256_setzero_ps()
                        }
                    };
                    let rows =
                        transpose8([lane(0), lane(1), lane(2), lane(3), lane(4), lane(5), lane(6), lane(7)]);
                    for (q, row) in rows.into_iter().enumerate() {
                        let to = out.add((p + q) * W + group);
                        if W.is_multiple_of(8) || p + q + 1 < kc {
                            _mm256_storeu_ps(to, row)
                        } else {
                            _mm256_maskstore_ps(to, last_row, row)
                        }
                    }
                }
            }
            p += 8;
        }
        for p in p..kc {
            for j in 0..W {
                // SAFETY: as above, one element at a time for the last depth steps.
                unsafe { *out.add(p * W + j) = *base.offset(j as isize * stride + p as isize) };
            }
        }
    }

    /// The transpose of an 8x8 block held as 8 rows.
    #[target_feature(enable = "avx2")]
    fn transpose8(r: [__m256; 8]) -> [__m256; 8] {
        let t0 = _mm256_unpacklo_ps(r[0], r[1]);
        let t1 = _mm256_unpackhi_ps(r[0], r[1]);
        let t2 = _mm256_unpacklo_ps(r[2], r[3]);
        let t3 = _mm256_unpackhi_ps(r[2], r[3]);
        let t4 = _mm256_unpacklo_ps(r[4], r[5]);
        let t5 = _mm256_unpackhi_ps(r[4], r[5]);
        let t6 = _mm256_unpacklo_ps(r[6], r[7]);
        let t7 = _mm256_unpackhi_ps(r[6], r[7]);
        let u0 = _mm256_shuffle_ps::<0x44>(t0, t2);
        let u1 = _mm256_shuffle_ps::<0xEE>(t0, t2);
        let u2 = _mm256_shuffle_ps::<0x44>(t1, t3);
        let u3 = _mm256_shuffle_ps::<0xEE>(t1, t3);
        let u4 = _mm256_shuffle_ps::<0x44>(t4, t6);
        let u5 = _mm256_shuffle_ps::<0xEE>(t4, t6);
        let u6 = _mm256_shuffle_ps::<0x44>(t5, t7);
        let u7 = _mm256_shuffle_ps::<0xEE>(t5, t7);
        [
            _mm256_permute2f128_ps::<0x20>(u0, u4),
            _mm256_permute2f128_ps::<0x20>(u1, u5),
            _mm256_permute2f128_ps::<0x20>(u2, u6),
            _mm256_permute2f128_ps::<0x20>(u3, u7),
            _mm256_permute2f128_ps::<0x31>(u0, u4),
            _mm256_permute2f128_ps::<0x31>(u1, u5),
            _mm256_permute2f128_ps::<0x31>(u2, u6),
            _mm256_permute2f128_ps::<0x31>(u3, u7),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `a @ b` by the definition, for operands given by strides into `av` and `bv`.
    fn naive(
        m: usize,
        n: usize,
        k: usize,
        av: &[f32],
        a: (isize, isize),
        bv: &[f32],
        b: (isize, isize),
    ) -> Vec<f32> {
        let at = |i: usize, p: usize| av[(i as isize * a.0 + p as isize * a.1) as usize];
        let bt = |p: usize, j: usize| bv[(p as isize * b.0 + j as isize * b.1) as usize];
        (0..m * n).map(|e| (0..k).map(|p| at(e / n, p) * bt(p, e % n)).sum()).collect()
    }

    /// Every packing path (dense rows, dense columns, any stride, ragged panels) and every blocking
    /// edge (several row, depth and column blocks, each ragged), against the definition. The
    /// values are small integers, so every order of summation is exact and the comparison is
    /// bitwise.
    #[test]
    fn blocked_products_match_the_definition() {
        if !available() {
            eprintln!("skipped: this CPU lacks AVX2/FMA or has AVX-512, so the kernel is never chosen");
            return;
        }
        let small = Blocking { mc: 12, kc: 20, nc: 32 };
        for &(m, n, k) in &[(1, 1, 1), (6, 16, 8), (13, 37, 45), (25, 70, 9), (7, 33, 64)] {
            let av: Vec<f32> = (0..m * k * 2).map(|i| (i % 7) as f32 - 3.0).collect();
            let bv: Vec<f32> = (0..k * n * 2).map(|i| (i % 5) as f32 - 2.0).collect();
            // (row stride, column stride): row-major, column-major (a transposed view), and every
            // other column of a wider buffer.
            let a_layouts = [(k as isize, 1), (1, m as isize), (2 * k as isize, 2)];
            let b_layouts = [(n as isize, 1), (1, k as isize), (2 * n as isize, 2)];
            for &al in &a_layouts {
                for &bl in &b_layouts {
                    let want = naive(m, n, k, &av, al, &bv, bl);
                    for blocking in [small, BLOCKING] {
                        let mut got = vec![f32::NAN; m * n];
                        let a = Mat { ptr: av.as_ptr(), rs: al.0, cs: al.1 };
                        let b = Mat { ptr: bv.as_ptr(), rs: bl.0, cs: bl.1 };
                        // SAFETY: the strides stay inside the buffers (twice the dense size);
                        // `got` is m x n.
                        unsafe { blocked(m, n, k, a, b, got.as_mut_ptr(), n, blocking) };
                        assert_eq!(got, want, "m={m} n={n} k={k} a={al:?} b={bl:?} {blocking:?}");
                    }
                }
            }
        }
    }

    /// A dense-depth panel packs to its transpose and writes nothing past its end, for depths
    /// that end on a whole group of eight (the last row's store is then masked) and inside one.
    #[test]
    fn transposed_panels_stay_inside_their_buffer() {
        if !available() {
            eprintln!("skipped: this CPU lacks AVX2/FMA or has AVX-512, so the kernel is never chosen");
            return;
        }
        fn check<const W: usize>() {
            const GUARD: f32 = -7.5;
            for kc in [8, 12, 16, 20] {
                let stride = kc + 3;
                let x: Vec<f32> = (0..W * stride).map(|i| i as f32).collect();
                let mut out = vec![GUARD; kc * W + 8];
                // SAFETY: the panel's W lanes of kc elements are inside `x`; `out` holds kc * W.
                unsafe { avx2::transpose_panel::<W>(kc, x.as_ptr(), stride as isize, out.as_mut_ptr()) };
                for p in 0..kc {
                    for j in 0..W {
                        assert_eq!(out[p * W + j], x[j * stride + p], "W={W} kc={kc} p={p} j={j}");
                    }
                }
                assert!(out[kc * W..].iter().all(|&g| g == GUARD), "W={W} kc={kc}: wrote past the panel");
            }
        }
        check::<MR>();
        check::<NR>();
    }

    #[test]
    fn only_large_products_are_chosen() {
        assert!(!chosen(255, 256, 256));
        assert!(!chosen(128, 128, 128));
        assert_eq!(chosen(256, 256, 256), available());
        assert_eq!(chosen(256, 256, 784), available());
        assert_eq!(chosen(1024, 1024, 1024), available());
        assert!(!chosen(usize::MAX, usize::MAX, 0));
    }
}
