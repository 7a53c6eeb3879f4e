//! Golden tests: ferrite's forward ops and `Display` against the values PyTorch wrote into
//! `tests/golden/` (regenerate them with `cargo xtask golden`; this test needs no Python).
//!
//! `forward.json` lists cases by ferrite method name; [`run_op`] dispatches each one with its args,
//! and every case is checked (dtype, shape, then values within the case's `rtol`/`atol`) before the
//! test reports all failures together. `display.json` holds PyTorch's repr of tensors that
//! [`display_tensor`] rebuilds here, compared character for character.

use ferrite_tensor::{DType, Operand, Scalar, Tensor, tensor};
use safetensors::{Dtype, SafeTensors, tensor::TensorView};
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Once;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/golden")
}

fn read_json(name: &str) -> Value {
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
fn to_tensor(view: &TensorView<'_>) -> Res<Tensor> {
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

fn run_op(op: &str, xs: &[Tensor], args: &Value) -> Res<Vec<Tensor>> {
    let a = Args(args);
    if let Some(t) = run_elementwise(op, xs, &a)? {
        return Ok(vec![t]);
    }
    if let Some(ts) = run_reduction(op, xs, &a)? {
        return Ok(ts);
    }
    run_shape(op, xs, &a)?.ok_or_else(|| format!("no dispatch for op `{op}` in golden.rs").into())
}

// ---------------------------------------------------------------------------------------------
// Comparison.

/// Checks dtype, shape, then values: floats within `atol + rtol * |expected|` (NaN matches NaN,
/// infinities match exactly), everything else exactly.
fn compare(got: &Tensor, want: &Tensor, rtol: f64, atol: f64) -> Result<(), String> {
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

fn str_list(v: &Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect())
        .unwrap_or_default()
}

/// A large input computed rather than stored (gen.py's `Pattern`): element `i` in row-major order
/// is `((i * 7919) % 1009) / 1009 - 0.5` in f64, cast to the dtype.
fn pattern(spec: &Value) -> Res<Tensor> {
    let a = Args(spec);
    if spec["pattern"] != "mod1009" {
        return Err(format!("unknown input pattern {spec}").into());
    }
    let shape = a.usizes("shape")?;
    let n: usize = shape.iter().product();
    let values: Vec<f64> = (0..n).map(|i| ((i * 7919) % 1009) as f64 / 1009.0 - 0.5).collect();
    Ok(Tensor::from_vec(values, shape)?.to_dtype(a.dtype("dtype")?)?)
}

/// Runs one case: loads its inputs, applies any `prep` view, runs the op, compares every output.
fn check_case(st: &SafeTensors<'_>, case: &Value) -> Res<()> {
    let load = |key: &str| -> Res<Tensor> { to_tensor(&st.tensor(key)?) };
    let preps = case["prep"].as_array().cloned().unwrap_or_default();
    let mut xs = Vec::new();
    let inputs = case["inputs"].as_array().ok_or("case without an input list")?;
    for (i, spec) in inputs.iter().enumerate() {
        let x = match spec.as_str() {
            Some(key) => load(key)?,
            None => pattern(spec)?,
        };
        xs.push(match preps.get(i).and_then(Value::as_str) {
            Some("t") => x.transpose(-2, -1)?,
            Some(p) => return Err(format!("unknown prep `{p}`").into()),
            None => x,
        });
    }
    let op = case["op"].as_str().ok_or("case without an op")?;
    let got = run_op(op, &xs, &case["args"])?;
    let outputs = str_list(case, "outputs");
    if got.len() != outputs.len() {
        return Err(format!("expected {} outputs, got {}", outputs.len(), got.len()).into());
    }
    let (rtol, atol) = (case["rtol"].as_f64().unwrap_or(0.0), case["atol"].as_f64().unwrap_or(0.0));
    for (i, (g, key)) in got.iter().zip(&outputs).enumerate() {
        compare(g, &load(key)?, rtol, atol).map_err(|e| format!("output {i}: {e}"))?;
    }
    Ok(())
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
fn guarded(f: impl FnOnce() -> Res<()>) -> Result<(), String> {
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

#[test]
fn forward_ops_match_pytorch() {
    let bytes = std::fs::read(golden_dir().join("forward.safetensors")).expect("read forward.safetensors");
    let st = SafeTensors::deserialize(&bytes).expect("parse forward.safetensors");
    let manifest = read_json("forward.json");
    let cases = manifest["cases"].as_array().expect("forward.json has a case list");
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap_or("?");
        if let Err(e) = guarded(|| check_case(&st, case)) {
            failures.push(format!("{name} ({}): {e}", case["op"].as_str().unwrap_or("?")));
        }
    }
    println!("golden forward: {} cases, {} failed", cases.len(), failures.len());
    assert!(
        failures.is_empty(),
        "{} of {} golden cases failed:\n  {}",
        failures.len(),
        cases.len(),
        failures.join("\n  ")
    );
}

// ---------------------------------------------------------------------------------------------
// Display.

/// The ferrite tensor for each `display.json` case: the same value as the case's Python `expr`.
fn display_tensor(name: &str) -> Res<Tensor> {
    let f1248 = || tensor!([1.0, 2.0, 4.0, 8.0]);
    let twos = || tensor!([2.0, 2.0, 2.0, 2.0]);
    let x12 = || Tensor::arange(12.0);
    let leaf4 = || Tensor::arange(4.0)?.requires_grad_(true);
    Ok(match name {
        "arange_12" => Tensor::arange(12)?,
        "arange_12_f32" => x12()?,
        "reshape_3_4_f32" => x12()?.reshape([3, 4])?,
        "reshape_2_3_4_i64" => Tensor::arange(24)?.reshape([2, 3, 4])?,
        "zeros_2_3_4" => Tensor::zeros([2, 3, 4]),
        "ones_2_3" => Tensor::ones([2, 3]),
        "literal_i64_2d" => tensor!([[2, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]]),
        "exp_1_2_4_8" => f1248().exp()?,
        "floats_mixed" => f1248().sub(&twos())?,
        "div_floats" => f1248().div(&twos())?,
        "pow_floats" => f1248().pow(&twos())?,
        "decimals" => tensor!([0.1, 2.5, -3.25]),
        "negative_floats" => tensor!([-1.0, 0.5]),
        "integral_floats" => tensor!([1.0, 2.0, 100.0]),
        "f64_vec" => Tensor::from_vec(vec![1.5f64, 2.25, -3.0], [3])?,
        "f64_thirds" => Tensor::arange(6)?.double()?.reshape([2, 3])?.div(3)?,
        "f64_integral" => Tensor::arange(4)?.double()?,
        "scalar_f32" => Tensor::scalar(3.5),
        "scalar_i64" => Tensor::scalar(7),
        "scalar_bool" => Tensor::scalar(true),
        "scalar_f64" => Tensor::full((), 2.0, DType::F64)?,
        "scalar_sum" => x12()?.sum_all()?,
        "empty_f32" => Tensor::zeros([0]),
        "empty_2_0" => Tensor::zeros([2, 0]),
        "empty_i64" => Tensor::zeros_dtype([0], DType::I64),
        "bool_vec" => tensor!([true, false, true]),
        "bool_eq" => x12()?.reshape([3, 4])?.eq(&tensor!([
            [2.0, 1.0, 4.0, 3.0],
            [1.0, 2.0, 3.0, 4.0],
            [4.0, 3.0, 2.0, 1.0]
        ]))?,
        "u8_vec" => Tensor::from_vec(vec![1u8, 2, 255], [3])?,
        "i64_negative" => tensor!([-5, 10, 300]),
        "i64_large" => tensor!([123_456_789_012i64, -1]),
        "sci_large" => tensor!([1e10, 1.0, 2.0]),
        "sci_small" => tensor!([1e-5, 1.0]),
        "sci_ratio" => tensor!([100000.0, 1.0]),
        "sci_f64" => Tensor::from_vec(vec![1e-10f64, 1e10], [2])?,
        "nan_inf" => tensor!([f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1.0]),
        "summarised_i64_2000" => Tensor::arange(2000)?,
        "summarised_f32_2000" => Tensor::arange(2000.0)?,
        "summarised_2d" => Tensor::arange(2000.0)?.reshape([40, 50])?,
        "wrapped_line" => Tensor::arange(30.0)?.div(7)?,
        "linspace_0_1_5" => Tensor::linspace(0.0, 1.0, 5)?,
        "eye_3" => Tensor::eye(3),
        "transposed" => Tensor::arange(6.0)?.reshape([2, 3])?.t()?,
        "column" => Tensor::arange(3.0)?.reshape([3, 1])?,
        "requires_grad" => leaf4()?,
        "requires_grad_f64" => Tensor::ones_dtype([2], DType::F64).requires_grad_(true)?,
        "requires_grad_0d" => Tensor::scalar(2.0).requires_grad_(true)?,
        "grad_fn_mul" => leaf4()?.mul(2)?,
        "grad_fn_sum" => leaf4()?.mul(&leaf4()?)?.sum_all()?,
        "grad_fn_f64" => Tensor::ones_dtype([2], DType::F64).requires_grad_(true)?.add(1)?,
        _ => return Err(format!("no Rust constructor for display case `{name}` in golden.rs").into()),
    })
}

#[test]
fn display_matches_pytorch() {
    let cases = read_json("display.json");
    let cases = cases.as_object().expect("display.json is an object");
    let mut failures = Vec::new();
    for (name, case) in cases {
        let want = case["repr"].as_str().unwrap_or_default();
        let result = guarded(|| {
            let got = format!("{}", display_tensor(name)?);
            if got == want { Ok(()) } else { Err(format!("expected\n{want}\n    got\n{got}").into()) }
        });
        if let Err(e) = result {
            failures.push(format!("{name} ({}):\n{e}", case["expr"].as_str().unwrap_or("?")));
        }
    }
    println!("golden display: {} cases, {} failed", cases.len(), failures.len());
    assert!(
        failures.is_empty(),
        "{} of {} display cases differ from PyTorch:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}
