//! Gradient rules, one per [`Op`] variant, grouped by op family; this file dispatches on the op
//! and gives the rules a [`Ctx`] over the node's saved state.
//!
//! A rule receives the gradient of the node's output and returns one entry per input: `None`
//! where the input does not require grad (the rule skips that computation) or has no gradient
//! (indices, conditions). Rules run under `no_grad`, so the ops they call record nothing.

mod binary;
mod index;
mod matmul;
mod reduce;
mod shape;
mod unary;

use crate::{Error, Result};
use ferrite_tensor::graph::{Node, NodeState};
use ferrite_tensor::op::Op;
use ferrite_tensor::{Shape, Tensor};

/// Input gradients, one per input of the node.
pub(crate) type Grads = Vec<Option<Tensor>>;

/// Runs the rule of `node`'s op.
pub(crate) fn backward(node: &Node, state: &NodeState, grad: &Tensor, needs: &[bool]) -> Result<Grads> {
    let ctx = Ctx { node: node.name(), state, needs, grad };
    match node.op() {
        Op::Unary(op) => unary::backward(&ctx, *op),
        Op::Binary(op) => binary::backward(&ctx, *op),
        Op::Where => binary::where_cond(&ctx),
        Op::Sum { dims, keepdim } => reduce::sum(&ctx, dims, *keepdim),
        Op::Prod { dims, keepdim } => reduce::prod(&ctx, dims, *keepdim),
        Op::Extremum { dims, keepdim } => reduce::extremum(&ctx, dims, *keepdim),
        Op::ExtremumDim { dim, keepdim } => reduce::extremum_dim(&ctx, *dim, *keepdim),
        Op::Norm { p, dims, keepdim } => reduce::norm(&ctx, *p, dims, *keepdim),
        Op::Cumsum { dim } => reduce::cumsum(&ctx, *dim),
        Op::Matmul => matmul::matmul(&ctx),
        Op::Cast { from } => Ok(vec![ctx.if_needed(0, || Ok(grad.to_dtype(*from)?))?]),
        Op::Reshape => shape::reshape(&ctx),
        Op::Permute(perm) => shape::permute(&ctx, perm),
        Op::Expand => shape::expand(&ctx),
        Op::Slice { dim, start, step } => shape::slice(&ctx, *dim, *start, *step),
        Op::Select { dim, index } => shape::select(&ctx, *dim, *index),
        Op::Cat { dim } => shape::cat(&ctx, *dim),
        Op::Copy => Ok(vec![ctx.if_needed(0, || Ok(grad.to_device(ctx.input(0)?.device())?))?]),
        Op::IndexSelect { dim } => index::index_select(&ctx, *dim),
        Op::Gather { dim } => index::gather(&ctx, *dim),
        Op::SliceAssign { region } => index::slice_assign(&ctx, region),
    }
}

/// What a rule sees of its node: the output gradient, the inputs, the saved extras, and which
/// inputs need a gradient.
pub(crate) struct Ctx<'a> {
    node: &'static str,
    state: &'a NodeState,
    needs: &'a [bool],
    /// The gradient of the node's output.
    pub grad: &'a Tensor,
}

impl Ctx<'_> {
    /// True when input `i` requires grad, so its gradient is worth computing.
    pub fn needs(&self, i: usize) -> bool {
        self.needs.get(i).copied().unwrap_or(false)
    }

    /// `Some(f())` when input `i` needs a gradient, else `None` without calling `f`.
    pub fn if_needed(&self, i: usize, f: impl FnOnce() -> Result<Tensor>) -> Result<Option<Tensor>> {
        if self.needs(i) { f().map(Some) } else { Ok(None) }
    }

    /// Input `i`, for its shape, dtype or device only (its values may have changed since).
    pub fn input(&self, i: usize) -> Result<&Tensor> {
        let missing = Error::MalformedNode { node: self.node, missing: "an input its rule reads" };
        self.state.inputs.get(i).map(|s| s.tensor()).ok_or(missing)
    }

    /// Input `i`'s shape.
    pub fn shape(&self, i: usize) -> Result<&Shape> {
        Ok(self.input(i)?.shape())
    }

    /// Input `i`'s values, checked against in-place writes since the op ran.
    pub fn value(&self, i: usize) -> Result<&Tensor> {
        self.input(i)?;
        Ok(self.state.inputs[i].value(self.node, i)?)
    }

    /// The op's output as saved by the core (`exp`, `sigmoid`, `tanh`, `sqrt`, `prod`, max/min),
    /// checked against in-place writes.
    pub fn output(&self) -> Result<&Tensor> {
        let saved = self
            .state
            .saved
            .first()
            .ok_or(Error::MalformedNode { node: self.node, missing: "a saved output" })?;
        Ok(saved.value(self.node, 0)?)
    }

    /// The first saved extra (the indices of `max(dim)`), checked against in-place writes.
    pub fn saved_indices(&self) -> Result<&Tensor> {
        let saved = self
            .state
            .saved
            .first()
            .ok_or(Error::MalformedNode { node: self.node, missing: "saved indices" })?;
        Ok(saved.value(self.node, 0)?)
    }

    /// Number of inputs.
    pub fn arity(&self) -> usize {
        self.state.inputs.len()
    }
}
