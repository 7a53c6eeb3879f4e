//! W5: sums of a square matrix, GB/s = (bytes read + bytes written) / t.

use crate::input::uniform;
use crate::record::{Record, time_reps};
use ferrite::Result;

const GB: f64 = 1e9;

pub fn w5_reduce(quick: bool) -> Result<Vec<Record>> {
    let (side, warmup, reps) = if quick { (512, 1, 3) } else { (4096, 2, 10) };
    let a = uniform(&[side, side], 1)?;
    let read = (4 * side * side) as f64;
    let mut out = Vec::new();

    let times = time_reps(warmup, reps, || a.sum_all())?;
    out.push(Record::new(
        "W5_reduce",
        format!("sum_all {side}x{side}"),
        ("bandwidth", (read + 4.0) / times.median() / GB, "GB/s"),
        &times,
        "",
    ));
    let times = time_reps(warmup, reps, || a.sum(&[1], false))?;
    out.push(Record::new(
        "W5_reduce",
        format!("sum_dim1 {side}x{side}"),
        ("bandwidth", (read + 4.0 * side as f64) / times.median() / GB, "GB/s"),
        &times,
        "",
    ));
    Ok(out)
}
