//! Operator sugar: `&a + &b`, `2.0 * &x`, `-&x`, `x += 1.0`. These panic with the op's error
//! message where the method would return an error (shapes that do not broadcast, mixed devices);
//! use the methods (`add`, `mul`, ...) to handle errors.

use super::Tensor;
use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

fn ok(r: crate::Result<Tensor>) -> Tensor {
    r.unwrap_or_else(|e| panic!("{e}"))
}

macro_rules! bin_op {
    ($tr:ident, $m:ident, $assign:ident, $am:ident, $inplace:ident) => {
        impl $tr<&Tensor> for &Tensor {
            type Output = Tensor;
            fn $m(self, rhs: &Tensor) -> Tensor {
                ok(Tensor::$m(self, rhs))
            }
        }
        impl $tr<Tensor> for Tensor {
            type Output = Tensor;
            fn $m(self, rhs: Tensor) -> Tensor {
                ok(Tensor::$m(&self, &rhs))
            }
        }
        impl $tr<&Tensor> for Tensor {
            type Output = Tensor;
            fn $m(self, rhs: &Tensor) -> Tensor {
                ok(Tensor::$m(&self, rhs))
            }
        }
        impl $tr<Tensor> for &Tensor {
            type Output = Tensor;
            fn $m(self, rhs: Tensor) -> Tensor {
                ok(Tensor::$m(self, &rhs))
            }
        }
        impl $assign<&Tensor> for Tensor {
            fn $am(&mut self, rhs: &Tensor) {
                self.$inplace(rhs).unwrap_or_else(|e| panic!("{e}"))
            }
        }
        impl $assign<Tensor> for Tensor {
            fn $am(&mut self, rhs: Tensor) {
                self.$inplace(&rhs).unwrap_or_else(|e| panic!("{e}"))
            }
        }
        bin_op!(@scalars $tr, $m, $assign, $am, $inplace, f64, f32, i64, i32);
    };
    (@scalars $tr:ident, $m:ident, $assign:ident, $am:ident, $inplace:ident, $($s:ty),*) => {$(
        impl $tr<$s> for &Tensor {
            type Output = Tensor;
            fn $m(self, rhs: $s) -> Tensor {
                ok(Tensor::$m(self, rhs))
            }
        }
        impl $tr<$s> for Tensor {
            type Output = Tensor;
            fn $m(self, rhs: $s) -> Tensor {
                ok(Tensor::$m(&self, rhs))
            }
        }
        impl $assign<$s> for Tensor {
            fn $am(&mut self, rhs: $s) {
                self.$inplace(rhs).unwrap_or_else(|e| panic!("{e}"))
            }
        }
    )*};
}
bin_op!(Add, add, AddAssign, add_assign, add_);
bin_op!(Sub, sub, SubAssign, sub_assign, sub_);
bin_op!(Mul, mul, MulAssign, mul_assign, mul_);
bin_op!(Div, div, DivAssign, div_assign, div_);

/// Scalar on the left: `2.0 * &x`, `1.0 - &x`, `1.0 / &x`.
macro_rules! scalar_lhs {
    ($($s:ty),*) => {$(
        impl Add<&Tensor> for $s {
            type Output = Tensor;
            fn add(self, rhs: &Tensor) -> Tensor {
                ok(Tensor::add(&rhs, self))
            }
        }
        impl Add<Tensor> for $s {
            type Output = Tensor;
            fn add(self, rhs: Tensor) -> Tensor {
                ok(Tensor::add(&rhs, self))
            }
        }
        impl Mul<&Tensor> for $s {
            type Output = Tensor;
            fn mul(self, rhs: &Tensor) -> Tensor {
                ok(Tensor::mul(&rhs, self))
            }
        }
        impl Mul<Tensor> for $s {
            type Output = Tensor;
            fn mul(self, rhs: Tensor) -> Tensor {
                ok(Tensor::mul(&rhs, self))
            }
        }
        impl Sub<&Tensor> for $s {
            type Output = Tensor;
            fn sub(self, rhs: &Tensor) -> Tensor {
                ok(Tensor::rsub(&rhs, self))
            }
        }
        impl Sub<Tensor> for $s {
            type Output = Tensor;
            fn sub(self, rhs: Tensor) -> Tensor {
                ok(Tensor::rsub(&rhs, self))
            }
        }
        impl Div<&Tensor> for $s {
            type Output = Tensor;
            fn div(self, rhs: &Tensor) -> Tensor {
                ok(rhs.reciprocal().and_then(|r| Tensor::mul(&r, self)))
            }
        }
        impl Div<Tensor> for $s {
            type Output = Tensor;
            fn div(self, rhs: Tensor) -> Tensor {
                ok(rhs.reciprocal().and_then(|r| Tensor::mul(&r, self)))
            }
        }
    )*};
}
scalar_lhs!(f64, f32, i64, i32);

impl Neg for &Tensor {
    type Output = Tensor;
    fn neg(self) -> Tensor {
        ok(Tensor::neg(self))
    }
}

impl Neg for Tensor {
    type Output = Tensor;
    fn neg(self) -> Tensor {
        ok(Tensor::neg(&self))
    }
}
