//! Helpers the d2l training examples share: CI's quick mode, d2l's Fashion-MNIST loaders (with a
//! skip when the files are absent), where plots go, and the check that ends each example.
//!
//! Each example includes this module (`mod common;`) and uses part of it.
#![allow(dead_code)]

use ferrite::data::vision::{FashionMnist, get_dataloader_workers};
use ferrite::data::{DataLoader, Dataset, Subset};
use std::path::PathBuf;
use std::sync::Arc;

/// A quick run (`FERRITE_EXAMPLE_QUICK=1`, as CI sets it) of a Fashion-MNIST example trains
/// [`QUICK_EPOCHS`] epochs on the first [`QUICK_TRAIN_IMAGES`] training images and asks for
/// [`QUICK_MIN_TEST_ACC`] instead of the book's claim.
pub const QUICK_MIN_TEST_ACC: f64 = 0.60;
/// The number of epochs of a quick run.
pub const QUICK_EPOCHS: usize = 3;
/// The number of training images of a quick run.
pub const QUICK_TRAIN_IMAGES: usize = 20_000;

/// True when `FERRITE_EXAMPLE_QUICK` is set to anything but `0` or nothing: CI's short run.
pub fn quick_mode() -> bool {
    std::env::var("FERRITE_EXAMPLE_QUICK").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// d2l's `load_data_fashion_mnist(batch_size)`: the shuffled training loader and the test loader,
/// with d2l's number of workers. Unlike d2l it downloads nothing: when the files are absent it
/// says how to point at them and returns `None`. A quick run trains on the first
/// [`QUICK_TRAIN_IMAGES`] images only (and still tests on all 10000).
pub fn load_data_fashion_mnist(
    batch_size: usize,
    quick: bool,
) -> ferrite::Result<Option<(DataLoader, DataLoader)>> {
    let dir = FashionMnist::default_dir();
    let (train, test) = match (FashionMnist::new(&dir, true), FashionMnist::new(&dir, false)) {
        (Ok(train), Ok(test)) => (train, test),
        (Err(e @ ferrite::data::Error::MissingFiles { .. }), _)
        | (_, Err(e @ ferrite::data::Error::MissingFiles { .. })) => {
            println!("skipped: {e}");
            println!("to run this example, set FERRITE_DATA_DIR to the folder that holds fashion-mnist/");
            return Ok(None);
        }
        (Err(e), _) | (_, Err(e)) => return Err(e.into()),
    };
    let train: Arc<dyn Dataset> = if quick {
        let first = (0..QUICK_TRAIN_IMAGES.min(train.len())).collect();
        Arc::new(Subset::new(train, first)?)
    } else {
        Arc::new(train)
    };
    println!(
        "Fashion-MNIST: {} training images, {} test images, batch {batch_size}, {} threads",
        train.len(),
        test.len(),
        threads()
    );
    let workers = get_dataloader_workers();
    Ok(Some((
        DataLoader::new(train, batch_size)?.shuffle(true).num_workers(workers),
        DataLoader::new(test, batch_size)?.num_workers(workers),
    )))
}

/// The number of threads ferrite's kernels run on: rayon's default, `RAYON_NUM_THREADS` when it
/// is set, else one per core.
pub fn threads() -> usize {
    let from_env = std::env::var("RAYON_NUM_THREADS").ok().and_then(|v| v.parse().ok()).filter(|&n| n > 0);
    from_env.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Where a plot goes: `$FERRITE_PLOT_DIR/<name>` (the folder is created if need be), else `<name>`
/// in the current folder.
pub fn plot_path(name: &str) -> PathBuf {
    let Some(dir) = std::env::var_os("FERRITE_PLOT_DIR") else { return PathBuf::from(name) };
    // A folder that cannot be created shows up as the error of writing the plot, naming the path.
    let _ = std::fs::create_dir_all(&dir);
    PathBuf::from(dir).join(name)
}

/// Prints the d2l claim the run checks, and exits with status 1 when it does not hold.
pub fn check(holds: bool, claim: &str) {
    if holds {
        println!("check passed: {claim}");
    } else {
        eprintln!("check FAILED: {claim}");
        std::process::exit(1);
    }
}
