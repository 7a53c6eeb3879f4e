//! Gradcheck over the whole op table: random shapes (broadcasting pairs included), contiguous and
//! transposed f64 inputs; f32 smoke runs; and a tidy test that keeps every public `Tensor` method
//! either in the table or in an explicit exemption list.

use ferrite_autograd::gradcheck::gradcheck;
use ferrite_autograd::optable::{OpInfo, op_table};
use ferrite_autograd::{Backward, Result};
use ferrite_tensor::DType;
use proptest::prelude::*;
use std::collections::{BTreeSet, HashSet};
use std::path::Path;

/// Checks one row at one sample: gradcheck for differentiable rows, no history for the others.
fn check(op: &OpInfo, base: &[usize], seed: u64, transposed: bool) -> std::result::Result<(), String> {
    let run = || -> Result<Option<String>> {
        let inputs = op.sample(base, seed, transposed)?;
        if inputs.len() != op.arity {
            return Ok(Some(format!("sampled {} inputs for arity {}", inputs.len(), op.arity)));
        }
        if !op.differentiable {
            let out = (op.call)(&inputs)?;
            return Ok(out.requires_grad().then(|| "a non-differentiable op recorded history".into()));
        }
        gradcheck(op.call, &inputs, op.tolerance)?;
        Ok(None)
    };
    let shapes: Vec<Vec<usize>> = op
        .sample(base, seed, false)
        .map(|v| v.iter().map(|t| t.dims().to_vec()).collect())
        .unwrap_or_default();
    match run() {
        Ok(None) => Ok(()),
        Ok(Some(why)) => Err(format!("{} at {shapes:?} (transposed: {transposed}): {why}", op.name)),
        Err(e) => Err(format!("{} at {shapes:?} (transposed: {transposed}): {e}", op.name)),
    }
}

/// Runs every row, collecting all failures so one run reports them all.
fn check_all(base: &[usize], seed: u64, transposed: bool) -> std::result::Result<(), String> {
    let failures: Vec<String> =
        op_table().iter().filter_map(|op| check(op, base, seed, transposed).err()).collect();
    if failures.is_empty() { Ok(()) } else { Err(failures.join("\n")) }
}

#[test]
fn every_row_passes_gradcheck_on_fixed_shapes() {
    for (base, seed) in [(vec![2, 3], 1u64), (vec![3], 2), (vec![], 3), (vec![2, 1, 3], 4)] {
        for transposed in [false, true] {
            if let Err(e) = check_all(&base, seed, transposed) {
                panic!("gradcheck failures:\n{e}");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn every_row_passes_gradcheck_on_random_shapes(
        base in prop::collection::vec(1usize..=4, 0..=3),
        seed in any::<u64>(),
        transposed in any::<bool>(),
    ) {
        check_all(&base, seed, transposed).map_err(TestCaseError::fail)?;
    }
}

#[test]
fn every_row_runs_backward_in_f32() -> Result<()> {
    for op in op_table().iter().filter(|op| op.differentiable && op.dtypes.contains(&DType::F32)) {
        let inputs = op
            .sample(&[2, 3], 7, true)?
            .iter()
            .map(|t| t.detach().to_dtype(DType::F32)?.requires_grad_(true))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let out = (op.call)(&inputs)?;
        out.backward_with(&out.ones_like()?)?;
        for (i, x) in inputs.iter().enumerate() {
            let g = x.grad().unwrap_or_else(|| panic!("{}: input {i} got no gradient", op.name));
            assert_eq!((g.dtype(), g.shape()), (DType::F32, x.shape()), "{}: input {i}", op.name);
        }
    }
    Ok(())
}

#[test]
fn gradcheck_catches_a_wrong_gradient() -> Result<()> {
    // `detach` hides one factor from backward: analytic x, numeric 2x.
    let x = ferrite_tensor::Tensor::from_vec(vec![0.5f64, -1.5], [2])?.requires_grad_(true)?;
    let err = gradcheck(|x| Ok(x[0].detach().mul(&x[0])?), &[x], Default::default()).unwrap_err();
    let ferrite_autograd::Error::GradcheckMismatch { input: 0, element: 0, analytic, numeric } = err else {
        panic!("expected a mismatch at input 0, element 0: {err}");
    };
    assert!((numeric / analytic - 2.0).abs() < 1e-6, "numeric {numeric} is twice analytic {analytic}");
    Ok(())
}

#[test]
fn rows_are_unique_and_well_formed() {
    let table = op_table();
    let mut names = HashSet::new();
    for op in &table {
        assert!(names.insert(op.name), "duplicate row {}", op.name);
        assert!(op.arity >= 1 && !op.domains.is_empty() && !op.dtypes.is_empty(), "{}", op.name);
        assert!(
            op.torch.contains("torch") || op.torch.contains("Tensor") || op.torch.contains('x'),
            "{}",
            op.name
        );
    }
}

/// Public `Tensor` methods with no table row, and why.
const EXEMPT: &[(&str, &str)] = &[
    // Accessors and autograd state.
    ("data_ptr", "accessor"),
    ("device", "accessor"),
    ("dim", "accessor"),
    ("dims", "accessor"),
    ("dtype", "accessor"),
    ("grad", "accessor"),
    ("grad_fn", "accessor"),
    ("is_contiguous", "accessor"),
    ("is_empty", "accessor"),
    ("is_leaf", "accessor"),
    ("is_same", "accessor"),
    ("layout", "accessor"),
    ("len", "accessor"),
    ("numel", "accessor"),
    ("requires_grad", "accessor"),
    ("requires_grad_", "autograd state"),
    ("set_grad", "autograd state"),
    ("set_grad_fn", "autograd state"),
    ("shape", "accessor"),
    ("size", "accessor"),
    ("storage", "accessor"),
    ("storage_version", "accessor"),
    ("with_storage", "accessor"),
    ("zero_grad", "autograd state"),
    // Creation: no tensor input to differentiate.
    ("arange", "creation"),
    ("arange_step", "creation"),
    ("eye", "creation"),
    ("from_literal", "creation"),
    ("from_literal_dtype", "creation"),
    ("from_ndarray", "creation"),
    ("from_slice", "creation"),
    ("from_storage", "creation"),
    ("from_vec", "creation"),
    ("full", "creation"),
    ("full_like", "creation (values do not depend on the input)"),
    ("full_on", "creation"),
    ("linspace", "creation"),
    ("ones", "creation"),
    ("ones_dtype", "creation"),
    ("ones_like", "creation (values do not depend on the input)"),
    ("ones_on", "creation"),
    ("scalar", "creation"),
    ("zeros", "creation"),
    ("zeros_dtype", "creation"),
    ("zeros_like", "creation (values do not depend on the input)"),
    ("zeros_on", "creation"),
    // Random sampling: creation, or draws that do not depend differentiably on the input.
    ("bernoulli", "random sampling"),
    ("bernoulli_", "random sampling, in place"),
    ("multinomial", "random sampling"),
    ("multinomial_counts", "random sampling"),
    ("normal", "random creation"),
    ("normal_", "random fill, in place"),
    ("rand", "random creation"),
    ("rand_dtype", "random creation"),
    ("rand_on", "random creation"),
    ("randint", "random creation"),
    ("randn", "random creation"),
    ("randn_dtype", "random creation"),
    ("randn_on", "random creation"),
    ("randperm", "random creation"),
    ("uniform", "random creation"),
    ("uniform_", "random fill, in place"),
    // Conversions out of the tensor world.
    ("item", "conversion to a Rust value"),
    ("to_cpu_storage", "conversion to host storage"),
    ("to_ndarray", "conversion to ndarray"),
    ("to_vec", "conversion to a Vec"),
    // Not recorded by design: the adjoints rules use, and raw views.
    ("index_add_zeros", "adjoint helper for rules; creates, does not record"),
    ("scatter_add_zeros", "adjoint helper for rules; creates, does not record"),
    ("as_strided", "not differentiable: refuses tensors that record history"),
    ("clamp_", "in place; its gradient is clamp's (tests/rules.rs checks clamp_ on a non-leaf)"),
    ("add_scaled_", "in place, fused for optimizer steps; refuses tensors that require grad under grad mode"),
    ("addcmul_", "in place, fused for optimizer steps; refuses tensors that require grad under grad mode"),
    ("add_out", "out= variant: not differentiable, as in PyTorch (crates/ferrite-tensor/tests/out.rs)"),
    ("sub_out", "out= variant: not differentiable, as in PyTorch (crates/ferrite-tensor/tests/out.rs)"),
    ("mul_out", "out= variant: not differentiable, as in PyTorch (crates/ferrite-tensor/tests/out.rs)"),
    ("div_out", "out= variant: not differentiable, as in PyTorch (crates/ferrite-tensor/tests/out.rs)"),
    ("is_uniquely_held", "a query on handles, not an op"),
    // Not a Tensor method.
    ("step", "IndexItem::step, part of the s! macro"),
];

/// The names of every `pub fn` in the core's `tensor/` folder.
fn public_methods() -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ferrite-tensor/src/tensor");
    let mut names = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("the core's tensor/ folder") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("a readable source file");
            for rest in text.split("pub fn ").skip(1) {
                let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                names.insert(name);
            }
        }
    }
    names
}

#[test]
fn every_public_tensor_method_is_in_the_op_table_or_exempt() {
    let methods = public_methods();
    assert!(methods.len() > 50, "found only {} methods; is the path right?", methods.len());
    let table: BTreeSet<&str> = op_table().iter().map(|op| op.method).collect();
    let exempt: BTreeSet<&str> = EXEMPT.iter().map(|(name, _)| *name).collect();
    let untested: Vec<&String> =
        methods.iter().filter(|m| !table.contains(m.as_str()) && !exempt.contains(m.as_str())).collect();
    assert!(
        untested.is_empty(),
        "public Tensor methods with neither a table row nor an exemption: {untested:?}"
    );
    let unknown: Vec<&&str> = table.iter().chain(&exempt).filter(|m| !methods.contains(**m)).collect();
    assert!(unknown.is_empty(), "rows or exemptions naming no public method (renamed?): {unknown:?}");
    let both: Vec<&&str> = table.intersection(&exempt).collect();
    assert!(both.is_empty(), "exempt methods that also have rows: {both:?}");
}
