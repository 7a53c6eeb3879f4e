//! Generic strided loops: map one, two or three strided inputs to a fresh contiguous output,
//! with a contiguous fast path and rayon above a size threshold.
//!
//! The general path collapses adjacent dims that are contiguous in every operand, then walks
//! rows: an outer index decoded once per row and an inner loop with a fixed stride per operand.

use super::pool::filled;
use crate::Layout;
use rayon::prelude::*;

/// Elements per parallel task; below twice this, loops stay on the calling thread.
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

/// Runs `body(out_chunk, first_index)` over `out` in parallel chunks when it is large.
#[inline]
pub(crate) fn par_fill<O: Send>(out: &mut [O], chunk: usize, body: impl Fn(&mut [O], usize) + Sync) {
    if worth_parallel(out.len()) && chunk > 0 {
        out.par_chunks_mut(chunk).enumerate().for_each(|(c, part)| body(part, c * chunk));
    } else {
        body(out, 0);
    }
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
    }
}
