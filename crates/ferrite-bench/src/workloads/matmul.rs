//! W1: square matrix products, GFLOP/s = 2n^3 / t.

use crate::input::uniform;
use crate::record::{Record, time_reps};
use ferrite::{Result, Tensor};

/// W1's two `n x n` operands.
pub fn operands(n: usize) -> Result<(Tensor, Tensor)> {
    Ok((uniform(&[n, n], 1)?, uniform(&[n, n], 2)?))
}

/// W1: GFLOP/s of each size's product.
pub fn w1_matmul(quick: bool) -> Result<Vec<Record>> {
    // (n, warmup, reps), as torch_bench.py.
    let cases: &[(usize, usize, usize)] = if quick {
        &[(64, 1, 3), (128, 1, 3)]
    } else {
        &[(256, 3, 30), (512, 3, 20), (1024, 2, 10), (2048, 1, 5)]
    };
    let mut out = Vec::new();
    for &(n, warmup, reps) in cases {
        let (a, b) = operands(n)?;
        let times = time_reps(warmup, reps, || a.matmul(&b))?;
        let gflops = 2.0 * (n as f64).powi(3) / times.median() / 1e9;
        out.push(Record::new(
            "W1_matmul",
            format!("n={n}"),
            ("throughput", gflops, "GFLOP/s"),
            &times,
            "a.matmul(&b) (output allocated each call)",
        ));
    }
    Ok(out)
}
