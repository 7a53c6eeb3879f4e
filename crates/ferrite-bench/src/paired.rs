//! Paired timing: the C functions `torch_paired.py` loads with ctypes to run ferrite's side of W1,
//! W2 and W3 in the Python process that runs PyTorch's, so the two alternate batch by batch and a
//! host whose speed drifts within seconds moves both sides of a round alike.
//!
//! The protocol: [`ferrite_paired_threads`] once (it builds rayon's global pool), then for each
//! case [`ferrite_paired_setup`] and timed [`ferrite_paired_run`]s. Each returns 0, or -1 after
//! printing the error on stderr. The setups are the workloads' own ([`TrainStep`], [`Inference`],
//! [`operands`]), so a paired case runs what the workload times.

use crate::workloads::matmul::operands;
use crate::workloads::mlp::{Inference, TrainStep};
use ferrite::Tensor;
use std::sync::{Mutex, MutexGuard};

/// The case being timed.
enum Case {
    /// W1: `a.matmul(&b)`.
    Matmul(Tensor, Tensor),
    /// W2: one training step.
    Train(Box<TrainStep>),
    /// W3: one forward pass.
    Infer(Inference),
}

impl Case {
    fn new(workload: u32, size: usize) -> Result<Case, String> {
        let e = |e: ferrite::Error| e.to_string();
        Ok(match workload {
            1 => operands(size).map(|(a, b)| Case::Matmul(a, b)).map_err(e)?,
            2 => Case::Train(Box::new(TrainStep::new(size).map_err(e)?)),
            3 => Case::Infer(Inference::new(size).map_err(e)?),
            _ => return Err(format!("no paired workload W{workload} (W1, W2 and W3 are)")),
        })
    }

    fn call(&mut self) -> ferrite::Result<Tensor> {
        match self {
            Case::Matmul(a, b) => Ok(a.matmul(b)?),
            Case::Train(t) => t.step(),
            Case::Infer(i) => i.forward(),
        }
    }
}

static CASE: Mutex<Option<Case>> = Mutex::new(None);

fn case() -> MutexGuard<'static, Option<Case>> {
    // A panic while holding the lock leaves a case that is still whole: keep using it.
    CASE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// 0, or -1 after printing `what`'s error.
fn status(what: &str, result: Result<(), String>) -> i32 {
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("ferrite-bench (paired): {what}: {e}");
            -1
        }
    }
}

/// Builds rayon's global pool with `threads` threads; call it before any other function.
#[unsafe(no_mangle)]
pub extern "C" fn ferrite_paired_threads(threads: usize) -> i32 {
    let built = rayon::ThreadPoolBuilder::new().num_threads(threads).build_global();
    status("threads", built.map_err(|e| format!("cannot build the rayon pool: {e}")))
}

/// Prepares workload `W{workload}` at `size` (W1: n; W2, W3: the batch), replacing the last case.
#[unsafe(no_mangle)]
pub extern "C" fn ferrite_paired_setup(workload: u32, size: usize) -> i32 {
    let mut slot = case();
    *slot = None;
    status("setup", Case::new(workload, size).map(|c| *slot = Some(c)))
}

/// Runs the prepared case `calls` times, each output dropped before the next call.
#[unsafe(no_mangle)]
pub extern "C" fn ferrite_paired_run(calls: usize) -> i32 {
    let mut slot = case();
    let result = match slot.as_mut() {
        None => Err("no case was set up".to_string()),
        Some(c) => (0..calls)
            .try_for_each(|_| c.call().map(|out| drop(std::hint::black_box(out))))
            .map_err(|e| e.to_string()),
    };
    status("run", result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_run_and_errors_return_minus_one() {
        assert_eq!(ferrite_paired_run(1), -1, "nothing was set up");
        assert_eq!(ferrite_paired_setup(9, 8), -1);
        for (workload, size) in [(1, 16), (2, 4), (3, 4)] {
            assert_eq!(ferrite_paired_setup(workload, size), 0);
            assert_eq!(ferrite_paired_run(2), 0);
        }
        let c = Case::new(1, 8).unwrap();
        let Case::Matmul(a, b) = c else { panic!("W1 is a product") };
        assert_eq!(a.dims(), &[8, 8]);
        assert_eq!(b.dims(), &[8, 8]);
    }
}
