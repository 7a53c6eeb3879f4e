//! `DataLoader`: batches of a dataset, in order or shuffled by ferrite's seeded generator,
//! prepared on the caller's thread or ahead of time by worker threads.

use crate::{Dataset, Error, Result, TensorDataset};
use ferrite_tensor::Tensor;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

/// Batches each worker may hold ready or in progress (PyTorch's default `prefetch_factor`).
const PREFETCH_FACTOR: usize = 2;

/// Iterates a [`Dataset`] in batches (PyTorch's `torch.utils.data.DataLoader`).
///
/// Each iteration ([`iter`](DataLoader::iter), or `for batch in &loader`) is one epoch. A
/// shuffling loader draws one permutation from ferrite's global generator when the epoch starts,
/// on the calling thread, so [`manual_seed`](ferrite_tensor::manual_seed) reproduces the batch
/// order whatever the worker count. With [`num_workers(n)`](DataLoader::num_workers), `n` threads
/// prepare the next batches while the caller trains; batches still arrive in order.
///
/// ```
/// use ferrite_data::{DataLoader, TensorDataset};
/// use ferrite_tensor::Tensor;
/// let data = TensorDataset::new(Tensor::arange(10i64)?, Tensor::arange(10i64)?)?;
/// let loader = DataLoader::new(data, 4)?;
/// assert_eq!(loader.len(), 3);
/// let mut sizes = vec![];
/// for batch in &loader {
///     let (x, _y) = batch?;
///     sizes.push(x.dims()[0]);
/// }
/// assert_eq!(sizes, [4, 4, 2]);
/// # Ok::<(), ferrite_data::Error>(())
/// ```
#[derive(Clone)]
pub struct DataLoader {
    dataset: Arc<dyn Dataset>,
    batch_size: usize,
    shuffle: bool,
    drop_last: bool,
    num_workers: usize,
}

impl std::fmt::Debug for DataLoader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataLoader")
            .field("len(dataset)", &self.dataset.len())
            .field("batch_size", &self.batch_size)
            .field("shuffle", &self.shuffle)
            .field("drop_last", &self.drop_last)
            .field("num_workers", &self.num_workers)
            .finish()
    }
}

impl DataLoader {
    /// A loader over `dataset` in batches of `batch_size`, in order, on the caller's thread; a
    /// batch size of 0 is an error. Share one dataset between loaders by passing an
    /// `Arc<impl Dataset>`, which is a dataset too.
    ///
    /// ```
    /// use ferrite_data::{DataLoader, TensorDataset};
    /// use ferrite_tensor::Tensor;
    /// let data = TensorDataset::new(Tensor::zeros([5, 2]), Tensor::zeros([5]))?;
    /// assert!(DataLoader::new(data.clone(), 0).is_err());
    /// let loader = DataLoader::new(data, 2)?;
    /// assert_eq!(loader.batch_size(), 2);
    /// # Ok::<(), ferrite_data::Error>(())
    /// ```
    pub fn new(dataset: impl Dataset + 'static, batch_size: usize) -> Result<Self> {
        if batch_size == 0 {
            return Err(Error::InvalidBatchSize(batch_size));
        }
        Ok(DataLoader {
            dataset: Arc::new(dataset),
            batch_size,
            shuffle: false,
            drop_last: false,
            num_workers: 0,
        })
    }

    /// Whether each epoch visits the examples in a fresh random order (default `false`).
    ///
    /// ```
    /// use ferrite_data::{DataLoader, TensorDataset};
    /// use ferrite_tensor::{Tensor, manual_seed};
    /// let data = TensorDataset::new(Tensor::arange(6i64)?, Tensor::arange(6i64)?)?;
    /// let loader = DataLoader::new(data, 6)?.shuffle(true);
    /// manual_seed(0);
    /// let (x, _) = loader.iter().next().unwrap()?;
    /// let mut seen = x.to_vec::<i64>()?;
    /// seen.sort();
    /// assert_eq!(seen, [0, 1, 2, 3, 4, 5]);
    /// # Ok::<(), ferrite_data::Error>(())
    /// ```
    pub fn shuffle(mut self, yes: bool) -> Self {
        self.shuffle = yes;
        self
    }

    /// Whether to skip the last batch when it is shorter than `batch_size` (default `false`).
    ///
    /// ```
    /// use ferrite_data::{DataLoader, TensorDataset};
    /// use ferrite_tensor::Tensor;
    /// let data = TensorDataset::new(Tensor::zeros([10, 1]), Tensor::zeros([10]))?;
    /// assert_eq!(DataLoader::new(data.clone(), 4)?.len(), 3);
    /// assert_eq!(DataLoader::new(data, 4)?.drop_last(true).len(), 2);
    /// # Ok::<(), ferrite_data::Error>(())
    /// ```
    pub fn drop_last(mut self, yes: bool) -> Self {
        self.drop_last = yes;
        self
    }

    /// How many threads prepare batches ahead of the caller (default 0: the caller's thread
    /// prepares each batch when asked). Each worker holds at most 2 batches ready or in progress
    /// (PyTorch's `prefetch_factor`). Workers only call [`Dataset::get_batch`]; they never draw
    /// from the global generator.
    ///
    /// ```
    /// use ferrite_data::{DataLoader, TensorDataset};
    /// use ferrite_tensor::Tensor;
    /// let data = TensorDataset::new(Tensor::arange(10i64)?, Tensor::arange(10i64)?)?;
    /// let loader = DataLoader::new(data, 3)?.num_workers(2);
    /// let mut labels = vec![];
    /// for batch in &loader {
    ///     let (_x, y) = batch?;
    ///     labels.push(y.to_vec::<i64>()?);
    /// }
    /// assert_eq!(labels, [vec![0, 1, 2], vec![3, 4, 5], vec![6, 7, 8], vec![9]]);
    /// # Ok::<(), ferrite_data::Error>(())
    /// ```
    pub fn num_workers(mut self, n: usize) -> Self {
        self.num_workers = n;
        self
    }

    /// The number of batches in an epoch (Python's `len(loader)`).
    ///
    /// ```
    /// use ferrite_data::{DataLoader, TensorDataset};
    /// use ferrite_tensor::Tensor;
    /// let data = TensorDataset::new(Tensor::zeros([1000, 1]), Tensor::zeros([1000]))?;
    /// assert_eq!(DataLoader::new(data, 256)?.len(), 4);
    /// # Ok::<(), ferrite_data::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        let n = self.dataset.len();
        if self.drop_last { n / self.batch_size } else { n.div_ceil(self.batch_size) }
    }

    /// Whether an epoch has no batch.
    ///
    /// ```
    /// use ferrite_data::{DataLoader, TensorDataset};
    /// use ferrite_tensor::Tensor;
    /// let data = TensorDataset::new(Tensor::zeros([3, 1]), Tensor::zeros([3]))?;
    /// assert!(DataLoader::new(data, 4)?.drop_last(true).is_empty());
    /// # Ok::<(), ferrite_data::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of examples per batch.
    ///
    /// ```
    /// use ferrite_data::{DataLoader, TensorDataset};
    /// use ferrite_tensor::Tensor;
    /// let data = TensorDataset::new(Tensor::zeros([3, 1]), Tensor::zeros([3]))?;
    /// assert_eq!(DataLoader::new(data, 2)?.batch_size(), 2);
    /// # Ok::<(), ferrite_data::Error>(())
    /// ```
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// The dataset the batches come from.
    ///
    /// ```
    /// use ferrite_data::{DataLoader, TensorDataset};
    /// use ferrite_tensor::Tensor;
    /// let data = TensorDataset::new(Tensor::zeros([3, 1]), Tensor::zeros([3]))?;
    /// assert_eq!(DataLoader::new(data, 2)?.dataset().len(), 3);
    /// # Ok::<(), ferrite_data::Error>(())
    /// ```
    pub fn dataset(&self) -> &dyn Dataset {
        &*self.dataset
    }

    /// Starts an epoch: draws the order (a permutation from the global generator when
    /// shuffling) and, with workers, starts them. Dropping the iterator stops and joins them.
    ///
    /// ```
    /// use ferrite_data::{DataLoader, TensorDataset};
    /// use ferrite_tensor::Tensor;
    /// let data = TensorDataset::new(Tensor::zeros([5, 2]), Tensor::zeros([5]))?;
    /// let loader = DataLoader::new(data, 2)?;
    /// let mut it = loader.iter();
    /// assert_eq!(it.len(), 3);
    /// let (x, y) = it.next().unwrap()?;
    /// assert_eq!((x.dims(), y.dims()), (&[2, 2][..], &[2][..]));
    /// # Ok::<(), ferrite_data::Error>(())
    /// ```
    pub fn iter(&self) -> Iter<'_> {
        let n = self.dataset.len();
        let order: Arc<[usize]> = if self.shuffle {
            // randperm of n yields exactly 0..n as i64, so the conversion is lossless.
            let perm = Tensor::randperm(n).to_vec::<i64>().expect("randperm is a CPU i64 tensor");
            perm.into_iter().map(|i| i as usize).collect()
        } else {
            (0..n).collect()
        };
        let plan = Plan { order, batch_size: self.batch_size, num_batches: self.len() };
        let source = if self.num_workers == 0 {
            Source::Caller
        } else {
            Source::Workers(Workers::start(&self.dataset, &plan, self.num_workers))
        };
        Iter { loader: self, plan, next: 0, source }
    }
}

impl<'a> IntoIterator for &'a DataLoader {
    type Item = Result<(Tensor, Tensor)>;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// d2l's `load_array`: a [`DataLoader`] over `(features, labels)` rows, shuffled when
/// `is_train`.
///
/// ```
/// use ferrite_data::load_array;
/// use ferrite_tensor::Tensor;
/// let loader = load_array(Tensor::randn([100, 2]), Tensor::randn([100, 1]), 10, true)?;
/// assert_eq!(loader.len(), 10);
/// let (x, y) = loader.iter().next().unwrap()?;
/// assert_eq!((x.dims(), y.dims()), (&[10, 2][..], &[10, 1][..]));
/// # Ok::<(), ferrite_data::Error>(())
/// ```
pub fn load_array(features: Tensor, labels: Tensor, batch_size: usize, is_train: bool) -> Result<DataLoader> {
    Ok(DataLoader::new(TensorDataset::new(features, labels)?, batch_size)?.shuffle(is_train))
}

/// One epoch's batches: the example order cut into `num_batches` runs of `batch_size`.
#[derive(Clone)]
struct Plan {
    order: Arc<[usize]>,
    batch_size: usize,
    num_batches: usize,
}

impl Plan {
    /// The example indices of batch `k < num_batches` (the last one may be short).
    fn batch(&self, k: usize) -> &[usize] {
        let start = k * self.batch_size;
        &self.order[start..(start + self.batch_size).min(self.order.len())]
    }
}

/// An epoch of a [`DataLoader`]: yields `Result<(inputs, targets)>` batches in order. An error
/// preparing a batch arrives at that batch's position; the batches after it still follow.
pub struct Iter<'a> {
    loader: &'a DataLoader,
    plan: Plan,
    next: usize,
    source: Source,
}

/// Where the batches are prepared.
enum Source {
    /// On the caller's thread, inside `next`.
    Caller,
    /// On worker threads, ahead of time.
    Workers(Workers),
}

impl Iterator for Iter<'_> {
    type Item = Result<(Tensor, Tensor)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.plan.num_batches {
            return None;
        }
        let k = self.next;
        self.next += 1;
        Some(match &self.source {
            Source::Caller => self.loader.dataset.get_batch(self.plan.batch(k)),
            Source::Workers(workers) => workers.recv(k),
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.plan.num_batches - self.next;
        (left, Some(left))
    }
}

impl ExactSizeIterator for Iter<'_> {}

/// Worker threads with one bounded result queue each. Batch `k` belongs to worker `k % n`
/// (PyTorch's round-robin), so receiving from that worker's queue delivers batches in order
/// without a reordering buffer, and the queue bound limits how far each worker runs ahead.
struct Workers {
    results: Vec<Receiver<Result<(Tensor, Tensor)>>>,
    stop: Arc<AtomicBool>,
    handles: Vec<JoinHandle<()>>,
}

impl Workers {
    fn start(dataset: &Arc<dyn Dataset>, plan: &Plan, n: usize) -> Workers {
        let n = n.min(plan.num_batches.max(1));
        let stop = Arc::new(AtomicBool::new(false));
        let mut results = Vec::with_capacity(n);
        let mut handles = Vec::with_capacity(n);
        for w in 0..n {
            // One batch waiting in the queue plus one in progress: PREFETCH_FACTOR per worker.
            let (tx, rx) = sync_channel(PREFETCH_FACTOR - 1);
            let job = WorkerJob { dataset: Arc::clone(dataset), plan: plan.clone(), stop: Arc::clone(&stop) };
            let spawned = std::thread::Builder::new()
                .name(format!("ferrite-data-worker-{w}"))
                .spawn(move || job.run(w, n, tx));
            // If the thread cannot start, its sender is dropped with the closure and `recv`
            // reports each of its batches as failed.
            if let Ok(handle) = spawned {
                handles.push(handle);
            }
            results.push(rx);
        }
        Workers { results, stop, handles }
    }

    /// Batch `k`, waiting for its worker to finish it.
    fn recv(&self, k: usize) -> Result<(Tensor, Tensor)> {
        let worker = k % self.results.len();
        // A worker sends every batch it owns unless the receiver is gone, so a closed queue
        // means the thread never started or died outside `get_batch`.
        self.results[worker].recv().unwrap_or_else(|_| Err(Error::WorkerPanicked { worker, batch: k }))
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Closing the queues wakes any worker blocked on a full one; its next send fails.
        self.results.clear();
        for handle in self.handles.drain(..) {
            // A worker catches the panics of `get_batch`; nothing else in it can panic.
            let _ = handle.join();
        }
    }
}

/// What one worker thread needs: its own handles on the dataset, the plan and the stop flag.
struct WorkerJob {
    dataset: Arc<dyn Dataset>,
    plan: Plan,
    stop: Arc<AtomicBool>,
}

impl WorkerJob {
    /// Prepares batches `w, w + n, w + 2n, ...` and sends them in that order until the epoch
    /// ends, the stop flag is set or the iterator drops the queue.
    fn run(self, w: usize, n: usize, tx: SyncSender<Result<(Tensor, Tensor)>>) {
        for k in (w..self.plan.num_batches).step_by(n) {
            if self.stop.load(Ordering::Relaxed) {
                return;
            }
            let indices = self.plan.batch(k);
            let batch = catch_unwind(AssertUnwindSafe(|| self.dataset.get_batch(indices)))
                .unwrap_or_else(|_| Err(Error::WorkerPanicked { worker: w, batch: k }));
            if tx.send(batch).is_err() {
                return;
            }
        }
    }
}
