//! The golden fixtures' shared half: loading `tests/golden/` tensors, the op dispatch that mirrors
//! `run_op` in `tests/golden/gen.py` (written once, used by the forward test here and by
//! `ferrite-autograd`'s gradient test), value comparison, and a panic guard so every case runs.
//!
//! Included with `#[path = ...] mod golden_ops;`; not every includer uses every item.

use ferrite_tensor::{DType, Operand, Scalar, Tensor};
use safetensors::{Dtype, tensor::TensorView};
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Once;

pub type Res<T> = Result<T, Box<dyn std::error::Error>>;

pub fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/golden")
}

pub fn read_json(name: &str) -> Value {
    let path = golden_dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run `cargo xtask golden`)", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

// ---------------------------------------------------------------------------------------------
// Fixtures to tensors.

fn le_chunks<const N: usize, T>(data: &[u8], f: fn([u8; N]) -> T) -> Vec<T> {
    data.chunks_exact(N).map(|c| f(c.try_into().expect("chunk of N bytes"))).collect()
}

/// A ferrite tensor with the view's dtype, shape and (little-endian) data.
pub fn to_tensor(view: &TensorView<'_>) -> Res<Tensor> {
    let shape = view.shape().to_vec();
    let data = view.data();
    Ok(match view.dtype() {
        Dtype::F32 => Tensor::from_vec(le_chunks(data, f32::from_le_bytes), shape)?,
        Dtype::F64 => Tensor::from_vec(le_chunks(data, f64::from_le_bytes), shape)?,
        Dtype::I64 => Tensor::from_vec(le_chunks(data, i64::from_le_bytes), shape)?,
        Dtype::U8 => Tensor::from_vec(data.to_vec(), shape)?,
        Dtype::BOOL => Tensor::from_vec(data.iter().map(|&b| b != 0).collect::<Vec<_>>(), shape)?,
        other => return Err(format!("fixture dtype {other:?} has no ferrite dtype").into()),
    })
}

// ---------------------------------------------------------------------------------------------
// Case arguments.

/// A case's non-tensor arguments, read with the type each op expects.
struct Args<'a>(&'a Value);

impl Args<'_> {
    fn get(&self, key: &str) -> Res<&Value> {
        self.0.get(key).ok_or_else(|| format!("missing arg `{key}`").into())
    }

    fn int(&self, key: &str) -> Res<isize> {
        Ok(self.get(key)?.as_i64().ok_or_else(|| format!("arg `{key}` is not an integer"))? as isize)
    }

    fn opt_int(&self, key: &str) -> Res<Option<isize>> {
        match self.get(key)? {
            Value::Null => Ok(None),
            _ => self.int(key).map(Some),
        }
    }

    fn usize(&self, key: &str) -> Res<usize> {
        Ok(usize::try_from(self.int(key)?)?)
    }

    fn bool(&self, key: &str) -> Res<bool> {
        self.get(key)?.as_bool().ok_or_else(|| format!("arg `{key}` is not a bool").into())
    }

    /// A float; JSON has no infinity, so the fixtures spell it `"inf"`.
    fn f64(&self, key: &str) -> Res<f64> {
        match self.get(key)? {
            Value::String(s) if s == "inf" => Ok(f64::INFINITY),
            Value::String(s) if s == "-inf" => Ok(f64::NEG_INFINITY),
            v => v.as_f64().ok_or_else(|| format!("arg `{key}` is not a number").into()),
        }
    }

    fn opt_f64(&self, key: &str) -> Res<Option<f64>> {
        match self.get(key)? {
            Value::Null => Ok(None),
            _ => self.f64(key).map(Some),
        }
    }

    fn ints(&self, key: &str) -> Res<Vec<isize>> {
        let list = self.get(key)?.as_array().ok_or_else(|| format!("arg `{key}` is not a list"))?;
        list.iter().map(|v| v.as_i64().map(|i| i as isize).ok_or_else(|| "not an integer".into())).collect()
    }

    fn usizes(&self, key: &str) -> Res<Vec<usize>> {
        self.ints(key)?.into_iter().map(|i| Ok(usize::try_from(i)?)).collect()
    }

    /// A Python number keeps its kind: `2` is an int, `2.0` a float, `true` a bool.
    fn scalar(&self, key: &str) -> Res<Scalar> {
        let v = self.get(key)?;
        if let Some(b) = v.as_bool() {
            Ok(Scalar::Bool(b))
        } else if let Some(i) = v.as_i64() {
            Ok(Scalar::Int(i))
        } else {
            Ok(Scalar::Float(self.f64(key)?))
        }
    }

    fn dtype(&self, key: &str) -> Res<DType> {
        let name = self.get(key)?.as_str().ok_or_else(|| format!("arg `{key}` is not a string"))?;
        DType::ALL
            .into_iter()
            .find(|d| d.to_string() == name)
            .ok_or_else(|| format!("no dtype {name}").into())
    }
}

// ---------------------------------------------------------------------------------------------
// Dispatch: one arm per ferrite method, mirroring `run_op` in gen.py.

fn input(xs: &[Tensor], i: usize) -> Res<&Tensor> {
    xs.get(i).ok_or_else(|| format!("the op needs input {i}").into())
}

/// The right operand of a binary op: the second input, else the `scalar` arg.
fn operand<'a>(xs: &'a [Tensor], a: &Args<'_>) -> Res<Operand<'a>> {
    Ok(match xs.get(1) {
        Some(t) => Operand::Tensor(t),
        None => Operand::Scalar(a.scalar("scalar")?),
    })
}

fn run_elementwise(op: &str, xs: &[Tensor], a: &Args<'_>) -> Res<Option<Tensor>> {
    let x = || input(xs, 0);
    let rhs = || operand(xs, a);
    Ok(Some(match op {
        "add" => x()?.add(rhs()?)?,
        "sub" => x()?.sub(rhs()?)?,
        "rsub" => x()?.rsub(rhs()?)?,
        "mul" => x()?.mul(rhs()?)?,
        "div" => x()?.div(rhs()?)?,
        "pow" => x()?.pow(rhs()?)?,
        "maximum" => x()?.maximum(rhs()?)?,
        "minimum" => x()?.minimum(rhs()?)?,
        "eq" => x()?.eq(rhs()?)?,
        "ne" => x()?.ne(rhs()?)?,
        "lt" => x()?.lt(rhs()?)?,
        "le" => x()?.le(rhs()?)?,
        "gt" => x()?.gt(rhs()?)?,
        "ge" => x()?.ge(rhs()?)?,
        "logical_and" => x()?.logical_and(rhs()?)?,
        "logical_or" => x()?.logical_or(rhs()?)?,
        "logical_xor" => x()?.logical_xor(rhs()?)?,
        "logical_not" => x()?.logical_not()?,
        "neg" => x()?.neg()?,
        "exp" => x()?.exp()?,
        "log" => x()?.log()?,
        "sqrt" => x()?.sqrt()?,
        "abs" => x()?.abs()?,
        "sin" => x()?.sin()?,
        "cos" => x()?.cos()?,
        "relu" => x()?.relu()?,
        "sigmoid" => x()?.sigmoid()?,
        "tanh" => x()?.tanh()?,
        "sign" => x()?.sign()?,
        "reciprocal" => x()?.reciprocal()?,
        "square" => x()?.square()?,
        "clamp" => x()?.clamp(a.opt_f64("min")?, a.opt_f64("max")?)?,
        "where_" => {
            let other = match xs.get(2) {
                Some(t) => Operand::Tensor(t),
                None => Operand::Scalar(a.scalar("scalar")?),
            };
            x()?.where_(input(xs, 1)?, other)?
        }
        "to_dtype" => x()?.to_dtype(a.dtype("dtype")?)?,
        _ => return Ok(None),
    }))
}

fn run_reduction(op: &str, xs: &[Tensor], a: &Args<'_>) -> Res<Option<Vec<Tensor>>> {
    let Some(x) = xs.first() else { return Ok(None) };
    let dims = || a.ints("dims");
    let keep = || a.bool("keepdim");
    let one = match op {
        "sum" => x.sum(&dims()?, keep()?)?,
        "sum_all" => x.sum_all()?,
        "mean" => x.mean(&dims()?, keep()?)?,
        "mean_all" => x.mean_all()?,
        "prod" => x.prod(&dims()?, keep()?)?,
        "max_all" => x.max_all()?,
        "min_all" => x.min_all()?,
        "amax" => x.amax(&dims()?, keep()?)?,
        "max" | "min" => {
            let (dim, keepdim) = (a.int("dim")?, keep()?);
            let (values, indices) = if op == "max" { x.max(dim, keepdim)? } else { x.min(dim, keepdim)? };
            return Ok(Some(vec![values, indices]));
        }
        "argmax" => x.argmax(a.opt_int("dim")?, keep()?)?,
        "argmin" => x.argmin(a.opt_int("dim")?, keep()?)?,
        "cumsum" => x.cumsum(a.int("dim")?)?,
        "logsumexp" => x.logsumexp(a.int("dim")?, keep()?)?,
        "softmax" => x.softmax(a.int("dim")?)?,
        "log_softmax" => x.log_softmax(a.int("dim")?)?,
        "var" => x.var(&dims()?, a.bool("unbiased")?, keep()?)?,
        "std" => x.std(&dims()?, a.bool("unbiased")?, keep()?)?,
        "norm" => x.norm()?,
        "norm_p" => x.norm_p(a.f64("p")?, &dims()?, keep()?)?,
        _ => return Ok(None),
    };
    Ok(Some(vec![one]))
}

fn run_shape(op: &str, xs: &[Tensor], a: &Args<'_>) -> Res<Option<Vec<Tensor>>> {
    let x = || input(xs, 0);
    let refs = || xs.iter().collect::<Vec<_>>();
    let one = match op {
        "matmul" => x()?.matmul(input(xs, 1)?)?,
        "dot" => x()?.dot(input(xs, 1)?)?,
        "mv" => x()?.mv(input(xs, 1)?)?,
        "mm" => x()?.mm(input(xs, 1)?)?,
        "bmm" => x()?.bmm(input(xs, 1)?)?,
        "reshape" => x()?.reshape(a.ints("shape")?)?,
        "view" => x()?.view(a.ints("shape")?)?,
        "transpose" => x()?.transpose(a.int("dim0")?, a.int("dim1")?)?,
        "t" => x()?.t()?,
        "permute" => x()?.permute(&a.ints("dims")?)?,
        "expand" => x()?.expand(a.ints("shape")?)?,
        "broadcast_to" => x()?.broadcast_to(a.usizes("shape")?)?,
        "narrow" => x()?.narrow(a.int("dim")?, a.usize("start")?, a.usize("len")?)?,
        "slice" => x()?.slice(a.int("dim")?, a.opt_int("start")?, a.opt_int("end")?, a.usize("step")?)?,
        "select" => x()?.select(a.int("dim")?, a.int("index")?)?,
        "flatten" => x()?.flatten(a.int("start_dim")?, a.int("end_dim")?)?,
        "flatten_all" => x()?.flatten_all()?,
        "squeeze" => x()?.squeeze(a.int("dim")?)?,
        "squeeze_all" => x()?.squeeze_all()?,
        "unsqueeze" => x()?.unsqueeze(a.int("dim")?)?,
        "contiguous" => x()?.contiguous()?,
        "cat" => Tensor::cat(&refs(), a.int("dim")?)?,
        "stack" => Tensor::stack(&refs(), a.int("dim")?)?,
        "split" => return Ok(Some(x()?.split(a.usize("size")?, a.int("dim")?)?)),
        "split_sizes" => return Ok(Some(x()?.split_sizes(&a.usizes("sizes")?, a.int("dim")?)?)),
        "chunk" => return Ok(Some(x()?.chunk(a.usize("chunks")?, a.int("dim")?)?)),
        "index_select" => x()?.index_select(a.int("dim")?, input(xs, 1)?)?,
        "gather" => x()?.gather(a.int("dim")?, input(xs, 1)?)?,
        "arange" => Tensor::arange(a.scalar("end")?)?,
        "arange_step" => Tensor::arange_step(a.scalar("start")?, a.scalar("end")?, a.scalar("step")?)?,
        "linspace" => Tensor::linspace(a.f64("start")?, a.f64("end")?, a.usize("steps")?)?,
        "eye" => Tensor::eye(a.usize("n")?),
        "full" => Tensor::full(a.usizes("shape")?, a.scalar("value")?, a.dtype("dtype")?)?,
        _ => return Ok(None),
    };
    Ok(Some(vec![one]))
}

pub fn run_op(op: &str, xs: &[Tensor], args: &Value) -> Res<Vec<Tensor>> {
    let a = Args(args);
    if let Some(t) = run_elementwise(op, xs, &a)? {
        return Ok(vec![t]);
    }
    if let Some(ts) = run_reduction(op, xs, &a)? {
        return Ok(ts);
    }
    run_shape(op, xs, &a)?
        .ok_or_else(|| format!("no dispatch for op `{op}` in tests/common/golden_ops.rs").into())
}

// ---------------------------------------------------------------------------------------------
// Comparison.

/// Checks dtype, shape, then values: floats within `atol + rtol * |expected|` (NaN matches NaN,
/// infinities match exactly), everything else exactly.
pub fn compare(got: &Tensor, want: &Tensor, rtol: f64, atol: f64) -> Result<(), String> {
    if got.dtype() != want.dtype() {
        return Err(format!("dtype: expected {}, got {}", want.dtype(), got.dtype()));
    }
    if got.dims() != want.dims() {
        return Err(format!("shape: expected {:?}, got {:?}", want.dims(), got.dims()));
    }
    let values = |t: &Tensor| t.to_vec::<f64>().map_err(|e| e.to_string());
    let (g, w) = match want.dtype() {
        DType::I64 => {
            let ints = |t: &Tensor| t.to_vec::<i64>().map_err(|e| e.to_string());
            let (g, w) = (ints(got)?, ints(want)?);
            let bad: Vec<usize> = (0..w.len()).filter(|&i| g[i] != w[i]).collect();
            return report(&bad, w.len(), |i| format!("[{i}] expected {}, got {}", w[i], g[i]));
        }
        _ => (values(got)?, values(want)?),
    };
    // Bool and u8 values are exact whatever the case says.
    let (rtol, atol) = if want.dtype().is_float() { (rtol, atol) } else { (0.0, 0.0) };
    let close =
        |x: f64, y: f64| x == y || (x.is_nan() && y.is_nan()) || (x - y).abs() <= atol + rtol * y.abs();
    let bad: Vec<usize> = (0..w.len()).filter(|&i| !close(g[i], w[i])).collect();
    report(&bad, w.len(), |i| format!("[{i}] expected {:e}, got {:e}", w[i], g[i]))
}

fn report(bad: &[usize], n: usize, show: impl Fn(usize) -> String) -> Result<(), String> {
    if bad.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = bad.iter().take(4).map(|&i| show(i)).collect();
    let more = if bad.len() > 4 { ", ..." } else { "" };
    Err(format!("{} of {n} values differ: {}{more}", bad.len(), shown.join(", ")))
}

/// A large input computed rather than stored (gen.py's `Pattern`): element `i` in row-major order
/// is `((i * 7919) % 1009) / 1009 - 0.5` in f64, cast to the dtype.
pub fn pattern(spec: &Value) -> Res<Tensor> {
    let a = Args(spec);
    if spec["pattern"] != "mod1009" {
        return Err(format!("unknown input pattern {spec}").into());
    }
    let shape = a.usizes("shape")?;
    let n: usize = shape.iter().product();
    let values: Vec<f64> = (0..n).map(|i| ((i * 7919) % 1009) as f64 / 1009.0 - 0.5).collect();
    Ok(Tensor::from_vec(values, shape)?.to_dtype(a.dtype("dtype")?)?)
}

/// A case's inputs as stored: each a fixture key, read with `load`, or a [`pattern`] spec. These
/// are the bases; [`apply_prep`] makes the views the op runs on.
pub fn load_inputs(case: &Value, load: &dyn Fn(&str) -> Res<Tensor>) -> Res<Vec<Tensor>> {
    let inputs = case["inputs"].as_array().ok_or("case without an input list")?;
    inputs
        .iter()
        .map(|spec| match spec.as_str() {
            Some(key) => load(key),
            None => pattern(spec),
        })
        .collect()
}

/// Applies the case's `prep` views: `"t"` is `transpose(-2, -1)`; a missing entry leaves the
/// input as it is.
pub fn apply_prep(case: &Value, bases: &[Tensor]) -> Res<Vec<Tensor>> {
    let preps = case["prep"].as_array().cloned().unwrap_or_default();
    bases
        .iter()
        .enumerate()
        .map(|(i, x)| match preps.get(i).and_then(Value::as_str) {
            Some("t") => Ok(x.transpose(-2, -1)?),
            Some(p) => Err(format!("unknown prep `{p}`").into()),
            None => Ok(x.clone()),
        })
        .collect()
}

/// The case's `rtol` and `atol` (0 when absent).
pub fn tolerances(case: &Value) -> (f64, f64) {
    (case["rtol"].as_f64().unwrap_or(0.0), case["atol"].as_f64().unwrap_or(0.0))
}

thread_local! {
    /// Set while [`guarded`] runs a case on this thread: its panics are reported, not printed.
    static QUIET: Cell<bool> = const { Cell::new(false) };
    /// Where the last quiet panic happened.
    static PANIC_AT: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Wraps the panic hook once so that panics inside [`guarded`] only record their location; other
/// threads (other tests) keep the default hook's output.
fn install_quiet_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if QUIET.get() {
                let at = info.location().map(|l| l.to_string()).unwrap_or_default();
                PANIC_AT.with_borrow_mut(|p| *p = at);
            } else {
                default(info);
            }
        }));
    });
}

/// Runs a check, turning an error or a panic (with its location) into a failure message.
pub fn guarded(f: impl FnOnce() -> Res<()>) -> Result<(), String> {
    install_quiet_hook();
    QUIET.set(true);
    let result = catch_unwind(AssertUnwindSafe(f));
    QUIET.set(false);
    match result {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()));
            let at = PANIC_AT.with_borrow(String::clone);
            Err(format!("panicked at {at}: {}", msg.unwrap_or_default()))
        }
    }
}
