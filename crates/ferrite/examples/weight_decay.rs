//! d2l 4.5, "Weight Decay", concise implementation: high-dimensional linear regression (200
//! inputs, 20 training examples) overfits without weight decay; with `weight_decay = 3` on the
//! weight (not the bias) the learned weight stays small (d2l: an L2 norm of about 13.7 without,
//! about 0.39 with).
//!
//! Run with `cargo run --release --example weight_decay`. For `wd = 0` and `wd = 3` it prints the
//! train and test loss every 5 epochs and the weight's L2 norm, writes the loss curves to
//! `weight_decay_wd0.svg` and `weight_decay_wd3.svg` (in `$FERRITE_PLOT_DIR` when set), and exits
//! with status 1 unless the norm with `wd = 3` is below 1 and the one without above 5. The run is
//! a few seconds long, so `FERRITE_EXAMPLE_QUICK` (CI's short mode) changes nothing here.

mod common;

use common::{check, plot_path};
use ferrite::data::{DataLoader, load_array, synthetic_data};
use ferrite::optim::ParamGroup;
use ferrite::prelude::*;
use ferrite::train::{Animator, Axes, Scale, evaluate_loss};

/// d2l's `train_concise(wd)`: trains a fresh `Linear(num_inputs, 1)` and returns its weight's L2
/// norm.
fn train_concise(
    wd: f64,
    num_inputs: usize,
    train_iter: &DataLoader,
    test_iter: &DataLoader,
) -> ferrite::Result<f64> {
    let net = nn::sequential![nn::Linear::new(num_inputs, 1)?];
    for param in net.parameters() {
        param.data()?.normal_(0.0, 1.0)?;
    }
    let loss = nn::MSELoss::with_reduction(nn::Reduction::None);
    let (num_epochs, lr) = (100, 0.003);
    // The bias is not decayed.
    let mut trainer = optim::SGD::with_groups(
        vec![
            ParamGroup::new(vec![net[0].param("weight")?]).with_weight_decay(wd),
            ParamGroup::new(vec![net[0].param("bias")?]),
        ],
        lr,
    )?;
    let axes = Axes::new().xlabel("epochs").ylabel("loss").yscale(Scale::Log).xlim(5.0, num_epochs as f64);
    let svg = plot_path(&format!("weight_decay_wd{wd}.svg"));
    let mut animator = Animator::new(axes, &["train", "test"]).with_path(&svg);
    println!("wd = {wd}\nepoch  train loss   test loss");
    for epoch in 0..num_epochs {
        for batch in train_iter {
            let (x, y) = batch?;
            trainer.zero_grad();
            let l = loss.forward(&net.forward(&x)?, &y)?;
            l.mean_all()?.backward()?;
            trainer.step()?;
        }
        if (epoch + 1) % 5 == 0 {
            let train_loss = evaluate_loss(&net, train_iter, &loss)?;
            let test_loss = evaluate_loss(&net, test_iter, &loss)?;
            animator.add((epoch + 1) as f64, [train_loss, test_loss])?;
            println!("{:>5}  {train_loss:>10.3e}  {test_loss:>10.3e}", epoch + 1);
        }
    }
    let norm = net[0].param("weight")?.data()?.norm()?.item::<f64>()?;
    println!("L2 norm of w: {norm}\nplot: {}\n", svg.display());
    Ok(norm)
}

fn main() -> ferrite::Result<()> {
    // d2l draws from an unseeded generator; a seed makes the check below repeatable.
    manual_seed(0);

    // y = 0.05 + sum_i 0.01 x_i + noise, with few training examples and many inputs.
    let (n_train, n_test, num_inputs, batch_size) = (20, 100, 200, 5);
    let true_w = Tensor::ones([num_inputs, 1]).mul_scalar(0.01)?;
    let true_b = 0.05;
    let (train_x, train_y) = synthetic_data(&true_w, true_b, n_train)?;
    let train_iter = load_array(train_x, train_y, batch_size, true)?;
    let (test_x, test_y) = synthetic_data(&true_w, true_b, n_test)?;
    let test_iter = load_array(test_x, test_y, batch_size, false)?;

    // Without weight decay, then with it.
    let without = train_concise(0.0, num_inputs, &train_iter, &test_iter)?;
    let with = train_concise(3.0, num_inputs, &train_iter, &test_iter)?;

    check(
        without > 5.0,
        &format!("without weight decay the norm of w stays large: {without:.3} > 5 (d2l: 13.7)"),
    );
    check(with < 1.0, &format!("with weight decay 3 it shrinks: {with:.3} < 1 (d2l: 0.39)"));
    Ok(())
}
