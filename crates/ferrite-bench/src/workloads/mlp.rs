//! W2 and W3: the d2l MLP (Flatten, Linear(784, 256), ReLU, Linear(256, 10)): a training step at
//! batch 256 (forward, cross-entropy, zero_grad, backward, SGD step) and inference at batch 1024.

use crate::record::{Record, Times};
use ferrite::nn::{CrossEntropyLoss, Flatten, Linear, ReLU, Sequential};
use ferrite::prelude::*;
use std::time::Instant;

fn make_mlp() -> Result<Sequential> {
    Ok(ferrite::nn::sequential![Flatten::new(), Linear::new(784, 256)?, ReLU::new(), Linear::new(256, 10)?])
}

pub fn w2_mlp_train_step(quick: bool) -> Result<Vec<Record>> {
    let (batch, warmup, steps, repeats) = if quick { (256, 1, 5, 1) } else { (256, 5, 50, 3) };
    manual_seed(0);
    let net = make_mlp()?;
    let loss_fn = CrossEntropyLoss::new();
    let mut opt = optim::SGD::new(net.parameters(), 0.1)?;
    let x = Tensor::randn([batch, 1, 28, 28]);
    let y = Tensor::randint(0, 10, [batch])?;
    let mut step = || -> Result<Tensor> {
        let loss = loss_fn.forward(&net.forward(&x)?, &y)?;
        opt.zero_grad();
        loss.backward()?;
        opt.step()?;
        Ok(loss)
    };
    for _ in 0..warmup {
        step()?;
    }
    let mut samples = Vec::new();
    let mut loss = None;
    for _ in 0..repeats {
        let t0 = Instant::now();
        for _ in 0..steps {
            loss = Some(step()?);
        }
        samples.push(t0.elapsed().as_secs_f64());
    }
    let times = Times { samples, warmup };
    let t = times.median();
    let final_loss: f32 = loss.map(|l| l.item()).transpose()?.unwrap_or(f32::NAN);
    let note = format!(
        "{steps} steps per repeat after {warmup} warm-up steps; time per repeat; ferrite::optim::SGD(lr=0.1), zero_grad to None; final loss {final_loss:.4}"
    );
    Ok(vec![
        Record::new(
            "W2_mlp_train_step",
            format!("batch={batch}"),
            ("steps_per_s", steps as f64 / t, "steps/s"),
            &times,
            &note,
        ),
        Record::new(
            "W2_mlp_train_step",
            format!("batch={batch}"),
            ("samples_per_s", (steps * batch) as f64 / t, "samples/s"),
            &times,
            &note,
        ),
    ])
}

pub fn w3_mlp_infer(quick: bool) -> Result<Vec<Record>> {
    let (batch, warmup, reps) = if quick { (1024, 1, 3) } else { (1024, 3, 30) };
    manual_seed(0);
    let net = make_mlp()?;
    net.eval();
    let x = Tensor::randn([batch, 1, 28, 28]);
    let times = crate::record::time_reps(warmup, reps, || -> Result<Tensor> {
        let _g = no_grad();
        Ok(net.forward(&x)?)
    })?;
    Ok(vec![Record::new(
        "W3_mlp_infer",
        format!("batch={batch}"),
        ("samples_per_s", batch as f64 / times.median(), "samples/s"),
        &times,
        "no_grad()",
    )])
}
