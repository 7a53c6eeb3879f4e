//! CPU elementwise kernels: unary, binary, comparisons, casts, `where`, fills and copies into views
//! (the in-place arithmetic is in `inplace.rs`).

use super::num::{Float, Num};
use super::strided::{for_each2, map1, map2, map3};
use super::{CpuElement, CpuStorage};
use crate::op::{BinaryOp, UnaryOp};
use crate::{DType, Element, Error, Layout, Result, Scalar};

pub(super) fn cast(s: &CpuStorage, l: &Layout, dtype: DType) -> CpuStorage {
    fn to<T: Element + Sync, O: CpuElement + Default>(v: &[T], l: &Layout) -> CpuStorage {
        // Float to integer truncates toward zero (PyTorch's cast); bool is "nonzero".
        O::wrap(map1(v, l, |x| {
            if O::DTYPE == DType::F64 || O::DTYPE == DType::F32 {
                O::from_f64(x.to_f64())
            } else if O::DTYPE == DType::Bool {
                O::from_f64(if x.to_f64() != 0.0 { 1.0 } else { 0.0 })
            } else if T::DTYPE.is_float() {
                O::from_i64(x.to_f64() as i64)
            } else {
                O::from_i64(x.to_i64())
            }
        }))
    }
    if s.dtype() == dtype {
        return s.strided_copy(l);
    }
    crate::with_cpu!(s, v => match dtype {
        DType::Bool => to::<_, bool>(v, l),
        DType::U8 => to::<_, u8>(v, l),
        DType::I64 => to::<_, i64>(v, l),
        DType::F32 => to::<_, f32>(v, l),
        DType::F64 => to::<_, f64>(v, l),
    })
}

fn unary_float<T: Float>(op: UnaryOp, v: &[T], l: &Layout) -> Vec<T> {
    let one = T::ONE;
    match op {
        UnaryOp::Exp => map1(v, l, |x| x.exp()),
        UnaryOp::Log => map1(v, l, |x| x.ln()),
        UnaryOp::Sqrt => map1(v, l, |x| x.sqrt()),
        UnaryOp::Sin => map1(v, l, |x| x.sin()),
        UnaryOp::Cos => map1(v, l, |x| x.cos()),
        UnaryOp::Tanh => map1(v, l, |x| x.tanh()),
        UnaryOp::Sigmoid => map1(v, l, |x| T::div(one, T::add(one, T::neg(x).exp()))),
        UnaryOp::Recip => map1(v, l, |x| T::div(one, x)),
        UnaryOp::Powf(p) => {
            let p = T::of(p);
            if p == T::of(2.0) { map1(v, l, |x| T::mul(x, x)) } else { map1(v, l, |x| x.powf(p)) }
        }
        _ => unary_num(op, v, l),
    }
}

fn unary_num<T: Num>(op: UnaryOp, v: &[T], l: &Layout) -> Vec<T> {
    match op {
        UnaryOp::Neg => map1(v, l, T::neg),
        UnaryOp::Abs => map1(v, l, T::abs),
        UnaryOp::Sign => map1(v, l, T::sign),
        UnaryOp::Square => map1(v, l, |x| T::mul(x, x)),
        // relu(NaN) is NaN in PyTorch.
        UnaryOp::Relu => map1(v, l, |x| if x < T::ZERO { T::ZERO } else { x }),
        UnaryOp::Clamp(lo, hi) => {
            let lo = lo.map(T::from_f64);
            let hi = hi.map(T::from_f64);
            map1(v, l, |x| {
                let x = match lo {
                    Some(lo) if x < lo => lo,
                    _ => x,
                };
                match hi {
                    Some(hi) if x > hi => hi,
                    _ => x,
                }
            })
        }
        // Pure scaling and pure shifting are kept exact (`-0.0 * 2` stays `-0.0`, as in PyTorch).
        UnaryOp::Affine(m, a) => {
            let (mt, at) = (T::from_f64(m), T::from_f64(a));
            if a == 0.0 {
                map1(v, l, |x| T::mul(x, mt))
            } else if m == 1.0 {
                map1(v, l, |x| T::add(x, at))
            } else {
                map1(v, l, |x| T::add(T::mul(x, mt), at))
            }
        }
        UnaryOp::LogicalNot => map1(v, l, |x| if x == T::ZERO { T::ONE } else { T::ZERO }),
        _ => unreachable!("float-only unary ops are dispatched to unary_float"),
    }
}

pub(super) fn unary(s: &CpuStorage, op: UnaryOp, l: &Layout) -> Result<CpuStorage> {
    let name = unary_name(op);
    Ok(match s {
        CpuStorage::F32(v) => CpuStorage::F32(unary_float(op, v, l).into()),
        CpuStorage::F64(v) => CpuStorage::F64(unary_float(op, v, l).into()),
        _ if op.needs_float() => return Err(Error::UnsupportedDType { op: name, dtype: s.dtype() }),
        CpuStorage::I64(v) => CpuStorage::I64(unary_num(op, v, l).into()),
        CpuStorage::U8(v) => CpuStorage::U8(unary_num(op, v, l).into()),
        CpuStorage::Bool(v) => match op {
            UnaryOp::LogicalNot => CpuStorage::Bool(map1(v, l, |x| !x).into()),
            UnaryOp::Abs | UnaryOp::Relu | UnaryOp::Sign | UnaryOp::Square => {
                CpuStorage::Bool(map1(v, l, |x| x).into())
            }
            _ => return Err(Error::UnsupportedDType { op: name, dtype: DType::Bool }),
        },
    })
}

/// The PyTorch name of a unary op, for errors.
pub(crate) fn unary_name(op: UnaryOp) -> &'static str {
    match op {
        UnaryOp::Neg => "neg",
        UnaryOp::Exp => "exp",
        UnaryOp::Log => "log",
        UnaryOp::Sqrt => "sqrt",
        UnaryOp::Abs => "abs",
        UnaryOp::Sin => "sin",
        UnaryOp::Cos => "cos",
        UnaryOp::Relu => "relu",
        UnaryOp::Sigmoid => "sigmoid",
        UnaryOp::Tanh => "tanh",
        UnaryOp::Sign => "sign",
        UnaryOp::Recip => "reciprocal",
        UnaryOp::Square => "square",
        UnaryOp::LogicalNot => "logical_not",
        UnaryOp::Powf(_) => "pow",
        UnaryOp::Clamp(..) => "clamp",
        UnaryOp::Affine(..) => "affine",
    }
}

fn binary_num<T: Num + CpuElement>(op: BinaryOp, a: &[T], la: &Layout, b: &[T], lb: &Layout) -> CpuStorage {
    // Generic over the predicate, so each comparison is inlined into its loop (a `fn` pointer
    // would cost an indirect call per element: 8x slower).
    fn compare<T: Num>(
        a: &[T],
        la: &Layout,
        b: &[T],
        lb: &Layout,
        f: impl Fn(T, T) -> bool + Sync,
    ) -> CpuStorage {
        CpuStorage::Bool(map2(a, la, b, lb, f).into())
    }
    let truth = |x: T| x != T::ZERO;
    match op {
        BinaryOp::Add => T::wrap(map2(a, la, b, lb, T::add)),
        BinaryOp::Sub => T::wrap(map2(a, la, b, lb, T::sub)),
        BinaryOp::Mul => T::wrap(map2(a, la, b, lb, T::mul)),
        BinaryOp::Div => T::wrap(map2(a, la, b, lb, T::div)),
        BinaryOp::Pow => T::wrap(map2(a, la, b, lb, T::pow)),
        BinaryOp::Maximum => T::wrap(map2(a, la, b, lb, T::max_nan)),
        BinaryOp::Minimum => T::wrap(map2(a, la, b, lb, T::min_nan)),
        BinaryOp::Eq => compare(a, la, b, lb, |x, y| x == y),
        BinaryOp::Ne => compare(a, la, b, lb, |x, y| x != y),
        BinaryOp::Lt => compare(a, la, b, lb, |x, y| x < y),
        BinaryOp::Le => compare(a, la, b, lb, |x, y| x <= y),
        BinaryOp::Gt => compare(a, la, b, lb, |x, y| x > y),
        BinaryOp::Ge => compare(a, la, b, lb, |x, y| x >= y),
        BinaryOp::And => CpuStorage::Bool(map2(a, la, b, lb, |x, y| truth(x) && truth(y)).into()),
        BinaryOp::Or => CpuStorage::Bool(map2(a, la, b, lb, |x, y| truth(x) || truth(y)).into()),
        BinaryOp::Xor => CpuStorage::Bool(map2(a, la, b, lb, |x, y| truth(x) != truth(y)).into()),
    }
}

fn binary_bool(op: BinaryOp, a: &[bool], la: &Layout, b: &[bool], lb: &Layout) -> Result<CpuStorage> {
    // One `map2` per op, so each loop inlines its operation.
    Ok(CpuStorage::Bool(
        match op {
            BinaryOp::Add | BinaryOp::Or | BinaryOp::Maximum => map2(a, la, b, lb, |x, y| x || y),
            BinaryOp::Mul | BinaryOp::And | BinaryOp::Minimum => map2(a, la, b, lb, |x, y| x && y),
            BinaryOp::Xor | BinaryOp::Ne => map2(a, la, b, lb, |x, y| x != y),
            BinaryOp::Eq => map2(a, la, b, lb, |x, y| x == y),
            BinaryOp::Lt => map2(a, la, b, lb, |x: bool, y| !x & y),
            BinaryOp::Le => map2(a, la, b, lb, |x, y| x <= y),
            BinaryOp::Gt => map2(a, la, b, lb, |x, y: bool| x & !y),
            BinaryOp::Ge => map2(a, la, b, lb, |x, y| x >= y),
            BinaryOp::Sub | BinaryOp::Div | BinaryOp::Pow => {
                return Err(Error::UnsupportedDType { op: op.name(), dtype: DType::Bool });
            }
        }
        .into(),
    ))
}

pub(super) fn binary(
    op: BinaryOp,
    a: &CpuStorage,
    la: &Layout,
    b: &CpuStorage,
    lb: &Layout,
) -> Result<CpuStorage> {
    Ok(match (a, b) {
        (CpuStorage::F32(a), CpuStorage::F32(b)) => match super::stream::streamed(op, a, la, b, lb) {
            Some(s) => CpuStorage::F32(s.to_vec().into()),
            None => binary_num(op, a, la, b, lb),
        },
        (CpuStorage::F64(a), CpuStorage::F64(b)) => binary_num(op, a, la, b, lb),
        (CpuStorage::I64(a), CpuStorage::I64(b)) => binary_num(op, a, la, b, lb),
        (CpuStorage::U8(a), CpuStorage::U8(b)) => binary_num(op, a, la, b, lb),
        (CpuStorage::Bool(a), CpuStorage::Bool(b)) => binary_bool(op, a, la, b, lb)?,
        _ => return Err(Error::DTypeMismatch { op: op.name(), expected: a.dtype(), got: b.dtype() }),
    })
}

pub(super) fn where_cond(
    c: &CpuStorage,
    lc: &Layout,
    t: &CpuStorage,
    lt: &Layout,
    f: &CpuStorage,
    lf: &Layout,
) -> Result<CpuStorage> {
    let c = c.as_slice::<bool>("where")?;
    if t.dtype() != f.dtype() {
        return Err(Error::DTypeMismatch { op: "where", expected: t.dtype(), got: f.dtype() });
    }
    Ok(match (t, f) {
        (CpuStorage::F32(t), CpuStorage::F32(f)) => CpuStorage::F32(where3(c, lc, t, lt, f, lf).into()),
        (CpuStorage::F64(t), CpuStorage::F64(f)) => CpuStorage::F64(where3(c, lc, t, lt, f, lf).into()),
        (CpuStorage::I64(t), CpuStorage::I64(f)) => CpuStorage::I64(where3(c, lc, t, lt, f, lf).into()),
        (CpuStorage::U8(t), CpuStorage::U8(f)) => CpuStorage::U8(where3(c, lc, t, lt, f, lf).into()),
        (CpuStorage::Bool(t), CpuStorage::Bool(f)) => CpuStorage::Bool(where3(c, lc, t, lt, f, lf).into()),
        _ => unreachable!("dtypes checked equal above"),
    })
}

fn where3<T: Copy + Send + Sync + 'static>(
    c: &[bool],
    lc: &Layout,
    t: &[T],
    lt: &Layout,
    f: &[T],
    lf: &Layout,
) -> Vec<T> {
    map3((c, lc), (t, lt), (f, lf), |c, t, f| if c { t } else { f })
}

/// Copies `src[ls]` into `dst[ld]` (same shape); dtypes must match.
pub(super) fn copy_into(dst: &mut CpuStorage, ld: &Layout, src: &CpuStorage, ls: &Layout) -> Result<()> {
    fn go<T: Copy>(d: &mut [T], ld: &Layout, s: &[T], ls: &Layout) {
        if let (Some(rd), Some(rs)) = (ld.contiguous_range(), ls.contiguous_range()) {
            d[rd].copy_from_slice(&s[rs]);
        } else {
            for_each2(ld, ls, |i, j| d[i] = s[j]);
        }
    }
    match (dst, src) {
        (CpuStorage::F32(d), CpuStorage::F32(s)) => go(d, ld, s, ls),
        (CpuStorage::F64(d), CpuStorage::F64(s)) => go(d, ld, s, ls),
        (CpuStorage::I64(d), CpuStorage::I64(s)) => go(d, ld, s, ls),
        (CpuStorage::U8(d), CpuStorage::U8(s)) => go(d, ld, s, ls),
        (CpuStorage::Bool(d), CpuStorage::Bool(s)) => go(d, ld, s, ls),
        (d, s) => return Err(Error::DTypeMismatch { op: "copy_", expected: d.dtype(), got: s.dtype() }),
    }
    Ok(())
}

pub(super) fn fill(dst: &mut CpuStorage, l: &Layout, value: Scalar) {
    fn go<T: Element>(d: &mut [T], l: &Layout, v: T) {
        if let Some(r) = l.contiguous_range() {
            d[r].fill(v);
        } else {
            for i in l.strided_indices() {
                d[i] = v;
            }
        }
    }
    let x = value.to_f64();
    match dst {
        CpuStorage::F32(d) => go(d, l, x as f32),
        CpuStorage::F64(d) => go(d, l, x),
        CpuStorage::I64(d) => go(d, l, x as i64),
        CpuStorage::U8(d) => go(d, l, x as i64 as u8),
        CpuStorage::Bool(d) => go(d, l, x != 0.0),
    }
}
