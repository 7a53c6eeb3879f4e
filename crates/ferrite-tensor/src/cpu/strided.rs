//! Generic strided loops: map one, two or three strided inputs to a fresh contiguous output,
//! with a contiguous fast path and rayon above a size threshold.
//!
//! The general path collapses adjacent dims that are contiguous in every operand, then walks
//! rows: an outer index decoded once per row and an inner loop with a fixed stride per operand.

use super::pool::{filled, take};
use crate::Layout;
use rayon::prelude::*;

/// Elements per parallel task. Elementwise loops of at most one chunk stay on the calling thread
/// (reductions: below two): measured at two threads, a pool thread idle between the ops of a
/// training step takes some 25 us to wake, which a loop of ~100K elements does not repay.
pub(crate) const PAR_CHUNK: usize = 1 << 17;

/// Dims and per-operand strides after merging dims that are contiguous in every operand.
pub(crate) struct Collapsed<const N: usize> {
    pub dims: Vec<usize>,
    pub strides: [Vec<usize>; N],
    pub offsets: [usize; N],
}

pub(crate) fn collapse<const N: usize>(layouts: [&Layout; N]) -> Collapsed<N> {
    let shape = layouts[0].dims();
    let mut dims: Vec<usize> = Vec::with_capacity(shape.len());
    let mut strides: [Vec<usize>; N] = std::array::from_fn(|_| Vec::with_capacity(shape.len()));
    for (d, &size) in shape.iter().enumerate() {
        if size == 1 {
            continue;
        }
        let mergeable = !dims.is_empty()
            && (0..N).all(|o| {
                let prev = *strides[o].last().unwrap_or(&0);
                prev == layouts[o].strides()[d] * size
            });
        if mergeable {
            *dims.last_mut().expect("non-empty") *= size;
            for (o, s) in strides.iter_mut().enumerate() {
                *s.last_mut().expect("non-empty") = layouts[o].strides()[d];
            }
        } else {
            dims.push(size);
            for (o, s) in strides.iter_mut().enumerate() {
                s.push(layouts[o].strides()[d]);
            }
        }
    }
    if dims.is_empty() {
        dims.push(1);
        for s in strides.iter_mut() {
            s.push(1);
        }
    }
    Collapsed { dims, strides, offsets: std::array::from_fn(|o| layouts[o].offset()) }
}

impl<const N: usize> Collapsed<N> {
    /// Storage offsets of row `row`'s first element (a row is the last collapsed dim).
    #[inline]
    pub fn row_offsets(&self, mut row: usize) -> [usize; N] {
        let mut off = self.offsets;
        for d in (0..self.dims.len() - 1).rev() {
            let i = row % self.dims[d];
            row /= self.dims[d];
            for (o, off) in off.iter_mut().enumerate() {
                *off += i * self.strides[o][d];
            }
        }
        off
    }

    pub fn inner(&self) -> usize {
        *self.dims.last().expect("collapsed dims are non-empty")
    }

    pub fn inner_strides(&self) -> [usize; N] {
        std::array::from_fn(|o| *self.strides[o].last().expect("non-empty"))
    }
}

/// True when a loop over `n` elements is worth splitting across threads: it is large and there is
/// more than one thread (handing work to a one-thread pool only adds a cross-thread wake-up).
#[inline]
pub(crate) fn worth_parallel(n: usize) -> bool {
    n >= 2 * PAR_CHUNK && rayon::current_num_threads() > 1
}

/// Runs `body(out_part, first_index)` over `out` in parallel parts of whole `chunk`s when it is
/// large (see [`par_fill_from`]).
#[inline]
pub(crate) fn par_fill<O: Send>(out: &mut [O], chunk: usize, body: impl Fn(&mut [O], usize) + Sync) {
    par_fill_from(out, chunk, PAR_CHUNK + 1, body)
}

/// [`par_fill`] from `min_len` elements up (work heavier than a copy pays for threads sooner).
///
/// Called from outside the rayon pool (the user's thread, the usual case), it cuts `out` into one
/// part per thread, runs the first itself and spawns the others: the caller works instead of
/// sleeping until the pool is done, as `par_chunks_mut` would have it, and its part starts while
/// a pool thread wakes up. Inside the pool, rayon's work stealing splits the chunks.
pub(crate) fn par_fill_from<O: Send>(
    out: &mut [O],
    chunk: usize,
    min_len: usize,
    body: impl Fn(&mut [O], usize) + Sync,
) {
    let threads = rayon::current_num_threads();
    if out.len() < min_len || threads < 2 || chunk == 0 {
        body(out, 0);
        return;
    }
    if rayon::current_thread_index().is_some() {
        out.par_chunks_mut(chunk).enumerate().for_each(|(c, part)| body(part, c * chunk));
        return;
    }
    let per = out.len().div_ceil(chunk).div_ceil(threads) * chunk;
    let body = &body;
    super::warm::parallel(|| {
        rayon::in_place_scope(|s| {
            let mut parts = out.chunks_mut(per).enumerate();
            let first = parts.next();
            for (i, part) in parts {
                s.spawn(move |_| body(part, i * per));
            }
            if let Some((_, part)) = first {
                body(part, 0);
            }
        })
    });
}

/// `out[i] = f(a[i])` over a strided layout.
pub(crate) fn map1<A: Copy + Sync, O: Copy + Send + 'static>(
    a: &[A],
    la: &Layout,
    f: impl Fn(A) -> O + Sync,
) -> Vec<O> {
    let n = la.numel();
    if let Some(r) = la.contiguous_range() {
        let a = &a[r];
        // SAFETY: each chunk's elements are all written.
        return unsafe {
            filled(n, PAR_CHUNK, |o, s| {
                for (o, &x) in o.iter_mut().zip(&a[s..]) {
                    o.write(f(x));
                }
            })
        };
    }
    let c = collapse([la]);
    let inner = c.inner();
    let [sa] = c.inner_strides();
    let nd = c.dims.len();
    if nd >= 2 && sa > 1 && c.strides[0][nd - 2] == 1 {
        return transposed_map(a, &c, f);
    }
    // SAFETY: rows_fill covers every element with whole rows, each written entirely.
    unsafe {
        filled(n, row_chunk(inner), |o, s| {
            rows_fill(o, s, inner, |row, o| {
                let [oa] = c.row_offsets(row);
                for (j, o) in o.iter_mut().enumerate() {
                    o.write(f(a[oa + j * sa]));
                }
            })
        })
    }
}

/// Side of the square tiles of [`transposed_map`]: an 8 x 8 tile of f32 is one 32-byte run per
/// row each way, and small enough to stay in registers.
const TILE: usize = 8;

/// [`map1`] of a layout whose last two dims are transposed (the last strided, the one before it
/// dense), as `x.t().contiguous()` or a gradient through a transpose. It goes tile by tile: each
/// tile reads `TILE` dense runs of the source and writes `TILE` dense runs of the output, where a
/// row-by-row walk reads one element per cache line.
fn transposed_map<A: Copy + Sync, O: Copy + Send + 'static>(
    a: &[A],
    c: &Collapsed<1>,
    f: impl Fn(A) -> O + Sync,
) -> Vec<O> {
    let nd = c.dims.len();
    let (rows, inner) = (c.dims[nd - 2], c.inner());
    let [sa] = c.inner_strides();
    let n: usize = c.dims.iter().product();
    // Parallel chunks of whole bands of TILE rows, from fewer elements than a plain map: a
    // transposing copy costs more per element, and its source is often still in the caches of the
    // pool threads that computed it (a weight gradient from a split matrix product).
    let chunk = (PAR_CHUNK / 2 / (TILE * inner)).max(1) * TILE * inner;
    let mut out = take::<O>(n);
    par_fill_from(&mut out.spare_capacity_mut()[..n], chunk, PAR_CHUNK, |o, s| {
        let (first, end) = (s / inner, (s + o.len()) / inner);
        let mut row = first;
        while row < end {
            // A band of rows within one matrix: consecutive rows are consecutive in `a`.
            let h = (rows - row % rows).min(TILE).min(end - row);
            let [base] = c.row_offsets(row);
            let band = &mut o[(row - first) * inner..(row - first + h) * inner];
            let mut j = 0;
            if h == TILE {
                while j + TILE <= inner {
                    // Element (r, j + q) of the band is a[base + r + (j + q) * sa].
                    let tile: [[A; TILE]; TILE] = std::array::from_fn(|q| {
                        let run = &a[base + (j + q) * sa..][..TILE];
                        std::array::from_fn(|r| run[r])
                    });
                    for r in 0..TILE {
                        let out = &mut band[r * inner + j..][..TILE];
                        for (q, o) in out.iter_mut().enumerate() {
                            o.write(f(tile[q][r]));
                        }
                    }
                    j += TILE;
                }
            }
            // The ragged edge: columns past the last whole tile, or a short band.
            for j in j..inner {
                let run = &a[base + j * sa..][..h];
                for (r, &x) in run.iter().enumerate() {
                    band[r * inner + j].write(f(x));
                }
            }
            row += h;
        }
    });
    // SAFETY: the parts cover all `n` elements in whole rows, and the loop above writes every
    // element of every row it is given.
    unsafe { out.set_len(n) };
    out
}

/// `out[i] = f(a[i], b[i])` over two strided layouts of one shape.
pub(crate) fn map2<A: Copy + Sync, B: Copy + Sync, O: Copy + Send + 'static>(
    a: &[A],
    la: &Layout,
    b: &[B],
    lb: &Layout,
    f: impl Fn(A, B) -> O + Sync,
) -> Vec<O> {
    let n = la.numel();
    if let (Some(ra), Some(rb)) = (la.contiguous_range(), lb.contiguous_range()) {
        let (a, b) = (&a[ra], &b[rb]);
        // SAFETY: each chunk's elements are all written (a and b have n elements).
        return unsafe {
            filled(n, PAR_CHUNK, |o, s| {
                for ((o, &x), &y) in o.iter_mut().zip(&a[s..]).zip(&b[s..]) {
                    o.write(f(x, y));
                }
            })
        };
    }
    if let (Some(ra), true) = (la.contiguous_range(), lb.strides().iter().all(|&s| s == 0)) {
        let (a, y) = (&a[ra], b[lb.offset()]);
        // SAFETY: as above.
        return unsafe {
            filled(n, PAR_CHUNK, |o, s| {
                for (o, &x) in o.iter_mut().zip(&a[s..]) {
                    o.write(f(x, y));
                }
            })
        };
    }
    let c = collapse([la, lb]);
    let inner = c.inner();
    let [sa, sb] = c.inner_strides();
    // SAFETY: rows_fill covers every element with whole rows, each written entirely.
    unsafe {
        filled(n, row_chunk(inner), |o, s| {
            rows_fill(o, s, inner, |row, o| {
                let [oa, ob] = c.row_offsets(row);
                if sa == 1 && sb == 1 {
                    for ((o, &x), &y) in o.iter_mut().zip(&a[oa..oa + inner]).zip(&b[ob..ob + inner]) {
                        o.write(f(x, y));
                    }
                } else if sa == 1 && sb == 0 {
                    let y = b[ob];
                    for (o, &x) in o.iter_mut().zip(&a[oa..oa + inner]) {
                        o.write(f(x, y));
                    }
                } else {
                    for (j, o) in o.iter_mut().enumerate() {
                        o.write(f(a[oa + j * sa], b[ob + j * sb]));
                    }
                }
            })
        })
    }
}

/// `out[i] = f(a[i], b[i], c[i])` over three strided layouts of one shape.
pub(crate) fn map3<A: Copy + Sync, B: Copy + Sync, C: Copy + Sync, O: Copy + Send + 'static>(
    a: (&[A], &Layout),
    b: (&[B], &Layout),
    c: (&[C], &Layout),
    f: impl Fn(A, B, C) -> O + Sync,
) -> Vec<O> {
    let n = a.1.numel();
    let scalar = |l: &Layout| l.strides().iter().all(|&s| s == 0);
    if let (Some(ra), Some(rb)) = (a.1.contiguous_range(), b.1.contiguous_range()) {
        let (x, y) = (&a.0[ra], &b.0[rb]);
        // Dense operands, the third dense too or one value (`where(cond, t, 0.0)`).
        if let Some(rc) = c.1.contiguous_range() {
            let z = &c.0[rc];
            // SAFETY: each chunk's elements are all written (the operands have n elements).
            return unsafe {
                filled(n, PAR_CHUNK, |o, s| {
                    for (((o, &x), &y), &z) in o.iter_mut().zip(&x[s..]).zip(&y[s..]).zip(&z[s..]) {
                        o.write(f(x, y, z));
                    }
                })
            };
        }
        if scalar(c.1) {
            let z = c.0[c.1.offset()];
            // SAFETY: as above.
            return unsafe {
                filled(n, PAR_CHUNK, |o, s| {
                    for ((o, &x), &y) in o.iter_mut().zip(&x[s..]).zip(&y[s..]) {
                        o.write(f(x, y, z));
                    }
                })
            };
        }
    }
    let col = collapse([a.1, b.1, c.1]);
    let inner = col.inner();
    let [sa, sb, sc] = col.inner_strides();
    // SAFETY: rows_fill covers every element with whole rows, each written entirely.
    unsafe {
        filled(n, row_chunk(inner), |o, s| {
            rows_fill(o, s, inner, |row, o| {
                let [oa, ob, oc] = col.row_offsets(row);
                for (j, o) in o.iter_mut().enumerate() {
                    o.write(f(a.0[oa + j * sa], b.0[ob + j * sb], c.0[oc + j * sc]));
                }
            })
        })
    }
}

/// Calls `body(row, out_row)` for each whole row of `inner` elements in `out`, which holds elements
/// `start..start + out.len()` of the output (`start` and the length are multiples of `inner`).
pub(crate) fn rows_fill<O>(out: &mut [O], start: usize, inner: usize, body: impl Fn(usize, &mut [O])) {
    if inner == 0 {
        return;
    }
    debug_assert!(start.is_multiple_of(inner) && out.len().is_multiple_of(inner));
    for (r, o) in out.chunks_mut(inner).enumerate() {
        body(start / inner + r, o);
    }
}

/// Parallel chunk length for row-wise loops: whole rows, about `PAR_CHUNK` elements.
pub(crate) fn row_chunk(inner: usize) -> usize {
    (PAR_CHUNK / inner.max(1)).max(1) * inner.max(1)
}

/// Calls `f(dst_offset, src_offset)` for every element of two layouts of one shape, in row-major order.
pub(crate) fn for_each2(la: &Layout, lb: &Layout, mut f: impl FnMut(usize, usize)) {
    if la.numel() == 0 {
        return;
    }
    let c = collapse([la, lb]);
    let inner = c.inner();
    let [sa, sb] = c.inner_strides();
    let rows = la.numel() / inner;
    for row in 0..rows {
        let [oa, ob] = c.row_offsets(row);
        for j in 0..inner {
            f(oa + j * sa, ob + j * sb);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sizes above the parallel threshold, contiguous and strided, against a plain loop.
    #[test]
    fn parallel_paths_match_a_plain_loop() {
        let (r, c) = (700, 401); // above 2 * PAR_CHUNK, so the parallel paths run
        let a: Vec<f64> = (0..r * c).map(|i| i as f64).collect();
        let b: Vec<f64> = (0..r * c).map(|i| (i % 7) as f64).collect();
        let la = Layout::contiguous([r, c]);
        let out = map2(&a, &la, &b, &la, |x, y| x * y);
        assert!(out.iter().enumerate().all(|(i, &o)| o == a[i] * b[i]));
        // A transposed view of `a` plus a row broadcast of `b`.
        let lt = Layout::contiguous([c, r]).transpose(0, 1); // shape [r, c] over a [c, r] buffer
        let lrow = Layout::contiguous([c]).broadcast_to(&crate::Shape::from([r, c]), "t").unwrap();
        let out = map2(&a, &lt, &b, &lrow, |x, y| x + y);
        for i in 0..r {
            for j in 0..c {
                assert_eq!(out[i * c + j], a[j * r + i] + b[j]);
            }
        }
        let out1 = map1(&a, &lt, |x| -x);
        assert_eq!(out1[5 * c + 7], -a[7 * r + 5]);
        assert!((0..r * c).all(|i| out1[i] == -a[(i % c) * r + i / c]), "the tiled transpose");
        // Batches of transposed matrices whose sides are not multiples of the tile, small and
        // parallel-sized.
        for (b, m, k) in [(3, 37, 45), (2, 700, 301)] {
            let v: Vec<f64> = (0..b * m * k).map(|i| i as f64).collect();
            let l = Layout::contiguous([b, k, m]).transpose(1, 2); // [b, m, k] over [b, k, m]
            let out = map1(&v, &l, |x| x);
            for (i, &o) in out.iter().enumerate() {
                let (bi, mi, ki) = (i / (m * k), i / k % m, i % k);
                assert_eq!(o, v[bi * m * k + ki * m + mi]);
            }
        }
    }
}
