//! CPU indexing kernels: index_select, gather, and their adjoints scatter_add and index_add.

use super::strided::for_each2;
use super::{CpuElement, CpuStorage, Num};
use crate::{Error, Layout, Result, Shape};

fn check(op: &'static str, i: i64, dim: usize, size: usize) -> Result<usize> {
    let j = if i < 0 { i + size as i64 } else { i };
    if j < 0 || j >= size as i64 {
        return Err(Error::IndexOutOfBounds { op, index: i, dim, size });
    }
    Ok(j as usize)
}

fn index_list(ids: &[i64], il: &Layout, op: &'static str, dim: usize, size: usize) -> Result<Vec<usize>> {
    il.strided_indices().map(|k| check(op, ids[k], dim, size)).collect()
}

pub(super) fn index_select(
    s: &CpuStorage,
    l: &Layout,
    ids: &[i64],
    il: &Layout,
    dim: usize,
) -> Result<CpuStorage> {
    let idx = index_list(ids, il, "index_select", dim, l.dims()[dim])?;
    fn go<T: CpuElement>(v: &[T], l: &Layout, idx: &[usize], dim: usize) -> CpuStorage {
        let mut out = Vec::with_capacity(l.numel() / l.dims()[dim].max(1) * idx.len());
        let outer = Layout::new(Shape::from(&l.dims()[..dim]), l.strides()[..dim].to_vec(), l.offset());
        let inner = Layout::new(Shape::from(&l.dims()[dim + 1..]), l.strides()[dim + 1..].to_vec(), 0);
        let stride = l.strides()[dim];
        // The common case (a batch of rows of a contiguous dataset): copy whole rows.
        let row = inner.numel();
        let dense_rows = inner.is_contiguous();
        for base in outer.strided_indices() {
            for &i in idx {
                let start = base + i * stride;
                if dense_rows {
                    out.extend_from_slice(&v[start..start + row]);
                } else {
                    out.extend(inner.strided_indices().map(|k| v[start + k]));
                }
            }
        }
        T::wrap(out)
    }
    Ok(crate::with_cpu!(s, v => go(v, l, &idx, dim)))
}

/// Calls `f(src_offset, index_offset, out_position)` for each element of the index tensor,
/// where `src_offset` is the source element with `dim` replaced by the index value.
fn gather_positions(
    l: &Layout,
    ids: &[i64],
    il: &Layout,
    dim: usize,
    op: &'static str,
    mut f: impl FnMut(usize, usize),
) -> Result<()> {
    // PyTorch gathers from a 0-d tensor with a 0-d index: treat both as 1-element vectors.
    let lifted;
    let (l, il) = if l.rank() == 0 && il.rank() == 0 {
        lifted = (l.unsqueeze(0), il.unsqueeze(0));
        (&lifted.0, &lifted.1)
    } else {
        (l, il)
    };
    if il.rank() != l.rank() {
        return Err(Error::ShapeMismatch { op, lhs: l.shape().clone(), rhs: il.shape().clone() });
    }
    for d in 0..l.rank() {
        if d != dim && il.dims()[d] > l.dims()[d] {
            return Err(Error::ShapeMismatch { op, lhs: l.shape().clone(), rhs: il.shape().clone() });
        }
    }
    // Walk the index tensor's shape over the source with dim's stride zeroed, adding index * stride.
    let mut strides = l.strides().to_vec();
    strides[dim] = 0;
    let src = Layout::new(il.shape().clone(), strides, l.offset());
    let mut err = None;
    for_each2(&src, il, |s, k| {
        if err.is_some() {
            return;
        }
        match check(op, ids[k], dim, l.dims()[dim]) {
            Ok(i) => f(s + i * l.strides()[dim], k),
            Err(e) => err = Some(e),
        }
    });
    err.map_or(Ok(()), Err)
}

pub(super) fn gather(s: &CpuStorage, l: &Layout, ids: &[i64], il: &Layout, dim: usize) -> Result<CpuStorage> {
    fn go<T: CpuElement>(v: &[T], l: &Layout, ids: &[i64], il: &Layout, dim: usize) -> Result<CpuStorage> {
        let mut out = Vec::with_capacity(il.numel());
        gather_positions(l, ids, il, dim, "gather", |s, _| out.push(v[s]))?;
        Ok(T::wrap(out))
    }
    crate::with_cpu!(s, v => go(v, l, ids, il, dim))
}

fn add_at<T: Num>(d: &mut [T], i: usize, x: T) {
    d[i] = T::add(d[i], x);
}

pub(super) fn scatter_add(
    dst: &mut CpuStorage,
    l: &Layout,
    ids: &[i64],
    il: &Layout,
    src: &CpuStorage,
    sl: &Layout,
    dim: usize,
) -> Result<()> {
    fn go<T: Num + CpuElement>(
        d: &mut [T],
        l: &Layout,
        ids: &[i64],
        il: &Layout,
        s: &[T],
        sl: &Layout,
        dim: usize,
    ) -> Result<()> {
        let vals: Vec<T> = sl.strided_indices().map(|k| s[k]).collect();
        let mut n = 0;
        gather_positions(l, ids, il, dim, "scatter_add", |p, _| {
            add_at(d, p, vals[n]);
            n += 1;
        })
    }
    match (dst, src) {
        (CpuStorage::F32(d), CpuStorage::F32(s)) => go(d, l, ids, il, s, sl, dim),
        (CpuStorage::F64(d), CpuStorage::F64(s)) => go(d, l, ids, il, s, sl, dim),
        (CpuStorage::I64(d), CpuStorage::I64(s)) => go(d, l, ids, il, s, sl, dim),
        (d, s) => Err(Error::DTypeMismatch { op: "scatter_add", expected: d.dtype(), got: s.dtype() }),
    }
}

pub(super) fn index_add(
    dst: &mut CpuStorage,
    l: &Layout,
    ids: &[i64],
    il: &Layout,
    src: &CpuStorage,
    sl: &Layout,
    dim: usize,
) -> Result<()> {
    let idx = index_list(ids, il, "index_add", dim, l.dims()[dim])?;
    fn go<T: Num + CpuElement>(d: &mut [T], l: &Layout, idx: &[usize], s: &[T], sl: &Layout, dim: usize) {
        // Source slice j along dim is added to destination slice idx[j].
        for (j, &i) in idx.iter().enumerate() {
            let dv = l.slice(dim, i, 1, 1);
            let sv = sl.slice(dim, j, 1, 1);
            for_each2(&dv, &sv, |a, b| add_at(d, a, s[b]));
        }
    }
    match (dst, src) {
        (CpuStorage::F32(d), CpuStorage::F32(s)) => go(d, l, &idx, s, sl, dim),
        (CpuStorage::F64(d), CpuStorage::F64(s)) => go(d, l, &idx, s, sl, dim),
        (CpuStorage::I64(d), CpuStorage::I64(s)) => go(d, l, &idx, s, sl, dim),
        (d, s) => return Err(Error::DTypeMismatch { op: "index_add", expected: d.dtype(), got: s.dtype() }),
    }
    Ok(())
}
