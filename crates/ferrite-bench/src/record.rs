//! The benchmark record (torch_bench.py's layout, field for field) and the timing loop behind it.

use serde::Serialize;
use std::time::Instant;

/// One measured figure, serialized with the field names and order torch_bench.py's `rec` writes.
#[derive(Serialize)]
pub struct Record {
    /// The workload's name (`W1_matmul`).
    pub workload: &'static str,
    /// The case within it (`n=1024`).
    pub case: String,
    /// What `value` measures (`throughput`).
    pub metric: &'static str,
    /// The figure, in `unit`.
    pub value: f64,
    /// `GFLOP/s`, `samples/s`, `s`, ...
    pub unit: &'static str,
    /// The median timed rep, in seconds.
    pub median_s: f64,
    /// The fastest timed rep, in seconds.
    pub min_s: f64,
    /// The slowest timed rep, in seconds.
    pub max_s: f64,
    /// How many reps were timed.
    pub reps: usize,
    /// How many untimed calls came first.
    pub warmup: usize,
    /// What was timed, in words.
    pub note: String,
}

/// The timed reps of one case, in seconds, and how many untimed warm-up calls came before them.
pub struct Times {
    pub(crate) samples: Vec<f64>,
    pub(crate) warmup: usize,
}

impl Times {
    /// The median, averaging the middle two for an even count (as Python's `statistics.median`).
    pub fn median(&self) -> f64 {
        let mut s = self.samples.clone();
        s.sort_by(f64::total_cmp);
        let mid = s.len() / 2;
        if s.len() % 2 == 1 { s[mid] } else { (s[mid - 1] + s[mid]) / 2.0 }
    }
}

/// Calls `f` `warmup` times untimed, then `reps` times timed. Each timed call's result is dropped
/// after the clock stops, so freeing a large output is not charged (as torch_bench.py's `time_reps`).
pub fn time_reps<T, E>(warmup: usize, reps: usize, mut f: impl FnMut() -> Result<T, E>) -> Result<Times, E> {
    debug_assert!(reps > 0, "a case needs at least one timed rep");
    for _ in 0..warmup {
        std::hint::black_box(f()?);
    }
    let mut samples = Vec::with_capacity(reps);
    for _ in 0..reps {
        let start = Instant::now();
        let out = std::hint::black_box(f()?);
        samples.push(start.elapsed().as_secs_f64());
        drop(out);
    }
    Ok(Times { samples, warmup })
}

impl Record {
    /// A record whose `value` was derived from `times` (usually from its median).
    pub fn new(
        workload: &'static str,
        case: String,
        (metric, value, unit): (&'static str, f64, &'static str),
        times: &Times,
        note: &str,
    ) -> Record {
        Record {
            workload,
            case,
            metric,
            value,
            unit,
            median_s: times.median(),
            min_s: times.samples.iter().copied().fold(f64::INFINITY, f64::min),
            max_s: times.samples.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            reps: times.samples.len(),
            warmup: times.warmup,
            note: note.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_matches_python() {
        let t = |s: &[f64]| Times { samples: s.to_vec(), warmup: 0 };
        assert_eq!(t(&[3.0, 1.0, 2.0]).median(), 2.0);
        assert_eq!(t(&[4.0, 1.0, 2.0, 3.0]).median(), 2.5);
    }
}
