//! W2 and W3: the d2l MLP (Flatten, Linear(784, 256), ReLU, Linear(256, 10)): a training step at
//! batch 256 (forward, cross-entropy, zero_grad, backward, SGD step) and inference at batch 1024.
//! [`TrainStep`] and [`Inference`] are the setups, shared with the paired timing (`paired.rs`).

use crate::record::{Record, Times};
use ferrite::nn::{CrossEntropyLoss, Flatten, Linear, ReLU, Sequential};
use ferrite::prelude::*;
use std::time::Instant;

fn make_mlp() -> Result<Sequential> {
    Ok(ferrite::nn::sequential![Flatten::new(), Linear::new(784, 256)?, ReLU::new(), Linear::new(256, 10)?])
}

/// W2's training step: a seeded net, its loss, `SGD(lr=0.1)` and one batch of random images.
pub struct TrainStep {
    net: Sequential,
    loss_fn: CrossEntropyLoss,
    opt: optim::SGD,
    x: Tensor,
    y: Tensor,
}

impl TrainStep {
    /// Seeds the global generator with 0 (as torch_bench.py), then builds the net and the batch.
    pub fn new(batch: usize) -> Result<TrainStep> {
        manual_seed(0);
        let net = make_mlp()?;
        let opt = optim::SGD::new(net.parameters(), 0.1)?;
        let x = Tensor::randn([batch, 1, 28, 28]);
        let y = Tensor::randint(0, 10, [batch])?;
        Ok(TrainStep { net, loss_fn: CrossEntropyLoss::new(), opt, x, y })
    }

    /// Forward, loss, zero_grad, backward, step; the loss.
    pub fn step(&mut self) -> Result<Tensor> {
        let loss = self.loss_fn.forward(&self.net.forward(&self.x)?, &self.y)?;
        self.opt.zero_grad();
        loss.backward()?;
        self.opt.step()?;
        Ok(loss)
    }
}

/// W3's inference: a seeded net in eval mode and one batch of random images.
pub struct Inference {
    net: Sequential,
    x: Tensor,
}

impl Inference {
    /// Seeds the global generator with 0 (as torch_bench.py), then builds the net and the batch.
    pub fn new(batch: usize) -> Result<Inference> {
        manual_seed(0);
        let net = make_mlp()?;
        net.eval();
        Ok(Inference { net, x: Tensor::randn([batch, 1, 28, 28]) })
    }

    /// The forward pass under `no_grad`.
    pub fn forward(&self) -> Result<Tensor> {
        let _g = no_grad();
        Ok(self.net.forward(&self.x)?)
    }
}

/// W2: training steps per second (and samples per second).
pub fn w2_mlp_train_step(quick: bool) -> Result<Vec<Record>> {
    let (batch, warmup, steps, repeats) = if quick { (256, 1, 5, 1) } else { (256, 5, 50, 3) };
    let mut train = TrainStep::new(batch)?;
    let mut step = || train.step();
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

/// W3: samples per second of the forward pass.
pub fn w3_mlp_infer(quick: bool) -> Result<Vec<Record>> {
    let (batch, warmup, reps) = if quick { (1024, 1, 3) } else { (1024, 3, 30) };
    let infer = Inference::new(batch)?;
    let times = crate::record::time_reps(warmup, reps, || infer.forward())?;
    Ok(vec![Record::new(
        "W3_mlp_infer",
        format!("batch={batch}"),
        ("samples_per_s", batch as f64 / times.median(), "samples/s"),
        &times,
        "no_grad()",
    )])
}
