//! In-place ops: `add_`, `sub_`, `mul_`, `div_`, `copy_`, `fill_`, `zero_`, `clamp_`, writing into
//! the existing storage so every alias sees the change (d2l's `id(X)` stays the same).
//!
//! With autograd involved, an in-place op on a non-leaf computes out of place, writes the result
//! back and rebases the tensor's history on the new node; the storage version bump lets saved
//! tensors detect the overwrite at backward time, as PyTorch's version counter does.

use super::{Operand, Tensor};
use crate::graph::{is_grad_enabled, should_record};
use crate::op::BinaryOp;
use crate::{Error, Result, Scalar, result_type};
use std::sync::atomic::Ordering;

impl Tensor {
    /// Refuses in-place writes to a leaf that requires grad while grad mode is on (as PyTorch).
    pub(crate) fn check_inplace(&self, op: &'static str) -> Result<()> {
        if is_grad_enabled() && self.is_leaf() && self.requires_grad() {
            return Err(Error::InPlace {
                op,
                reason: "a leaf Variable that requires grad is being used in an in-place operation \
                         (wrap it in no_grad, or write through .data())",
            });
        }
        if is_grad_enabled() && self.is_tracked_view() {
            return Err(Error::InPlace {
                op,
                reason: "in-place writes through a view of a tensor that requires grad are not supported \
                         (write to the base tensor with set_, or compute out of place)",
            });
        }
        Ok(())
    }

    /// A new handle on the same storage carrying this tensor's current history, so a node can
    /// take the pre-write tensor as input without a cycle through `self`.
    pub(crate) fn history_handle(&self) -> Tensor {
        let h = self.detach();
        h.0.requires_grad.store(self.0.requires_grad.load(Ordering::Relaxed), Ordering::Relaxed);
        h.set_grad_fn(self.grad_fn());
        h
    }

    /// Copies `src` (broadcast and cast to this tensor) into this view without recording.
    pub(crate) fn copy_raw(&self, src: &Tensor) -> Result<()> {
        self.same_device(src, "copy_")?;
        // This copy is never recorded, so cast and broadcast a detached handle: no throwaway
        // graph nodes when `src` requires grad.
        let src = src.detach().to_dtype(self.dtype())?.broadcast_to(self.shape().clone())?;
        // Reading and writing one storage at once would deadlock and could read half-written data.
        let src = if src.storage().same(self.storage()) { src.deep_clone()? } else { src };
        let gs = src.storage().read();
        self.storage().write().copy_from(self.layout(), &**gs, src.layout())
    }

    /// Copies `src` into this tensor in place (broadcasting, casting), PyTorch's `copy_`.
    pub fn copy_(&self, src: &Tensor) -> Result<()> {
        self.assign_region(self, src)
    }

    /// Sets every element to `value` in place.
    pub fn fill_(&self, value: impl Into<Scalar>) -> Result<()> {
        let v = value.into();
        if should_record(&[self]) {
            let t = Tensor::full_on((), v, self.dtype(), self.device())?;
            return self.assign_region(self, &t);
        }
        self.check_inplace("fill_")?;
        self.storage().write().fill(self.layout(), v)
    }

    /// Sets every element to zero in place (d2l: `x.grad.zero_()`).
    pub fn zero_(&self) -> Result<()> {
        self.fill_(0)
    }

    fn binary_inplace(&self, rhs: Operand<'_>, op: BinaryOp, name: &'static str) -> Result<()> {
        self.check_inplace(op.name())?;
        let rhs = match rhs {
            Operand::Tensor(t) => t.clone(),
            Operand::Scalar(s) => Tensor::full_on((), s, s.promote_with(self.dtype()), self.device())?,
        };
        let rt = result_type(self.dtype(), self.dim() == 0, rhs.dtype(), rhs.dim() == 0);
        let rt = if op == BinaryOp::Div && !rt.is_float() { crate::DType::F32 } else { rt };
        if rt.category() > self.dtype().category() {
            return Err(Error::InvalidArgument {
                op: op.name(),
                reason: format!("result type {rt} can't be cast to the desired output type {}", self.dtype()),
            });
        }
        let shape = self.shape().broadcast(rhs.shape(), op.name())?;
        if &shape != self.shape() {
            return Err(Error::ShapeMismatch {
                op: op.name(),
                lhs: self.shape().clone(),
                rhs: rhs.shape().clone(),
            });
        }
        if should_record(&[self, &rhs]) {
            let mut old = self.history_handle();
            // Ops whose gradient reads `self` must save a copy: the write below overwrites it.
            if !matches!(op, BinaryOp::Add | BinaryOp::Sub) {
                old = old.deep_clone()?;
            }
            let r = old.binary_op(Operand::Tensor(&rhs), op, name)?.to_dtype(self.dtype())?;
            self.detach().copy_raw(&r)?;
            self.set_grad_fn(r.grad_fn());
            return Ok(());
        }
        let rhs = rhs.to_dtype(self.dtype())?;
        let rhs = if rhs.storage().same(self.storage()) { rhs.deep_clone()? } else { rhs };
        let lr = rhs.layout().broadcast_to(self.shape(), op.name())?;
        let gr = rhs.storage().read();
        self.storage().write().binary_inplace(op, self.layout(), &**gr, &lr)
    }

    /// `self += rhs` in place.
    pub fn add_<'a>(&self, rhs: impl Into<Operand<'a>>) -> Result<()> {
        self.binary_inplace(rhs.into(), BinaryOp::Add, "AddBackward0")
    }

    /// `self -= rhs` in place.
    pub fn sub_<'a>(&self, rhs: impl Into<Operand<'a>>) -> Result<()> {
        self.binary_inplace(rhs.into(), BinaryOp::Sub, "SubBackward0")
    }

    /// `self *= rhs` in place (d2l: `weight *= weight.abs() >= 5`).
    pub fn mul_<'a>(&self, rhs: impl Into<Operand<'a>>) -> Result<()> {
        self.binary_inplace(rhs.into(), BinaryOp::Mul, "MulBackward0")
    }

    /// `self /= rhs` in place (float tensors).
    pub fn div_<'a>(&self, rhs: impl Into<Operand<'a>>) -> Result<()> {
        self.binary_inplace(rhs.into(), BinaryOp::Div, "DivBackward0")
    }

    /// Clamps in place.
    pub fn clamp_(&self, min: Option<f64>, max: Option<f64>) -> Result<()> {
        self.check_inplace("clamp_")?;
        // Clamp a copy when recording: the clamp's gradient reads the values this write replaces.
        let src = if should_record(&[self]) { self.history_handle().deep_clone()? } else { self.clone() };
        let c = src.clamp(min, max)?;
        self.copy_(&c)
    }
}
