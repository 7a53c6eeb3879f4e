//! PyTorch-identical printing of tensors: a port of `torch/_tensor_str.py` (PyTorch 2.x) with the
//! default print options, so that `format!("{t}")` equals Python's `repr(t)` character for character.
//!
//! The port keeps PyTorch's structure: a [`Formatter`] that picks int/fixed/scientific notation and
//! one column width from the values shown, a recursive body that nests brackets and wraps long rows,
//! and the suffixes (`device=`, `size=`, `dtype=`, `requires_grad=`/`grad_fn=`) appended by
//! `_add_suffixes`. Only the elements a printout shows are copied to the host, so printing a huge
//! (summarized) tensor costs a few dozen small reads, not a copy of the whole storage.

use crate::backend::BackendStorage;
use crate::cpu::CpuStorage;
use crate::{DType, Layout, Result, Tensor};
use std::fmt;

// PyTorch's default print options (`torch.set_printoptions(profile="default")`, `sci_mode=None`).
const PRECISION: usize = 4;
const THRESHOLD: usize = 1000;
const EDGEITEMS: usize = 3;
const LINEWIDTH: usize = 80;
const PREFIX: &str = "tensor(";

/// Prints the tensor exactly as PyTorch's `repr` does with the default print options.
///
/// Floats use one notation and one column width for the whole tensor (`tensor([ 1.,  4., 16.])`,
/// `tensor([0.5000, 1.0000])`, `tensor([2.7183e+00, 2.9810e+03])`); tensors of more than 1000
/// elements are summarized with `...`; the suffixes follow PyTorch's order: `device=`, `size=` (for
/// empty tensors), `dtype=` (when not the default for its kind), then `grad_fn=` or `requires_grad=`.
///
/// ```
/// use ferrite_tensor::{tensor, DType, Tensor};
/// assert_eq!(format!("{}", Tensor::arange(4)?.reshape([2, 2])?), "tensor([[0, 1],\n        [2, 3]])");
/// assert_eq!(tensor!([1.0, 2.5], DType::F64).to_string(), "tensor([1.0000, 2.5000], dtype=torch.float64)");
/// assert_eq!(Tensor::zeros([0, 3]).to_string(), "tensor([], size=(0, 3))");
/// # Ok::<(), ferrite_tensor::Error>(())
/// ```
impl fmt::Display for Tensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&repr(self))
    }
}

/// `_str_intern` for a plain strided tensor.
fn repr(t: &Tensor) -> String {
    let mut suffixes = Vec::new();
    if !t.device().is_cpu() {
        suffixes.push(format!("device='{}'", t.device()));
    }
    let body = if t.numel() == 0 {
        // An empty tensor has no elements to hint at its shape or dtype, so both are spelled out
        // (except the shape `(0,)` of `tensor([])`, as NumPy does).
        if t.dim() != 1 {
            suffixes.push(format!("size={}", python_tuple(t.dims())));
        }
        if t.dtype() != DType::F32 {
            suffixes.push(format!("dtype={}", t.dtype().torch_name()));
        }
        "[]".to_string()
    } else {
        if !matches!(t.dtype(), DType::F32 | DType::I64 | DType::Bool) {
            suffixes.push(format!("dtype={}", t.dtype().torch_name()));
        }
        // Display cannot return our error, and a `fmt::Error` would make `to_string()` panic, so a
        // tensor whose storage cannot be read (a device that went away) says so in its body.
        tensor_str(t, PREFIX.len()).unwrap_or_else(|e| format!("<unreadable: {e}>"))
    };
    if let Some(node) = t.grad_fn() {
        suffixes.push(format!("grad_fn=<{}>", node.name()));
    } else if t.requires_grad() {
        suffixes.push("requires_grad=True".to_string());
    }
    add_suffixes(format!("{PREFIX}{body}"), &suffixes, PREFIX.len())
}

/// `_tensor_str` for a non-empty tensor: the bracketed body, without prefix or suffixes.
fn tensor_str(t: &Tensor, indent: usize) -> Result<String> {
    let summarize = t.numel() > THRESHOLD;
    let summarized: Vec<bool> = t.dims().iter().map(|&n| summarize && n > 2 * EDGEITEMS).collect();
    let shown: Vec<usize> =
        t.dims().iter().zip(&summarized).map(|(&n, &s)| if s { 2 * EDGEITEMS } else { n }).collect();
    let mut values = Values::empty(t.dtype());
    t.with_storage(|storage, layout| gather(storage, layout, &summarized, &mut values))?;
    // As `get_summarized_data` does, the formatter sees only the shown elements.
    let body =
        Body { formatter: Formatter::new(&values), values: &values, shown: &shown, summarized: &summarized };
    Ok(body.render(0, 0, indent))
}

/// PyTorch's `str(tuple(shape))`: `(0, 3)`, `(0,)`, `()`.
fn python_tuple(dims: &[usize]) -> String {
    let items: Vec<String> = dims.iter().map(usize::to_string).collect();
    match items.len() {
        1 => format!("({},)", items[0]),
        _ => format!("({})", items.join(", ")),
    }
}

/// `_add_suffixes`: appends `, suffix` to the last line, or starts a new line when it would pass
/// the line width.
fn add_suffixes(mut out: String, suffixes: &[String], indent: usize) -> String {
    // PyTorch computes `len(s) - s.rfind("\n") + 1`, with `rfind` giving -1 when there is no
    // newline; the off-by-two is part of the layout users see, so it is kept.
    let mut last_line_len = out.len() as isize - out.rfind('\n').map_or(-1, |p| p as isize) + 1;
    for suffix in suffixes {
        let len = suffix.len() as isize;
        if last_line_len + len + 2 > LINEWIDTH as isize {
            out.push_str(",\n");
            out.push_str(&" ".repeat(indent));
            last_line_len = (indent + suffix.len()) as isize;
        } else {
            out.push_str(", ");
            last_line_len += len + 2;
        }
        out.push_str(suffix);
    }
    out.push(')');
    out
}

/// The shown elements as Python sees them after `tolist()`: floats widened to f64, integers as i64.
enum Values {
    Float(Vec<f64>),
    Int(Vec<i64>),
    Bool(Vec<bool>),
}

impl Values {
    fn empty(dtype: DType) -> Values {
        match dtype {
            DType::F32 | DType::F64 => Values::Float(Vec::new()),
            DType::U8 | DType::I64 => Values::Int(Vec::new()),
            DType::Bool => Values::Bool(Vec::new()),
        }
    }

    /// Appends a host copy (of the same dtype family) in row-major order.
    fn append(&mut self, host: CpuStorage) {
        match (self, host) {
            (Values::Float(v), CpuStorage::F32(h)) => v.extend(h.into_iter().map(f64::from)),
            (Values::Float(v), CpuStorage::F64(h)) => v.extend(h),
            (Values::Int(v), CpuStorage::I64(h)) => v.extend(h),
            (Values::Int(v), CpuStorage::U8(h)) => v.extend(h.into_iter().map(i64::from)),
            (Values::Bool(v), CpuStorage::Bool(h)) => v.extend(h),
            (_, h) => debug_assert!(false, "a storage changed dtype while printing: {h:?}"),
        }
    }
}

/// Copies the elements a printout shows, in row-major order of the summarized tensor (what
/// `get_summarized_data` builds): every summarized dim keeps its first and last `EDGEITEMS`.
///
/// Dims before the last summarized one are walked index by index; the last summarized dim is read
/// as its head and tail blocks, which are row-major already because no later dim is cut.
fn gather(
    storage: &dyn BackendStorage,
    layout: &Layout,
    summarized: &[bool],
    out: &mut Values,
) -> Result<()> {
    let Some(cut) = summarized.iter().position(|&s| s) else {
        out.append(storage.to_cpu(layout)?);
        return Ok(());
    };
    let len0 = layout.dims()[0];
    if cut == 0 && !summarized[1..].contains(&true) {
        out.append(storage.to_cpu(&layout.slice(0, 0, EDGEITEMS, 1))?);
        out.append(storage.to_cpu(&layout.slice(0, len0 - EDGEITEMS, EDGEITEMS, 1))?);
        return Ok(());
    }
    let indices: Vec<usize> = if summarized[0] {
        (0..EDGEITEMS).chain(len0 - EDGEITEMS..len0).collect()
    } else {
        (0..len0).collect()
    };
    for i in indices {
        gather(storage, &layout.select(0, i), &summarized[1..], out)?;
    }
    Ok(())
}

/// `_Formatter`: the notation and column width shared by every element of one printout.
struct Formatter {
    int_mode: bool,
    sci_mode: bool,
    max_width: usize,
}

impl Formatter {
    fn new(values: &Values) -> Formatter {
        let mut f = Formatter { int_mode: true, sci_mode: false, max_width: 1 };
        let floats = match values {
            Values::Int(v) => {
                f.max_width = v.iter().map(|x| x.to_string().len()).max().unwrap_or(0).max(1);
                return f;
            }
            Values::Bool(v) => {
                let widest = v.iter().map(|&b| if b { 4 } else { 5 }).max().unwrap_or(0);
                f.max_width = widest.max(1);
                return f;
            }
            Values::Float(v) => v,
        };
        // Zeros, infinities and NaNs take no part in choosing the notation or the width.
        let nonzero_finite: Vec<f64> =
            floats.iter().copied().filter(|x| x.is_finite() && *x != 0.0).collect();
        if nonzero_finite.is_empty() {
            return f;
        }
        let abs = nonzero_finite.iter().map(|x| x.abs());
        let min = abs.clone().fold(f64::INFINITY, f64::min);
        let max = abs.fold(0.0, f64::max);
        f.int_mode = nonzero_finite.iter().all(|x| *x == x.ceil());
        f.sci_mode = max / min > 1000.0 || max > 1.0e8 || min < 1.0e-4;
        f.max_width = nonzero_finite
            .iter()
            .map(|&x| match (f.sci_mode, f.int_mode) {
                (true, _) => python_sci(x).len(),
                // The width counts the `.` that marks an integer-valued float.
                (false, true) => python_fixed(x, 0).len() + 1,
                (false, false) => python_fixed(x, PRECISION).len(),
            })
            .max()
            .unwrap_or(1)
            .max(1);
        f
    }

    /// `_Formatter.format`: one element, right-aligned to the column width.
    fn format(&self, values: &Values, i: usize) -> String {
        let s = match values {
            Values::Float(v) => self.format_float(v[i]),
            Values::Int(v) => v[i].to_string(),
            Values::Bool(v) => (if v[i] { "True" } else { "False" }).to_string(),
        };
        format!("{s:>width$}", width = self.max_width)
    }

    fn format_float(&self, x: f64) -> String {
        if self.sci_mode {
            python_sci(x)
        } else if self.int_mode {
            let s = python_fixed(x, 0);
            if x.is_finite() { s + "." } else { s }
        } else {
            python_fixed(x, PRECISION)
        }
    }
}

/// Python's `f"{x:.{precision}f}"`. Rust's fixed formatting is correctly rounded like Python's;
/// only the spelling of non-finite values differs.
fn python_fixed(x: f64, precision: usize) -> String {
    match python_non_finite(x) {
        Some(s) => s.to_string(),
        None => format!("{x:.precision$}"),
    }
}

/// Python's `f"{x:.4e}"`: like Rust's `{:.4e}` but with a signed, at least two-digit exponent
/// (`7.4506e-09`, not `7.4506e-9`).
fn python_sci(x: f64) -> String {
    if let Some(s) = python_non_finite(x) {
        return s.to_string();
    }
    let s = format!("{x:.PRECISION$e}");
    let (mantissa, exponent) = s.split_once('e').expect("`{:e}` output has an exponent");
    let (sign, digits) = match exponent.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', exponent),
    };
    format!("{mantissa}e{sign}{digits:0>2}")
}

fn python_non_finite(x: f64) -> Option<&'static str> {
    match x {
        _ if x.is_nan() => Some("nan"),
        f64::INFINITY => Some("inf"),
        f64::NEG_INFINITY => Some("-inf"),
        _ => None,
    }
}

/// `_tensor_str_with_formatter` over the gathered elements.
struct Body<'a> {
    formatter: Formatter,
    values: &'a Values,
    /// Sizes of the gathered (summarized) tensor.
    shown: &'a [usize],
    /// Per dim: whether `...` stands between its head and tail.
    summarized: &'a [bool],
}

impl Body<'_> {
    /// The sub-tensor at dim `level` starting at flat index `offset` of the gathered elements.
    fn render(&self, level: usize, offset: usize, indent: usize) -> String {
        let rank = self.shown.len();
        match rank - level {
            0 => self.formatter.format(self.values, offset),
            1 => self.vector(level, offset, indent),
            dims_left => {
                let stride: usize = self.shown[level + 1..].iter().product();
                let mut slices: Vec<String> = (0..self.shown[level])
                    .map(|i| self.render(level + 1, offset + i * stride, indent + 1))
                    .collect();
                if self.summarized[level] {
                    slices.insert(EDGEITEMS, "...".to_string());
                }
                let sep = format!(",{}{}", "\n".repeat(dims_left - 1), " ".repeat(indent + 1));
                format!("[{}]", slices.join(&sep))
            }
        }
    }

    /// `_vector_str`: one row, wrapped to the line width.
    fn vector(&self, level: usize, offset: usize, indent: usize) -> String {
        let element_length = (self.formatter.max_width + 2) as isize;
        // Python's `math.floor` of a possibly negative quotient, for deeply indented rows.
        let per_line = (LINEWIDTH as isize - indent as isize).div_euclid(element_length).max(1) as usize;
        let mut data: Vec<String> =
            (0..self.shown[level]).map(|i| self.formatter.format(self.values, offset + i)).collect();
        if self.summarized[level] {
            data.insert(EDGEITEMS, " ...".to_string());
        }
        let lines: Vec<String> = data.chunks(per_line).map(|line| line.join(", ")).collect();
        format!("[{}]", lines.join(&format!(",\n{}", " ".repeat(indent + 1))))
    }
}
