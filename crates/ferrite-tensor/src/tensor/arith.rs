//! Elementwise arithmetic, comparisons and logic: broadcasting, type promotion, and the unary
//! math functions.

use super::Tensor;
use crate::op::{BinaryOp, Op, UnaryOp};
use crate::{DType, Error, Result, Scalar, result_type};

/// The right operand of a binary op: a tensor or a Rust number (`x.add(&y)`, `x.add(1)`, `x.mul(2.5)`).
#[derive(Clone, Debug)]
pub enum Operand<'a> {
    /// A tensor (broadcast against the left one).
    Tensor(&'a Tensor),
    /// A number, promoted as PyTorch promotes Python numbers.
    Scalar(Scalar),
}

impl<'a> From<&'a Tensor> for Operand<'a> {
    fn from(t: &'a Tensor) -> Self {
        Operand::Tensor(t)
    }
}

macro_rules! operand_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Operand<'_> {
            fn from(v: $t) -> Self {
                Operand::Scalar(Scalar::from(v))
            }
        }
    )*};
}
operand_from!(f32, f64, i32, i64, u8, usize, u32, bool);

impl From<Scalar> for Operand<'_> {
    fn from(v: Scalar) -> Self {
        Operand::Scalar(v)
    }
}

impl Tensor {
    /// The operand as a tensor of the dtype the op computes in, with the result dtype.
    pub(super) fn promote_operands(&self, rhs: Operand<'_>, op: BinaryOp) -> Result<(Tensor, Tensor)> {
        let (dtype, rhs) = match rhs {
            Operand::Tensor(t) => {
                self.same_device(t, op.name())?;
                (result_type(self.dtype(), self.dim() == 0, t.dtype(), t.dim() == 0), t.clone())
            }
            Operand::Scalar(s) => {
                let d = s.promote_with(self.dtype());
                (d, Tensor::full_on((), s, d, self.device())?)
            }
        };
        // True division and float powers of integers compute in the default float, as in PyTorch.
        let dtype = match op {
            BinaryOp::Div if !dtype.is_float() => DType::F32,
            _ => dtype,
        };
        Ok((self.to_dtype(dtype)?, rhs.to_dtype(dtype)?))
    }

    /// A binary op with broadcasting and promotion, recorded as `name` for autograd.
    pub(crate) fn binary_op(&self, rhs: Operand<'_>, op: BinaryOp, name: &'static str) -> Result<Tensor> {
        // A float tensor with a number: one fused kernel and no 0-d operand tensor (the common case
        // in training loops, `y * 1.0001 + 0.0001`), recorded under the binary op's grad_fn name.
        if let Operand::Scalar(s) = rhs
            && self.dtype().is_float()
        {
            let v = s.to_f64();
            let affine = match op {
                BinaryOp::Add => Some(UnaryOp::Affine(1.0, v)),
                BinaryOp::Sub => Some(UnaryOp::Affine(1.0, -v)),
                BinaryOp::Mul => Some(UnaryOp::Affine(v, 0.0)),
                _ => None,
            };
            if let Some(u) = affine {
                return self.unary_op(u, name);
            }
        }
        let (a, b) = self.promote_operands(rhs, op)?;
        let shape = a.shape().broadcast(b.shape(), op.name())?;
        let la = a.layout().broadcast_to(&shape, op.name())?;
        let lb = b.layout().broadcast_to(&shape, op.name())?;
        let data = {
            let ga = a.storage().read();
            if a.storage().same(b.storage()) {
                ga.binary(op, &la, &**ga, &lb)?
            } else {
                let gb = b.storage().read();
                ga.binary(op, &la, &**gb, &lb)?
            }
        };
        if op.is_predicate() {
            return Tensor::from_storage(data, shape);
        }
        Ok(Tensor::result(data, shape, || (Op::Binary(op), name), &[&a, &b], |_| vec![]))
    }

    /// A unary op, recorded as `name`; float-only ops cast integer inputs to the default float.
    pub(crate) fn unary_op(&self, op: UnaryOp, name: &'static str) -> Result<Tensor> {
        let x = if op.needs_float() { self.to_dtype(self.dtype().to_float())? } else { self.clone() };
        let data = x.with_storage(|s, l| s.unary(op, l))?;
        let save_output = matches!(op, UnaryOp::Exp | UnaryOp::Sigmoid | UnaryOp::Tanh | UnaryOp::Sqrt);
        Ok(Tensor::result(
            data,
            x.shape().clone(),
            || (Op::Unary(op), name),
            &[&x],
            |out| {
                if save_output { vec![out.detach()] } else { vec![] }
            },
        ))
    }

    /// `self + rhs`, broadcasting (PyTorch's `add`).
    ///
    /// ```
    /// use ferrite_tensor::{tensor, Tensor};
    /// let a = tensor!([[1.0], [2.0]]);
    /// let b = tensor!([10.0, 20.0]);
    /// assert_eq!(a.add(&b)?.to_vec::<f32>()?, vec![11.0, 21.0, 12.0, 22.0]);
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn add<'a>(&self, rhs: impl Into<Operand<'a>>) -> Result<Tensor> {
        self.binary_op(rhs.into(), BinaryOp::Add, "AddBackward0")
    }

    /// `self - rhs`.
    pub fn sub<'a>(&self, rhs: impl Into<Operand<'a>>) -> Result<Tensor> {
        self.binary_op(rhs.into(), BinaryOp::Sub, "SubBackward0")
    }

    /// `rhs - self` (Python's `2 - x`).
    pub fn rsub<'a>(&self, lhs: impl Into<Operand<'a>>) -> Result<Tensor> {
        match lhs.into() {
            Operand::Tensor(t) => t.sub(self),
            Operand::Scalar(s) => self.neg()?.add(s),
        }
    }

    /// `self * rhs`.
    pub fn mul<'a>(&self, rhs: impl Into<Operand<'a>>) -> Result<Tensor> {
        self.binary_op(rhs.into(), BinaryOp::Mul, "MulBackward0")
    }

    /// `self * rhs` for a number: a shorthand used in docs and rules.
    pub fn mul_scalar(&self, rhs: f64) -> Result<Tensor> {
        self.mul(rhs)
    }

    /// True division `self / rhs` (integers divide as floats, as in PyTorch).
    pub fn div<'a>(&self, rhs: impl Into<Operand<'a>>) -> Result<Tensor> {
        self.binary_op(rhs.into(), BinaryOp::Div, "DivBackward0")
    }

    /// `self ** rhs`: a number exponent is `PowBackward0`, a tensor exponent `PowBackward1`.
    pub fn pow<'a>(&self, rhs: impl Into<Operand<'a>>) -> Result<Tensor> {
        match rhs.into() {
            Operand::Scalar(s) if self.dtype().is_float() || matches!(s, Scalar::Float(_)) => {
                let x = self.to_dtype(s.promote_with(self.dtype()))?;
                x.unary_op(UnaryOp::Powf(s.to_f64()), "PowBackward0")
            }
            rhs => self.binary_op(rhs, BinaryOp::Pow, "PowBackward1"),
        }
    }

    /// Elementwise maximum (NaN propagates), PyTorch's `maximum`.
    pub fn maximum<'a>(&self, rhs: impl Into<Operand<'a>>) -> Result<Tensor> {
        self.binary_op(rhs.into(), BinaryOp::Maximum, "MaximumBackward0")
    }

    /// Elementwise minimum (NaN propagates).
    pub fn minimum<'a>(&self, rhs: impl Into<Operand<'a>>) -> Result<Tensor> {
        self.binary_op(rhs.into(), BinaryOp::Minimum, "MinimumBackward0")
    }

    /// `self == rhs` as a bool tensor.
    pub fn eq<'a>(&self, rhs: impl Into<Operand<'a>>) -> Result<Tensor> {
        self.binary_op(rhs.into(), BinaryOp::Eq, "")
    }

    /// `self != rhs`.
    pub fn ne<'a>(&self, rhs: impl Into<Operand<'a>>) -> Result<Tensor> {
        self.binary_op(rhs.into(), BinaryOp::Ne, "")
    }

    /// `self < rhs`.
    pub fn lt<'a>(&self, rhs: impl Into<Operand<'a>>) -> Result<Tensor> {
        self.binary_op(rhs.into(), BinaryOp::Lt, "")
    }

    /// `self <= rhs`.
    pub fn le<'a>(&self, rhs: impl Into<Operand<'a>>) -> Result<Tensor> {
        self.binary_op(rhs.into(), BinaryOp::Le, "")
    }

    /// `self > rhs`.
    pub fn gt<'a>(&self, rhs: impl Into<Operand<'a>>) -> Result<Tensor> {
        self.binary_op(rhs.into(), BinaryOp::Gt, "")
    }

    /// `self >= rhs`.
    pub fn ge<'a>(&self, rhs: impl Into<Operand<'a>>) -> Result<Tensor> {
        self.binary_op(rhs.into(), BinaryOp::Ge, "")
    }

    /// Elementwise logical and (nonzero is true), giving bool.
    pub fn logical_and<'a>(&self, rhs: impl Into<Operand<'a>>) -> Result<Tensor> {
        self.binary_op(rhs.into(), BinaryOp::And, "")
    }

    /// Elementwise logical or.
    pub fn logical_or<'a>(&self, rhs: impl Into<Operand<'a>>) -> Result<Tensor> {
        self.binary_op(rhs.into(), BinaryOp::Or, "")
    }

    /// Elementwise logical xor.
    pub fn logical_xor<'a>(&self, rhs: impl Into<Operand<'a>>) -> Result<Tensor> {
        self.binary_op(rhs.into(), BinaryOp::Xor, "")
    }

    /// Elementwise logical not, giving bool.
    pub fn logical_not(&self) -> Result<Tensor> {
        self.to_dtype(DType::Bool)?.unary_op(UnaryOp::LogicalNot, "")
    }

    /// `-self`.
    pub fn neg(&self) -> Result<Tensor> {
        self.unary_op(UnaryOp::Neg, "NegBackward0")
    }

    /// `e^self` (integers computed as the default float).
    pub fn exp(&self) -> Result<Tensor> {
        self.unary_op(UnaryOp::Exp, "ExpBackward0")
    }

    /// Natural logarithm.
    pub fn log(&self) -> Result<Tensor> {
        self.unary_op(UnaryOp::Log, "LogBackward0")
    }

    /// Square root.
    pub fn sqrt(&self) -> Result<Tensor> {
        self.unary_op(UnaryOp::Sqrt, "SqrtBackward0")
    }

    /// Absolute value.
    pub fn abs(&self) -> Result<Tensor> {
        self.unary_op(UnaryOp::Abs, "AbsBackward0")
    }

    /// Sine.
    pub fn sin(&self) -> Result<Tensor> {
        self.unary_op(UnaryOp::Sin, "SinBackward0")
    }

    /// Cosine.
    pub fn cos(&self) -> Result<Tensor> {
        self.unary_op(UnaryOp::Cos, "CosBackward0")
    }

    /// `max(self, 0)`; its gradient at 0 is 0, as PyTorch's.
    pub fn relu(&self) -> Result<Tensor> {
        self.unary_op(UnaryOp::Relu, "ReluBackward0")
    }

    /// Logistic sigmoid.
    pub fn sigmoid(&self) -> Result<Tensor> {
        self.unary_op(UnaryOp::Sigmoid, "SigmoidBackward0")
    }

    /// Hyperbolic tangent.
    pub fn tanh(&self) -> Result<Tensor> {
        self.unary_op(UnaryOp::Tanh, "TanhBackward0")
    }

    /// Sign: -1, 0 or 1.
    pub fn sign(&self) -> Result<Tensor> {
        self.unary_op(UnaryOp::Sign, "SignBackward0")
    }

    /// `self * self`.
    pub fn square(&self) -> Result<Tensor> {
        self.pow(2)
    }

    /// `1 / self`.
    pub fn reciprocal(&self) -> Result<Tensor> {
        self.unary_op(UnaryOp::Recip, "ReciprocalBackward0")
    }

    /// Clamps into `[min, max]`; `None` leaves a side open.
    pub fn clamp(&self, min: Option<f64>, max: Option<f64>) -> Result<Tensor> {
        if let (Some(lo), Some(hi)) = (min, max)
            && lo > hi
        {
            return Err(Error::InvalidArgument {
                op: "clamp",
                reason: format!("min {lo} is greater than max {hi}"),
            });
        }
        let x = match (min, max) {
            (Some(v), _) | (_, Some(v)) if v.fract() != 0.0 => self.to_dtype(self.dtype().to_float())?,
            _ => self.clone(),
        };
        x.unary_op(UnaryOp::Clamp(min, max), "ClampBackward1")
    }

    /// `where(cond, self, other)`: elements of `self` where `cond` is true, else of `other`
    /// (PyTorch's `torch.where(cond, x, y)`; all three broadcast).
    pub fn where_<'a>(&self, cond: &Tensor, other: impl Into<Operand<'a>>) -> Result<Tensor> {
        let other = match other.into() {
            Operand::Tensor(t) => t.clone(),
            Operand::Scalar(s) => Tensor::full_on((), s, s.promote_with(self.dtype()), self.device())?,
        };
        let dtype = result_type(self.dtype(), self.dim() == 0, other.dtype(), other.dim() == 0);
        let (a, b) = (self.to_dtype(dtype)?, other.to_dtype(dtype)?);
        let c = cond.to_dtype(DType::Bool)?;
        a.same_device(&b, "where")?;
        a.same_device(&c, "where")?;
        let shape = c.shape().broadcast(a.shape(), "where")?.broadcast(b.shape(), "where")?;
        let (lc, la, lb) = (
            c.layout().broadcast_to(&shape, "where")?,
            a.layout().broadcast_to(&shape, "where")?,
            b.layout().broadcast_to(&shape, "where")?,
        );
        let data = {
            let (gc, ga, gb) = (c.storage().read(), a.storage().read(), b.storage().read());
            gc.where_cond(&lc, &**ga, &la, &**gb, &lb)?
        };
        Ok(Tensor::result(data, shape, || (Op::Where, "WhereBackward0"), &[&c, &a, &b], |_| vec![]))
    }

    /// A unary op by enum, for autograd rules and generic tests; recorded like the named method.
    pub fn apply_unary(&self, op: UnaryOp) -> Result<Tensor> {
        self.unary_op(op, "UnaryBackward0")
    }
}
