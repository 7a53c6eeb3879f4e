//! d2l's `load_data_fashion_mnist`: Fashion-MNIST's two splits as data loaders, in one call.

use super::FashionMnist;
use crate::{DataLoader, Result};
use std::path::Path;

/// The number of worker threads d2l's loaders use: the machine's parallelism, at most 4 (d2l's
/// `get_dataloader_workers` returns 4).
///
/// ```
/// let n = ferrite_data::vision::get_dataloader_workers();
/// assert!((1..=4).contains(&n));
/// ```
pub fn get_dataloader_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
}

/// d2l's `load_data_fashion_mnist(batch_size, resize)`: the training loader (shuffled) and the
/// test loader (in order) over Fashion-MNIST in [`FashionMnist::default_dir`]
/// (`$FERRITE_DATA_DIR/fashion-mnist`, else `data/fashion-mnist`), with
/// [`get_dataloader_workers`] workers each. Missing files are downloaded first, as d2l's
/// `download=True` does; if that fails, the error names the missing files, the directory and
/// how to point at a local copy. `resize = Some((64, 64))` is d2l's `resize=64`.
///
/// ```no_run
/// use ferrite_data::load_data_fashion_mnist;
/// let (train_iter, test_iter) = load_data_fashion_mnist(32, Some((64, 64)))?;
/// for batch in &train_iter {
///     let (x, y) = batch?;
///     assert_eq!((x.dims(), y.dims()), (&[32, 1, 64, 64][..], &[32][..]));
///     break;
/// }
/// # Ok::<(), ferrite_data::Error>(())
/// ```
pub fn load_data_fashion_mnist(
    batch_size: usize,
    resize: Option<(usize, usize)>,
) -> Result<(DataLoader, DataLoader)> {
    load_data_fashion_mnist_in(FashionMnist::default_dir(), batch_size, resize)
}

/// [`load_data_fashion_mnist`] with the files' directory given explicitly.
///
/// ```
/// use ferrite_data::vision::{IdxImages, load_data_fashion_mnist_in, write_idx_labels};
/// # let dir = std::env::temp_dir().join(format!("ferrite-doc-d2l-{}", std::process::id()));
/// for split in ["train", "t10k"] {
///     IdxImages::new(28, 28, vec![0; 5 * 784])?.write(dir.join(format!("{split}-images-idx3-ubyte.gz")))?;
///     write_idx_labels(dir.join(format!("{split}-labels-idx1-ubyte.gz")), &[0, 1, 2, 3, 4])?;
/// }
/// let (train_iter, test_iter) = load_data_fashion_mnist_in(&dir, 2, None)?;
/// assert_eq!((train_iter.len(), test_iter.len()), (3, 3));
/// let (x, y) = test_iter.iter().next().unwrap()?;
/// assert_eq!((x.dims(), y.to_vec::<i64>()?), (&[2, 1, 28, 28][..], vec![0, 1]));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), ferrite_data::Error>(())
/// ```
pub fn load_data_fashion_mnist_in(
    dir: impl AsRef<Path>,
    batch_size: usize,
    resize: Option<(usize, usize)>,
) -> Result<(DataLoader, DataLoader)> {
    let dir = dir.as_ref();
    let (mut train, mut test) =
        (FashionMnist::new_with_download(dir, true)?, FashionMnist::new_with_download(dir, false)?);
    if let Some(size) = resize {
        (train, test) = (train.resize(size)?, test.resize(size)?);
    }
    let workers = get_dataloader_workers();
    Ok((
        DataLoader::new(train, batch_size)?.shuffle(true).num_workers(workers),
        DataLoader::new(test, batch_size)?.num_workers(workers),
    ))
}
