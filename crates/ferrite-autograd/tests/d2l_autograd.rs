//! Every code cell of d2l's automatic-differentiation section (2.5, 自动微分), plus the
//! activation-function gradients of the MLP chapter, run through ferrite.

use ferrite_autograd::{Backward, Result};
use ferrite_tensor::{Tensor, no_grad};

fn values(t: &Tensor) -> Vec<f32> {
    t.to_vec::<f32>().expect("float tensor")
}

fn grad_of(x: &Tensor) -> Vec<f32> {
    values(&x.grad().expect("backward reached x"))
}

fn all_true(t: &Tensor) -> bool {
    t.to_vec::<bool>().expect("bool tensor").iter().all(|&b| b)
}

/// `x = torch.arange(4.0); x.requires_grad_(True); x.grad` is None; `y = 2 * torch.dot(x, x)`.
fn setup() -> Result<(Tensor, Tensor)> {
    let x = Tensor::arange(4.0)?;
    x.requires_grad_(true)?;
    assert!(x.grad().is_none(), "x.grad starts as None");
    let y = 2.0 * x.dot(&x)?;
    Ok((x, y))
}

#[test]
fn gradient_of_2_x_dot_x_is_4x() -> Result<()> {
    let (x, y) = setup()?;
    assert_eq!(y.item::<f32>()?, 28.0);
    assert_eq!(y.grad_fn().map(|n| n.name()), Some("MulBackward0"));
    y.backward()?;
    assert_eq!(grad_of(&x), vec![0.0, 4.0, 8.0, 12.0]);
    assert!(all_true(&x.grad().unwrap().eq(&x.mul(4)?)?), "x.grad == 4 * x");
    Ok(())
}

#[test]
fn zeroed_grad_then_sum_gives_ones() -> Result<()> {
    let (x, y) = setup()?;
    y.backward()?;
    x.grad().unwrap().zero_()?;
    let y = x.sum_all()?;
    y.backward()?;
    assert_eq!(grad_of(&x), vec![1.0; 4]);
    Ok(())
}

#[test]
fn non_scalar_output_backward_through_sum_or_ones() -> Result<()> {
    let (x, y) = setup()?;
    y.backward()?;
    x.grad().unwrap().zero_()?;
    let y = x.mul(&x)?;
    y.sum_all()?.backward()?;
    assert_eq!(grad_of(&x), vec![0.0, 2.0, 4.0, 6.0]);
    // "Equivalent to y.backward(torch.ones(len(x)))".
    x.grad().unwrap().zero_()?;
    let y = x.mul(&x)?;
    y.backward_with(&Tensor::ones([x.len()?]))?;
    assert_eq!(grad_of(&x), vec![0.0, 2.0, 4.0, 6.0]);
    Ok(())
}

#[test]
fn detach_treats_u_as_a_constant() -> Result<()> {
    let (x, y0) = setup()?;
    y0.backward()?;
    x.grad().unwrap().zero_()?;
    let y = x.mul(&x)?;
    let u = y.detach();
    let z = u.mul(&x)?;
    z.sum_all()?.backward()?;
    assert!(all_true(&x.grad().unwrap().eq(&u)?), "x.grad == u, not 3x^2");
    // y kept its own history: its gradient is 2x.
    x.grad().unwrap().zero_()?;
    y.sum_all()?.backward()?;
    assert!(all_true(&x.grad().unwrap().eq(&x.mul(2)?)?), "x.grad == 2 * x");
    Ok(())
}

/// d2l's `f(a)`: a while loop and an if whose outcomes depend on `a`.
fn f(a: &Tensor) -> Result<Tensor> {
    let mut b = a.mul(2)?;
    while f32::try_from(&b.norm()?)? < 1000.0 {
        b = b.mul(2)?;
    }
    let c = if f32::try_from(&b.sum_all()?)? > 0.0 { b } else { b.mul(100)? };
    Ok(c)
}

#[test]
fn gradient_through_python_control_flow() -> Result<()> {
    // Fixed values instead of randn, so both branches of the if are taken.
    for a0 in [0.37f32, -1.3, 2.5e-3, -700.0, 1234.5] {
        let a = Tensor::scalar(a0).requires_grad_(true)?;
        let d = f(&a)?;
        d.backward()?;
        let grad = a.grad().unwrap();
        assert!(all_true(&grad.eq(&d.div(&a)?)?), "a.grad == d / a for a = {a0}");
        let expected = if a0 > 0.0 { 2.0f32 } else { 200.0 };
        assert!(f32::try_from(&grad)? >= expected, "f(a) = k a with k >= {expected}, got {grad:?}");
    }
    Ok(())
}

#[test]
fn no_grad_inference_records_nothing() -> Result<()> {
    // d2l's `with torch.no_grad(): outputs = model(inputs)` with a linear model.
    let w = Tensor::ones([1, 10]).requires_grad_(true)?;
    let b = Tensor::zeros([1]).requires_grad_(true)?;
    let inputs = Tensor::ones([1, 10]);
    let outputs = {
        let _guard = no_grad();
        inputs.matmul(&w.t()?)?.add(&b)?
    };
    assert!(!outputs.requires_grad() && outputs.grad_fn().is_none());
    assert_eq!(values(&outputs), vec![10.0]);
    let err = outputs.sum_all()?.backward().unwrap_err();
    assert!(err.to_string().contains("does not require grad"), "{err}");
    // Outside the guard, recording is back on.
    assert!(inputs.matmul(&w.t()?)?.requires_grad());
    Ok(())
}

/// `x = torch.arange(-8.0, 8.0, 0.1, requires_grad=True)`.
fn activation_input() -> Result<Tensor> {
    Ok(Tensor::arange_step(-8.0, 8.0, 0.1)?.requires_grad_(true)?)
}

fn assert_close(got: &[f32], want: &[f32], what: &str) {
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= 1e-6 + 1e-5 * w.abs(), "{what}[{i}]: {g} vs {w}");
    }
}

#[test]
fn activation_gradients_match_closed_forms() -> Result<()> {
    let x = activation_input()?;
    let xs = values(&x);
    assert_eq!(xs.len(), 160);
    let ones = x.ones_like()?;
    x.relu()?.backward_opts(Some(&ones), true)?;
    let relu: Vec<f32> = xs.iter().map(|&v| if v > 0.0 { 1.0 } else { 0.0 }).collect();
    assert_eq!(grad_of(&x), relu);

    let y = x.sigmoid()?;
    x.grad().unwrap().data().zero_()?;
    y.backward_opts(Some(&ones), true)?;
    let sigmoid: Vec<f32> = xs.iter().map(|&v| 1.0 / (1.0 + (-v).exp())).map(|s| s * (1.0 - s)).collect();
    assert_close(&grad_of(&x), &sigmoid, "sigmoid'");
    let peak = grad_of(&x).into_iter().fold(0.0f32, f32::max);
    assert!((peak - 0.25).abs() < 1e-3, "sigmoid' peaks at 0.25 near 0, got {peak}");

    let y = x.tanh()?;
    x.grad().unwrap().data().zero_()?;
    y.backward_opts(Some(&ones), true)?;
    let tanh: Vec<f32> = xs.iter().map(|&v| 1.0 - v.tanh() * v.tanh()).collect();
    assert_close(&grad_of(&x), &tanh, "tanh'");
    // The retained graph can be walked again.
    y.backward_opts(Some(&ones), false)?;
    let twice: Vec<f32> = tanh.iter().map(|v| 2.0 * v).collect();
    assert_close(&grad_of(&x), &twice, "tanh' accumulated twice");
    Ok(())
}
