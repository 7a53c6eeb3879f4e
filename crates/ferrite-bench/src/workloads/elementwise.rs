//! W4: elementwise ops on 16M floats, GB/s of logical traffic (inputs read once, output written
//! once; temporaries not counted).

use crate::input::uniform;
use crate::record::{Record, time_reps};
use ferrite::Result;

const GB: f64 = 1e9;

pub fn w4_elementwise(quick: bool) -> Result<Vec<Record>> {
    let (n, warmup, reps) = if quick { (1 << 20, 1, 3) } else { (16 << 20, 2, 10) };
    let a = uniform(&[n], 1)?;
    let b = uniform(&[n], 2)?;
    // Bytes moved by k arrays of n float32s.
    let bytes = |k: usize| (k * 4 * n) as f64;
    let mut out = Vec::new();

    let times = time_reps(warmup, reps, || a.add(&b))?;
    out.push(Record::new(
        "W4_elementwise",
        format!("add n={n}"),
        ("bandwidth", bytes(3) / times.median() / GB, "GB/s"),
        &times,
        "bytes = 2 reads + 1 write; output allocated each call",
    ));
    let c = ferrite::Tensor::zeros([n]);
    a.add_out(&b, &c)?; // fault the output pages in once, as the reference does
    let times = time_reps(warmup, reps, || a.add_out(&b, &c))?;
    out.push(Record::new(
        "W4_elementwise",
        format!("add out= n={n}"),
        ("bandwidth", bytes(3) / times.median() / GB, "GB/s"),
        &times,
        "a.add_out(&b, &c) into a preallocated c (torch.add(a, b, out=c))",
    ));
    let times = time_reps(warmup, reps, || a.relu())?;
    out.push(Record::new(
        "W4_elementwise",
        format!("relu n={n}"),
        ("bandwidth", bytes(2) / times.median() / GB, "GB/s"),
        &times,
        "bytes = 1 read + 1 write",
    ));
    let times = time_reps(warmup, reps, || a.mul(2.0)?.add(&b))?;
    out.push(Record::new(
        "W4_elementwise",
        format!("a*2+b n={n}"),
        ("bandwidth", bytes(3) / times.median() / GB, "GB/s"),
        &times,
        "logical bytes = 2 reads + 1 write; eager runs 2 kernels (mul, add) with a temporary",
    ));
    Ok(out)
}
