//! d2l "the image classification dataset" (图像分类数据集 Fashion-MNIST), cell by cell
//! (`/work/shared/d2l-notes/003_076f5b4c44150bc0.txt`, section "3 图像分类数据集 Fashion-MNIST"): the
//! two splits, an example's shape, `get_fashion_mnist_labels`, `show_images` of the first 18
//! training images, an epoch of a 4-worker `DataLoader`, and `load_data_fashion_mnist(32,
//! resize=64)`.
//!
//! The data are fixed, so the labels are compared with what Python reads from the same files.
//! Every test is skipped, with a message, unless `FERRITE_DATA_DIR` holds `fashion-mnist/` with
//! its four files (CI sets it); nothing is downloaded.

use ferrite::data::{DataLoader, Dataset, FashionMnist};
use ferrite::prelude::*;
use ferrite::train;
use ferrite_tests::{assert_tuple_prints, rng_lock};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// The text labels of the first 18 training images, as Python reads them (`gzip` + `numpy`
/// on `train-labels-idx1-ubyte.gz`, through d2l's `get_fashion_mnist_labels`).
const FIRST_18: [&str; 18] = [
    "ankle boot",
    "t-shirt",
    "t-shirt",
    "dress",
    "t-shirt",
    "pullover",
    "sneaker",
    "pullover",
    "sandal",
    "sandal",
    "t-shirt",
    "ankle boot",
    "sandal",
    "sandal",
    "sneaker",
    "ankle boot",
    "trouser",
    "t-shirt",
];

/// d2l's `root="../data"`: `FashionMnist::default_dir()` (`$FERRITE_DATA_DIR/fashion-mnist`) if
/// `FERRITE_DATA_DIR` is set and the directory holds the four files, else `None` after saying why.
fn data_dir() -> Option<PathBuf> {
    if std::env::var_os("FERRITE_DATA_DIR").is_none() {
        println!("skipped: FERRITE_DATA_DIR is not set (point it at a directory holding fashion-mnist/)");
        return None;
    }
    let dir = FashionMnist::default_dir();
    for name in [
        "train-images-idx3-ubyte",
        "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
    ] {
        if !dir.join(format!("{name}.gz")).is_file() && !dir.join(name).is_file() {
            println!("skipped: {} has no {name}(.gz)", dir.display());
            return None;
        }
    }
    Some(dir)
}

/// d2l's `mnist_train` and `mnist_test`, read once for all the tests of this file.
fn datasets() -> Option<&'static (Arc<FashionMnist>, Arc<FashionMnist>)> {
    static SPLITS: OnceLock<(Arc<FashionMnist>, Arc<FashionMnist>)> = OnceLock::new();
    let root = data_dir()?;
    Some(SPLITS.get_or_init(|| {
        // mnist_train = torchvision.datasets.FashionMNIST(root="../data", train=True,
        //     transform=trans, download=True), and the same with train=False.
        let mnist_train = FashionMnist::new_with_download(&root, true).expect("training split");
        let mnist_test = FashionMnist::new_with_download(&root, false).expect("test split");
        (Arc::new(mnist_train), Arc::new(mnist_test))
    }))
}

/// d2l's `get_fashion_mnist_labels`.
fn get_fashion_mnist_labels(labels: &Tensor) -> Result<Vec<&'static str>> {
    Ok(FashionMnist::text_labels(labels)?)
}

#[test]
fn cell_len() {
    let Some((mnist_train, mnist_test)) = datasets() else { return };
    // len(mnist_train), len(mnist_test)
    assert_tuple_prints(&[&mnist_train.len(), &mnist_test.len()], "(60000, 10000)");
}

#[test]
fn cell_example_shape() -> Result<()> {
    let Some((mnist_train, _)) = datasets() else { return Ok(()) };
    // mnist_train[0][0].shape
    let (x, y) = mnist_train.get(0)?;
    // PyTorch prints `torch.Size([1, 28, 28])`; ferrite's `Shape` prints the list.
    assert_eq!(format!("torch.Size({})", x.shape()), "torch.Size([1, 28, 28])");
    // ToTensor: float32 in [0, 1]; the label is an int64 scalar.
    assert_eq!(x.dtype(), DType::F32);
    let v = x.to_vec::<f32>()?;
    assert!(v.iter().all(|p| (0.0..=1.0).contains(p)));
    assert_eq!((y.dims(), y.dtype(), y.item::<i64>()?), (&[][..], DType::I64, 9));
    Ok(())
}

#[test]
fn cell_text_labels_and_show_images() -> Result<()> {
    let Some((mnist_train, _)) = datasets() else { return Ok(()) };
    // X, y = next(iter(data.DataLoader(mnist_train, batch_size=18)))
    let (x, y) = DataLoader::new(Arc::clone(mnist_train), 18)?.iter().next().expect("a batch")?;
    assert_eq!((x.dims(), y.dims()), (&[18, 1, 28, 28][..], &[18][..]));
    let titles = get_fashion_mnist_labels(&y)?;
    assert_eq!(titles, FIRST_18);

    // show_images(X.reshape(18, 28, 28), 2, 9, titles=get_fashion_mnist_labels(y));
    let path = std::env::temp_dir().join(format!("ferrite-d2l-fashion-{}.svg", std::process::id()));
    let grid = train::show_images(&x.reshape([18, 28, 28])?, 2, 9, Some(&titles), &path)?;
    assert_eq!((grid.rows, grid.cols, grid.cells.len()), (2, 9, 18));
    let cell_titles: Vec<&str> = grid.cells.iter().map(|c| c.title.as_deref().expect("a title")).collect();
    assert_eq!(cell_titles, FIRST_18);
    // Each cell holds its image: the first is the first example.
    assert_eq!(grid.cells[0].pixels, mnist_train.get(0)?.0.to_vec::<f64>()?);
    assert!(grid.cells.iter().all(|c| (c.height, c.width) == (28, 28)));
    // The SVG has one title per cell, in order.
    let svg = std::fs::read_to_string(&path).expect("show_images wrote the SVG");
    assert!(svg.starts_with("<svg"));
    let texts: Vec<&str> = svg
        .split("<text")
        .skip(1)
        .filter_map(|t| t.split_once('>').and_then(|(_, r)| r.split_once("</text>")))
        .map(|(s, _)| s.trim())
        .collect();
    assert_eq!(texts, FIRST_18);
    std::fs::remove_file(path).expect("cleanup");
    Ok(())
}

#[test]
fn cell_read_an_epoch_with_workers() -> Result<()> {
    let Some((mnist_train, _)) = datasets() else { return Ok(()) };
    let _rng = rng_lock();
    // batch_size = 256
    // train_iter = data.DataLoader(mnist_train, batch_size, shuffle=True, num_workers=get_dataloader_workers())
    let batch_size = 256;
    let get_dataloader_workers = || 4;
    let train_iter = DataLoader::new(Arc::clone(mnist_train), batch_size)?
        .shuffle(true)
        .num_workers(get_dataloader_workers());
    // timer = d2l.Timer(); for X, y in train_iter: continue; f'{timer.stop():.2f} sec'
    let mut timer = train::Timer::new();
    let (mut images, mut batches, mut classes) = (0, 0, [0usize; 10]);
    for batch in &train_iter {
        let (x, y) = batch?;
        images += x.dims()[0];
        batches += 1;
        assert_eq!(&x.dims()[1..], &[1, 28, 28]);
        y.to_vec::<i64>()?.iter().for_each(|&c| classes[c as usize] += 1);
    }
    println!("{:.2} sec", timer.stop());
    assert_eq!((images, batches), (60000, 235));
    // Every example once: 6000 of each class.
    assert_eq!(classes, [6000; 10]);
    Ok(())
}

#[test]
fn cell_load_data_fashion_mnist_resize() -> Result<()> {
    if data_dir().is_none() {
        return Ok(());
    }
    let _rng = rng_lock();
    // train_iter, test_iter = load_data_fashion_mnist(32, resize=64)
    let (train_iter, test_iter) = data::load_data_fashion_mnist(32, Some((64, 64)))?;
    assert_eq!((train_iter.len(), test_iter.len()), (1875, 313));
    // for X, y in train_iter: print(X.shape, X.dtype, y.shape, y.dtype); break
    let (x, y) = train_iter.iter().next().expect("a batch")?;
    let line = format!(
        "torch.Size({}) {} torch.Size({}) {}",
        x.shape(),
        x.dtype().torch_name(),
        y.shape(),
        y.dtype().torch_name()
    );
    assert_eq!(line, "torch.Size([32, 1, 64, 64]) torch.float32 torch.Size([32]) torch.int64");
    Ok(())
}
