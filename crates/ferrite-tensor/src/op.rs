//! Op enums: the primitive operations a backend implements, and [`Op`], the record of an op
//! that autograd differentiates.

use crate::DType;

/// Elementwise ops of one operand.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum UnaryOp {
    /// `-x`.
    Neg,
    /// `e^x`.
    Exp,
    /// Natural log.
    Log,
    /// Square root.
    Sqrt,
    /// `|x|`.
    Abs,
    /// Sine.
    Sin,
    /// Cosine.
    Cos,
    /// `max(x, 0)`.
    Relu,
    /// `1 / (1 + e^-x)`.
    Sigmoid,
    /// Hyperbolic tangent.
    Tanh,
    /// -1, 0 or 1.
    Sign,
    /// `1 / x`.
    Recip,
    /// `x * x`.
    Square,
    /// Logical not (on bool; nonzero is true elsewhere).
    LogicalNot,
    /// `x ^ p` for a constant exponent.
    Powf(f64),
    /// Clamp into `[min, max]`; either bound may be absent.
    Clamp(Option<f64>, Option<f64>),
    /// `x * mul + add`, the fused form of scalar arithmetic.
    Affine(f64, f64),
}

impl UnaryOp {
    /// True when the op is only defined on floats (an integer input is cast to the default float first).
    pub fn needs_float(self) -> bool {
        use UnaryOp::*;
        matches!(self, Exp | Log | Sqrt | Sin | Cos | Sigmoid | Tanh | Recip | Powf(_))
    }
}

/// Elementwise ops of two operands (already broadcast to one shape, same dtype).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `a + b`.
    Add,
    /// `a - b`.
    Sub,
    /// `a * b`.
    Mul,
    /// `a / b`.
    Div,
    /// `a ^ b`.
    Pow,
    /// Elementwise maximum (NaN propagates).
    Maximum,
    /// Elementwise minimum (NaN propagates).
    Minimum,
    /// `a == b` (bool result).
    Eq,
    /// `a != b`.
    Ne,
    /// `a < b`.
    Lt,
    /// `a <= b`.
    Le,
    /// `a > b`.
    Gt,
    /// `a >= b`.
    Ge,
    /// Logical and (bool result).
    And,
    /// Logical or.
    Or,
    /// Logical xor.
    Xor,
}

impl BinaryOp {
    /// True when the result is bool whatever the operands' dtype.
    pub fn is_predicate(self) -> bool {
        use BinaryOp::*;
        matches!(self, Eq | Ne | Lt | Le | Gt | Ge | And | Or | Xor)
    }

    /// The op's name in errors and in PyTorch (`add`, `eq`, `logical_and`).
    pub fn name(self) -> &'static str {
        use BinaryOp::*;
        match self {
            Add => "add",
            Sub => "sub",
            Mul => "mul",
            Div => "div",
            Pow => "pow",
            Maximum => "maximum",
            Minimum => "minimum",
            Eq => "eq",
            Ne => "ne",
            Lt => "lt",
            Le => "le",
            Gt => "gt",
            Ge => "ge",
            And => "logical_and",
            Or => "logical_or",
            Xor => "logical_xor",
        }
    }
}

/// Reductions over some dims.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReduceOp {
    /// Sum.
    Sum,
    /// Product.
    Prod,
    /// Maximum (NaN propagates).
    Max,
    /// Minimum (NaN propagates).
    Min,
    /// Index of the first maximum along one dim (i64 result).
    ArgMax,
    /// Index of the first minimum along one dim (i64 result).
    ArgMin,
}

/// What a recorded graph node did: the op as data, for autograd's gradient rules.
///
/// The inputs themselves are held by the node; the op holds only what the rule needs besides them.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// An elementwise unary op; saved: the input, and the output for `Exp`, `Sigmoid`, `Tanh`, `Sqrt`.
    Unary(UnaryOp),
    /// An elementwise binary op on the two inputs (in their own, unbroadcast shapes).
    Binary(BinaryOp),
    /// `where(cond, a, b)`: inputs `[cond, a, b]`.
    Where,
    /// A sum over `dims` (all dims when empty); `keepdim` as given.
    Sum {
        /// Reduced dims.
        dims: Vec<usize>,
        /// Whether reduced dims were kept with size 1.
        keepdim: bool,
    },
    /// A product over `dims`; saved: the output.
    Prod {
        /// Reduced dims.
        dims: Vec<usize>,
        /// Whether reduced dims were kept with size 1.
        keepdim: bool,
    },
    /// Max or min over all elements; the gradient is split evenly among ties; saved: the output.
    Extremum {
        /// Reduced dims.
        dims: Vec<usize>,
        /// Whether reduced dims were kept with size 1.
        keepdim: bool,
    },
    /// Max or min along one dim with indices; the gradient goes to the index; saved: indices.
    ExtremumDim {
        /// The dim.
        dim: usize,
        /// Whether it was kept with size 1.
        keepdim: bool,
    },
    /// A p-norm over `dims` (all when empty); saved: the output. Its gradient is 0 where the norm
    /// is 0, as PyTorch's (the composite's chain rule would give NaN there).
    Norm {
        /// The order `p` (not 1 or inf, which are composites).
        p: f64,
        /// Reduced dims.
        dims: Vec<usize>,
        /// Whether reduced dims were kept with size 1.
        keepdim: bool,
    },
    /// Cumulative sum along a dim.
    Cumsum {
        /// The dim.
        dim: usize,
    },
    /// `matmul` of the two inputs (any of PyTorch's rank combinations).
    Matmul,
    /// A dtype conversion from the input's dtype.
    Cast {
        /// The input dtype.
        from: DType,
    },
    /// Reshape, view, flatten, squeeze, unsqueeze: the gradient is reshaped back.
    Reshape,
    /// Permute (transpose, `t`): output dim `i` is input dim `perm[i]`.
    Permute(Vec<usize>),
    /// Broadcast to a larger shape: the gradient is summed back.
    Expand,
    /// A strided slice of one dim.
    Slice {
        /// The dim.
        dim: usize,
        /// First index.
        start: usize,
        /// Step.
        step: usize,
    },
    /// Fixing one index of a dim (the dim disappears).
    Select {
        /// The dim.
        dim: usize,
        /// The index.
        index: usize,
    },
    /// `index_select(dim, indices)`: inputs `[src, indices]`.
    IndexSelect {
        /// The dim.
        dim: usize,
    },
    /// `gather(dim, indices)`: inputs `[src, indices]`.
    Gather {
        /// The dim.
        dim: usize,
    },
    /// Concatenation of all inputs along `dim`.
    Cat {
        /// The dim.
        dim: usize,
    },
    /// A copy (clone, contiguous): the gradient passes through.
    Copy,
    /// `base` with a region replaced by `value` (slice assignment): inputs `[base, value]`.
    /// The region is given by the layout it has inside a contiguous tensor of base's shape.
    SliceAssign {
        /// The region's layout inside a contiguous `base`.
        region: crate::Layout,
    },
}
