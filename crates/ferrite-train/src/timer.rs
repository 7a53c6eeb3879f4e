//! `Timer`: d2l's stopwatch that records intervals (`start`, `stop`, `avg`, `sum`, `cumsum`).

use std::time::Instant;

/// Records the durations of several runs, in seconds (d2l's `Timer`).
///
/// The timer starts when created, as d2l's does; `stop` records the time since the last `start`.
///
/// ```
/// use ferrite_train::Timer;
/// let mut timer = Timer::new();
/// let first = timer.stop();
/// timer.start();
/// let second = timer.stop();
/// assert_eq!(timer.times(), &[first, second]);
/// assert_eq!(timer.sum(), first + second);
/// assert_eq!(timer.cumsum(), vec![first, first + second]);
/// assert_eq!(timer.avg(), Some((first + second) / 2.0));
/// ```
#[derive(Debug, Clone)]
pub struct Timer {
    times: Vec<f64>,
    tik: Instant,
}

impl Default for Timer {
    fn default() -> Self {
        Timer::new()
    }
}

impl Timer {
    /// A timer with no intervals, started now.
    pub fn new() -> Self {
        Timer { times: Vec::new(), tik: Instant::now() }
    }

    /// Starts an interval now.
    pub fn start(&mut self) {
        self.tik = Instant::now();
    }

    /// Records the seconds since the last `start` (or since creation) and returns them.
    pub fn stop(&mut self) -> f64 {
        let seconds = self.tik.elapsed().as_secs_f64();
        self.times.push(seconds);
        seconds
    }

    /// The mean interval, `None` before the first `stop` (where d2l divides by zero).
    pub fn avg(&self) -> Option<f64> {
        (!self.times.is_empty()).then(|| self.sum() / self.times.len() as f64)
    }

    /// The total of the recorded intervals (0 when there are none).
    pub fn sum(&self) -> f64 {
        self.times.iter().sum()
    }

    /// The running totals: element `i` is the sum of the first `i + 1` intervals.
    pub fn cumsum(&self) -> Vec<f64> {
        self.times
            .iter()
            .scan(0.0, |total, t| {
                *total += t;
                Some(*total)
            })
            .collect()
    }

    /// The recorded intervals in seconds, oldest first.
    pub fn times(&self) -> &[f64] {
        &self.times
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn intervals_measure_the_time_between_start_and_stop() {
        let mut timer = Timer::new();
        assert_eq!(timer.avg(), None);
        assert_eq!(timer.sum(), 0.0);
        timer.start();
        std::thread::sleep(Duration::from_millis(20));
        let t = timer.stop();
        assert!(t >= 0.02, "{t}");
        timer.start();
        let u = timer.stop();
        assert!(u < t);
        assert_eq!(timer.cumsum(), vec![t, t + u]);
    }
}
