//! Element types, their categories and PyTorch's type-promotion rules.

use std::fmt;

/// The element type of a tensor.
///
/// Displayed the Rust way (`f32`, `i64`); [`DType::torch_name`] gives PyTorch's spelling.
///
/// ```
/// use ferrite_tensor::DType;
/// assert_eq!(DType::F32.promote(DType::I64), DType::F32);
/// assert_eq!(DType::F64.torch_name(), "torch.float64");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    /// Boolean, as PyTorch's `torch.bool`.
    Bool,
    /// Unsigned 8-bit integer, as `torch.uint8` (images).
    U8,
    /// Signed 64-bit integer, the default integer type.
    I64,
    /// 32-bit float, the default float type.
    F32,
    /// 64-bit float.
    F64,
}

/// The category of a dtype in PyTorch's promotion rules: bool < integer < float.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Category {
    /// `bool`.
    Bool,
    /// `u8`, `i64`.
    Integer,
    /// `f32`, `f64`.
    Float,
}

impl DType {
    /// Every dtype, in promotion order.
    pub const ALL: [DType; 5] = [DType::Bool, DType::U8, DType::I64, DType::F32, DType::F64];

    /// Size of one element in bytes.
    pub fn size_in_bytes(self) -> usize {
        match self {
            DType::Bool | DType::U8 => 1,
            DType::I64 | DType::F64 => 8,
            DType::F32 => 4,
        }
    }

    /// The promotion category.
    pub fn category(self) -> Category {
        match self {
            DType::Bool => Category::Bool,
            DType::U8 | DType::I64 => Category::Integer,
            DType::F32 | DType::F64 => Category::Float,
        }
    }

    /// True for `f32` and `f64`.
    pub fn is_float(self) -> bool {
        self.category() == Category::Float
    }

    /// PyTorch's `torch.promote_types` for the dtypes here.
    pub fn promote(self, other: DType) -> DType {
        use DType::*;
        match (self, other) {
            (a, b) if a == b => a,
            (F64, _) | (_, F64) => F64,
            (F32, _) | (_, F32) => F32,
            (I64, _) | (_, I64) => I64,
            (U8, _) | (_, U8) => U8,
            _ => Bool,
        }
    }

    /// PyTorch's name, as printed in a tensor's `dtype=` suffix.
    pub fn torch_name(self) -> &'static str {
        match self {
            DType::Bool => "torch.bool",
            DType::U8 => "torch.uint8",
            DType::I64 => "torch.int64",
            DType::F32 => "torch.float32",
            DType::F64 => "torch.float64",
        }
    }

    /// The float dtype an op on this dtype computes in: itself if float, else the default `f32`.
    pub fn to_float(self) -> DType {
        if self.is_float() { self } else { DType::F32 }
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DType::Bool => "bool",
            DType::U8 => "u8",
            DType::I64 => "i64",
            DType::F32 => "f32",
            DType::F64 => "f64",
        })
    }
}

/// A Rust element type that a tensor can hold.
pub trait Element: Copy + Send + Sync + PartialOrd + fmt::Debug + Default + 'static {
    /// The matching dtype.
    const DTYPE: DType;
    /// Converts to f64 (bool is 0 or 1).
    fn to_f64(self) -> f64;
    /// Converts from f64 with Rust's `as` semantics (bool: nonzero is true).
    fn from_f64(v: f64) -> Self;
    /// Converts to i64 (floats truncate toward zero, as PyTorch's cast).
    fn to_i64(self) -> i64;
    /// Converts from i64.
    fn from_i64(v: i64) -> Self;
}

macro_rules! numeric_element {
    ($t:ty, $d:expr) => {
        impl Element for $t {
            const DTYPE: DType = $d;
            #[inline]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline]
            fn to_i64(self) -> i64 {
                self as i64
            }
            #[inline]
            fn from_i64(v: i64) -> Self {
                v as $t
            }
        }
    };
}
numeric_element!(f32, DType::F32);
numeric_element!(f64, DType::F64);
numeric_element!(i64, DType::I64);
numeric_element!(u8, DType::U8);

impl Element for bool {
    const DTYPE: DType = DType::Bool;
    #[inline]
    fn to_f64(self) -> f64 {
        if self { 1.0 } else { 0.0 }
    }
    #[inline]
    fn from_f64(v: f64) -> Self {
        v != 0.0
    }
    #[inline]
    fn to_i64(self) -> i64 {
        self as i64
    }
    #[inline]
    fn from_i64(v: i64) -> Self {
        v != 0
    }
}

/// A Rust number used as an operand (`x + 1`, `2.0 * x`): PyTorch's "wrapped number".
///
/// Its category takes part in type promotion, its precision does not: an `i64` tensor plus
/// `1.5` is `f32`, an `f32` tensor plus `1` stays `f32`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
}

impl Scalar {
    /// The value as f64.
    pub fn to_f64(self) -> f64 {
        match self {
            Scalar::Bool(b) => b as i64 as f64,
            Scalar::Int(i) => i as f64,
            Scalar::Float(f) => f,
        }
    }

    /// The category for promotion.
    pub fn category(self) -> Category {
        match self {
            Scalar::Bool(_) => Category::Bool,
            Scalar::Int(_) => Category::Integer,
            Scalar::Float(_) => Category::Float,
        }
    }

    /// The dtype of a tensor made from this scalar alone (`torch.tensor(3)` is i64).
    pub fn default_dtype(self) -> DType {
        match self {
            Scalar::Bool(_) => DType::Bool,
            Scalar::Int(_) => DType::I64,
            Scalar::Float(_) => DType::F32,
        }
    }

    /// The result dtype of `tensor op scalar` for a tensor of dtype `t`.
    pub fn promote_with(self, t: DType) -> DType {
        if self.category() > t.category() { self.default_dtype() } else { t }
    }
}

macro_rules! scalar_from {
    ($($t:ty => $v:ident),*) => {$(
        impl From<$t> for Scalar {
            fn from(v: $t) -> Self {
                Scalar::$v(v as _)
            }
        }
    )*};
}
scalar_from!(f32 => Float, f64 => Float, i32 => Int, i64 => Int, u8 => Int, usize => Int, u32 => Int);
impl From<bool> for Scalar {
    fn from(v: bool) -> Self {
        Scalar::Bool(v)
    }
}

/// PyTorch's `torch.result_type` for two tensors: a 0-d tensor only takes part when its category is
/// higher than the other operand's (a 0-d `f64` with an `f32` matrix gives `f32`).
pub fn result_type(a: DType, a_is_0d: bool, b: DType, b_is_0d: bool) -> DType {
    match (a_is_0d, b_is_0d) {
        (true, false) if a.category() <= b.category() => b,
        (false, true) if b.category() <= a.category() => a,
        (true, false) if a.category() > b.category() => a,
        (false, true) if b.category() > a.category() => b,
        _ => a.promote(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promotion_follows_pytorch() {
        assert_eq!(DType::I64.promote(DType::F32), DType::F32);
        assert_eq!(DType::U8.promote(DType::I64), DType::I64);
        assert_eq!(DType::Bool.promote(DType::U8), DType::U8);
        assert_eq!(DType::F32.promote(DType::F64), DType::F64);
        assert_eq!(Scalar::Float(1.5).promote_with(DType::I64), DType::F32);
        assert_eq!(Scalar::Int(1).promote_with(DType::F32), DType::F32);
        assert_eq!(Scalar::Int(1).promote_with(DType::Bool), DType::I64);
        assert_eq!(Scalar::Float(1.0).promote_with(DType::F64), DType::F64);
        assert_eq!(result_type(DType::F64, true, DType::F32, false), DType::F32);
        assert_eq!(result_type(DType::F32, true, DType::I64, false), DType::F32);
        assert_eq!(result_type(DType::I64, false, DType::F64, false), DType::F64);
    }
}
