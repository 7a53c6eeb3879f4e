//! The GPU workloads (`--device cuda`), beside `torch_gpu.py` on the same GPU: G1 matmul in f32
//! and TF32, G2 elementwise `a + b` against a device copy (the bandwidth ceiling), G3 the d2l MLP's
//! training step at batch 256 and 4096, G4 host-to-device copies.
//!
//! GPU ops return once queued, so every timed rep ends with [`synchronize`]: a rep of `k` calls is
//! `k` calls then one wait, and the value divides by `k` (both sides do the same).

use crate::input::uniform;
use crate::record::{Record, Times, time_reps};
use ferrite::cuda::{set_allow_tf32, synchronize};
use ferrite::nn::{CrossEntropyLoss, Flatten, Linear, ReLU};
use ferrite::optim::Optimizer;
use ferrite::prelude::*;
use std::time::Instant;

/// The GPU the workloads run on.
const GPU: Device = Device::Cuda(0);

/// A float32 tensor uniform in [-1, 1) on the GPU.
fn on_gpu(shape: &[usize], seed: u64) -> Result<Tensor> {
    Ok(uniform(shape, seed)?.to_device(GPU)?)
}

/// `time_reps` for GPU work: each timed call queues `calls` runs of `f`, then waits for the GPU.
fn time_gpu<T, E>(
    warmup: usize,
    reps: usize,
    calls: usize,
    mut f: impl FnMut() -> Result<T, E>,
) -> Result<Times>
where
    ferrite::Error: From<E>,
{
    time_reps(warmup, reps, || -> Result<()> {
        for _ in 0..calls {
            std::hint::black_box(f()?);
        }
        synchronize(GPU)
    })
}

/// G1: `a.matmul(&b)` on square f32 matrices, with full f32 math and with TF32 allowed.
pub fn g1_matmul(quick: bool) -> Result<Vec<Record>> {
    let cases: &[(usize, usize, usize)] =
        if quick { &[(256, 1, 3), (512, 1, 3)] } else { &[(4096, 3, 10), (8192, 2, 5)] };
    let mut out = Vec::new();
    for &(n, warmup, reps) in cases {
        let a = on_gpu(&[n, n], 1)?;
        let b = on_gpu(&[n, n], 2)?;
        for (math, tf32) in [("f32", false), ("tf32", true)] {
            set_allow_tf32(tf32);
            let times = time_gpu(warmup, reps, 1, || a.matmul(&b));
            set_allow_tf32(false);
            let times = times?;
            let tflops = 2.0 * (n as f64).powi(3) / times.median() / 1e12;
            out.push(Record::new(
                "G1_matmul",
                format!("n={n} {math}"),
                ("throughput", tflops, "TFLOP/s"),
                &times,
                "a.matmul(&b), output allocated each call; cuBLAS",
            ));
        }
    }
    Ok(out)
}

/// G2: `a + b` on 256M f32 elements (bytes moved: read two, write one), and a device-to-device
/// copy of one of them (read one, write one), the bandwidth `a + b` can reach at best.
pub fn g2_elementwise(quick: bool) -> Result<Vec<Record>> {
    let (n, warmup, reps) = if quick { (1 << 20, 1, 3) } else { (256 << 20, 2, 10) };
    let a = on_gpu(&[n], 1)?;
    let b = on_gpu(&[n], 2)?;
    let gb = |tensors: usize, t: f64| (tensors * 4 * n) as f64 / t / 1e9;
    let add = time_gpu(warmup, reps, 1, || a.add(&b))?;
    let copy = time_gpu(warmup, reps, 1, || a.deep_clone())?;
    Ok(vec![
        Record::new(
            "G2_elementwise",
            format!("add n={n}"),
            ("bandwidth", gb(3, add.median()), "GB/s"),
            &add,
            "a.add(&b): 2 reads + 1 write of 4 bytes per element",
        ),
        Record::new(
            "G2_elementwise",
            format!("copy n={n}"),
            ("bandwidth", gb(2, copy.median()), "GB/s"),
            &copy,
            "a.deep_clone() (torch: a.clone()): 1 read + 1 write per element, the ceiling for add",
        ),
    ])
}

/// G3: one training step of d2l's MLP (Flatten, Linear(784, 256), ReLU, Linear(256, 10)) with
/// cross-entropy and `optim::SGD(lr=0.1)`, at a small batch (bound by per-op overhead) and a large one.
pub fn g3_mlp_train_step(quick: bool) -> Result<Vec<Record>> {
    let (warmup, steps, repeats) = if quick { (1, 5, 1) } else { (10, 50, 5) };
    let mut out = Vec::new();
    for batch in [256, 4096] {
        manual_seed(0);
        let net = nn::sequential![Flatten::new(), Linear::new(784, 256)?, ReLU::new(), Linear::new(256, 10)?];
        net.to(GPU)?;
        let loss_fn = CrossEntropyLoss::new();
        let mut opt = optim::SGD::new(net.parameters(), 0.1)?;
        let x = Tensor::randn([batch, 1, 28, 28]).to_device(GPU)?;
        let y = Tensor::randint(0, 10, [batch])?.to_device(GPU)?;
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
        synchronize(GPU)?;
        let mut samples = Vec::new();
        let mut loss = None;
        for _ in 0..repeats {
            let t0 = Instant::now();
            for _ in 0..steps {
                loss = Some(step()?);
            }
            synchronize(GPU)?;
            samples.push(t0.elapsed().as_secs_f64());
        }
        let times = Times { samples, warmup };
        let final_loss: f32 = loss.map(|l| l.item()).transpose()?.unwrap_or(f32::NAN);
        let note = format!(
            "{steps} steps per repeat (then one wait) after {warmup} warm-up steps; optim::SGD(lr=0.1); final loss {final_loss:.4}"
        );
        out.push(Record::new(
            "G3_mlp_train_step",
            format!("batch={batch}"),
            ("steps_per_s", steps as f64 / times.median(), "steps/s"),
            &times,
            &note,
        ));
    }
    Ok(out)
}

/// G4: copying a 256 MiB f32 tensor from (pageable) host memory to the GPU.
pub fn g4_host_to_device(quick: bool) -> Result<Vec<Record>> {
    let (n, warmup, reps) = if quick { (1 << 20, 1, 3) } else { (64 << 20, 2, 10) };
    let host = uniform(&[n], 3)?;
    let times = time_gpu(warmup, reps, 1, || host.to_device(GPU))?;
    Ok(vec![Record::new(
        "G4_host_to_device",
        format!("n={n} f32"),
        ("bandwidth", (4 * n) as f64 / times.median() / 1e9, "GB/s"),
        &times,
        "x.to_device(cuda:0) (torch: x.to('cuda')) from pageable memory",
    )])
}
