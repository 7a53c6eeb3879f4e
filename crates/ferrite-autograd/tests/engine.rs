//! The engine's contract: seeds and their errors, accumulation, retain_graph and freed graphs,
//! in-place checks, grad mode, `grad()`, deep graphs and threads.

use ferrite_autograd::{Backward, Error, Result, backward, grad};
use ferrite_tensor::{DType, Tensor, no_grad, s};

fn leaf(v: &[f64], shape: &[usize]) -> Tensor {
    Tensor::from_vec(v.to_vec(), shape.to_vec()).unwrap().requires_grad_(true).unwrap()
}

fn grad_vec(x: &Tensor) -> Vec<f64> {
    x.grad().expect("x.grad was filled").to_vec::<f64>().unwrap()
}

#[test]
fn non_scalar_root_needs_a_gradient() -> Result<()> {
    let x = leaf(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    let err = x.mul(2.0)?.backward().unwrap_err();
    assert!(matches!(&err, Error::NonScalarRoot { shape } if shape.dims() == [2, 3]));
    let msg = err.to_string();
    assert!(msg.starts_with("grad can be implicitly created only for scalar outputs"), "{msg}");
    assert!(msg.contains("[2, 3]"), "the message names the shape: {msg}");
    // A one-element output of any rank gets an implicit 1, as in PyTorch.
    x.sum(&[0, 1], true)?.backward()?;
    assert_eq!(grad_vec(&x), vec![1.0; 6]);
    Ok(())
}

#[test]
fn root_without_grad_is_an_error() {
    let t = Tensor::ones([3]).sum_all().unwrap();
    let err = t.backward().unwrap_err();
    assert!(matches!(err, Error::NoGradRequired { .. }), "{err}");
    assert!(err.to_string().contains("does not require grad and does not have a grad_fn"));
}

#[test]
fn gradient_shape_must_match_output() -> Result<()> {
    let x = leaf(&[1.0, 2.0, 3.0], &[3]);
    let err = x.mul(2.0)?.backward_with(&Tensor::ones([4])).unwrap_err();
    assert!(matches!(err, Error::GradShape { .. }), "{err}");
    Ok(())
}

#[test]
fn leaf_root_gets_its_seed() -> Result<()> {
    let x = leaf(&[3.0], &[]);
    x.backward()?;
    assert_eq!(grad_vec(&x), vec![1.0]);
    Ok(())
}

#[test]
fn gradients_accumulate_across_calls_in_place() -> Result<()> {
    let x = leaf(&[1.0, 2.0], &[2]);
    x.mul(&x)?.sum_all()?.backward()?;
    let held = x.grad().unwrap();
    x.mul(&x)?.sum_all()?.backward()?;
    assert_eq!(grad_vec(&x), vec![4.0, 8.0]);
    // As PyTorch's AccumulateGrad, later gradients are added into the existing `.grad` tensor.
    assert_eq!(held.to_vec::<f64>()?, vec![4.0, 8.0]);
    assert!(x.grad().unwrap().is_same(&held));
    Ok(())
}

#[test]
fn first_gradient_is_a_fresh_tensor_not_an_alias() -> Result<()> {
    let x = leaf(&[1.0, 2.0, 3.0], &[3]);
    let seed = Tensor::from_vec(vec![1.0f64, 1.0, 1.0], [3])?;
    x.mul(1.0)?.backward_with(&seed)?;
    seed.fill_(7.0)?;
    assert_eq!(grad_vec(&x), vec![1.0; 3], "x.grad does not alias the caller's gradient");
    // An expand's gradient is a broadcast view inside the pass; the stored one is contiguous.
    let s = leaf(&[2.0], &[]);
    s.expand([3])?.sum_all()?.backward()?;
    assert!(s.grad().unwrap().is_contiguous());
    assert!(!x.grad().unwrap().requires_grad() && x.grad().unwrap().grad_fn().is_none());
    Ok(())
}

#[test]
fn diamond_graph_sums_both_paths() -> Result<()> {
    let x = leaf(&[1.0, -2.0, 3.0], &[3]);
    let y = x.mul(&x)?.add(&x)?.sub(&x.exp()?)?;
    y.sum_all()?.backward()?;
    let want: Vec<f64> = [1.0f64, -2.0, 3.0].iter().map(|v| 2.0 * v + 1.0 - v.exp()).collect();
    for (g, w) in grad_vec(&x).iter().zip(want) {
        assert!((g - w).abs() < 1e-12, "{g} vs {w}");
    }
    Ok(())
}

#[test]
fn retain_graph_allows_a_second_pass_and_release_forbids_a_third() -> Result<()> {
    let x = leaf(&[1.0, 2.0], &[2]);
    let y = x.mul(&x)?.sum_all()?;
    y.backward_opts(None, true)?;
    y.backward()?; // frees the graph
    assert_eq!(grad_vec(&x), vec![4.0, 8.0]);
    let err = y.backward().unwrap_err();
    assert!(matches!(err, Error::GraphFreed { node: "SumBackward0" }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.starts_with("Trying to backward through the graph a second time"), "{msg}");
    assert!(msg.contains("retain_graph=true"), "{msg}");
    assert_eq!(grad_vec(&x), vec![4.0, 8.0], "a failed pass changes no gradient");
    Ok(())
}

#[test]
fn freed_interior_node_is_reported_by_name() -> Result<()> {
    let x = leaf(&[1.0, 2.0], &[2]);
    let y = x.exp()?;
    y.sum_all()?.backward()?;
    let err = y.mul(2.0)?.sum_all()?.backward().unwrap_err();
    assert!(matches!(err, Error::GraphFreed { node: "ExpBackward0" }), "{err:?}");
    Ok(())
}

#[test]
fn in_place_change_of_a_saved_tensor_is_detected() -> Result<()> {
    let x = leaf(&[0.5, 1.0], &[2]);
    let y = x.exp()?;
    y.add_(1.0)?; // exp saved its output, which this overwrites
    let err = y.sum_all()?.backward().unwrap_err();
    assert!(
        matches!(err, Error::Tensor(ferrite_tensor::Error::InPlaceModified { .. })),
        "expected an in-place error, got {err:?}"
    );
    assert!(err.to_string().contains("modified by an inplace operation"));
    assert!(x.grad().is_none());
    Ok(())
}

#[test]
fn in_place_change_the_rule_does_not_read_is_fine() -> Result<()> {
    // add's rule reads no values, so writing into its input afterwards is harmless (as PyTorch).
    let x = leaf(&[0.5, 1.0], &[2]);
    let y = x.mul(2.0)?;
    let z = y.add(1.0)?;
    y.add_(5.0)?;
    z.sum_all()?.backward()?;
    assert_eq!(grad_vec(&x), vec![2.0, 2.0]);
    Ok(())
}

#[test]
fn in_place_on_a_leaf_that_requires_grad_is_refused() -> Result<()> {
    let x = leaf(&[1.0, 2.0], &[2]);
    let err = x.add_(1.0).unwrap_err();
    assert!(err.to_string().contains("leaf Variable that requires grad"), "{err}");
    {
        let _guard = no_grad();
        x.add_(1.0)?; // an optimizer step: allowed under no_grad
    }
    assert_eq!(x.to_vec::<f64>()?, vec![2.0, 3.0]);
    Ok(())
}

#[test]
fn non_leaf_in_place_ops_rebase_history() -> Result<()> {
    let x = leaf(&[1.0, 2.0, 3.0], &[3]);
    let y = x.mul(3.0)?;
    y.add_(&x)?; // y = 3x + x
    y.mul_(2.0)?; // y = 8x
    y.sum_all()?.backward()?;
    assert_eq!(grad_vec(&x), vec![8.0; 3]);
    Ok(())
}

#[test]
fn slice_assignment_routes_gradients_to_base_and_value() -> Result<()> {
    let x = leaf(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    let v = leaf(&[10.0], &[1]);
    let b = x.mul(2.0)?;
    b.set_(s![0, 1..], &v)?;
    assert_eq!(b.to_vec::<f64>()?, vec![2.0, 10.0, 10.0, 8.0, 10.0, 12.0]);
    b.sum_all()?.backward()?;
    assert_eq!(grad_vec(&x), vec![2.0, 0.0, 0.0, 2.0, 2.0, 2.0]);
    assert_eq!(grad_vec(&v), vec![2.0], "the value was broadcast to two elements");
    Ok(())
}

#[test]
fn no_grad_records_nothing() -> Result<()> {
    let x = leaf(&[1.0, 2.0], &[2]);
    let y = {
        let _guard = no_grad();
        x.mul(2.0)?.exp()?.sum_all()?
    };
    assert!(y.grad_fn().is_none() && !y.requires_grad() && y.is_leaf());
    assert!(matches!(y.backward(), Err(Error::NoGradRequired { .. })));
    assert!(x.mul(2.0)?.grad_fn().is_some(), "recording resumes after the guard");
    Ok(())
}

#[test]
fn rules_run_without_recording() -> Result<()> {
    let x = leaf(&[1.0, 2.0], &[2]);
    x.exp()?.sum_all()?.backward()?;
    let g = x.grad().unwrap();
    assert!(g.grad_fn().is_none() && !g.requires_grad());
    assert!(ferrite_tensor::is_grad_enabled(), "backward restores grad mode");
    Ok(())
}

#[test]
fn grad_returns_gradients_without_touching_dot_grad() -> Result<()> {
    let x = leaf(&[1.0, 2.0], &[2]);
    let h = x.mul(&x)?; // a non-leaf input
    let y = h.mul(&x)?.sum_all()?; // x³
    let g = grad(&[&y], &[], &[&x, &h], false)?;
    assert_eq!(g[0].as_ref().unwrap().to_vec::<f64>()?, vec![3.0, 12.0]);
    assert_eq!(g[1].as_ref().unwrap().to_vec::<f64>()?, vec![1.0, 2.0]);
    assert!(x.grad().is_none());
    let unused = leaf(&[1.0], &[1]);
    let y2 = x.sum_all()?;
    assert!(grad(&[&y2], &[], &[&unused], false)?[0].is_none());
    let plain = Tensor::ones([1]);
    assert!(matches!(grad(&[&y2], &[], &[&plain], false), Err(Error::InputNotRequiringGrad { index: 0 })));
    Ok(())
}

#[test]
fn backward_function_matches_the_trait() -> Result<()> {
    let x = leaf(&[1.0, 2.0], &[2]);
    let y = x.mul(&x)?;
    backward(&y, Some(&Tensor::from_vec(vec![1.0f64, 0.5], [2])?), false)?;
    assert_eq!(grad_vec(&x), vec![2.0, 2.0]);
    Ok(())
}

#[test]
fn deep_chain_does_not_overflow_the_stack() -> Result<()> {
    // The walk is iterative; 50k nodes would overflow a recursive one on a 2 MiB test thread.
    let x = leaf(&[1.0], &[1]);
    let mut y = x.clone();
    for _ in 0..50_000 {
        y = y.add(1.0)?;
    }
    y.sum_all()?.backward()?;
    assert_eq!(grad_vec(&x), vec![1.0]);
    Ok(())
}

#[test]
fn float32_gradients_stay_float32() -> Result<()> {
    let x = Tensor::ones([2]).requires_grad_(true)?;
    let y = x.to_dtype(DType::F64)?.mul(3.0)?.sum_all()?;
    y.backward()?;
    let g = x.grad().unwrap();
    assert_eq!(g.dtype(), DType::F32);
    assert_eq!(g.to_vec::<f32>()?, vec![3.0, 3.0]);
    Ok(())
}

#[test]
fn tensors_are_send_and_sync_and_backward_runs_on_another_thread() -> Result<()> {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Tensor>();
    assert_send_sync::<Error>();
    let x = leaf(&[1.0, 2.0, 3.0], &[3]);
    let y = x.mul(&x)?.sum_all()?; // recorded on this thread
    let handle = std::thread::spawn(move || y.backward());
    handle.join().expect("the backward thread did not panic")?;
    assert_eq!(grad_vec(&x), vec![2.0, 4.0, 6.0]);
    // And a whole forward + backward on another thread, whose grad mode is its own.
    let x2 = x.clone();
    std::thread::spawn(move || -> Result<()> { x2.sin()?.sum_all()?.backward() }).join().unwrap()?;
    let want: Vec<f64> = [1.0f64, 2.0, 3.0].iter().map(|v| 2.0 * v + v.cos()).collect();
    for (g, w) in grad_vec(&x).iter().zip(want) {
        assert!((g - w).abs() < 1e-12);
    }
    Ok(())
}
