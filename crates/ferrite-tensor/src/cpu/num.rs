//! The scalar arithmetic each CPU element type supports, so kernels are written once generically.

use crate::Element;

/// Arithmetic on an element type (f32, f64, i64, u8). Integer ops wrap, as PyTorch's do.
pub trait Num: Element {
    /// Additive identity.
    const ZERO: Self;
    /// Multiplicative identity.
    const ONE: Self;
    /// Smallest value (`-inf` for floats), the start of a max-reduction.
    const LOWEST: Self;
    /// Largest value (`inf` for floats), the start of a min-reduction.
    const HIGHEST: Self;
    /// `a + b`.
    fn add(a: Self, b: Self) -> Self;
    /// `a - b`.
    fn sub(a: Self, b: Self) -> Self;
    /// `a * b`.
    fn mul(a: Self, b: Self) -> Self;
    /// `a / b` (integers: truncating; the tensor layer uses floats for true division).
    fn div(a: Self, b: Self) -> Self;
    /// `a ^ b`.
    fn pow(a: Self, b: Self) -> Self;
    /// `-a`.
    fn neg(a: Self) -> Self;
    /// `|a|`.
    fn abs(a: Self) -> Self;
    /// True for NaN.
    fn is_nan(a: Self) -> bool;
    /// `a * b + c`; floats round once (a fused multiply-add, as PyTorch's vectorized `fmadd`),
    /// integers wrap.
    fn mul_add(a: Self, b: Self, c: Self) -> Self;
    /// Max that propagates NaN, as `torch.maximum`.
    #[inline]
    fn max_nan(a: Self, b: Self) -> Self {
        if Self::is_nan(a) || a > b { a } else { b }
    }
    /// Min that propagates NaN, as `torch.minimum`.
    #[inline]
    fn min_nan(a: Self, b: Self) -> Self {
        if Self::is_nan(a) || a < b { a } else { b }
    }
    /// -1, 0 or 1; NaN and -0.0 give 0, as PyTorch's `(0 < a) - (a < 0)`.
    #[inline]
    fn sign(a: Self) -> Self {
        if a > Self::ZERO {
            Self::ONE
        } else if a < Self::ZERO {
            Self::neg(Self::ONE)
        } else {
            Self::ZERO
        }
    }
}

macro_rules! float_num {
    ($t:ty) => {
        impl Num for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const LOWEST: Self = <$t>::NEG_INFINITY;
            const HIGHEST: Self = <$t>::INFINITY;
            #[inline]
            fn add(a: Self, b: Self) -> Self {
                a + b
            }
            #[inline]
            fn sub(a: Self, b: Self) -> Self {
                a - b
            }
            #[inline]
            fn mul(a: Self, b: Self) -> Self {
                a * b
            }
            #[inline]
            fn div(a: Self, b: Self) -> Self {
                a / b
            }
            #[inline]
            fn pow(a: Self, b: Self) -> Self {
                a.powf(b)
            }
            #[inline]
            fn neg(a: Self) -> Self {
                -a
            }
            #[inline]
            fn abs(a: Self) -> Self {
                a.abs()
            }
            #[inline]
            fn is_nan(a: Self) -> bool {
                a.is_nan()
            }
            #[inline]
            fn mul_add(a: Self, b: Self, c: Self) -> Self {
                // Always correctly rounded: one FMA instruction where the code is compiled with
                // the `fma` target feature, otherwise libm's `fma`.
                <$t>::mul_add(a, b, c)
            }
        }
    };
}
float_num!(f32);
float_num!(f64);

macro_rules! int_num {
    ($t:ty) => {
        impl Num for $t {
            const ZERO: Self = 0;
            const ONE: Self = 1;
            const LOWEST: Self = <$t>::MIN;
            const HIGHEST: Self = <$t>::MAX;
            #[inline]
            fn add(a: Self, b: Self) -> Self {
                a.wrapping_add(b)
            }
            #[inline]
            fn sub(a: Self, b: Self) -> Self {
                a.wrapping_sub(b)
            }
            #[inline]
            fn mul(a: Self, b: Self) -> Self {
                a.wrapping_mul(b)
            }
            #[inline]
            fn div(a: Self, b: Self) -> Self {
                if b == 0 { 0 } else { a.wrapping_div(b) }
            }
            #[inline]
            fn pow(a: Self, b: Self) -> Self {
                if (b as i64) < 0 { 0 } else { a.wrapping_pow(b as u32) }
            }
            #[inline]
            fn neg(a: Self) -> Self {
                a.wrapping_neg()
            }
            #[inline]
            #[allow(unused_comparisons)]
            fn abs(a: Self) -> Self {
                if a < 0 { a.wrapping_neg() } else { a }
            }
            #[inline]
            fn is_nan(_: Self) -> bool {
                false
            }
            #[inline]
            fn mul_add(a: Self, b: Self, c: Self) -> Self {
                a.wrapping_mul(b).wrapping_add(c)
            }
        }
    };
}
int_num!(i64);
int_num!(u8);

/// Transcendental functions of the float element types.
pub trait Float: Num {
    /// From f64, rounding.
    fn of(v: f64) -> Self;
    /// `e^x`.
    fn exp(self) -> Self;
    /// Natural log.
    fn ln(self) -> Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// Sine.
    fn sin(self) -> Self;
    /// Cosine.
    fn cos(self) -> Self;
    /// Hyperbolic tangent.
    fn tanh(self) -> Self;
    /// `x ^ p`.
    fn powf(self, p: Self) -> Self;
}

macro_rules! float_fns {
    ($t:ty) => {
        impl Float for $t {
            #[inline]
            fn of(v: f64) -> Self {
                v as $t
            }
            #[inline]
            fn exp(self) -> Self {
                <$t>::exp(self)
            }
            #[inline]
            fn ln(self) -> Self {
                <$t>::ln(self)
            }
            #[inline]
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }
            #[inline]
            fn sin(self) -> Self {
                <$t>::sin(self)
            }
            #[inline]
            fn cos(self) -> Self {
                <$t>::cos(self)
            }
            #[inline]
            fn tanh(self) -> Self {
                <$t>::tanh(self)
            }
            #[inline]
            fn powf(self, p: Self) -> Self {
                <$t>::powf(self, p)
            }
        }
    };
}
float_fns!(f32);
float_fns!(f64);
