//! In-place ops: `add_`, `sub_`, `mul_`, `div_`, `copy_`, `fill_`, `zero_`, `clamp_`, and the fused
//! `add_scaled_`/`addcmul_` of optimizer steps, writing into the existing storage so every alias
//! sees the change (d2l's `id(X)` stays the same).
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

    /// `self += alpha * other` in place, rounding once per element: PyTorch's
    /// `self.add_(other, alpha=alpha)`, whose CPU kernel is a fused multiply-add. An optimizer step
    /// `p.add_scaled_(&g, -lr)` therefore gives PyTorch's values bit for bit, where
    /// `p.sub_(&g.mul(lr)?)` rounds the product first (and makes a temporary). Rust has no keyword
    /// arguments, hence its own name. For integer tensors `alpha` must be a whole number.
    ///
    /// It records no autograd history: under grad mode it refuses tensors that require grad
    /// (optimizers run it under [`crate::no_grad`]).
    ///
    /// ```
    /// use ferrite_tensor::tensor;
    /// let p = tensor!([1.0, 2.0]);
    /// p.add_scaled_(&tensor!([10.0, 20.0]), -0.5)?;
    /// assert_eq!(p.to_vec::<f32>()?, vec![-4.0, -8.0]);
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn add_scaled_(&self, other: &Tensor, alpha: f64) -> Result<()> {
        self.check_unrecorded("add_scaled_", &[other])?;
        let alpha = self.whole_if_integer(alpha, "add_scaled_")?;
        let a = Tensor::full_on((), alpha, self.dtype(), self.device())?;
        self.mul_add_inplace(&a, other, "add_scaled_")
    }

    /// `self += value * t1 * t2` in place (PyTorch's `addcmul_`, Adam's second moment): `value * t1`
    /// is rounded, then multiplied by `t2` and added with one rounding, as PyTorch's CPU kernel
    /// does. For integer tensors `value` must be a whole number. Like [`Tensor::add_scaled_`], it
    /// records no autograd history.
    ///
    /// ```
    /// use ferrite_tensor::tensor;
    /// let v = tensor!([1.0, 1.0]);
    /// let g = tensor!([2.0, 3.0]);
    /// v.addcmul_(&g, &g, 0.5)?;
    /// assert_eq!(v.to_vec::<f32>()?, vec![3.0, 5.5]);
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn addcmul_(&self, t1: &Tensor, t2: &Tensor, value: f64) -> Result<()> {
        self.check_unrecorded("addcmul_", &[t1, t2])?;
        let value = self.whole_if_integer(value, "addcmul_")?;
        // A unit scale is exact: skip the temporary.
        let a = if value.to_f64() == 1.0 { t1.clone() } else { t1.to_dtype(self.dtype())?.mul(value)? };
        self.mul_add_inplace(&a, t2, "addcmul_")
    }

    /// Refuses what an in-place op without autograd support cannot do: write a leaf that requires
    /// grad, or compute from tensors that require grad, while grad mode is on.
    fn check_unrecorded(&self, op: &'static str, inputs: &[&Tensor]) -> Result<()> {
        self.check_inplace(op)?;
        if should_record(&[self]) || should_record(inputs) {
            return Err(Error::InPlace {
                op,
                reason: "it records no autograd history, so it cannot take tensors that require grad \
                         while grad mode is on (call it under no_grad)",
            });
        }
        Ok(())
    }

    /// A scale factor as a scalar of this tensor's kind: integer tensors take whole numbers only,
    /// as PyTorch's `alpha` and `value`.
    fn whole_if_integer(&self, v: f64, op: &'static str) -> Result<Scalar> {
        if self.dtype().is_float() {
            return Ok(Scalar::Float(v));
        }
        if v.fract() != 0.0 || !v.is_finite() {
            return Err(Error::InvalidArgument {
                op,
                reason: format!("for integer tensors the scale must be a whole number, got {v}"),
            });
        }
        Ok(Scalar::Int(v as i64))
    }

    /// `self += a * b` through the backend's fused multiply-add; `a` and `b` broadcast to this
    /// tensor's shape and are cast to its dtype.
    fn mul_add_inplace(&self, a: &Tensor, b: &Tensor, op: &'static str) -> Result<()> {
        let mut operands = Vec::with_capacity(2);
        for t in [a, b] {
            self.same_device(t, op)?;
            let rt = result_type(self.dtype(), self.dim() == 0, t.dtype(), t.dim() == 0);
            if rt.category() > self.dtype().category() {
                return Err(Error::InvalidArgument {
                    op,
                    reason: format!(
                        "result type {rt} can't be cast to the desired output type {}",
                        self.dtype()
                    ),
                });
            }
            let t = t.to_dtype(self.dtype())?;
            // Reading and writing one storage at once would deadlock.
            let t = if t.storage().same(self.storage()) { t.deep_clone()? } else { t };
            let l = t.layout().broadcast_to(self.shape(), op)?;
            operands.push((t, l));
        }
        let [(a, la), (b, lb)] = <[_; 2]>::try_from(operands).expect("two operands");
        let ga = a.storage().read();
        if a.storage().same(b.storage()) {
            return self.storage().write().mul_add_inplace(self.layout(), &**ga, &la, &**ga, &lb);
        }
        let gb = b.storage().read();
        self.storage().write().mul_add_inplace(self.layout(), &**ga, &la, &**gb, &lb)
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

#[cfg(test)]
mod tests {
    use crate::{DType, Tensor, no_grad};

    /// Values in [-1, 1) with full mantissas, from a fixed hash.
    fn values(n: usize, seed: u32) -> Vec<f32> {
        (0..n as u32)
            .map(|i| ((i ^ seed).wrapping_mul(2654435761) >> 8) as f32 / (1 << 23) as f32 - 1.0)
            .collect()
    }

    #[test]
    fn add_scaled_rounds_once() {
        let (p, g) = (values(101, 1), values(101, 2));
        let t = Tensor::from_vec(p.clone(), [101]).unwrap();
        t.add_scaled_(&Tensor::from_vec(g.clone(), [101]).unwrap(), -0.1).unwrap();
        let got = t.to_vec::<f32>().unwrap();
        let alpha = -0.1f64 as f32;
        for i in 0..101 {
            assert_eq!(got[i].to_bits(), alpha.mul_add(g[i], p[i]).to_bits(), "element {i}");
        }
        // One rounding is not two: some element tells them apart.
        assert!((0..101).any(|i| got[i] != p[i] + alpha * g[i]));
    }

    #[test]
    fn addcmul_rounds_the_scaled_factor_then_fuses() {
        let (s, a, b) = (values(101, 3), values(101, 4), values(101, 5));
        let t = Tensor::from_vec(s.clone(), [101]).unwrap();
        let (ta, tb) =
            (Tensor::from_vec(a.clone(), [101]).unwrap(), Tensor::from_vec(b.clone(), [101]).unwrap());
        t.addcmul_(&ta, &tb, 0.01).unwrap();
        let got = t.to_vec::<f32>().unwrap();
        for i in 0..101 {
            assert_eq!(got[i].to_bits(), (0.01f32 * a[i]).mul_add(b[i], s[i]).to_bits(), "element {i}");
        }
    }

    #[test]
    fn aliases_broadcasts_and_integers() {
        let x = Tensor::from_vec(vec![1.0f32, 2.0], [2]).unwrap();
        x.add_scaled_(&x, 2.0).unwrap(); // reads a copy of itself
        assert_eq!(x.to_vec::<f32>().unwrap(), vec![3.0, 6.0]);
        let m = Tensor::zeros([2, 3]);
        m.add_scaled_(&Tensor::from_vec(vec![1.0f32, 2.0, 3.0], [3]).unwrap(), 0.5).unwrap();
        assert_eq!(m.to_vec::<f32>().unwrap(), vec![0.5, 1.0, 1.5, 0.5, 1.0, 1.5]);
        // A column view is strided: it takes the copy-back path.
        let col = m.transpose(0, 1).unwrap();
        col.addcmul_(&col.ones_like().unwrap(), &col.ones_like().unwrap(), 2.0).unwrap();
        assert_eq!(m.to_vec::<f32>().unwrap(), vec![2.5, 3.0, 3.5, 2.5, 3.0, 3.5]);
        let i = Tensor::from_vec(vec![1i64, 2], [2]).unwrap();
        i.add_scaled_(&i.ones_like().unwrap(), 3.0).unwrap();
        assert_eq!(i.to_vec::<i64>().unwrap(), vec![4, 5]);
        assert!(i.add_scaled_(&i.ones_like().unwrap(), 0.5).is_err());
        // The result type must fit: a float operand cannot be added into an integer tensor.
        assert!(i.add_scaled_(&Tensor::ones([2]), 1.0).is_err());
        assert_eq!(i.dtype(), DType::I64);
    }

    #[test]
    fn refuses_what_it_cannot_record() {
        let w = Tensor::ones([2]).requires_grad_(true).unwrap();
        let plain = Tensor::ones([2]);
        assert!(w.add_scaled_(&plain, 1.0).is_err(), "a leaf that requires grad");
        assert!(plain.add_scaled_(&w, 1.0).is_err(), "an operand that requires grad");
        assert!(plain.addcmul_(&w, &plain, 1.0).is_err());
        let y = w.mul(2.0).unwrap();
        assert!(y.add_scaled_(&plain, 1.0).is_err(), "a non-leaf with history");
        let _g = no_grad();
        w.add_scaled_(&plain, -0.5).unwrap(); // an optimizer step
        assert_eq!(w.to_vec::<f32>().unwrap(), vec![0.5, 0.5]);
    }
}
