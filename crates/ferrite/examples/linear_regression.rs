//! d2l 3.3, "Concise Implementation of Linear Regression": `Sequential(Linear(2, 1))` trained by
//! minibatch SGD on synthetic data recovers `w = [2, -3.4]` and `b = 4.2`.
//!
//! Run with `cargo run --release --example linear_regression`. It prints the loss over the whole
//! dataset after each epoch and the estimation errors of `w` and `b`, writes the minibatch loss
//! curve to `linear_regression.svg` (in `$FERRITE_PLOT_DIR` when set, else the current folder),
//! and exits with status 1 if an error is 0.01 or more. The run is already a few seconds long, so
//! `FERRITE_EXAMPLE_QUICK` (CI's short mode) changes nothing here.

mod common;

use common::{check, plot_path};
use ferrite::data::{load_array, synthetic_data};
use ferrite::prelude::*;
use ferrite::train::{Axes, Scale, plot};

fn main() -> ferrite::Result<()> {
    // d2l draws from an unseeded generator; a seed makes the check below repeatable.
    manual_seed(0);

    // Generating the dataset: y = X w + b + noise, 1000 examples.
    let true_w = tensor!([2.0, -3.4]);
    let true_b = 4.2;
    let (features, labels) = synthetic_data(&true_w, true_b, 1000)?;

    // Reading the dataset in shuffled minibatches of 10.
    let batch_size = 10;
    let data_iter = load_array(features.clone(), labels.clone(), batch_size, true)?;

    // The model, its initial parameters, the loss and the optimizer.
    let net = nn::sequential![nn::Linear::new(2, 1)?];
    net[0].param("weight")?.data()?.normal_(0.0, 0.01)?;
    net[0].param("bias")?.data()?.fill_(0.0)?;
    let loss = nn::MSELoss::new();
    let mut trainer = optim::SGD::new(net.parameters(), 0.03)?;

    // Training.
    let num_epochs = 3;
    let mut batch_losses = Vec::new();
    for epoch in 0..num_epochs {
        for batch in &data_iter {
            let (x, y) = batch?;
            let l = loss.forward(&net.forward(&x)?, &y)?;
            trainer.zero_grad();
            l.backward()?;
            trainer.step()?;
            batch_losses.push(l.item::<f64>()?);
        }
        let l = loss.forward(&net.forward(&features)?, &labels)?;
        println!("epoch {}, loss {:.6}", epoch + 1, l.item::<f64>()?);
    }

    // Comparing the learned parameters with the true ones.
    let w = net[0].param("weight")?.data()?;
    let w_error = true_w.sub(&w.reshape(true_w.shape())?)?;
    println!("error in estimating w: {w_error}");
    let b = net[0].param("bias")?.data()?;
    let b_error = b.rsub(true_b)?;
    println!("error in estimating b: {b_error}");

    let steps: Vec<f64> = (1..=batch_losses.len()).map(|i| i as f64).collect();
    let axes = Axes::new().xlabel("minibatch").ylabel("loss").yscale(Scale::Log);
    let path = plot_path("linear_regression.svg");
    plot(&steps, &[&batch_losses], &["minibatch loss"], axes)?.save_svg(&path)?;
    println!("plot: {}", path.display());

    let worst = w_error.abs()?.max_all()?.item::<f64>()?.max(b_error.abs()?.max_all()?.item::<f64>()?);
    check(
        worst < 0.01,
        &format!("w and b recovered within 0.01 in {num_epochs} epochs (largest error {worst:.5})"),
    );
    Ok(())
}
