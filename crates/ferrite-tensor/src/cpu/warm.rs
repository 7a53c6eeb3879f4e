//! Keeps the rayon pool awake between parallel kernels, as OpenMP runtimes keep their workers
//! spinning for a while after a parallel region.
//!
//! A rayon worker with nothing to do sleeps within microseconds, and waking it costs the next
//! kernel 40-70 us on this project's 2-vCPU virtual machines (median; 190 us at the 90th
//! percentile), because a sleeping thread's vCPU halts and the hypervisor must schedule it again.
//! A training step runs a dozen parallel kernels a few hundred microseconds apart, so these
//! wake-ups cost it more than its elementwise work. After each parallel kernel called from outside
//! the pool, [`parallel`] therefore hands the pool a job that spins (for at most [`SPIN`]) until
//! the next parallel kernel starts, so that kernel finds a worker awake.
//!
//! Measured with two threads (interleaved runs against `FERRITE_SPIN_US=0`): the MLP training step
//! (W2) goes from 245-328 steps/s without spinning (5 runs) to 403-423 with a 2-5 ms window (6
//! runs), and to 322-364 with a window of 1 ms or less (some kernels of a step start later than
//! that; which ones was not traced); inference (W3) gains 2-23%; single large products (W1) and
//! the data loader (W9, W10) do not move.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long a worker stays awake for the next kernel, unless `FERRITE_SPIN_US` says otherwise
/// (0 turns spinning off). Intel's OpenMP, which PyTorch uses, spins for 200 ms (`KMP_BLOCKTIME`);
/// a short window bounds what an idle program burns to one core for this long after its last
/// kernel.
const SPIN: Duration = Duration::from_millis(5);

/// Bumped as each parallel kernel starts: the spinners' signal to give their thread back.
static GENERATION: AtomicU64 = AtomicU64::new(0);
/// Spinner jobs queued or running.
static SPINNERS: AtomicUsize = AtomicUsize::new(0);

/// The spin window in microseconds: `FERRITE_SPIN_US`, read once, or [`SPIN`].
fn spin_us() -> u64 {
    static US: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *US.get_or_init(|| {
        std::env::var("FERRITE_SPIN_US").ok().and_then(|s| s.parse().ok()).unwrap_or(SPIN.as_micros() as u64)
    })
}

/// Runs the parallel kernel `f`: spinning workers are released first, and one is kept awake
/// after it for the next kernel. Inside the pool, or with one thread, it only runs `f`.
pub(crate) fn parallel<R>(f: impl FnOnce() -> R) -> R {
    let threads = rayon::current_num_threads();
    if threads < 2 || rayon::current_thread_index().is_some() || spin_us() == 0 {
        return f();
    }
    GENERATION.fetch_add(1, Ordering::AcqRel);
    let out = f();
    // One spinner per thread the caller's next kernel hands work to (the caller runs a part itself).
    let want = threads - 1;
    let mut now = SPINNERS.load(Ordering::Acquire);
    while now < want {
        match SPINNERS.compare_exchange(now, now + 1, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => {
                let generation = GENERATION.load(Ordering::Acquire);
                rayon::spawn(move || spin(&GENERATION, generation, Duration::from_micros(spin_us())));
                now += 1;
            }
            Err(seen) => now = seen,
        }
    }
    out
}

/// Spins until `current` moves past `generation` (a parallel kernel after the one this spinner
/// was queued behind has started: at once when that happened before this job ran) or `window`
/// closes, then takes itself off the spinner count.
fn spin(current: &AtomicU64, generation: u64, window: Duration) {
    let start = Instant::now();
    'wait: while start.elapsed() < window {
        for _ in 0..64 {
            if current.load(Ordering::Acquire) != generation {
                break 'wait;
            }
            std::hint::spin_loop();
        }
    }
    SPINNERS.fetch_sub(1, Ordering::AcqRel);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A spinner gives its thread back as soon as the next kernel starts, or at once when it
    /// started late, not after its window (an hour here: a spinner that missed its signal hangs
    /// the test).
    #[test]
    fn spinners_yield_to_the_next_kernel() {
        let hour = Duration::from_secs(3600);
        let current = AtomicU64::new(7);
        SPINNERS.fetch_add(1, Ordering::AcqRel);
        spin(&current, 6, hour);
        let current = std::sync::Arc::new(current);
        SPINNERS.fetch_add(1, Ordering::AcqRel);
        let spinner = std::thread::spawn({
            let current = current.clone();
            move || spin(&current, 7, hour)
        });
        current.fetch_add(1, Ordering::AcqRel);
        spinner.join().unwrap();
    }
}
