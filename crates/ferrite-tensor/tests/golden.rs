//! Golden tests: ferrite's forward ops and `Display` against the values PyTorch wrote into
//! `tests/golden/` (regenerate them with `cargo xtask golden`; this test needs no Python).
//!
//! `forward.json` lists cases by ferrite method name; [`run_op`] (shared with `ferrite-autograd`'s
//! `golden_grad` test, in `common/golden_ops.rs`) dispatches each one with its args,
//! and every case is checked (dtype, shape, then values within the case's `rtol`/`atol`) before the
//! test reports all failures together. `display.json` holds PyTorch's repr of tensors that
//! [`display_tensor`] rebuilds here, compared character for character.

#[path = "common/golden_ops.rs"]
mod golden_ops;

use ferrite_tensor::{DType, Tensor, tensor};
use golden_ops::{Res, apply_prep, compare, golden_dir, guarded, load_inputs, read_json, run_op, to_tensor};
use safetensors::SafeTensors;
use serde_json::Value;

fn str_list(v: &Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect())
        .unwrap_or_default()
}

/// Runs one case: loads its inputs, applies any `prep` view, runs the op, compares every output.
fn check_case(st: &SafeTensors<'_>, case: &Value) -> Res<()> {
    let load = |key: &str| -> Res<Tensor> { to_tensor(&st.tensor(key)?) };
    let xs = apply_prep(case, &load_inputs(case, &load)?)?;
    let op = case["op"].as_str().ok_or("case without an op")?;
    let got = run_op(op, &xs, &case["args"])?;
    let outputs = str_list(case, "outputs");
    if got.len() != outputs.len() {
        return Err(format!("expected {} outputs, got {}", outputs.len(), got.len()).into());
    }
    let (rtol, atol) = golden_ops::tolerances(case);
    for (i, (g, key)) in got.iter().zip(&outputs).enumerate() {
        compare(g, &load(key)?, rtol, atol).map_err(|e| format!("output {i}: {e}"))?;
    }
    Ok(())
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
