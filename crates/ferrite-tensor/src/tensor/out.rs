//! `out=` variants of the arithmetic ops (`add_out`, ...): PyTorch's `torch.add(a, b, out=c)`,
//! which writes the result into an existing tensor instead of allocating one.

use super::{Operand, Tensor};
use crate::graph::is_grad_enabled;
use crate::op::BinaryOp;
use crate::{Error, Result};

impl Tensor {
    fn binary_out(&self, rhs: Operand<'_>, op: BinaryOp, name: &'static str, out: &Tensor) -> Result<()> {
        let rhs_grad = matches!(rhs, Operand::Tensor(t) if t.requires_grad());
        if is_grad_enabled() && (self.requires_grad() || rhs_grad || out.requires_grad()) {
            return Err(Error::InvalidArgument {
                op: op.name(),
                reason: "functions with out=... arguments don't support automatic differentiation, \
                         but one of the arguments requires grad (wrap the call in no_grad)"
                    .into(),
            });
        }
        self.same_device(out, op.name())?;
        let (a, b) = self.promote_operands(rhs, op)?;
        if a.dtype().category() > out.dtype().category() {
            return Err(Error::InvalidArgument {
                op: op.name(),
                reason: format!(
                    "result type {} can't be cast to the desired output type {}",
                    a.dtype(),
                    out.dtype()
                ),
            });
        }
        let shape = a.shape().broadcast(b.shape(), op.name())?;
        if &shape != out.shape() {
            return Err(Error::InvalidArgument {
                op: op.name(),
                reason: format!(
                    "the result has shape {shape} but out has shape {} (ferrite does not resize out)",
                    out.shape()
                ),
            });
        }
        // An operand that shares out's memory, or a result to cast: compute, then copy in.
        let aliased = out.storage().same(a.storage()) || out.storage().same(b.storage());
        if aliased || a.dtype() != out.dtype() {
            return out.copy_raw(&a.binary_op(Operand::Tensor(&b), op, name)?);
        }
        let la = a.layout().broadcast_to(&shape, op.name())?;
        let lb = b.layout().broadcast_to(&shape, op.name())?;
        let ga = a.storage().read();
        if a.storage().same(b.storage()) {
            return out.storage().write().binary_into(op, out.layout(), &**ga, &la, &**ga, &lb);
        }
        let gb = b.storage().read();
        out.storage().write().binary_into(op, out.layout(), &**ga, &la, &**gb, &lb)
    }

    /// Writes `self + rhs` into `out`, PyTorch's `torch.add(self, rhs, out=out)`: no new tensor is
    /// allocated, and every view of `out`'s storage sees the result. Unlike PyTorch, `out` is never
    /// resized: its shape must be the broadcast shape of the operands. Its dtype must hold the
    /// result type (an integer `out` cannot take a float sum); a result of a lower type is cast.
    /// Not recorded by autograd, as in PyTorch, so no argument may require grad while grad mode is
    /// on.
    ///
    /// ```
    /// use ferrite_tensor::{Tensor, tensor};
    /// let a = tensor!([1.0f32, 2.0, 3.0]);
    /// let out = Tensor::zeros([2, 3]);
    /// a.add_out(&tensor!([[10.0f32], [20.0]]), &out)?;
    /// assert_eq!(out.to_vec::<f32>()?, [11.0, 12.0, 13.0, 21.0, 22.0, 23.0]);
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn add_out<'a>(&self, rhs: impl Into<Operand<'a>>, out: &Tensor) -> Result<()> {
        self.binary_out(rhs.into(), BinaryOp::Add, "AddBackward0", out)
    }

    /// Writes `self - rhs` into `out` (`torch.sub(self, rhs, out=out)`; see [`Tensor::add_out`]).
    pub fn sub_out<'a>(&self, rhs: impl Into<Operand<'a>>, out: &Tensor) -> Result<()> {
        self.binary_out(rhs.into(), BinaryOp::Sub, "SubBackward0", out)
    }

    /// Writes `self * rhs` into `out` (`torch.mul(self, rhs, out=out)`; see [`Tensor::add_out`]).
    pub fn mul_out<'a>(&self, rhs: impl Into<Operand<'a>>, out: &Tensor) -> Result<()> {
        self.binary_out(rhs.into(), BinaryOp::Mul, "MulBackward0", out)
    }

    /// Writes `self / rhs` into `out` (`torch.div(self, rhs, out=out)`, true division; see
    /// [`Tensor::add_out`]).
    pub fn div_out<'a>(&self, rhs: impl Into<Operand<'a>>, out: &Tensor) -> Result<()> {
        self.binary_out(rhs.into(), BinaryOp::Div, "DivBackward0", out)
    }
}
