//! Gradient rules at the points gradcheck cannot reach (kinks, ties, zeros), checked against the
//! values PyTorch gives, and the engine's handling of histories rewritten by in-place ops.

use ferrite_autograd::{Backward, Result};
use ferrite_tensor::{DType, Tensor};

fn leaf(v: &[f64], shape: &[usize]) -> Tensor {
    Tensor::from_vec(v.to_vec(), shape.to_vec()).unwrap().requires_grad_(true).unwrap()
}

/// `x.grad` after backpropagating `f(x).sum()`.
fn grad_of(v: &[f64], shape: &[usize], f: impl Fn(&Tensor) -> ferrite_tensor::Result<Tensor>) -> Vec<f64> {
    let x = leaf(v, shape);
    f(&x).unwrap().sum_all().unwrap().backward().unwrap();
    x.grad().expect("x got a gradient").to_vec::<f64>().unwrap()
}

#[test]
fn prod_with_zeros_follows_pytorch() {
    assert_eq!(grad_of(&[2.0, 3.0, 4.0], &[3], |x| x.prod(&[], false)), vec![12.0, 8.0, 6.0]);
    // One zero: only it gets a gradient, the product of the others.
    assert_eq!(grad_of(&[2.0, 0.0, 3.0], &[3], |x| x.prod(&[], false)), vec![0.0, 6.0, 0.0]);
    // Two zeros: every partial derivative is 0.
    assert_eq!(grad_of(&[0.0, 2.0, 0.0], &[3], |x| x.prod(&[], false)), vec![0.0; 3]);
    // Per row, each row counting its own zeros.
    let g = grad_of(&[0.0, 2.0, 3.0, 1.0, 2.0, 3.0], &[2, 3], |x| x.prod(&[1], false));
    assert_eq!(g, vec![6.0, 0.0, 0.0, 6.0, 3.0, 2.0]);
}

#[test]
fn max_and_amax_split_ties_evenly() {
    assert_eq!(grad_of(&[1.0, 3.0, 3.0], &[3], |x| x.max_all()), vec![0.0, 0.5, 0.5]);
    assert_eq!(grad_of(&[2.0, 2.0, 2.0, 2.0], &[4], |x| x.min_all()), vec![0.25; 4]);
    let g = grad_of(&[1.0, 5.0, 5.0, 7.0, 0.0, 7.0], &[2, 3], |x| x.amax(&[1], false));
    assert_eq!(g, vec![0.0, 0.5, 0.5, 0.5, 0.0, 0.5]);
    // max(dim) sends the whole gradient to the index it returned.
    let g = grad_of(&[3.0, 1.0, 3.0], &[3], |x| Ok(x.max(0, false)?.0));
    assert_eq!(g.iter().sum::<f64>(), 1.0);
    assert_eq!(g[1], 0.0);
}

#[test]
fn maximum_and_minimum_split_ties_half_and_half() -> Result<()> {
    let a = leaf(&[1.0, 2.0, 3.0], &[3]);
    let b = leaf(&[2.0, 2.0, 2.0], &[3]);
    a.maximum(&b)?.sum_all()?.backward()?;
    assert_eq!(a.grad().unwrap().to_vec::<f64>()?, vec![0.0, 0.5, 1.0]);
    assert_eq!(b.grad().unwrap().to_vec::<f64>()?, vec![1.0, 0.5, 0.0]);
    let (a, b) = (leaf(&[1.0, 2.0, 3.0], &[3]), leaf(&[2.0], &[1]));
    a.minimum(&b)?.sum_all()?.backward()?;
    assert_eq!(a.grad().unwrap().to_vec::<f64>()?, vec![1.0, 0.5, 0.0]);
    assert_eq!(b.grad().unwrap().to_vec::<f64>()?, vec![1.5], "summed back over the broadcast");
    Ok(())
}

#[test]
fn kinks_take_pytorchs_one_sided_values() {
    assert_eq!(grad_of(&[-1.0, 0.0, 2.0], &[3], |x| x.relu()), vec![0.0, 0.0, 1.0]);
    assert_eq!(grad_of(&[-1.0, 0.0, 2.0], &[3], |x| x.abs()), vec![-1.0, 0.0, 1.0]);
    assert_eq!(grad_of(&[-1.0, 0.0, 2.0], &[3], |x| x.sign()), vec![0.0; 3]);
    // clamp with scalar bounds stops the gradient at its bounds (min < x < max), as PyTorch 2.15.
    let g = grad_of(&[-2.0, -1.0, 0.0, 1.0, 2.0], &[5], |x| x.clamp(Some(-1.0), Some(1.0)));
    assert_eq!(g, vec![0.0, 0.0, 1.0, 0.0, 0.0]);
    let g = grad_of(&[f64::NAN, 3.0], &[2], |x| x.clamp(Some(0.0), None));
    assert_eq!(g, vec![0.0, 1.0]);
}

#[test]
fn pow_at_a_zero_base_follows_pytorch() -> Result<()> {
    let a = leaf(&[0.0, 0.0, 2.0], &[3]);
    let b = leaf(&[2.0, 0.0, 3.0], &[3]);
    a.pow(&b)?.sum_all()?.backward()?;
    // d/da: b a^(b-1) is 0 at a = 0, b = 2, and 0 (not NaN) where b = 0.
    assert_eq!(a.grad().unwrap().to_vec::<f64>()?, vec![0.0, 0.0, 12.0]);
    // d/db: a^b ln a is taken as 0 where a = 0 and b >= 0.
    assert_eq!(b.grad().unwrap().to_vec::<f64>()?, vec![0.0, 0.0, 8.0 * 2f64.ln()]);
    assert_eq!(grad_of(&[0.0, 3.0], &[2], |x| x.pow(0.0)), vec![0.0, 0.0], "x^0 has gradient 0, not NaN");
    Ok(())
}

#[test]
fn cumsum_gradient_is_a_reversed_cumsum() {
    let x = leaf(&[1.0, 2.0, 3.0, 4.0], &[4]);
    let w = Tensor::from_vec(vec![1.0f64, 10.0, 100.0, 1000.0], [4]).unwrap();
    x.cumsum(0).unwrap().mul(&w).unwrap().sum_all().unwrap().backward().unwrap();
    assert_eq!(x.grad().unwrap().to_vec::<f64>().unwrap(), vec![1111.0, 1110.0, 1100.0, 1000.0]);
}

#[test]
fn broadcast_operands_get_gradients_of_their_own_shape() -> Result<()> {
    let a = leaf(&[1.0, 2.0, 3.0], &[3, 1]);
    let b = leaf(&[10.0, 20.0], &[2]);
    let s = leaf(&[2.0], &[]);
    a.mul(&b)?.mul(&s)?.sum_all()?.backward()?;
    assert_eq!(a.grad().unwrap().dims(), &[3, 1]);
    assert_eq!(a.grad().unwrap().to_vec::<f64>()?, vec![60.0; 3]);
    assert_eq!(b.grad().unwrap().to_vec::<f64>()?, vec![12.0, 12.0]);
    assert_eq!(s.grad().unwrap().to_vec::<f64>()?, vec![180.0]);
    Ok(())
}

#[test]
fn where_routes_by_condition_and_matmul_handles_vectors() -> Result<()> {
    let a = leaf(&[1.0, 2.0, 3.0], &[3]);
    let b = leaf(&[5.0], &[1]);
    let cond = Tensor::from_vec(vec![true, false, true], [3])?;
    a.where_(&cond, &b)?.sum_all()?.backward()?;
    assert_eq!(a.grad().unwrap().to_vec::<f64>()?, vec![1.0, 0.0, 1.0]);
    assert_eq!(b.grad().unwrap().to_vec::<f64>()?, vec![1.0]);
    let v = leaf(&[1.0, 2.0], &[2]);
    let m = leaf(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    v.matmul(&m)?.sum_all()?.backward()?;
    assert_eq!(v.grad().unwrap().to_vec::<f64>()?, vec![6.0, 15.0]);
    assert_eq!(m.grad().unwrap().to_vec::<f64>()?, vec![1.0, 1.0, 1.0, 2.0, 2.0, 2.0]);
    Ok(())
}

#[test]
fn cast_sends_the_gradient_back_in_the_input_dtype() -> Result<()> {
    let x = Tensor::from_vec(vec![1.5f32, -2.0], [2])?.requires_grad_(true)?;
    x.to_dtype(DType::F64)?.square()?.sum_all()?.backward()?;
    let g = x.grad().unwrap();
    assert_eq!((g.dtype(), g.to_vec::<f32>()?), (DType::F32, vec![3.0, -4.0]));
    Ok(())
}

#[test]
fn in_place_op_after_use_does_not_reroute_earlier_consumers() -> Result<()> {
    // z used y before y.mul_(3): z = 2x + 1, so x.grad is 2 (PyTorch), not 6.
    let x = leaf(&[1.0, 2.0], &[2]);
    let y = x.mul(2.0)?;
    let z = y.add(1.0)?;
    y.mul_(3.0)?;
    y.add_(1.0)?;
    z.sum_all()?.backward_opts(None, true)?; // keep x * 2's node for the second pass
    assert_eq!(x.grad().unwrap().to_vec::<f64>()?, vec![2.0, 2.0]);
    // A consumer recorded after the in-place op does go through it: 6x.
    x.set_grad(None);
    y.mul(1.0)?.sum_all()?.backward()?;
    assert_eq!(x.grad().unwrap().to_vec::<f64>()?, vec![6.0, 6.0]);
    Ok(())
}

#[test]
fn plain_tensor_that_gains_history_later_gets_no_gradient_from_earlier_use() -> Result<()> {
    let w = leaf(&[1.0], &[1]);
    let a = Tensor::zeros_dtype([1], DType::F64);
    let z = a.add(&w)?; // a did not require grad here
    a.add_(&w)?; // now a has history through w
    z.sum_all()?.backward()?;
    assert_eq!(w.grad().unwrap().to_vec::<f64>()?, vec![1.0]);
    Ok(())
}

// In-place ops on tensors with history: PyTorch's behaviour, or a clear refusal.

#[test]
fn in_place_write_through_a_view_is_refused_and_the_base_form_works() -> Result<()> {
    // PyTorch rebases the base's history on a write through a view; ferrite refuses the write
    // with a clear error rather than computing a wrong gradient, and the same write through the
    // base (`b[0:1] = 0`) gives PyTorch's gradient.
    let x = leaf(&[1.0, 2.0, 3.0], &[3]);
    let b = x.mul(2.0)?;
    let err = b.narrow(0, 0, 1)?.fill_(0.0).unwrap_err();
    assert!(err.to_string().contains("view"), "{err}");
    b.set_(ferrite_tensor::s![0..1], 0.0)?;
    b.sum_all()?.backward()?;
    assert_eq!(x.grad().unwrap().to_vec::<f64>()?, vec![0.0, 2.0, 2.0]);
    Ok(())
}

#[test]
fn in_place_mul_by_a_tensor_that_requires_grad() -> Result<()> {
    let x = leaf(&[1.0, 2.0], &[2]);
    let w = leaf(&[3.0, 4.0], &[2]);
    let b = x.mul(1.0)?;
    b.mul_(&w)?;
    b.sum_all()?.backward()?;
    assert_eq!(w.grad().unwrap().to_vec::<f64>()?, vec![1.0, 2.0]);
    Ok(())
}

#[test]
fn in_place_clamp_of_a_non_leaf() -> Result<()> {
    let x = leaf(&[1.0, 2.0, 3.0], &[3]);
    let b = x.mul(1.0)?;
    b.clamp_(Some(1.5), None)?;
    b.sum_all()?.backward()?;
    assert_eq!(x.grad().unwrap().to_vec::<f64>()?, vec![0.0, 1.0, 1.0]);
    Ok(())
}

#[test]
fn dropping_a_deep_retained_graph() -> Result<()> {
    let x = leaf(&[1.0], &[1]);
    let mut y = x.clone();
    for _ in 0..100_000 {
        y = y.add(1.0)?;
    }
    drop(y);
    Ok(())
}
