//! W6: per-op overhead of recording and differentiating a chain of scalar ops.

use crate::record::{Record, time_reps};
use ferrite::prelude::*;

pub fn w6_autograd_overhead(quick: bool) -> Result<Vec<Record>> {
    let (length, warmup, reps) = if quick { (1000, 1, 3) } else { (1000, 3, 20) };
    let x = Tensor::scalar(1.0).requires_grad_(true)?;
    let mut fwd_times = Vec::new();
    let times = time_reps(warmup, reps, || -> Result<()> {
        x.set_grad(None);
        let t0 = std::time::Instant::now();
        let mut y = x.clone();
        for _ in 0..length {
            y = y.mul(1.0001)?.add(0.0001)?;
        }
        fwd_times.push(t0.elapsed().as_secs_f64());
        y.backward()?;
        Ok(())
    })?;
    let fwd = crate::record::Times { samples: fwd_times[warmup..].to_vec(), warmup }.median();
    let ops = (2 * length) as f64;
    let t = times.median();
    let dx: f32 = x.grad().map(|g| g.item()).transpose()?.unwrap_or(f32::NAN);
    let note = format!(
        "total (forward+backward) / {ops}; rank-0 tensor; forward alone {:.3} us/op, backward {:.3} us/op (medians); dx={dx:.4}",
        fwd * 1e6 / ops,
        (t - fwd) * 1e6 / ops
    );
    Ok(vec![Record::new(
        "W6_autograd_overhead",
        format!("scalar chain len={length}"),
        ("us_per_op", t * 1e6 / ops, "us/op"),
        &times,
        &note,
    )])
}
