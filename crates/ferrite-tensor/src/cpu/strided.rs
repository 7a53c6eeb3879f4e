//! Generic strided loops: map one, two or three strided inputs to a fresh contiguous output,
//! with a contiguous fast path and rayon above a size threshold.
//!
//! The general path collapses adjacent dims that are contiguous in every operand, then walks
//! rows: an outer index decoded once per row and an inner loop with a fixed stride per operand.

use crate::Layout;
use rayon::prelude::*;

/// Elements per parallel task; below twice this, loops stay on the calling thread.
pub(crate) const PAR_CHUNK: usize = 1 << 15;

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

/// Runs `body(out_chunk, first_index)` over `out` in parallel chunks when it is large.
#[inline]
pub(crate) fn par_fill<O: Send>(out: &mut [O], body: impl Fn(&mut [O], usize) + Sync) {
    if out.len() >= 2 * PAR_CHUNK {
        out.par_chunks_mut(PAR_CHUNK).enumerate().for_each(|(c, chunk)| body(chunk, c * PAR_CHUNK));
    } else {
        body(out, 0);
    }
}

/// `out[i] = f(a[i])` over a strided layout.
pub(crate) fn map1<A: Copy + Sync, O: Copy + Send + Default>(
    a: &[A],
    la: &Layout,
    f: impl Fn(A) -> O + Sync,
) -> Vec<O> {
    let n = la.numel();
    let mut out = vec![O::default(); n];
    if let Some(r) = la.contiguous_range() {
        let a = &a[r];
        par_fill(&mut out, |o, start| {
            let n = o.len();
            for (o, &x) in o.iter_mut().zip(&a[start..start + n]) {
                *o = f(x);
            }
        });
        return out;
    }
    let c = collapse([la]);
    let inner = c.inner();
    let [sa] = c.inner_strides();
    rows_fill(&mut out, inner, |row, o| {
        let [oa] = c.row_offsets(row);
        for (j, o) in o.iter_mut().enumerate() {
            *o = f(a[oa + j * sa]);
        }
    });
    out
}

/// `out[i] = f(a[i], b[i])` over two strided layouts of one shape.
pub(crate) fn map2<A: Copy + Sync, B: Copy + Sync, O: Copy + Send + Default>(
    a: &[A],
    la: &Layout,
    b: &[B],
    lb: &Layout,
    f: impl Fn(A, B) -> O + Sync,
) -> Vec<O> {
    let n = la.numel();
    let mut out = vec![O::default(); n];
    if let (Some(ra), Some(rb)) = (la.contiguous_range(), lb.contiguous_range()) {
        let (a, b) = (&a[ra], &b[rb]);
        par_fill(&mut out, |o, s| {
            let e = s + o.len();
            for ((o, &x), &y) in o.iter_mut().zip(&a[s..e]).zip(&b[s..e]) {
                *o = f(x, y);
            }
        });
        return out;
    }
    if let (Some(ra), true) = (la.contiguous_range(), lb.strides().iter().all(|&s| s == 0)) {
        let (a, y) = (&a[ra], b[lb.offset()]);
        par_fill(&mut out, |o, s| {
            let n = o.len();
            for (o, &x) in o.iter_mut().zip(&a[s..s + n]) {
                *o = f(x, y);
            }
        });
        return out;
    }
    let c = collapse([la, lb]);
    let inner = c.inner();
    let [sa, sb] = c.inner_strides();
    rows_fill(&mut out, inner, |row, o| {
        let [oa, ob] = c.row_offsets(row);
        if sa == 1 && sb == 1 {
            for ((o, &x), &y) in o.iter_mut().zip(&a[oa..oa + inner]).zip(&b[ob..ob + inner]) {
                *o = f(x, y);
            }
        } else if sa == 1 && sb == 0 {
            let y = b[ob];
            for (o, &x) in o.iter_mut().zip(&a[oa..oa + inner]) {
                *o = f(x, y);
            }
        } else {
            for (j, o) in o.iter_mut().enumerate() {
                *o = f(a[oa + j * sa], b[ob + j * sb]);
            }
        }
    });
    out
}

/// `out[i] = f(a[i], b[i], c[i])` over three strided layouts of one shape.
pub(crate) fn map3<A: Copy + Sync, B: Copy + Sync, C: Copy + Sync, O: Copy + Send + Default>(
    a: (&[A], &Layout),
    b: (&[B], &Layout),
    c: (&[C], &Layout),
    f: impl Fn(A, B, C) -> O + Sync,
) -> Vec<O> {
    let n = a.1.numel();
    let mut out = vec![O::default(); n];
    let col = collapse([a.1, b.1, c.1]);
    let inner = col.inner();
    let [sa, sb, sc] = col.inner_strides();
    rows_fill(&mut out, inner, |row, o| {
        let [oa, ob, oc] = col.row_offsets(row);
        for (j, o) in o.iter_mut().enumerate() {
            *o = f(a.0[oa + j * sa], b.0[ob + j * sb], c.0[oc + j * sc]);
        }
    });
    out
}

/// Calls `body(row, out_row)` for each row of `inner` elements, in parallel when large.
pub(crate) fn rows_fill<O: Send>(out: &mut [O], inner: usize, body: impl Fn(usize, &mut [O]) + Sync) {
    if inner == 0 {
        return;
    }
    if out.len() >= 2 * PAR_CHUNK {
        let rows_per_task = (PAR_CHUNK / inner).max(1);
        out.par_chunks_mut(rows_per_task * inner).enumerate().for_each(|(t, chunk)| {
            for (r, o) in chunk.chunks_mut(inner).enumerate() {
                body(t * rows_per_task + r, o);
            }
        });
    } else {
        for (r, o) in out.chunks_mut(inner).enumerate() {
            body(r, o);
        }
    }
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
