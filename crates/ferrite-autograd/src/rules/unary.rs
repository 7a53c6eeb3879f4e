//! Rules of elementwise unary ops: `grad * f'(x)`, written with the output where the core saves
//! it (`exp`, `sqrt`, `sigmoid`, `tanh`) so no transcendental is evaluated twice.

use super::{Ctx, Grads};
use crate::Result;
use ferrite_tensor::Tensor;
use ferrite_tensor::op::UnaryOp;

pub(super) fn backward(ctx: &Ctx<'_>, op: UnaryOp) -> Result<Grads> {
    if op == UnaryOp::LogicalNot {
        // Its output is bool, which never records; a node would be a core bug, but it has no gradient.
        return Ok(vec![None]);
    }
    Ok(vec![ctx.if_needed(0, || derivative(ctx, op))?])
}

fn derivative(ctx: &Ctx<'_>, op: UnaryOp) -> Result<Tensor> {
    let g = ctx.grad;
    Ok(match op {
        UnaryOp::Neg => g.neg()?,
        UnaryOp::Exp => g.mul(ctx.output()?)?,
        UnaryOp::Log => g.div(ctx.value(0)?)?,
        // d sqrt(x) = 1 / (2 sqrt(x)), from the saved output.
        UnaryOp::Sqrt => g.div(&ctx.output()?.mul(2.0)?)?,
        // PyTorch's abs backward is grad * sign(x): 0 at 0.
        UnaryOp::Abs => g.mul(&ctx.value(0)?.sign()?)?,
        UnaryOp::Sin => g.mul(&ctx.value(0)?.cos()?)?,
        UnaryOp::Cos => g.mul(&ctx.value(0)?.sin()?.neg()?)?,
        // Zero where x <= 0, so the gradient at 0 is 0 as in PyTorch.
        UnaryOp::Relu => zero_where(g, &ctx.value(0)?.le(0.0)?)?,
        UnaryOp::Sigmoid => {
            let y = ctx.output()?;
            g.mul(&y.mul(&y.rsub(1.0)?)?)?
        }
        UnaryOp::Tanh => g.mul(&ctx.output()?.square()?.rsub(1.0)?)?,
        UnaryOp::Sign => g.zeros_like()?,
        // d(1/x) = -1/x².
        UnaryOp::Recip => g.neg()?.div(&ctx.value(0)?.square()?)?,
        UnaryOp::Square => g.mul(&ctx.value(0)?.mul(2.0)?)?,
        UnaryOp::Powf(p) => powf(g, ctx.value(0)?, p)?,
        UnaryOp::Clamp(lo, hi) => clamp(g, ctx.value(0)?, lo, hi)?,
        UnaryOp::Affine(mul, _) => g.mul(mul)?,
        UnaryOp::LogicalNot => g.zeros_like()?,
    })
}

/// `p * x^(p-1)`; PyTorch returns zeros for `p == 0`, where the formula would give `0 * x^-1`
/// (NaN at `x == 0`).
fn powf(g: &Tensor, x: &Tensor, p: f64) -> Result<Tensor> {
    if p == 0.0 {
        return Ok(g.zeros_like()?);
    }
    Ok(g.mul(&x.pow(p - 1.0)?.mul(p)?)?)
}

/// The gradient passes where `min < x < max` and is zero elsewhere: at the bounds (PyTorch's
/// `clamp_backward` with scalar bounds, like `clamp_min`'s `self > min`) and at NaN.
fn clamp(g: &Tensor, x: &Tensor, lo: Option<f64>, hi: Option<f64>) -> Result<Tensor> {
    let mut inside = x.eq(x)?; // true except at NaN
    if let Some(lo) = lo {
        inside = inside.logical_and(&x.gt(lo)?)?;
    }
    if let Some(hi) = hi {
        inside = inside.logical_and(&x.lt(hi)?)?;
    }
    Ok(g.where_(&inside, 0.0)?)
}

/// `g` with zeros where `cond` holds.
pub(super) fn zero_where(g: &Tensor, cond: &Tensor) -> Result<Tensor> {
    Ok(g.where_(&cond.logical_not()?, 0.0)?)
}
