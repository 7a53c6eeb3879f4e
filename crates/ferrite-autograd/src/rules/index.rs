//! Rules of index-tensor ops (`index_select`, `gather`), whose adjoints add the gradient back at
//! the indices (repeated indices accumulate), and of slice assignment (`x[region] = value`).

use super::shape::sum_to;
use super::{Ctx, Grads};
use crate::Result;
use ferrite_tensor::{Layout, Tensor};

/// Inputs `[src, indices]`: slices of the gradient are added into zeros at the indices.
pub(super) fn index_select(ctx: &Ctx<'_>, dim: usize) -> Result<Grads> {
    let g = ctx.if_needed(0, || Ok(Tensor::index_add_zeros(ctx.shape(0)?, dim, ctx.value(1)?, ctx.grad)?))?;
    Ok(vec![g, None])
}

/// Inputs `[src, indices]`: each gradient element is added at the source position it was read
/// from (PyTorch's `scatter_add` backward of `gather`).
pub(super) fn gather(ctx: &Ctx<'_>, dim: usize) -> Result<Grads> {
    let g =
        ctx.if_needed(0, || Ok(Tensor::scatter_add_zeros(ctx.shape(0)?, dim, ctx.value(1)?, ctx.grad)?))?;
    Ok(vec![g, None])
}

/// Inputs `[base, value]`, the output being `base` with `region` (a layout inside a contiguous
/// tensor of base's shape) replaced by `value`: base's gradient is the output gradient with the
/// region zeroed (those elements were overwritten); value's is the region of it.
pub(super) fn slice_assign(ctx: &Ctx<'_>, region: &Layout) -> Result<Grads> {
    let grad_base = ctx.if_needed(0, || {
        // A fresh copy: zeroing in place must not touch a gradient another node may share.
        let g = ctx.grad.deep_clone()?;
        g.as_strided(region.clone())?.zero_()?;
        Ok(g)
    })?;
    let grad_value = ctx.if_needed(1, || {
        let g = ctx.grad.contiguous()?;
        // `region` is relative to the start of a contiguous tensor; `g` may start further into
        // its storage.
        let at = Layout::new(
            region.shape().clone(),
            region.strides().to_vec(),
            region.offset() + g.layout().offset(),
        );
        sum_to(&g.as_strided(at)?, ctx.shape(1)?)
    })?;
    Ok(vec![grad_base, grad_value])
}
