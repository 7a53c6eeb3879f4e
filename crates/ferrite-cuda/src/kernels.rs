//! The kernel modules (PTX compiled from kernels/*.cu by `cargo xtask kernels`, committed and
//! embedded here) and the names of their entry points. Every launch builds its kernel's name with
//! these functions, and [`all_kernel_names`] enumerates the same functions, so a test can check
//! that every kernel the Rust side may launch is in the PTX without a GPU.

use ferrite_tensor::DType;
use ferrite_tensor::op::{BinaryOp, ReduceOp, UnaryOp};

/// A PTX module: one per kernels/*.cu source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Module {
    /// kernels/elementwise.cu: unary, binary, where, casts, fills, copies, in-place updates.
    Elementwise,
    /// kernels/reduce.cu: reductions and cumsum.
    Reduce,
    /// kernels/index.cu: index_select, gather, scatter_add, index_add.
    Index,
    /// kernels/matmul.cu: integer matmul (floats use cuBLAS).
    Matmul,
}

impl Module {
    /// Every module.
    pub const ALL: [Module; 4] = [Module::Elementwise, Module::Reduce, Module::Index, Module::Matmul];

    /// The module's name (its source is `kernels/{name}.cu`, its PTX `ptx/{name}.ptx`).
    pub fn name(self) -> &'static str {
        match self {
            Module::Elementwise => "elementwise",
            Module::Reduce => "reduce",
            Module::Index => "index",
            Module::Matmul => "matmul",
        }
    }

    /// The embedded PTX text.
    pub fn ptx(self) -> &'static str {
        match self {
            Module::Elementwise => include_str!("../ptx/elementwise.ptx"),
            Module::Reduce => include_str!("../ptx/reduce.ptx"),
            Module::Index => include_str!("../ptx/index.ptx"),
            Module::Matmul => include_str!("../ptx/matmul.ptx"),
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// The byte sizes of a kernel's parameters, read from its `.entry` declaration in the PTX
/// (`.u64` 8, `.f32` 4, `.u8` 1, `.align 8 .b8 name[144]` 144); None when the module has no such
/// entry. Launches compare their arguments' sizes with these before launching, so a Rust call
/// that drifted from its kernel's C signature is an error instead of corrupted arguments.
///
/// ```
/// use ferrite_cuda::kernels::{Module, param_sizes};
/// // fill_f32(u64 n, float* d, Strided ld, float v)
/// assert_eq!(param_sizes(Module::Elementwise, "fill_f32"), Some(vec![8, 8, 144, 4]));
/// assert_eq!(param_sizes(Module::Elementwise, "no_such_kernel"), None);
/// ```
pub fn param_sizes(module: Module, name: &str) -> Option<Vec<usize>> {
    let ptx = module.ptx();
    let start = ptx.find(&format!(".entry {name}("))?;
    let body = &ptx[start..];
    let body = &body[..body.find(')')?];
    let sizes = body
        .lines()
        .filter_map(|l| l.trim().strip_prefix(".param "))
        .map(|p| {
            if let Some(open) = p.find('[') {
                return p[open + 1..].trim_end_matches([']', ',']).parse().unwrap_or(0);
            }
            match p.split_whitespace().next().unwrap_or("") {
                ".u64" | ".s64" | ".f64" | ".b64" => 8,
                ".u32" | ".s32" | ".f32" | ".b32" => 4,
                ".u16" | ".s16" | ".b16" => 2,
                ".u8" | ".s8" | ".b8" => 1,
                _ => 0,
            }
        })
        .collect();
    Some(sizes)
}

/// The element type a kernel is instantiated for: bool is stored and computed as u8.
pub(crate) fn ty(dtype: DType) -> &'static str {
    match dtype {
        DType::F32 => "f32",
        DType::F64 => "f64",
        DType::I64 => "i64",
        DType::U8 | DType::Bool => "u8",
    }
}

/// The kernel token of a unary op (`unary_{token}_{type}`).
pub(crate) fn unary_token(op: UnaryOp) -> &'static str {
    match op {
        UnaryOp::Neg => "neg",
        UnaryOp::Exp => "exp",
        UnaryOp::Log => "log",
        UnaryOp::Sqrt => "sqrt",
        UnaryOp::Abs => "abs",
        UnaryOp::Sin => "sin",
        UnaryOp::Cos => "cos",
        UnaryOp::Relu => "relu",
        UnaryOp::Sigmoid => "sigmoid",
        UnaryOp::Tanh => "tanh",
        UnaryOp::Sign => "sign",
        UnaryOp::Recip => "recip",
        UnaryOp::Square => "square",
        UnaryOp::LogicalNot => "logical_not",
        UnaryOp::Powf(_) => "powf",
        UnaryOp::Clamp(..) => "clamp",
        UnaryOp::Affine(..) => "affine",
    }
}

/// The kernel token of a binary op (`binary_{token}_{type}`, `inplace_{token}_{type}`).
pub(crate) fn binary_token(op: BinaryOp) -> &'static str {
    use BinaryOp::*;
    match op {
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
        And => "and",
        Or => "or",
        Xor => "xor",
    }
}

/// The kernel token of a reduction (`reduce_{token}_{type}`).
pub(crate) fn reduce_token(op: ReduceOp) -> &'static str {
    match op {
        ReduceOp::Sum => "sum",
        ReduceOp::Prod => "prod",
        ReduceOp::Max => "max",
        ReduceOp::Min => "min",
        ReduceOp::ArgMax => "argmax",
        ReduceOp::ArgMin => "argmin",
    }
}

pub(crate) fn unary(op: UnaryOp, dtype: DType) -> String {
    format!("unary_{}_{}", unary_token(op), ty(dtype))
}
pub(crate) fn binary(op: BinaryOp, dtype: DType) -> String {
    format!("binary_{}_{}", binary_token(op), ty(dtype))
}
pub(crate) fn inplace(op: BinaryOp, dtype: DType) -> String {
    format!("inplace_{}_{}", binary_token(op), ty(dtype))
}
pub(crate) fn reduce(op: ReduceOp, dtype: DType) -> String {
    format!("reduce_{}_{}", reduce_token(op), ty(dtype))
}
/// `cast_{from}_{to}`, where a bool target has its own kernels (nonzero test) and a bool source reads as u8.
pub(crate) fn cast(from: DType, to: DType) -> String {
    let to = if to == DType::Bool { "bool" } else { ty(to) };
    format!("cast_{}_{to}", ty(from))
}
/// A kernel named `{family}_{type}`: `where`, `copy`, `fill`, `mul_add`, `cumsum`, `index_select`,
/// `gather`, `scatter_add`, `index_add`, `matmul`.
pub(crate) fn typed(family: &str, dtype: DType) -> String {
    format!("{family}_{}", ty(dtype))
}

/// Binary ops that have in-place kernels (their result has the operands' dtype).
pub(crate) fn has_inplace(op: BinaryOp) -> bool {
    !op.is_predicate()
}

/// Every (module, kernel) the backend may launch, built by the same functions the launches use.
///
/// ```
/// use ferrite_cuda::kernels::{Module, all_kernel_names};
/// assert!(all_kernel_names().contains(&(Module::Elementwise, "binary_add_f32".to_string())));
/// ```
pub fn all_kernel_names() -> Vec<(Module, String)> {
    use BinaryOp::*;
    let floats = [DType::F32, DType::F64];
    let numeric = [DType::F32, DType::F64, DType::I64, DType::U8];
    let atomic = [DType::F32, DType::F64, DType::I64];
    let unary_ops = [
        UnaryOp::Neg,
        UnaryOp::Exp,
        UnaryOp::Log,
        UnaryOp::Sqrt,
        UnaryOp::Abs,
        UnaryOp::Sin,
        UnaryOp::Cos,
        UnaryOp::Relu,
        UnaryOp::Sigmoid,
        UnaryOp::Tanh,
        UnaryOp::Sign,
        UnaryOp::Recip,
        UnaryOp::Square,
        UnaryOp::LogicalNot,
        UnaryOp::Powf(2.0),
        UnaryOp::Clamp(None, None),
        UnaryOp::Affine(1.0, 0.0),
    ];
    let binary_ops = [Add, Sub, Mul, Div, Pow, Maximum, Minimum, Eq, Ne, Lt, Le, Gt, Ge, And, Or, Xor];
    let reduce_ops =
        [ReduceOp::Sum, ReduceOp::Prod, ReduceOp::Max, ReduceOp::Min, ReduceOp::ArgMax, ReduceOp::ArgMin];
    let mut names = Vec::new();
    let mut push = |m: Module, n: String| names.push((m, n));
    for op in unary_ops {
        let types: &[DType] = if op.needs_float() { &floats } else { &numeric };
        for &t in types {
            push(Module::Elementwise, unary(op, t));
        }
    }
    for t in numeric {
        for op in binary_ops {
            push(Module::Elementwise, binary(op, t));
            if has_inplace(op) {
                push(Module::Elementwise, inplace(op, t));
            }
        }
        for family in ["where", "copy", "fill", "mul_add"] {
            push(Module::Elementwise, typed(family, t));
        }
        for to in [DType::F32, DType::F64, DType::I64, DType::U8, DType::Bool] {
            if to != t {
                push(Module::Elementwise, cast(t, to));
            }
        }
        for op in reduce_ops {
            push(Module::Reduce, reduce(op, t));
        }
        push(Module::Reduce, typed("cumsum", t));
        push(Module::Index, typed("index_select", t));
        push(Module::Index, typed("gather", t));
    }
    for t in atomic {
        push(Module::Index, typed("scatter_add", t));
        push(Module::Index, typed("index_add", t));
    }
    for t in [DType::I64, DType::U8] {
        push(Module::Matmul, typed("matmul", t));
    }
    names
}
