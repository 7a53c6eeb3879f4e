//! Rules of elementwise binary ops and `where`. The core records the operands in their own
//! (unbroadcast) shapes, so every gradient is summed back to its operand's shape with
//! [`sum_to`]; each operand's gradient is computed only when that operand requires grad.

use super::shape::sum_to;
use super::unary::zero_where;
use super::{Ctx, Grads};
use crate::Result;
use ferrite_tensor::Tensor;
use ferrite_tensor::op::BinaryOp;

pub(super) fn backward(ctx: &Ctx<'_>, op: BinaryOp) -> Result<Grads> {
    if op.is_predicate() {
        // Comparisons and logic give bool, which never records; they have no gradient.
        return Ok(vec![None; ctx.arity()]);
    }
    let g = ctx.grad;
    let (ga, gb) = match op {
        BinaryOp::Add => (ctx.if_needed(0, || Ok(g.clone()))?, ctx.if_needed(1, || Ok(g.clone()))?),
        BinaryOp::Sub => (ctx.if_needed(0, || Ok(g.clone()))?, ctx.if_needed(1, || Ok(g.neg()?))?),
        BinaryOp::Mul => {
            (ctx.if_needed(0, || Ok(g.mul(ctx.value(1)?)?))?, ctx.if_needed(1, || Ok(g.mul(ctx.value(0)?)?))?)
        }
        BinaryOp::Div => {
            (ctx.if_needed(0, || Ok(g.div(ctx.value(1)?)?))?, ctx.if_needed(1, || div_rhs(ctx))?)
        }
        BinaryOp::Pow => (ctx.if_needed(0, || pow_base(ctx))?, ctx.if_needed(1, || pow_exponent(ctx))?),
        BinaryOp::Maximum | BinaryOp::Minimum => extremum(ctx, op == BinaryOp::Maximum)?,
        _ => (None, None),
    };
    Ok(vec![reduce_to(ctx, 0, ga)?, reduce_to(ctx, 1, gb)?])
}

/// Sums a broadcast gradient back to input `i`'s shape.
fn reduce_to(ctx: &Ctx<'_>, i: usize, g: Option<Tensor>) -> Result<Option<Tensor>> {
    g.map(|g| sum_to(&g, ctx.shape(i)?)).transpose()
}

/// `d(a/b)/db = -a / b²`.
fn div_rhs(ctx: &Ctx<'_>) -> Result<Tensor> {
    let (a, b) = (ctx.value(0)?, ctx.value(1)?);
    Ok(ctx.grad.neg()?.mul(a)?.div(&b.square()?)?)
}

/// `d(a^b)/da = b a^(b-1)`, zero where `b == 0` (PyTorch's `pow_backward_self`, which avoids
/// `0 * 0^-1 = NaN` at `a == 0`).
fn pow_base(ctx: &Ctx<'_>) -> Result<Tensor> {
    let (a, b) = (ctx.value(0)?, ctx.value(1)?);
    let d = b.mul(&a.pow(&b.sub(1.0)?)?)?;
    zero_where(&ctx.grad.mul(&d)?, &b.eq(0.0)?)
}

/// `d(a^b)/db = a^b ln a`, zero where `a == 0` and `b >= 0` (PyTorch's `pow_backward_exponent`:
/// the limit there is 0, while the formula gives `0 * -inf = NaN`).
fn pow_exponent(ctx: &Ctx<'_>) -> Result<Tensor> {
    let (a, b) = (ctx.value(0)?, ctx.value(1)?);
    let d = a.pow(b)?.mul(&a.log()?)?;
    let limit_zero = a.eq(0.0)?.logical_and(&b.ge(0.0)?)?;
    zero_where(&ctx.grad.mul(&d)?, &limit_zero)
}

/// `maximum`/`minimum`: the gradient goes to the selected operand; ties split it half and half,
/// as PyTorch's `where(a == b, grad / 2, grad).masked_fill_(a < b, 0)` (for maximum).
fn extremum(ctx: &Ctx<'_>, max: bool) -> Result<(Option<Tensor>, Option<Tensor>)> {
    let (a, b) = (ctx.value(0)?, ctx.value(1)?);
    let g = ctx.grad;
    let shared = g.mul(0.5)?.where_(&a.eq(b)?, g)?;
    let (a_loses, b_loses) = if max { (a.lt(b)?, a.gt(b)?) } else { (a.gt(b)?, a.lt(b)?) };
    let ga = ctx.if_needed(0, || zero_where(&shared, &a_loses))?;
    let gb = ctx.if_needed(1, || zero_where(&shared, &b_loses))?;
    Ok((ga, gb))
}

/// `where(cond, a, b)`: inputs `[cond, a, b]`; the gradient goes to `a` where `cond` holds and
/// to `b` elsewhere; `cond` has none.
pub(super) fn where_cond(ctx: &Ctx<'_>) -> Result<Grads> {
    let g = ctx.grad;
    let ga = ctx.if_needed(1, || zero_where(g, &ctx.value(0)?.logical_not()?))?;
    let gb = ctx.if_needed(2, || zero_where(g, ctx.value(0)?))?;
    Ok(vec![None, reduce_to(ctx, 1, ga)?, reduce_to(ctx, 2, gb)?])
}
