//! The rows of the op table: one per public `Tensor` op autograd can reach, grouped as the core
//! groups its methods (arith, reduce, shape, index, in-place, linalg, convert).

use super::shapes::*;
use super::{Domain, OpInfo};
use crate::Result;
use ferrite_tensor::op::UnaryOp;
use ferrite_tensor::{DType, Device, NewAxis, Tensor, s};

use Domain::{Away, Distinct, NonZero, Positive, Real};

fn op(name: &'static str, method: &'static str, torch: &'static str, arity: usize) -> Row {
    Row(name, method, torch, arity)
}

/// The first half of a row; `.with(shapes, call)` completes it.
struct Row(&'static str, &'static str, &'static str, usize);

impl Row {
    fn with(self, shapes: super::ShapeFn, call: super::OpFn) -> OpInfo {
        OpInfo::new(self.0, self.1, self.2, self.3, shapes, call)
    }
}

/// Every op of the table, in the core's method order (arith, predicates, reductions, shape,
/// index and in-place, linalg, conversions).
///
/// ```
/// use ferrite_autograd::optable::op_table;
/// let table = op_table();
/// assert!(table.iter().any(|op| op.method == "matmul" && op.arity == 2));
/// assert!(table.iter().filter(|op| !op.differentiable).all(|op| op.torch.len() > 0));
/// ```
pub fn op_table() -> Vec<OpInfo> {
    [arith(), predicates(), reductions(), shape_ops(), index_and_inplace(), linalg(), conversions()].concat()
}

fn arith() -> Vec<OpInfo> {
    vec![
        op("neg", "neg", "torch.neg", 1).with(same, |x| Ok(x[0].neg()?)),
        op("exp", "exp", "torch.exp", 1).with(same, |x| Ok(x[0].exp()?)),
        op("log", "log", "torch.log", 1).with(same, |x| Ok(x[0].log()?)).domains(&[Positive]),
        op("sqrt", "sqrt", "torch.sqrt", 1).with(same, |x| Ok(x[0].sqrt()?)).domains(&[Positive]),
        op("abs", "abs", "torch.abs", 1).with(same, |x| Ok(x[0].abs()?)).domains(&[Away(&[0.0])]),
        op("sin", "sin", "torch.sin", 1).with(same, |x| Ok(x[0].sin()?)),
        op("cos", "cos", "torch.cos", 1).with(same, |x| Ok(x[0].cos()?)),
        op("relu", "relu", "torch.relu", 1).with(same, |x| Ok(x[0].relu()?)).domains(&[Away(&[0.0])]),
        op("sigmoid", "sigmoid", "torch.sigmoid", 1).with(same, |x| Ok(x[0].sigmoid()?)),
        op("tanh", "tanh", "torch.tanh", 1).with(same, |x| Ok(x[0].tanh()?)),
        op("sign", "sign", "torch.sign", 1).with(same, |x| Ok(x[0].sign()?)).domains(&[Away(&[0.0])]),
        op("square", "square", "torch.square", 1).with(same, |x| Ok(x[0].square()?)),
        op("reciprocal", "reciprocal", "torch.reciprocal", 1)
            .with(same, |x| Ok(x[0].reciprocal()?))
            .domains(&[NonZero]),
        op("clamp", "clamp", "torch.clamp", 1)
            .with(same, |x| Ok(x[0].clamp(Some(-0.5), Some(0.5))?))
            .domains(&[Away(&[-0.5, 0.5])]),
        op("clamp_min", "clamp", "torch.clamp(min=)", 1)
            .with(same, |x| Ok(x[0].clamp(Some(0.3), None)?))
            .domains(&[Away(&[0.3])]),
        op("clamp_max", "clamp", "torch.clamp(max=)", 1)
            .with(same, |x| Ok(x[0].clamp(None, Some(-0.2))?))
            .domains(&[Away(&[-0.2])]),
        op("pow_scalar", "pow", "torch.pow(Tensor, Scalar)", 1).with(same, |x| Ok(x[0].pow(3)?)),
        op("pow_frac", "pow", "torch.pow(Tensor, Scalar)", 1)
            .with(same, |x| Ok(x[0].pow(0.5)?))
            .domains(&[Positive]),
        op("pow_zero", "pow", "torch.pow(Tensor, 0)", 1).with(same, |x| Ok(x[0].pow(0.0)?)),
        op("apply_unary_square", "apply_unary", "torch.square", 1)
            .with(same, |x| Ok(x[0].apply_unary(UnaryOp::Square)?)),
        op("apply_unary_affine", "apply_unary", "x * 2.5 - 1", 1)
            .with(same, |x| Ok(x[0].apply_unary(UnaryOp::Affine(2.5, -1.0))?)),
        op("add_scalar", "add", "torch.add(Tensor, Scalar)", 1).with(same, |x| Ok(x[0].add(2.0)?)),
        op("sub_scalar", "sub", "torch.sub(Tensor, Scalar)", 1).with(same, |x| Ok(x[0].sub(0.5)?)),
        op("mul_scalar", "mul_scalar", "torch.mul(Tensor, Scalar)", 1)
            .with(same, |x| Ok(x[0].mul_scalar(1.5)?)),
        op("div_scalar", "div", "torch.div(Tensor, Scalar)", 1).with(same, |x| Ok(x[0].div(4.0)?)),
        op("rsub_scalar", "rsub", "torch.rsub(Tensor, Scalar)", 1).with(same, |x| Ok(x[0].rsub(3.0)?)),
        op("add", "add", "torch.add", 2).with(bcast2, |x| Ok(x[0].add(&x[1])?)),
        op("sub", "sub", "torch.sub", 2).with(bcast2, |x| Ok(x[0].sub(&x[1])?)),
        op("rsub", "rsub", "torch.rsub", 2).with(bcast2, |x| Ok(x[0].rsub(&x[1])?)),
        op("mul", "mul", "torch.mul", 2).with(bcast2, |x| Ok(x[0].mul(&x[1])?)),
        op("div", "div", "torch.div", 2).with(bcast2, |x| Ok(x[0].div(&x[1])?)).domains(&[Real, NonZero]),
        op("pow", "pow", "torch.pow(Tensor, Tensor)", 2)
            .with(bcast2, |x| Ok(x[0].pow(&x[1])?))
            .domains(&[Positive, Real]),
        op("maximum", "maximum", "torch.maximum", 2)
            .with(bcast2, |x| Ok(x[0].maximum(&x[1])?))
            .domains(&[Distinct]),
        op("minimum", "minimum", "torch.minimum", 2)
            .with(bcast2, |x| Ok(x[0].minimum(&x[1])?))
            .domains(&[Distinct]),
        op("where", "where_", "torch.where", 2).with(bcast2, |x| Ok(x[0].where_(&parity(&x[0])?, &x[1])?)),
        op("where_scalar", "where_", "torch.where(cond, x, 0.5)", 1)
            .with(same, |x| Ok(x[0].where_(&parity(&x[0])?, 0.5)?)),
    ]
}

fn predicates() -> Vec<OpInfo> {
    vec![
        op("eq", "eq", "torch.eq", 2).with(bcast2, |x| Ok(x[0].eq(&x[1])?)).nondiff(),
        op("ne", "ne", "torch.ne", 2).with(bcast2, |x| Ok(x[0].ne(&x[1])?)).nondiff(),
        op("lt", "lt", "torch.lt", 2).with(bcast2, |x| Ok(x[0].lt(&x[1])?)).nondiff(),
        op("le", "le", "torch.le", 2).with(bcast2, |x| Ok(x[0].le(&x[1])?)).nondiff(),
        op("gt", "gt", "torch.gt", 2).with(bcast2, |x| Ok(x[0].gt(&x[1])?)).nondiff(),
        op("ge", "ge", "torch.ge", 2).with(bcast2, |x| Ok(x[0].ge(&x[1])?)).nondiff(),
        op("logical_and", "logical_and", "torch.logical_and", 2)
            .with(bcast2, |x| Ok(x[0].logical_and(&x[1])?))
            .nondiff(),
        op("logical_or", "logical_or", "torch.logical_or", 2)
            .with(bcast2, |x| Ok(x[0].logical_or(&x[1])?))
            .nondiff(),
        op("logical_xor", "logical_xor", "torch.logical_xor", 2)
            .with(bcast2, |x| Ok(x[0].logical_xor(&x[1])?))
            .nondiff(),
        op("logical_not", "logical_not", "torch.logical_not", 1)
            .with(same, |x| Ok(x[0].logical_not()?))
            .nondiff(),
        op("argmax", "argmax", "torch.argmax", 1)
            .with(rank1, |x| Ok(x[0].argmax(Some(-1), false)?))
            .nondiff(),
        op("argmin", "argmin", "torch.argmin", 1).with(same, |x| Ok(x[0].argmin(None, false)?)).nondiff(),
        op("detach", "detach", "Tensor.detach", 1).with(same, |x| Ok(x[0].detach())).nondiff(),
        op("data", "data", "Tensor.data", 1).with(same, |x| Ok(x[0].data())).nondiff(),
        op("long", "long", "Tensor.long", 1).with(same, |x| Ok(x[0].long()?)).nondiff(),
    ]
}

fn reductions() -> Vec<OpInfo> {
    vec![
        op("sum", "sum", "torch.sum(dim)", 1).with(rank1, |x| Ok(x[0].sum(&[0], false)?)),
        op("sum_keepdim", "sum", "torch.sum(dim, keepdim=True)", 1)
            .with(rank1, |x| Ok(x[0].sum(&[-1], true)?)),
        op("sum_dims", "sum", "torch.sum((0, -1))", 1).with(rank2, |x| Ok(x[0].sum(&[0, -1], false)?)),
        op("sum_all", "sum_all", "torch.sum", 1).with(same, |x| Ok(x[0].sum_all()?)),
        op("mean", "mean", "torch.mean(dim)", 1).with(rank1, |x| Ok(x[0].mean(&[-1], false)?)),
        op("mean_all", "mean_all", "torch.mean", 1).with(same, |x| Ok(x[0].mean_all()?)),
        op("prod", "prod", "torch.prod(dim)", 1)
            .with(rank1, |x| Ok(x[0].prod(&[-1], false)?))
            .domains(&[NonZero]),
        op("prod_all", "prod", "torch.prod", 1).with(same, |x| Ok(x[0].prod(&[], true)?)).domains(&[NonZero]),
        op("max_all", "max_all", "torch.max", 1).with(same, |x| Ok(x[0].max_all()?)).domains(&[Distinct]),
        op("min_all", "min_all", "torch.min", 1).with(same, |x| Ok(x[0].min_all()?)).domains(&[Distinct]),
        op("amax", "amax", "torch.amax", 1)
            .with(rank1, |x| Ok(x[0].amax(&[-1], false)?))
            .domains(&[Distinct]),
        op("amax_all", "amax", "torch.amax(keepdim=True)", 1)
            .with(same, |x| Ok(x[0].amax(&[], true)?))
            .domains(&[Distinct]),
        op("max_dim", "max", "torch.max(dim)", 1)
            .with(rank1, |x| Ok(x[0].max(-1, false)?.0))
            .domains(&[Distinct]),
        op("min_dim", "min", "torch.min(dim, keepdim=True)", 1)
            .with(rank1, |x| Ok(x[0].min(0, true)?.0))
            .domains(&[Distinct]),
        op("cumsum", "cumsum", "torch.cumsum", 1).with(rank1, |x| Ok(x[0].cumsum(-1)?)),
        op("cumsum_0", "cumsum", "torch.cumsum(dim=0)", 1).with(rank1, |x| Ok(x[0].cumsum(0)?)),
        op("logsumexp", "logsumexp", "torch.logsumexp", 1).with(rank1, |x| Ok(x[0].logsumexp(-1, false)?)),
        op("softmax", "softmax", "torch.softmax", 1).with(rank1, |x| Ok(x[0].softmax(-1)?)),
        op("log_softmax", "log_softmax", "torch.log_softmax", 1).with(rank1, |x| Ok(x[0].log_softmax(0)?)),
        op("var", "var", "torch.var", 1).with(wide_last, |x| Ok(x[0].var(&[-1], true, false)?)),
        op("std", "std", "torch.std(keepdim=True)", 1)
            .with(wide_last, |x| Ok(x[0].std(&[-1], true, true)?)),
    ]
}

fn shape_ops() -> Vec<OpInfo> {
    vec![
        op("reshape", "reshape", "torch.reshape", 1).with(same, |x| Ok(x[0].reshape([-1])?)),
        op("view", "view", "Tensor.view", 1).with(same, |x| Ok(x[0].contiguous()?.view([-1])?)),
        op("flatten", "flatten", "torch.flatten", 1).with(rank2, |x| Ok(x[0].flatten(0, 1)?)),
        op("flatten_all", "flatten_all", "torch.flatten", 1).with(same, |x| Ok(x[0].flatten_all()?)),
        op("unsqueeze", "unsqueeze", "torch.unsqueeze", 1).with(same, |x| Ok(x[0].unsqueeze(-1)?)),
        op("squeeze", "squeeze", "torch.squeeze(dim)", 1).with(lead_one, |x| Ok(x[0].squeeze(0)?)),
        op("squeeze_all", "squeeze_all", "torch.squeeze", 1).with(with_ones, |x| Ok(x[0].squeeze_all()?)),
        op("transpose", "transpose", "torch.transpose", 1).with(rank1, |x| Ok(x[0].transpose(0, -1)?)),
        op("t", "t", "Tensor.t", 1).with(matrix, |x| Ok(x[0].t()?)),
        op("permute", "permute", "torch.permute", 1).with(same, |x| {
            let reversed: Vec<isize> = (0..x[0].dim() as isize).rev().collect();
            Ok(x[0].permute(&reversed)?)
        }),
        op("expand", "expand", "Tensor.expand", 1).with(with_ones, |x| Ok(x[0].expand(grown(&x[0]))?)),
        op("broadcast_to", "broadcast_to", "torch.broadcast_to", 1)
            .with(with_ones, |x| Ok(x[0].broadcast_to(grown(&x[0]))?)),
        op("narrow", "narrow", "torch.narrow", 1).with(wide_last, |x| {
            let n = x[0].size(-1)?;
            Ok(x[0].narrow(-1, 1, n - 1)?)
        }),
        op("slice", "slice", "x[..., ::2]", 1).with(rank1, |x| Ok(x[0].slice(-1, Some(0), None, 2)?)),
        op("slice_neg", "slice", "x[-2:]", 1).with(rank1, |x| Ok(x[0].slice(0, Some(-2), None, 1)?)),
        op("select", "select", "torch.select", 1).with(rank1, |x| Ok(x[0].select(0, -1)?)),
        op("index", "i", "x[::2, None]", 1).with(rank1, |x| Ok(x[0].i(s![..;2, NewAxis])?)),
        op("index_mixed", "i", "x[-1, 1:]", 1).with(rank2, |x| Ok(x[0].i(s![-1, 1..])?)),
        op("cat", "cat", "torch.cat", 2).with(cat2, |x| Ok(Tensor::cat(&[&x[0], &x[1]], 0)?)),
        op("stack", "stack", "torch.stack", 2).with(same2, |x| Ok(Tensor::stack(&[&x[0], &x[1]], -1)?)),
        op("split", "split", "torch.split", 1).with(rank1, |x| weighted_cat(x[0].split(2, -1)?, -1)),
        op("split_sizes", "split_sizes", "torch.split(sizes)", 1).with(rank1, |x| {
            let n = x[0].size(0)?;
            weighted_cat(x[0].split_sizes(&[1, n - 1], 0)?, 0)
        }),
        op("chunk", "chunk", "torch.chunk", 1).with(rank1, |x| weighted_cat(x[0].chunk(2, 0)?, 0)),
        op("iter", "iter", "iter(x)", 1).with(rank1, |x| {
            let rows: Vec<Tensor> = x[0].iter()?.collect();
            weighted_cat(rows.iter().map(|r| r.unsqueeze(0)).collect::<Result<_, _>>()?, 0)
        }),
    ]
}

fn index_and_inplace() -> Vec<OpInfo> {
    vec![
        op("index_select", "index_select", "torch.index_select", 1)
            .with(rank1, |x| Ok(x[0].index_select(0, &select_ids(x[0].dims()[0])?)?)),
        op("gather", "gather", "torch.gather", 1).with(rank1, |x| Ok(x[0].gather(-1, &gather_ids(&x[0])?)?)),
        op("set_", "set_", "x[0] = value", 2).with(row_value, |x| {
            let b = x[0].mul(1.0)?;
            b.set_(s![0], &x[1])?;
            Ok(b)
        }),
        op("set_scalar", "set_", "x[0] = 2.0", 1).with(rank1, |x| {
            let b = x[0].mul(1.0)?;
            b.set_(s![0], 2.0)?;
            Ok(b.mul(&x[0])?)
        }),
        op("copy_", "copy_", "Tensor.copy_", 2).with(into_base, |x| {
            let b = x[0].mul(1.0)?;
            b.copy_(&x[1])?;
            Ok(b.mul(&x[0])?)
        }),
        op("fill_", "fill_", "Tensor.fill_", 1).with(same, |x| {
            let b = x[0].mul(2.0)?;
            b.fill_(3.0)?;
            Ok(b.mul(&x[0])?)
        }),
        op("zero_", "zero_", "Tensor.zero_", 1).with(same, |x| {
            let b = x[0].mul(2.0)?;
            b.zero_()?;
            Ok(b.add(&x[0])?)
        }),
        op("add_", "add_", "Tensor.add_", 2).with(into_base, |x| {
            let b = x[0].mul(1.0)?;
            b.add_(&x[1])?;
            Ok(b)
        }),
        op("sub_", "sub_", "Tensor.sub_", 2).with(into_base, |x| {
            let b = x[0].mul(1.0)?;
            b.sub_(&x[1])?;
            Ok(b)
        }),
        // The factor is a constant: with one that requires grad, the core's in-place op saves the
        // overwritten storage, and backward reports it as modified; tests/rules.rs keeps that case as
        // an ignored test until the core saves a copy, as PyTorch does.
        op("mul_", "mul_", "Tensor.mul_", 1).with(same, |x| {
            let b = x[0].exp()?.mul(1.0)?;
            b.mul_(&ramp(&x[0])?)?;
            Ok(b)
        }),
        op("div_", "div_", "Tensor.div_", 1).with(same, |x| {
            let b = x[0].mul(1.0)?;
            b.div_(&ramp(&x[0])?)?;
            Ok(b)
        }),
    ]
}

fn linalg() -> Vec<OpInfo> {
    vec![
        op("matmul_1d_1d", "matmul", "torch.matmul([k], [k])", 2).with(mm_vv, |x| Ok(x[0].matmul(&x[1])?)),
        op("matmul_2d_1d", "matmul", "torch.matmul([m,k], [k])", 2).with(mm_mv, |x| Ok(x[0].matmul(&x[1])?)),
        op("matmul_1d_2d", "matmul", "torch.matmul([k], [k,n])", 2).with(mm_vm, |x| Ok(x[0].matmul(&x[1])?)),
        op("matmul_2d_2d", "matmul", "torch.matmul([m,k], [k,n])", 2)
            .with(mm_mm, |x| Ok(x[0].matmul(&x[1])?)),
        op("matmul_3d_3d", "matmul", "torch.matmul([b,m,k], [b,k,n])", 2)
            .with(mm_bb, |x| Ok(x[0].matmul(&x[1])?)),
        op("matmul_3d_2d", "matmul", "torch.matmul([b,m,k], [k,n])", 2)
            .with(mm_bm, |x| Ok(x[0].matmul(&x[1])?)),
        op("matmul_2d_3d", "matmul", "torch.matmul([m,k], [b,k,n])", 2)
            .with(mm_mb, |x| Ok(x[0].matmul(&x[1])?)),
        op("matmul_1d_3d", "matmul", "torch.matmul([k], [b,k,n])", 2)
            .with(mm_vb, |x| Ok(x[0].matmul(&x[1])?)),
        op("matmul_3d_1d", "matmul", "torch.matmul([b,m,k], [k])", 2)
            .with(mm_bv, |x| Ok(x[0].matmul(&x[1])?)),
        op("matmul_broadcast", "matmul", "torch.matmul([2,1,m,k], [b,k,n])", 2)
            .with(mm_broadcast, |x| Ok(x[0].matmul(&x[1])?)),
        op("dot", "dot", "torch.dot", 2).with(mm_vv, |x| Ok(x[0].dot(&x[1])?)),
        op("mv", "mv", "torch.mv", 2).with(mm_mv, |x| Ok(x[0].mv(&x[1])?)),
        op("mm", "mm", "torch.mm", 2).with(mm_mm, |x| Ok(x[0].mm(&x[1])?)),
        op("addmm", "addmm", "torch.addmm(bias[n], [m,k], [k,n])", 3)
            .with(addmm_shapes, |x| Ok(x[0].addmm(&x[1], &x[2])?)),
        op("bmm", "bmm", "torch.bmm", 2).with(mm_bb, |x| Ok(x[0].bmm(&x[1])?)),
        op("norm", "norm", "torch.norm", 1).with(same, |x| Ok(x[0].norm()?)).domains(&[Away(&[0.0])]),
        op("norm_p1", "norm_p", "torch.norm(p=1, dim=-1)", 1)
            .with(rank1, |x| Ok(x[0].norm_p(1.0, &[-1], false)?))
            .domains(&[Away(&[0.0])]),
        op("norm_p3", "norm_p", "torch.norm(p=3)", 1)
            .with(same, |x| Ok(x[0].norm_p(3.0, &[], false)?))
            .domains(&[Away(&[0.0])]),
        op("norm_inf", "norm_p", "torch.norm(p=inf, dim=-1)", 1)
            .with(rank1, |x| Ok(x[0].norm_p(f64::INFINITY, &[-1], true)?))
            .domains(&[Distinct]),
    ]
}

fn conversions() -> Vec<OpInfo> {
    vec![
        op("to_dtype", "to_dtype", "Tensor.to(float32)", 1)
            .with(same, |x| Ok(x[0].to_dtype(DType::F32)?.to_dtype(DType::F64)?))
            .loose(),
        op("float", "float", "Tensor.float", 1).with(same, |x| Ok(x[0].float()?.double()?)).loose(),
        op("double", "double", "Tensor.double", 1).with(same, |x| Ok(x[0].float()?.double()?)).loose(),
        op("contiguous", "contiguous", "Tensor.contiguous", 1).with(same, |x| Ok(x[0].contiguous()?)),
        op("deep_clone", "deep_clone", "Tensor.clone", 1).with(same, |x| Ok(x[0].deep_clone()?)),
        op("to_device", "to_device", "Tensor.to(device)", 1).with(same, |x| Ok(x[0].to_device(Device::Cpu)?)),
    ]
}

/// A fixed bool condition of `t`'s shape (alternating), independent of its values so that
/// perturbing the input does not move it.
fn parity(t: &Tensor) -> Result<Tensor> {
    let v: Vec<bool> = (0..t.numel()).map(|k| k % 2 == 0).collect();
    Ok(Tensor::from_vec(v, t.shape().clone())?)
}

/// A fixed positive f64 factor of `t`'s shape (0.5, 1.5, 2.5, 0.5, ...).
fn ramp(t: &Tensor) -> Result<Tensor> {
    let v: Vec<f64> = (0..t.numel()).map(|k| (k % 3) as f64 + 0.5).collect();
    Ok(Tensor::from_vec(v, t.shape().clone())?)
}

/// `t`'s shape with a new leading dim of 2 and each size-1 dim grown to 3.
fn grown(t: &Tensor) -> Vec<usize> {
    std::iter::once(2).chain(t.dims().iter().map(|&d| if d == 1 { 3 } else { d })).collect()
}

/// Indices into a dim of size `n`, with a repeat so index_select's adjoint must accumulate.
fn select_ids(n: usize) -> Result<Tensor> {
    let n = n as i64;
    Ok(Tensor::from_vec(vec![n - 1, 0, (n - 1) / 2, n - 1], [4])?)
}

/// Gather indices of `t`'s shape along the last dim, mixing positions and repeating some.
fn gather_ids(t: &Tensor) -> Result<Tensor> {
    let last = t.dims().last().copied().unwrap_or(1).max(1);
    let v: Vec<i64> = (0..t.numel()).map(|k| ((k % last) * 2 + k / last) as i64 % last as i64).collect();
    Ok(Tensor::from_vec(v, t.shape().clone())?)
}

/// Pieces scaled by 1, 2, 3, ... and concatenated along `dim`, so each piece's gradient differs.
fn weighted_cat(pieces: Vec<Tensor>, dim: isize) -> Result<Tensor> {
    let scaled =
        pieces.iter().enumerate().map(|(i, p)| p.mul((i + 1) as f64)).collect::<Result<Vec<_>, _>>()?;
    let refs: Vec<&Tensor> = scaled.iter().collect();
    Ok(Tensor::cat(&refs, dim)?)
}
