//! W9 and W10 over Fashion-MNIST's training split (`$FERRITE_DATA_DIR/fashion-mnist`): one
//! training epoch of d2l's MLP through the DataLoader, and the DataLoader alone. The PyTorch side
//! is our own `torch_extra.py` beside this crate's manifest, with the same case names.
//!
//! Both sides use d2l's loader: batch 256, shuffled, with `get_dataloader_workers()` workers (the
//! CPUs this process may use, at most 4: d2l's 4 capped at the core count, so that both sides run
//! the same count; the case names carry it). Without the files, both workloads print why and
//! write no record.

use crate::record::{Record, Times, time_reps};
use ferrite::data::vision::{FashionMnist, get_dataloader_workers};
use ferrite::data::{DataLoader, Dataset};
use ferrite::prelude::*;
use std::sync::Arc;
use std::time::Instant;

const W9: &str = "W9_mlp_fashion_mnist_epoch";
const W10: &str = "W10_dataloader_throughput";
const BATCH: usize = 256;
/// `--quick` uses the first 20 batches' worth of images.
const QUICK_IMAGES: usize = 20 * BATCH;

/// The first `len` examples of a dataset (PyTorch's `Subset(dataset, range(len))`).
struct Head<D> {
    inner: D,
    len: usize,
}

impl<D: Dataset> Dataset for Head<D> {
    fn len(&self) -> usize {
        self.len.min(self.inner.len())
    }
    fn get(&self, index: usize) -> ferrite::data::Result<(Tensor, Tensor)> {
        self.inner.get(index)
    }
    fn get_batch(&self, indices: &[usize]) -> ferrite::data::Result<(Tensor, Tensor)> {
        self.inner.get_batch(indices)
    }
}

/// The training split and how long reading it took, or `None` (after saying so) when its files
/// are not in the data directory.
fn read_train_split(workload: &str) -> Result<Option<(Arc<FashionMnist>, f64)>> {
    let dir = FashionMnist::default_dir();
    let start = Instant::now();
    match FashionMnist::new(&dir, true) {
        Ok(train) => Ok(Some((Arc::new(train), start.elapsed().as_secs_f64()))),
        Err(ferrite::data::Error::MissingFiles { missing, .. }) => {
            eprintln!(
                "ferrite-bench: {workload}: skipped: no Fashion-MNIST training files in {} (missing {}); set \
                 FERRITE_DATA_DIR to the folder that holds fashion-mnist/",
                dir.display(),
                missing.join(", ")
            );
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// A shuffled loader over the first `images` examples (all of them when there are fewer).
fn loader(train: &Arc<FashionMnist>, images: usize, workers: usize) -> Result<DataLoader> {
    let data = Head { inner: Arc::clone(train), len: images };
    Ok(DataLoader::new(data, BATCH)?.shuffle(true).num_workers(workers))
}

fn images(quick: bool, train: &FashionMnist) -> usize {
    if quick { QUICK_IMAGES.min(train.len()) } else { train.len() }
}

fn make_mlp() -> Result<nn::Sequential> {
    let net = nn::sequential![
        nn::Flatten::new(),
        nn::Linear::new(784, 256)?,
        nn::ReLU::new(),
        nn::Linear::new(256, 10)?
    ];
    // d2l's concise MLP, `net.apply(init_weights)`: N(0, 0.01^2) weights; the biases keep PyTorch's default init.
    net.apply(|m: &dyn Module| -> Result<()> {
        if let Some(linear) = m.downcast_ref::<nn::Linear>() {
            init::normal_(&linear.weight()?, 0.0, 0.01)?;
        }
        Ok(())
    })?;
    Ok(net)
}

pub fn w9_mlp_fashion_mnist_epoch(quick: bool) -> Result<Vec<Record>> {
    let Some((train, _)) = read_train_split(W9)? else { return Ok(Vec::new()) };
    let (warmup, reps) = if quick { (0, 1) } else { (1, 3) };
    let (n, workers) = (images(quick, &train), get_dataloader_workers());
    let loader = loader(&train, n, workers)?;
    manual_seed(0);
    let net = make_mlp()?;
    let loss = nn::CrossEntropyLoss::new();
    let mut trainer = optim::SGD::new(net.parameters(), 0.1)?;
    let mut mean_losses = Vec::new();
    let times = time_reps(warmup, reps, || -> Result<()> {
        let (mut total, mut seen) = (0.0f64, 0usize);
        for batch in &loader {
            let (x, y) = batch?;
            let l = loss.forward(&net.forward(&x)?, &y)?;
            trainer.zero_grad();
            l.backward()?;
            trainer.step()?;
            total += f64::from(l.item::<f32>()?) * y.dims()[0] as f64;
            seen += y.dims()[0];
        }
        mean_losses.push(total / seen as f64);
        Ok(())
    })?;
    let last_loss = mean_losses.last().copied().unwrap_or(f64::NAN);
    let note = format!(
        "one epoch = {} batches: DataLoader(FashionMnist, batch {BATCH}, shuffle, {workers} worker threads), \
         forward, CrossEntropyLoss(mean), zero_grad, backward, SGD(lr=0.1).step, loss.item(); the same net \
         trains on across reps; N(0, 0.01) weights; mean train loss of the last timed epoch {last_loss:.4}",
        loader.len()
    );
    let case = format!("epoch n={n} batch={BATCH} workers={workers}");
    Ok(vec![
        Record::new(W9, case.clone(), ("seconds", times.median(), "s"), &times, &note),
        Record::new(W9, case.clone(), ("images_per_s", n as f64 / times.median(), "images/s"), &times, &note),
        Record::new(
            W9,
            case,
            ("train_loss", last_loss, "ce"),
            &times,
            "mean cross-entropy over the last timed epoch (depends on the shuffle and init draws of each framework)",
        ),
    ])
}

pub fn w10_dataloader_throughput(quick: bool) -> Result<Vec<Record>> {
    let Some((train, read_s)) = read_train_split(W10)? else { return Ok(Vec::new()) };
    let (warmup, reps) = if quick { (0, 1) } else { (1, 3) };
    let n = images(quick, &train);
    let mut out = Vec::new();
    manual_seed(0);
    for workers in [0, get_dataloader_workers()] {
        let loader = loader(&train, n, workers)?;
        let times = time_reps(warmup, reps, || -> Result<usize> {
            let mut seen = 0;
            for batch in &loader {
                let (x, _y) = batch?;
                seen += std::hint::black_box(x).dims()[0];
            }
            Ok(seen)
        })?;
        let note = format!(
            "one epoch of DataLoader(FashionMnist, batch {BATCH}, shuffle, {workers} worker threads), no model; \
             a batch is built in one pass from the u8 images (byte / 255, as ToTensor)"
        );
        out.push(Record::new(
            W10,
            format!("epoch n={n} batch={BATCH} workers={workers}"),
            ("images_per_s", n as f64 / times.median(), "images/s"),
            &times,
            &note,
        ));
    }
    let read = Times { samples: vec![read_s], warmup: 0 };
    out.push(Record::new(
        W10,
        format!("read train split n={}", train.len()),
        ("seconds", read_s, "s"),
        &read,
        "extra row: FashionMnist::new(dir, true), decoding both gzipped IDX files into memory; one cold-ish run",
    ));
    Ok(out)
}
