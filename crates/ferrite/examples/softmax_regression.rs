//! d2l 3.7, "Concise Implementation of Softmax Regression": `Sequential(Flatten, Linear(784, 10))`
//! trained on Fashion-MNIST by SGD (lr 0.1, batch 256, 10 epochs) with `train_ch3` reaches a test
//! accuracy of about 0.83.
//!
//! Run with `FERRITE_DATA_DIR=../shared/data cargo run --release --example softmax_regression`.
//! The files are read from `$FERRITE_DATA_DIR/fashion-mnist`, else `data/fashion-mnist`; without
//! them the example says so and exits 0. It prints `train_ch3`'s per-epoch table, writes its plot
//! to `softmax_regression.svg` (in `$FERRITE_PLOT_DIR` when set, else the current folder), and
//! exits with status 1 when the check at the end fails. `FERRITE_EXAMPLE_QUICK=1` (CI's short
//! run) trains on a subset and relaxes the check: see the constants below.

mod common;

use common::{QUICK_EPOCHS, QUICK_MIN_TEST_ACC, check, load_data_fashion_mnist, plot_path, quick_mode};
use ferrite::prelude::*;
use ferrite::train::{TrainOptions, train_ch3};

/// The d2l claim checked at the end: the test accuracy after 10 epochs (d2l: about 0.83).
const MIN_TEST_ACC: f64 = 0.80;

fn main() -> ferrite::Result<()> {
    let quick = quick_mode();
    // d2l draws from an unseeded generator; a seed makes the checks below repeatable.
    manual_seed(0);

    let batch_size = 256;
    let Some((train_iter, test_iter)) = load_data_fashion_mnist(batch_size, quick)? else {
        return Ok(());
    };

    // The model: flatten each 28x28 image, then one linear layer with 10 outputs, its weight
    // drawn from N(0, 0.01²).
    let net = nn::sequential![nn::Flatten::new(), nn::Linear::new(784, 10)?];
    fn init_weights(m: &dyn nn::Module) -> ferrite::Result<()> {
        if let Some(linear) = m.downcast_ref::<nn::Linear>() {
            init::normal_(&linear.weight()?, 0.0, 0.01)?;
        }
        Ok(())
    }
    net.apply(init_weights)?;

    // The loss (one value per example, as train_ch3 wants) and the optimizer.
    let loss = nn::CrossEntropyLoss::with_reduction(nn::Reduction::None);
    let mut trainer = optim::SGD::new(net.parameters(), 0.1)?;

    let num_epochs = if quick { QUICK_EPOCHS } else { 10 };
    let svg = plot_path("softmax_regression.svg");
    let options = TrainOptions::default().svg(&svg);
    let history = train_ch3(&net, &train_iter, &test_iter, &loss, num_epochs, &mut trainer, &options)?;
    println!("plot: {}", svg.display());

    let Some(last) = history.last() else { return Ok(()) };
    let (target, data) =
        if quick { (QUICK_MIN_TEST_ACC, "quick subset") } else { (MIN_TEST_ACC, "d2l: about 0.83") };
    let claim = format!("test accuracy {:.3} >= {target} after {num_epochs} epochs ({data})", last.test_acc);
    check(last.test_acc >= target, &claim);
    if !quick {
        // d2l's train_ch3 ends with these asserts.
        check(last.train_loss < 0.5, &format!("train loss {:.3} < 0.5", last.train_loss));
        check(last.train_acc > 0.7, &format!("train accuracy {:.3} > 0.7", last.train_acc));
    }
    Ok(())
}
