//! CPU in-place kernels: `dst = dst op src`, `dst = a op b` (PyTorch's `out=`) and the fused
//! `dst = a * b + dst`.
//!
//! A dense destination is updated where it lies, with no temporary and no copy back (an optimizer
//! step or a gradient accumulation touches each element once). Any other destination computes out
//! of place and writes the result back through its layout, which is also right for views whose
//! elements overlap.

use super::elementwise::{binary, copy_into};
use super::num::Num;
use super::strided::{PAR_CHUNK, collapse, for_each2, map1, par_fill, row_chunk, rows_fill};
use super::{CpuElement, CpuStorage};
use crate::op::BinaryOp;
use crate::{DType, Error, Layout, Result};

/// One operand's elements along a run of the destination.
#[derive(Clone, Copy)]
enum Run<'a, T> {
    /// Consecutive elements.
    Dense(&'a [T]),
    /// One element repeated (a broadcast dim).
    Splat(T),
    /// Elements `stride` apart, starting at the slice's first.
    Strided(&'a [T], usize),
}

impl<T: Copy> Run<'_, T> {
    #[inline(always)]
    fn get(&self, i: usize) -> T {
        match self {
            Run::Dense(s) => s[i],
            Run::Splat(v) => *v,
            Run::Strided(s, stride) => s[i * stride],
        }
    }
}

fn run_at<T: Copy>(s: &[T], offset: usize, stride: usize, len: usize) -> Run<'_, T> {
    match stride {
        0 => Run::Splat(s[offset]),
        1 => Run::Dense(&s[offset..offset + len]),
        _ => Run::Strided(&s[offset..], stride),
    }
}

/// Calls `body(dst_run, operand_runs)` over a dense row-major destination `d`, each operand read
/// through its layout (of `d`'s shape), in parallel chunks when `d` is large.
fn for_runs<T: Copy + Send + Sync, const N: usize>(
    d: &mut [T],
    srcs: [(&[T], &Layout); N],
    body: impl Fn(&mut [T], [Run<'_, T>; N]) + Sync,
) {
    if d.is_empty() {
        return;
    }
    // Only the operands' layouts need collapsing: the destination is dense, so row-major position
    // `i` is element `i` of `d` whatever dims merge.
    let c = collapse(srcs.map(|(_, l)| l));
    let strides = c.inner_strides();
    if c.dims.len() == 1 {
        // One run per operand over the whole tensor: split it into equal parallel chunks.
        par_fill(d, PAR_CHUNK, |d, start| {
            let runs = std::array::from_fn(|o| {
                run_at(srcs[o].0, c.offsets[o] + start * strides[o], strides[o], d.len())
            });
            body(d, runs)
        });
        return;
    }
    let inner = c.inner();
    par_fill(d, row_chunk(inner), |d, start| {
        rows_fill(d, start, inner, |row, d| {
            let offsets = c.row_offsets(row);
            body(d, std::array::from_fn(|o| run_at(srcs[o].0, offsets[o], strides[o], inner)))
        })
    });
}

/// `d[i] = f(d[i], a[i])` over one run.
#[inline(always)]
fn zip_run<T: Copy>(d: &mut [T], a: Run<'_, T>, f: impl Fn(T, T) -> T) {
    match a {
        Run::Dense(a) => d.iter_mut().zip(a).for_each(|(x, &y)| *x = f(*x, y)),
        Run::Splat(y) => d.iter_mut().for_each(|x| *x = f(*x, y)),
        a => d.iter_mut().enumerate().for_each(|(j, x)| *x = f(*x, a.get(j))),
    }
}

/// `d[i] = f(d[i], a[i])` over a dense destination.
fn apply<T: Num>(d: &mut [T], a: &[T], la: &Layout, f: impl Fn(T, T) -> T + Sync) {
    for_runs(d, [(a, la)], |d, [a]| zip_run(d, a, &f));
}

/// `d op= a` for an arithmetic op over a dense destination; false for ops whose result is not of
/// the destination's type (comparisons, logic), which take the general path.
fn update<T: Num>(op: BinaryOp, d: &mut [T], a: &[T], la: &Layout) -> bool {
    // One call per op with the function item itself, so each kernel is monomorphized and vectorizes.
    match op {
        BinaryOp::Add => apply(d, a, la, T::add),
        BinaryOp::Sub => apply(d, a, la, T::sub),
        BinaryOp::Mul => apply(d, a, la, T::mul),
        BinaryOp::Div => apply(d, a, la, T::div),
        BinaryOp::Pow => apply(d, a, la, T::pow),
        BinaryOp::Maximum => apply(d, a, la, T::max_nan),
        BinaryOp::Minimum => apply(d, a, la, T::min_nan),
        _ => return false,
    }
    true
}

/// `dst[ld] = dst[ld] op src[ls]`.
pub(super) fn binary_inplace(
    op: BinaryOp,
    dst: &mut CpuStorage,
    ld: &Layout,
    src: &CpuStorage,
    ls: &Layout,
) -> Result<()> {
    if let Some(r) = ld.contiguous_range() {
        let done = match (&mut *dst, src) {
            (CpuStorage::F32(d), CpuStorage::F32(s)) => update(op, &mut d[r], s, ls),
            (CpuStorage::F64(d), CpuStorage::F64(s)) => update(op, &mut d[r], s, ls),
            (CpuStorage::I64(d), CpuStorage::I64(s)) => update(op, &mut d[r], s, ls),
            (CpuStorage::U8(d), CpuStorage::U8(s)) => update(op, &mut d[r], s, ls),
            _ => false,
        };
        if done {
            return Ok(());
        }
    }
    // Compute out of place into a contiguous temporary, then write back through the layout: the
    // destination may be any view, and the result is the same as PyTorch's in-place op.
    let out = binary(op, dst, ld, src, ls)?;
    write_result(op, dst, ld, &out)
}

/// Writes a contiguous result of `op` into the view `ld` of `dst`, which must be of its dtype.
fn write_result(op: BinaryOp, dst: &mut CpuStorage, ld: &Layout, out: &CpuStorage) -> Result<()> {
    if out.dtype() != dst.dtype() {
        return Err(Error::DTypeMismatch { op: op.name(), expected: dst.dtype(), got: out.dtype() });
    }
    copy_into(dst, ld, out, &Layout::contiguous(ld.shape().clone()))
}

/// `d[i] = f(a[i], b[i])` over one run.
#[inline(always)]
fn zip2_run<T: Copy>(d: &mut [T], a: Run<'_, T>, b: Run<'_, T>, f: impl Fn(T, T) -> T) {
    match (a, b) {
        (Run::Dense(a), Run::Dense(b)) => d.iter_mut().zip(a).zip(b).for_each(|((x, &a), &b)| *x = f(a, b)),
        (Run::Dense(a), Run::Splat(b)) => d.iter_mut().zip(a).for_each(|(x, &a)| *x = f(a, b)),
        (Run::Splat(a), Run::Dense(b)) => d.iter_mut().zip(b).for_each(|(x, &b)| *x = f(a, b)),
        (a, b) => d.iter_mut().enumerate().for_each(|(j, x)| *x = f(a.get(j), b.get(j))),
    }
}

/// `d[i] = f(a[i], b[i])` over a dense destination.
fn apply2<T: Num>(d: &mut [T], a: &[T], la: &Layout, b: &[T], lb: &Layout, f: impl Fn(T, T) -> T + Sync) {
    for_runs(d, [(a, la), (b, lb)], |d, [a, b]| zip2_run(d, a, b, &f));
}

/// `d = a op b` for an arithmetic op over a dense destination; false for ops whose result is not
/// of the operands' type (comparisons, logic), which take the general path.
fn combine<T: Num>(op: BinaryOp, d: &mut [T], a: &[T], la: &Layout, b: &[T], lb: &Layout) -> bool {
    match op {
        BinaryOp::Add => apply2(d, a, la, b, lb, T::add),
        BinaryOp::Sub => apply2(d, a, la, b, lb, T::sub),
        BinaryOp::Mul => apply2(d, a, la, b, lb, T::mul),
        BinaryOp::Div => apply2(d, a, la, b, lb, T::div),
        BinaryOp::Pow => apply2(d, a, la, b, lb, T::pow),
        BinaryOp::Maximum => apply2(d, a, la, b, lb, T::max_nan),
        BinaryOp::Minimum => apply2(d, a, la, b, lb, T::min_nan),
        _ => return false,
    }
    true
}

/// `dst[ld] = a[la] op b[lb]`, the operands of `dst`'s dtype and not sharing its memory.
pub(super) fn binary_into(
    op: BinaryOp,
    dst: &mut CpuStorage,
    ld: &Layout,
    a: &CpuStorage,
    la: &Layout,
    b: &CpuStorage,
    lb: &Layout,
) -> Result<()> {
    if let Some(r) = ld.contiguous_range() {
        let done = match (&mut *dst, a, b) {
            (CpuStorage::F32(d), CpuStorage::F32(a), CpuStorage::F32(b)) => {
                match super::stream::streamed(op, a, la, b, lb) {
                    Some(s) => {
                        s.write(&mut d[r]);
                        true
                    }
                    None => combine(op, &mut d[r], a, la, b, lb),
                }
            }
            (CpuStorage::F64(d), CpuStorage::F64(a), CpuStorage::F64(b)) => {
                combine(op, &mut d[r], a, la, b, lb)
            }
            (CpuStorage::I64(d), CpuStorage::I64(a), CpuStorage::I64(b)) => {
                combine(op, &mut d[r], a, la, b, lb)
            }
            (CpuStorage::U8(d), CpuStorage::U8(a), CpuStorage::U8(b)) => combine(op, &mut d[r], a, la, b, lb),
            _ => false,
        };
        if done {
            return Ok(());
        }
    }
    // A strided destination, or an op whose result has another dtype: compute out of place and
    // write the result through the layout.
    write_result(op, dst, ld, &binary(op, a, la, b, lb)?)
}

/// `d[i] = a[i] * b[i] + d[i]` over one run, rounding once for floats.
#[inline(always)]
fn fma_run<T: Num>(d: &mut [T], a: Run<'_, T>, b: Run<'_, T>) {
    match (a, b) {
        // `add_(other, alpha=)`: a broadcast scalar times a dense operand.
        (Run::Splat(a), Run::Dense(b)) => d.iter_mut().zip(b).for_each(|(x, &b)| *x = T::mul_add(a, b, *x)),
        (Run::Dense(a), Run::Dense(b)) => {
            d.iter_mut().zip(a).zip(b).for_each(|((x, &a), &b)| *x = T::mul_add(a, b, *x))
        }
        (a, b) => d.iter_mut().enumerate().for_each(|(j, x)| *x = T::mul_add(a.get(j), b.get(j), *x)),
    }
}

/// [`fma_run`] compiled for AVX2 with FMA: `mul_add` becomes a vectorized `vfmadd`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn fma_run_avx2<T: Num>(d: &mut [T], a: Run<'_, T>, b: Run<'_, T>) {
    fma_run(d, a, b)
}

/// [`fma_run`] with the fastest code this CPU runs. Without hardware FMA, `mul_add` is libm's
/// software `fma`: slower, but rounded identically.
fn fma_run_dispatch<T: Num>(d: &mut [T], a: Run<'_, T>, b: Run<'_, T>) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU supports AVX2 and FMA, checked just above.
        return unsafe { fma_run_avx2(d, a, b) };
    }
    fma_run(d, a, b)
}

/// `dst[ld] = a[la] * b[lb] + dst[ld]`, rounding once for floats (all of one dtype).
pub(super) fn mul_add_inplace(
    dst: &mut CpuStorage,
    ld: &Layout,
    a: &CpuStorage,
    la: &Layout,
    b: &CpuStorage,
    lb: &Layout,
) -> Result<()> {
    fn go<T: Num + CpuElement>(d: &mut [T], ld: &Layout, a: &[T], la: &Layout, b: &[T], lb: &Layout) {
        if let Some(r) = ld.contiguous_range() {
            for_runs(&mut d[r], [(a, la), (b, lb)], |d, [a, b]| fma_run_dispatch(d, a, b));
            return;
        }
        // A strided destination: update a dense copy of it, then write that back.
        let mut tmp = map1(d, ld, |x| x);
        for_runs(&mut tmp, [(a, la), (b, lb)], |d, [a, b]| fma_run_dispatch(d, a, b));
        let mut values = tmp.iter();
        for_each2(ld, ld, |i, _| d[i] = *values.next().expect("one value per element"));
    }
    let mismatch = |got: DType| Error::DTypeMismatch { op: "mul_add", expected: dst.dtype(), got };
    if a.dtype() != dst.dtype() || b.dtype() != dst.dtype() {
        return Err(mismatch(if a.dtype() != dst.dtype() { a.dtype() } else { b.dtype() }));
    }
    match (dst, a, b) {
        (CpuStorage::F32(d), CpuStorage::F32(a), CpuStorage::F32(b)) => go(d, ld, a, la, b, lb),
        (CpuStorage::F64(d), CpuStorage::F64(a), CpuStorage::F64(b)) => go(d, ld, a, la, b, lb),
        (CpuStorage::I64(d), CpuStorage::I64(a), CpuStorage::I64(b)) => go(d, ld, a, la, b, lb),
        (CpuStorage::U8(d), CpuStorage::U8(a), CpuStorage::U8(b)) => go(d, ld, a, la, b, lb),
        (d, _, _) => return Err(Error::UnsupportedDType { op: "mul_add", dtype: d.dtype() }),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Shape;

    fn f32s(n: usize, seed: u32) -> Vec<f32> {
        (0..n as u32).map(|i| ((i.wrapping_mul(2654435761) ^ seed) % 2001) as f32 / 1000.0 - 1.0).collect()
    }

    /// Every path (dense, broadcast, strided, parallel-sized, strided destination) against the
    /// scalar formula, bit for bit: one rounding per element, as `f32::mul_add`.
    #[test]
    fn mul_add_matches_a_scalar_fma_on_every_path() {
        for (r, c) in [(3, 5), (700, 401)] {
            let n = r * c;
            let (a, b, d0) = (f32s(n, 1), f32s(n, 2), f32s(n, 3));
            let dense = Layout::contiguous([r, c]);
            let splat = Layout::contiguous([1]).broadcast_to(&Shape::from([r, c]), "t").unwrap();
            let transposed = Layout::contiguous([c, r]).transpose(0, 1);
            let row = Layout::contiguous([c]).broadcast_to(&Shape::from([r, c]), "t").unwrap();
            for (la, lb) in [(&splat, &dense), (&dense, &dense), (&transposed, &row), (&row, &transposed)] {
                let mut d = CpuStorage::F32(d0.clone().into());
                mul_add_inplace(
                    &mut d,
                    &dense,
                    &CpuStorage::F32(a.clone().into()),
                    la,
                    &CpuStorage::F32(b.clone().into()),
                    lb,
                )
                .unwrap();
                let at = |l: &Layout, v: &[f32], i: usize, j: usize| {
                    v[l.offset() + i * l.strides()[0] + j * l.strides()[1]]
                };
                let CpuStorage::F32(d) = d else { unreachable!() };
                for i in 0..r {
                    for j in 0..c {
                        let want = at(la, &a, i, j).mul_add(at(lb, &b, i, j), d0[i * c + j]);
                        assert_eq!(d[i * c + j].to_bits(), want.to_bits(), "[{i}, {j}] of {r}x{c}");
                    }
                }
            }
            // A transposed destination takes the copy-back path.
            let mut d = CpuStorage::F32(d0.clone().into());
            let (ca, cb) = (CpuStorage::F32(a.clone().into()), CpuStorage::F32(b.clone().into()));
            mul_add_inplace(&mut d, &transposed, &ca, &dense, &cb, &dense).unwrap();
            let CpuStorage::F32(d) = d else { unreachable!() };
            assert_eq!(d[4 * r + 2].to_bits(), a[2 * c + 4].mul_add(b[2 * c + 4], d0[4 * r + 2]).to_bits());
        }
    }

    #[test]
    fn dense_updates_match_the_out_of_place_op() {
        let (r, c) = (700, 401);
        let (a, b) = (f32s(r * c, 4), f32s(r * c, 5));
        let dense = Layout::contiguous([r, c]);
        let row = Layout::contiguous([c]).broadcast_to(&Shape::from([r, c]), "t").unwrap();
        for op in [BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div, BinaryOp::Maximum] {
            for lb in [&dense, &row] {
                let (sa, sb) = (CpuStorage::F32(a.clone().into()), CpuStorage::F32(b.clone().into()));
                let want = binary(op, &sa, &dense, &sb, lb).unwrap();
                let mut got = sa;
                binary_inplace(op, &mut got, &dense, &sb, lb).unwrap();
                assert_eq!(got, want, "{op:?}");
            }
        }
    }
}
