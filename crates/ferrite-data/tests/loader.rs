//! DataLoader behaviour: order and reproducibility, epochs, drop_last, workers (ordering, overlap,
//! errors, early drop) and TensorDataset's checks.

use ferrite_data::{DataLoader, Dataset, Error, Result, TensorDataset, load_array};
use ferrite_tensor::{Tensor, manual_seed};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// Tests that seed the global generator take this lock, so parallel tests do not interleave draws.
static RNG: Mutex<()> = Mutex::new(());

fn rng_lock() -> MutexGuard<'static, ()> {
    RNG.lock().unwrap_or_else(|e| e.into_inner())
}

/// A generous bound for waits that succeed at once unless something is broken.
const PATIENCE: Duration = Duration::from_secs(20);

/// Examples `i -> (i as f32, i as i64)`.
fn range_dataset(n: usize) -> TensorDataset {
    let x = Tensor::arange(n as i64).unwrap().float().unwrap();
    TensorDataset::new(x, Tensor::arange(n as i64).unwrap()).unwrap()
}

/// The labels of every batch of one epoch.
fn epoch(loader: &DataLoader) -> Result<Vec<Vec<i64>>> {
    loader.iter().map(|batch| Ok(batch?.1.to_vec::<i64>()?)).collect()
}

#[test]
fn sequential_order_and_len() -> Result<()> {
    let loader = DataLoader::new(range_dataset(10), 3)?;
    assert_eq!(loader.len(), 4);
    assert_eq!(epoch(&loader)?, vec![vec![0, 1, 2], vec![3, 4, 5], vec![6, 7, 8], vec![9]]);
    let (x, y) = loader.iter().next().unwrap()?;
    assert_eq!((x.dims(), y.dims()), (&[3][..], &[3][..]));
    Ok(())
}

#[test]
fn drop_last_and_len() -> Result<()> {
    let loader = DataLoader::new(range_dataset(10), 3)?.drop_last(true);
    assert_eq!(loader.len(), 3);
    assert_eq!(loader.iter().len(), 3);
    assert_eq!(epoch(&loader)?, vec![vec![0, 1, 2], vec![3, 4, 5], vec![6, 7, 8]]);
    let even = DataLoader::new(range_dataset(9), 3)?;
    assert_eq!((even.len(), even.clone().drop_last(true).len()), (3, 3));
    let tiny = DataLoader::new(range_dataset(2), 5)?;
    assert_eq!((tiny.len(), tiny.clone().drop_last(true).len()), (1, 0));
    assert_eq!(tiny.drop_last(true).num_workers(2).iter().count(), 0);
    Ok(())
}

#[test]
fn zero_batch_size_is_an_error() {
    let err = DataLoader::new(range_dataset(3), 0).unwrap_err();
    assert!(matches!(err, Error::InvalidBatchSize(0)));
}

#[test]
fn shuffled_order_is_randperm_and_repeats_under_manual_seed() -> Result<()> {
    let _rng = rng_lock();
    let loader = DataLoader::new(range_dataset(50), 7)?.shuffle(true);
    manual_seed(3);
    let perm = Tensor::randperm(50).to_vec::<i64>()?;
    manual_seed(3);
    let first = epoch(&loader)?;
    assert_eq!(first.concat(), perm, "one randperm per epoch, drawn from the global generator");
    for workers in [0, 1, 3] {
        manual_seed(3);
        assert_eq!(epoch(&loader.clone().num_workers(workers))?, first, "{workers} workers");
    }
    manual_seed(4);
    assert_ne!(epoch(&loader)?, first);
    Ok(())
}

#[test]
fn every_sample_once_per_epoch() -> Result<()> {
    let _rng = rng_lock();
    manual_seed(0);
    for workers in [0, 2, 5] {
        let loader = DataLoader::new(range_dataset(103), 10)?.shuffle(true).num_workers(workers);
        let mut epochs = Vec::new();
        for _ in 0..2 {
            let mut seen = epoch(&loader)?.concat();
            epochs.push(seen.clone());
            seen.sort_unstable();
            assert_eq!(seen, (0..103).collect::<Vec<i64>>(), "{workers} workers");
        }
        assert_ne!(epochs[0], epochs[1], "each epoch draws a fresh order");
    }
    Ok(())
}

#[test]
fn load_array_shuffles_only_for_training() -> Result<()> {
    let _rng = rng_lock();
    manual_seed(1);
    let features = Tensor::arange(40i64)?.reshape([20, 2])?;
    let labels = Tensor::arange(20i64)?.reshape([20, 1])?;
    let test = load_array(features.clone(), labels.clone(), 6, false)?;
    assert_eq!(epoch(&test)?.concat(), (0..20).collect::<Vec<i64>>());
    let train = load_array(features, labels, 6, true)?;
    let (x, y) = train.iter().next().unwrap()?;
    assert_eq!((x.dims(), y.dims()), (&[6, 2][..], &[6, 1][..]));
    assert_ne!(epoch(&train)?.concat(), (0..20).collect::<Vec<i64>>());
    Ok(())
}

#[test]
fn tensor_dataset_checks_first_dims() {
    let err = TensorDataset::new(Tensor::zeros([5, 3]), Tensor::zeros([4])).unwrap_err();
    assert!(matches!(err, Error::SizeMismatch { .. }));
    assert_eq!(
        err.to_string(),
        "TensorDataset: features of shape [5, 3] and labels of shape [4] differ in their first dim"
    );
}

#[test]
fn tensor_dataset_batches_gather_rows() -> Result<()> {
    let data = TensorDataset::new(Tensor::arange(12i64)?.reshape([4, 3])?, Tensor::arange(4i64)?)?;
    let (x, y) = data.get_batch(&[3, 1])?;
    assert_eq!((x.dims(), x.to_vec::<i64>()?), (&[2, 3][..], vec![9, 10, 11, 3, 4, 5]));
    assert_eq!(y.to_vec::<i64>()?, [3, 1]);
    Ok(())
}

/// A dataset of `n` examples whose `get_batch` records each batch (by its first index) as
/// prepared, optionally fails or panics on one batch, and can hold batch 0 back until batch 1
/// is prepared.
struct Probe {
    n: usize,
    batch_size: usize,
    prepared: Mutex<Vec<usize>>,
    changed: Condvar,
    fail_batch: Option<usize>,
    panic_batch: Option<usize>,
    hold_first: bool,
    dropped: Arc<AtomicBool>,
}

impl Probe {
    fn new(n: usize, batch_size: usize) -> Probe {
        Probe {
            n,
            batch_size,
            prepared: Mutex::new(Vec::new()),
            changed: Condvar::new(),
            fail_batch: None,
            panic_batch: None,
            hold_first: false,
            dropped: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Waits until batch `k` is prepared; false if that takes longer than `PATIENCE`.
    fn wait_prepared(&self, k: usize) -> bool {
        let guard = self.prepared.lock().unwrap();
        let (guard, _) = self.changed.wait_timeout_while(guard, PATIENCE, |p| !p.contains(&k)).unwrap();
        guard.contains(&k)
    }

    fn is_prepared(&self, k: usize) -> bool {
        self.prepared.lock().unwrap().contains(&k)
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        self.dropped.store(true, Ordering::SeqCst);
    }
}

impl Dataset for Probe {
    fn len(&self) -> usize {
        self.n
    }

    fn get(&self, index: usize) -> Result<(Tensor, Tensor)> {
        Ok((Tensor::scalar(index as f32), Tensor::scalar(index as i64)))
    }

    fn get_batch(&self, indices: &[usize]) -> Result<(Tensor, Tensor)> {
        let k = indices[0] / self.batch_size;
        if self.hold_first && k == 0 {
            assert!(self.wait_prepared(1), "batch 1 was never prepared while batch 0 waited");
        }
        if self.panic_batch == Some(k) {
            panic!("probe panics on batch {k}");
        }
        let batch = if self.fail_batch == Some(k) {
            Err(Error::IndexOutOfRange { op: "probe", index: indices[0], len: self.n })
        } else {
            let labels: Vec<i64> = indices.iter().map(|&i| i as i64).collect();
            Ok((
                Tensor::from_vec(labels.iter().map(|&i| i as f32).collect::<Vec<_>>(), labels.len())?,
                Tensor::from_vec(labels.clone(), labels.len())?,
            ))
        };
        self.prepared.lock().unwrap().push(k);
        self.changed.notify_all();
        batch
    }
}

#[test]
fn workers_deliver_in_order_even_when_they_finish_out_of_order() -> Result<()> {
    let mut probe = Probe::new(40, 4);
    // Batch 0 (worker 0) cannot finish before batch 1 (worker 1) has.
    probe.hold_first = true;
    let loader = DataLoader::new(probe, 4)?.num_workers(2);
    let expected: Vec<Vec<i64>> = (0..10).map(|k| (4 * k..4 * k + 4).collect()).collect();
    assert_eq!(epoch(&loader)?, expected);
    Ok(())
}

#[test]
fn workers_prepare_the_next_batch_while_the_caller_holds_one() -> Result<()> {
    let data = Arc::new(Probe::new(12, 4));
    let loader = DataLoader::new(Arc::clone(&data), 4)?.num_workers(1);
    let mut it = loader.iter();
    let _batch0 = it.next().unwrap()?;
    assert!(data.wait_prepared(1), "a worker prepares batch 1 while batch 0 is in use");
    drop(it);

    let data = Arc::new(Probe::new(12, 4));
    let loader = DataLoader::new(Arc::clone(&data), 4)?;
    let mut it = loader.iter();
    let _batch0 = it.next().unwrap()?;
    assert!(!data.is_prepared(1), "without workers, batch 1 waits for the caller");
    it.next().unwrap()?;
    assert!(data.is_prepared(1));
    Ok(())
}

#[test]
fn an_error_arrives_at_its_batch_and_the_rest_follow() -> Result<()> {
    for workers in [0, 1, 3] {
        let mut probe = Probe::new(20, 4);
        probe.fail_batch = Some(2);
        let loader = DataLoader::new(probe, 4)?.num_workers(workers);
        let results: Vec<bool> = loader.iter().map(|b| b.is_ok()).collect();
        assert_eq!(results, [true, true, false, true, true], "{workers} workers");
        let err = loader.iter().nth(2).unwrap().unwrap_err();
        assert!(matches!(err, Error::IndexOutOfRange { index: 8, .. }));
    }
    Ok(())
}

#[test]
fn a_panicking_worker_reports_its_batch() -> Result<()> {
    let mut probe = Probe::new(20, 4);
    probe.panic_batch = Some(3);
    let loader = DataLoader::new(probe, 4)?.num_workers(2);
    let results: Vec<_> = loader.iter().collect();
    assert!(matches!(results[3], Err(Error::WorkerPanicked { worker: 1, batch: 3 })));
    assert!(results.iter().enumerate().all(|(k, r)| r.is_ok() == (k != 3)));
    Ok(())
}

#[test]
fn dropping_the_iterator_mid_epoch_stops_and_joins_the_workers() -> Result<()> {
    let probe = Probe::new(10_000, 2);
    let dropped = Arc::clone(&probe.dropped);
    let (done, finished) = std::sync::mpsc::channel();
    // Run on a watchdog thread so that a deadlock fails the test instead of hanging it.
    std::thread::spawn(move || {
        let loader = DataLoader::new(probe, 2).unwrap().num_workers(4);
        let mut it = loader.iter();
        let first: Vec<_> = it.by_ref().take(3).collect();
        drop(it);
        drop(loader);
        done.send(first.iter().all(Result::is_ok)).unwrap();
    });
    let ok = finished.recv_timeout(PATIENCE).expect("dropping the iterator deadlocked");
    assert!(ok);
    // The loader held the dataset, and each worker a clone of that handle: it is gone only if
    // every worker thread has ended.
    assert!(dropped.load(Ordering::SeqCst), "a worker thread still holds the dataset");
    Ok(())
}
