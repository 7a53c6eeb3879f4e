//! W8: d2l 3.5's concise linear regression, start to finish (data synthesis, `load_array`,
//! `Sequential(Linear(2, 1))`, MSELoss, SGD lr 0.03, 3 epochs), as torch_bench.py's `w8_d2l_linreg`.

use crate::record::{Record, time_reps};
use ferrite::prelude::*;

const WORKLOAD: &str = "W8_d2l_linear_regression";

/// What one run ends with: the full-data loss after the last epoch, the weights and the bias.
struct Fit {
    loss: f32,
    w: Vec<f32>,
    b: f32,
}

/// One run of the d2l cell, line for line as the reference writes it.
fn run(epochs: usize, batch_size: usize, lr: f64) -> Result<Fit> {
    manual_seed(0);
    let true_w = Tensor::from_vec(vec![2.0f32, -3.4], [2])?;
    let true_b = 4.2;
    // d2l.synthetic_data: X ~ N(0, 1), y = X w + b + N(0, 0.01^2), labels as a column.
    let (features, labels) = data::synthetic_data(&true_w, true_b, 1000)?;
    // d2l.load_array: DataLoader(TensorDataset(features, labels), batch_size, shuffle=True).
    let data_iter = data::load_array(features.clone(), labels.clone(), batch_size, true)?;
    let net = nn::sequential![nn::Linear::new(2, 1)?];
    net[0].param("weight")?.data()?.normal_(0.0, 0.01)?;
    net[0].param("bias")?.data()?.fill_(0.0)?;
    let loss = nn::MSELoss::new();
    let mut trainer = optim::SGD::new(net.parameters(), lr)?;
    let mut l = None;
    for _epoch in 0..epochs {
        for batch in &data_iter {
            let (x, y) = batch?;
            let batch_loss = loss.forward(&net.forward(&x)?, &y)?;
            trainer.zero_grad();
            batch_loss.backward()?;
            trainer.step()?;
        }
        // d2l evaluates with grad mode on, as the reference does.
        l = Some(loss.forward(&net.forward(&features)?, &labels)?);
    }
    let loss = l.map(|l| l.item::<f32>()).transpose()?.unwrap_or(f32::NAN);
    let w = net[0].param("weight")?.data()?.to_vec::<f32>()?;
    let b = net[0].param("bias")?.data()?.to_vec::<f32>()?[0];
    Ok(Fit { loss, w, b })
}

pub fn w8_d2l_linear_regression(quick: bool) -> Result<Vec<Record>> {
    let (epochs, batch_size, lr) = (3, 10, 0.03);
    let (warmup, reps) = if quick { (0, 1) } else { (1, 3) };
    let mut fits = Vec::new();
    let times = time_reps(warmup, reps, || -> Result<()> {
        fits.push(run(epochs, batch_size, lr)?);
        Ok(())
    })?;
    let fit = fits.last().expect("time_reps runs at least one rep");
    let w: Vec<String> = fit.w.iter().map(|v| format!("{v:.4}")).collect();
    let note = format!(
        "whole run incl. data synthesis; DataLoader(TensorDataset, batch 10, shuffle); 3 epochs x 100 batches; \
         ferrite::optim::SGD; final full-data loss {:.6}; w=[{}] b={:.4}",
        fit.loss,
        w.join(", "),
        fit.b
    );
    let case = format!("{epochs} epochs batch={batch_size}");
    Ok(vec![
        Record::new(WORKLOAD, case.clone(), ("seconds", times.median(), "s"), &times, &note),
        Record::new(
            WORKLOAD,
            case,
            ("final_loss", f64::from(fit.loss), "mse"),
            &times,
            "loss(net(features), labels) after epoch 3, seed 0",
        ),
    ])
}
