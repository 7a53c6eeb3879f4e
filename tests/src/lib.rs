//! Shared helpers for the end-to-end tests in `tests/tests/`: PyTorch-style printing checks and
//! the lock that serialises tests drawing from the process-wide random generator.

use ferrite::prelude::*;
use std::sync::{Mutex, MutexGuard};

static RNG: Mutex<()> = Mutex::new(());

/// Holds the random-generator lock: tests in one binary run on parallel threads, and a test
/// that seeds and draws must not interleave with another's draws.
pub fn rng_lock() -> MutexGuard<'static, ()> {
    RNG.lock().unwrap_or_else(|e| e.into_inner())
}

/// Asserts the `Display` text of a tensor: PyTorch's `repr`, the spec for `format!("{t}")`.
#[track_caller]
pub fn assert_prints(t: &Tensor, expected: &str) {
    assert_eq!(format!("{t}"), expected, "Display must print exactly what PyTorch prints");
}

/// Asserts the text IPython shows for the tuple `items` (a cell ending in `a, b`).
#[track_caller]
pub fn assert_tuple_prints(items: &[&dyn std::fmt::Display], expected: &str) {
    let shown: Vec<String> = items.iter().map(|t| t.to_string()).collect();
    assert_eq!(ipython_tuple(&shown), expected, "Display must print exactly what PyTorch prints");
}

/// IPython's pretty-printed tuple: one line when it fits in 79 columns and no item spans lines;
/// otherwise one item per line, every continuation line (blank ones too) indented by one space
/// for the `(`.
pub fn ipython_tuple(items: &[String]) -> String {
    let flat = format!("({})", items.join(", "));
    if flat.len() <= 79 && !flat.contains('\n') {
        return flat;
    }
    let parts: Vec<String> = items.iter().map(|s| s.replace('\n', "\n ")).collect();
    format!("({})", parts.join(",\n "))
}

/// Checks dtype, shape and the row-major values of `t`, exactly.
#[track_caller]
pub fn assert_values<T: ferrite::core::cpu::CpuElement + PartialEq + std::fmt::Debug>(
    t: &Tensor,
    dtype: DType,
    dims: &[usize],
    values: &[T],
) {
    assert_eq!(t.dtype(), dtype, "dtype");
    assert_eq!(t.dims(), dims, "shape");
    assert_eq!(t.to_vec::<T>().expect("to_vec"), values, "values");
}
