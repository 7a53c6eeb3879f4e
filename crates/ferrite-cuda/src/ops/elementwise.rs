//! Elementwise ops on the device: copies, casts, unary and binary ops, `where`, fills, in-place
//! updates through strided destinations, and the read-back to the host. Dtype rules mirror the
//! CPU backend (crates/ferrite-tensor/src/cpu/elementwise.rs): bool is computed as u8 0/1.

use crate::device::{grid, launch};
use crate::kernels::{self, Module};
use crate::layout::collapse;
use crate::storage::CudaStorage;
use ferrite_tensor::cpu::CpuStorage;
use ferrite_tensor::op::{BinaryOp, UnaryOp};
use ferrite_tensor::{DType, Error, Layout, Result, Scalar};

/// The byte address of element `offset` of a storage.
fn at(s: &CudaStorage, offset: usize) -> u64 {
    s.ptr() + (offset * s.dtype().size_in_bytes()) as u64
}

/// A contiguous copy of the view `l` of `s`.
pub(crate) fn copy_strided(s: &CudaStorage, l: &Layout, op: &'static str) -> Result<CudaStorage> {
    let n = l.numel();
    let out = s.sibling(n, s.dtype(), op)?;
    if n == 0 {
        return Ok(out);
    }
    let gpu = s.gpu();
    if let Some(r) = l.contiguous_range() {
        gpu.copy_dtod(out.ptr(), at(s, r.start), out.bytes(), op)?;
        return Ok(out);
    }
    let dense = Layout::contiguous(l.shape().clone());
    let [ld, ls] = collapse([&dense, l], op, gpu.device())?;
    let (n64, d, src) = (n as u64, out.ptr(), s.ptr());
    launch!(gpu, op, Module::Elementwise, kernels::typed("copy", s.dtype()), grid(n); n64, d, ld, src, ls);
    Ok(out)
}

/// The view's elements on the host: the one place (with `synchronize`) that waits for the device.
pub(crate) fn to_cpu(s: &CudaStorage, l: &Layout) -> Result<CpuStorage> {
    let dense;
    let (src, start) = match l.contiguous_range() {
        Some(r) => (s, r.start),
        None => {
            dense = copy_strided(s, l, "to_cpu")?;
            (&dense, 0)
        }
    };
    let n = l.numel();
    let gpu = s.gpu();
    macro_rules! read {
        ($t:ty) => {{
            let mut host: Vec<$t> = vec![<$t>::default(); n];
            gpu.download(&mut host, at(src, start), "to_cpu")?;
            host
        }};
    }
    Ok(match s.dtype() {
        DType::Bool => CpuStorage::Bool(read!(u8).into_iter().map(|b| b != 0).collect()),
        DType::U8 => CpuStorage::U8(read!(u8).into()),
        DType::I64 => CpuStorage::I64(read!(i64).into()),
        DType::F32 => CpuStorage::F32(read!(f32).into()),
        DType::F64 => CpuStorage::F64(read!(f64).into()),
    })
}

/// Conversion to `dtype` (the same dtype is a copy), with the CPU's rules (see kernels/elementwise.cu).
pub(crate) fn cast(s: &CudaStorage, l: &Layout, dtype: DType) -> Result<CudaStorage> {
    let from = s.dtype();
    // Bool and u8 share their representation: bool -> u8 is a copy, u8 -> bool is a nonzero test.
    if from == dtype || (from == DType::Bool && dtype == DType::U8) {
        let mut out = copy_strided(s, l, "to")?;
        out.set_dtype(dtype);
        return Ok(out);
    }
    map1(s, l, dtype, kernels::cast(from, dtype), "to")
}

/// `out[i] = kernel(x[l(i)])` into a fresh contiguous storage of `dtype` (no extra arguments).
fn map1(s: &CudaStorage, l: &Layout, dtype: DType, name: String, op: &'static str) -> Result<CudaStorage> {
    let n = l.numel();
    let out = s.sibling(n, dtype, op)?;
    if n == 0 {
        return Ok(out);
    }
    let gpu = s.gpu();
    let [lx] = collapse([l], op, gpu.device())?;
    let (n64, o, x) = (n as u64, out.ptr(), s.ptr());
    launch!(gpu, op, Module::Elementwise, name, grid(n); n64, o, x, lx);
    Ok(out)
}

/// The PyTorch name of a unary op, for errors (the CPU backend's names, so both devices report alike).
fn unary_name(op: UnaryOp) -> &'static str {
    match op {
        UnaryOp::Recip => "reciprocal",
        UnaryOp::Powf(_) => "pow",
        _ => kernels::unary_token(op),
    }
}

pub(crate) fn unary(s: &CudaStorage, op: UnaryOp, l: &Layout) -> Result<CudaStorage> {
    let name = unary_name(op);
    let dtype = s.dtype();
    match dtype {
        DType::F32 | DType::F64 => {}
        _ if op.needs_float() => return Err(Error::UnsupportedDType { op: name, dtype }),
        DType::I64 | DType::U8 => {}
        DType::Bool => match op {
            // On 0/1 these are the u8 kernels' results: logical_not flips, the rest are identities.
            UnaryOp::LogicalNot => {}
            UnaryOp::Abs | UnaryOp::Relu | UnaryOp::Sign | UnaryOp::Square => {
                return copy_strided(s, l, name);
            }
            _ => return Err(Error::UnsupportedDType { op: name, dtype }),
        },
    }
    let (p0, p1, flags): (f64, f64, i32) = match op {
        UnaryOp::Powf(p) => (p, 0.0, 0),
        UnaryOp::Clamp(lo, hi) => {
            (lo.unwrap_or(0.0), hi.unwrap_or(0.0), i32::from(lo.is_some()) | (i32::from(hi.is_some()) << 1))
        }
        UnaryOp::Affine(m, a) => (m, a, 0),
        _ => (0.0, 0.0, 0),
    };
    let n = l.numel();
    let out = s.sibling(n, dtype, name)?;
    if n == 0 {
        return Ok(out);
    }
    let gpu = s.gpu();
    let [lx] = collapse([l], name, gpu.device())?;
    let (n64, o, x) = (n as u64, out.ptr(), s.ptr());
    launch!(gpu, name, Module::Elementwise, kernels::unary(op, dtype), grid(n); n64, o, x, lx, p0, p1, flags);
    Ok(out)
}

/// The op a bool binary op runs as on u8 0/1 (the CPU's table), or None when bool has no such op.
fn bool_op(op: BinaryOp) -> Option<BinaryOp> {
    use BinaryOp::*;
    match op {
        Add | Or | Maximum => Some(Or),
        Mul | And | Minimum => Some(And),
        Xor | Ne => Some(Xor),
        Eq | Lt | Le | Gt | Ge => Some(op),
        Sub | Div | Pow => None,
    }
}

pub(crate) fn binary(
    op: BinaryOp,
    a: &CudaStorage,
    la: &Layout,
    b: &CudaStorage,
    lb: &Layout,
) -> Result<CudaStorage> {
    let dtype = a.dtype();
    if b.dtype() != dtype {
        return Err(Error::DTypeMismatch { op: op.name(), expected: dtype, got: b.dtype() });
    }
    let (kernel_op, out_dtype) = if dtype == DType::Bool {
        let k = bool_op(op).ok_or(Error::UnsupportedDType { op: op.name(), dtype })?;
        (k, DType::Bool)
    } else {
        (op, if op.is_predicate() { DType::Bool } else { dtype })
    };
    let n = la.numel();
    let out = a.sibling(n, out_dtype, op.name())?;
    if n == 0 {
        return Ok(out);
    }
    let gpu = a.gpu();
    let [lx, ly] = collapse([la, lb], op.name(), gpu.device())?;
    let (n64, o, x, y) = (n as u64, out.ptr(), a.ptr(), b.ptr());
    launch!(gpu, op.name(), Module::Elementwise, kernels::binary(kernel_op, dtype), grid(n); n64, o, x, lx, y, ly);
    Ok(out)
}

pub(crate) fn where_cond(
    c: &CudaStorage,
    lc: &Layout,
    t: &CudaStorage,
    lt: &Layout,
    f: &CudaStorage,
    lf: &Layout,
) -> Result<CudaStorage> {
    if c.dtype() != DType::Bool {
        return Err(Error::DTypeMismatch { op: "where", expected: DType::Bool, got: c.dtype() });
    }
    if t.dtype() != f.dtype() {
        return Err(Error::DTypeMismatch { op: "where", expected: t.dtype(), got: f.dtype() });
    }
    let n = lc.numel();
    let out = t.sibling(n, t.dtype(), "where")?;
    if n == 0 {
        return Ok(out);
    }
    let gpu = t.gpu();
    let [sc, st, sf] = collapse([lc, lt, lf], "where", gpu.device())?;
    let (n64, o, pc, pt, pf) = (n as u64, out.ptr(), c.ptr(), t.ptr(), f.ptr());
    launch!(gpu, "where", Module::Elementwise, kernels::typed("where", t.dtype()), grid(n); n64, o, pc, sc, pt, st, pf, sf);
    Ok(out)
}

/// Copies `src[ls]` into `dst[ld]` (same shape and dtype).
pub(crate) fn copy_into(dst: &mut CudaStorage, ld: &Layout, src: &CudaStorage, ls: &Layout) -> Result<()> {
    if dst.dtype() != src.dtype() {
        return Err(Error::DTypeMismatch { op: "copy_", expected: dst.dtype(), got: src.dtype() });
    }
    let n = ld.numel();
    if n == 0 {
        return Ok(());
    }
    let gpu = dst.gpu().clone();
    if let (Some(rd), Some(rs)) = (ld.contiguous_range(), ls.contiguous_range()) {
        return Ok(gpu.copy_dtod(
            at(dst, rd.start),
            at(src, rs.start),
            n * dst.dtype().size_in_bytes(),
            "copy_",
        )?);
    }
    let [sd, ss] = collapse([ld, ls], "copy_", gpu.device())?;
    let (n64, d, s) = (n as u64, dst.ptr(), src.ptr());
    launch!(gpu, "copy_", Module::Elementwise, kernels::typed("copy", dst.dtype()), grid(n); n64, d, sd, s, ss);
    Ok(())
}

/// Sets every element of the view to `value`, converted as the CPU does (`as` casts, bool: nonzero).
pub(crate) fn fill(dst: &mut CudaStorage, l: &Layout, value: Scalar) -> Result<()> {
    let n = l.numel();
    if n == 0 {
        return Ok(());
    }
    let gpu = dst.gpu().clone();
    let x = value.to_f64();
    if let Some(r) = l.contiguous_range()
        && x == 0.0
        && x.is_sign_positive()
    {
        // Zero is all-zero bytes in every dtype: a memset.
        return Ok(gpu.memset_zero(at(dst, r.start), n * dst.dtype().size_in_bytes(), "fill_")?);
    }
    let [sd] = collapse([l], "fill_", gpu.device())?;
    let (n64, d) = (n as u64, dst.ptr());
    let name = kernels::typed("fill", dst.dtype());
    match dst.dtype() {
        DType::F32 => {
            let v = x as f32;
            launch!(gpu, "fill_", Module::Elementwise, name, grid(n); n64, d, sd, v);
        }
        DType::F64 => launch!(gpu, "fill_", Module::Elementwise, name, grid(n); n64, d, sd, x),
        DType::I64 => {
            let v = x as i64;
            launch!(gpu, "fill_", Module::Elementwise, name, grid(n); n64, d, sd, v);
        }
        DType::U8 => {
            let v = x as i64 as u8;
            launch!(gpu, "fill_", Module::Elementwise, name, grid(n); n64, d, sd, v);
        }
        DType::Bool => {
            let v = u8::from(x != 0.0);
            launch!(gpu, "fill_", Module::Elementwise, name, grid(n); n64, d, sd, v);
        }
    }
    Ok(())
}

/// `dst[ld] = dst[ld] op rhs[lr]`. Arithmetic on a numeric dtype runs in place through the
/// destination's layout; anything else (comparisons, bool) computes out of place and copies back,
/// as on the CPU, where a result of another dtype is an error.
pub(crate) fn binary_inplace(
    op: BinaryOp,
    dst: &mut CudaStorage,
    ld: &Layout,
    rhs: &CudaStorage,
    lr: &Layout,
) -> Result<()> {
    let dtype = dst.dtype();
    if kernels::has_inplace(op) && dtype != DType::Bool && rhs.dtype() == dtype {
        let n = ld.numel();
        if n == 0 {
            return Ok(());
        }
        let gpu = dst.gpu().clone();
        let [sd, sr] = collapse([ld, lr], op.name(), gpu.device())?;
        let (n64, d, r) = (n as u64, dst.ptr(), rhs.ptr());
        launch!(gpu, op.name(), Module::Elementwise, kernels::inplace(op, dtype), grid(n); n64, d, sd, r, sr);
        return Ok(());
    }
    let out = binary(op, dst, ld, rhs, lr)?;
    if out.dtype() != dtype {
        return Err(Error::DTypeMismatch { op: op.name(), expected: dtype, got: out.dtype() });
    }
    copy_into(dst, ld, &out, &Layout::contiguous(ld.shape().clone()))
}

/// `dst[ld] = a[la] * b[lb] + dst[ld]`, one rounding for floats (`fma`), wrapping for integers.
pub(crate) fn mul_add_inplace(
    dst: &mut CudaStorage,
    ld: &Layout,
    a: &CudaStorage,
    la: &Layout,
    b: &CudaStorage,
    lb: &Layout,
) -> Result<()> {
    let dtype = dst.dtype();
    if a.dtype() != dtype || b.dtype() != dtype {
        let got = if a.dtype() != dtype { a.dtype() } else { b.dtype() };
        return Err(Error::DTypeMismatch { op: "mul_add", expected: dtype, got });
    }
    if dtype == DType::Bool {
        return Err(Error::UnsupportedDType { op: "mul_add", dtype });
    }
    let n = ld.numel();
    if n == 0 {
        return Ok(());
    }
    let gpu = dst.gpu().clone();
    let [sd, sa, sb] = collapse([ld, la, lb], "mul_add", gpu.device())?;
    let (n64, d, pa, pb) = (n as u64, dst.ptr(), a.ptr(), b.ptr());
    launch!(gpu, "mul_add", Module::Elementwise, kernels::typed("mul_add", dtype), grid(n); n64, d, sd, pa, sa, pb, sb);
    Ok(())
}
