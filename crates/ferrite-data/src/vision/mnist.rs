//! MNIST and Fashion-MNIST as map-style datasets (torchvision's `MNIST`/`FashionMNIST` with
//! `ToTensor()` and an optional `Resize`), read from the original IDX files.
//!
//! Pixels stay `u8` in memory (47 MB for Fashion-MNIST's training set, a quarter of the floats);
//! a batch is built straight from them in one pass: each byte through a 256-entry table of
//! `byte / 255` (exactly `ToTensor`'s division), then resized if asked.

use super::idx::{self, IdxImages, read_idx_labels};
use super::resize::{Resize, Size};
use crate::download::{Source, data_root};
use crate::{Dataset, Error, Result};
use ferrite_tensor::Tensor;
use std::path::{Path, PathBuf};

const TRAIN_FILES: [&str; 2] = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"];
const TEST_FILES: [&str; 2] = ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"];

/// `ToTensor`'s `byte / 255` for every byte, computed once (by division, as PyTorch does, not by
/// multiplying with a rounded `1 / 255`).
static TO_UNIT: [f32; 256] = {
    let mut t = [0.0f32; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = i as f32 / 255.0;
        i += 1;
    }
    t
};

/// What tells the two datasets apart: names, classes and where to download them.
struct Spec {
    name: &'static str,
    subdir: &'static str,
    hint: &'static str,
    classes: &'static [&'static str],
    source: fn() -> Source,
}

const FASHION: Spec = Spec {
    name: "Fashion-MNIST",
    subdir: "fashion-mnist",
    hint: "set FERRITE_DATA_DIR to a directory holding fashion-mnist/, pass the files' directory to \
           FashionMnist::new, or download them with FashionMnist::new_with_download",
    classes: &FashionMnist::CLASSES,
    source: Source::fashion_mnist,
};

const DIGITS: Spec = Spec {
    name: "MNIST",
    subdir: "mnist",
    hint: "set FERRITE_DATA_DIR to a directory holding mnist/, pass the files' directory to Mnist::new, \
           or download them with Mnist::new_with_download",
    classes: &Mnist::CLASSES,
    source: Source::mnist,
};

/// One split of an MNIST-format dataset, with its optional resize.
#[derive(Debug, Clone)]
struct Split {
    images: IdxImages,
    labels: Vec<u8>,
    resize: Option<Resize>,
}

impl Split {
    /// The paths of the split's two files, or the names of those missing (a `.gz` name also
    /// matches its uncompressed file).
    fn locate(dir: &Path, train: bool) -> std::result::Result<[PathBuf; 2], Vec<String>> {
        let names = if train { TRAIN_FILES } else { TEST_FILES };
        match names.map(|n| idx::locate(dir, n)) {
            [Some(images), Some(labels)] => Ok([images, labels]),
            found => Err(names
                .iter()
                .zip(found)
                .filter(|(_, f)| f.is_none())
                .map(|(n, _)| n.to_string())
                .collect()),
        }
    }

    fn load(spec: &Spec, dir: &Path, train: bool) -> Result<Split> {
        let [images_path, labels_path] =
            Split::locate(dir, train).map_err(|missing| Error::MissingFiles {
                dataset: spec.name,
                dir: dir.to_path_buf(),
                missing,
                hint: spec.hint,
                download: None,
            })?;
        let images = IdxImages::read(&images_path)?;
        let labels = read_idx_labels(&labels_path)?;
        if images.count() != labels.len() {
            return Err(Error::CountMismatch {
                images_path,
                images: images.count(),
                labels_path,
                labels: labels.len(),
            });
        }
        if let Some((index, &label)) =
            labels.iter().enumerate().find(|(_, l)| usize::from(**l) >= spec.classes.len())
        {
            return Err(Error::BadLabel { path: labels_path, index, label, classes: spec.classes.len() });
        }
        Ok(Split { images, labels, resize: None })
    }

    /// Loads the split, first downloading the files `dir` lacks (both splits', as torchvision
    /// does); a failed download becomes a [`Error::MissingFiles`] carrying its error.
    fn load_or_download(spec: &Spec, dir: &Path, train: bool) -> Result<Split> {
        if let Err(e) = download(spec, dir)
            && let Err(missing) = Split::locate(dir, train)
        {
            let (dataset, dir, hint) = (spec.name, dir.to_path_buf(), spec.hint);
            return Err(Error::MissingFiles { dataset, dir, missing, hint, download: Some(Box::new(e)) });
        }
        Split::load(spec, dir, train)
    }

    fn with_resize(mut self, size: Size) -> Result<Split> {
        self.resize = Some(Resize::new((self.images.rows(), self.images.cols()), size)?);
        Ok(self)
    }

    fn image_size(&self) -> (usize, usize) {
        self.resize.as_ref().map_or((self.images.rows(), self.images.cols()), Resize::output_size)
    }

    fn check(&self, op: &'static str, index: usize) -> Result<()> {
        match index < self.labels.len() {
            true => Ok(()),
            false => Err(Error::IndexOutOfRange { op, index, len: self.labels.len() }),
        }
    }

    fn get(&self, op: &'static str, index: usize) -> Result<(Tensor, Tensor)> {
        self.check(op, index)?;
        let (h, w) = self.image_size();
        let x = Tensor::from_vec(self.pixels(&[index]), [1, h, w])?;
        Ok((x, Tensor::scalar(i64::from(self.labels[index]))))
    }

    fn batch(&self, op: &'static str, indices: &[usize]) -> Result<(Tensor, Tensor)> {
        if indices.is_empty() {
            return Err(Error::EmptyBatch { op });
        }
        indices.iter().try_for_each(|&i| self.check(op, i))?;
        let (h, w) = self.image_size();
        let x = Tensor::from_vec(self.pixels(indices), [indices.len(), 1, h, w])?;
        let y = indices.iter().map(|&i| i64::from(self.labels[i])).collect();
        Ok((x, Tensor::from_vec::<i64>(y, [indices.len()])?))
    }

    /// The hot path of every epoch: the images at `indices` (all in range) as `[0, 1]` floats,
    /// resized if asked, in one buffer; each pixel is converted once.
    fn pixels(&self, indices: &[usize]) -> Vec<f32> {
        let (h, w) = self.image_size();
        match &self.resize {
            None => {
                let mut out = Vec::with_capacity(indices.len() * h * w);
                for &i in indices {
                    out.extend(self.images.image(i).iter().map(|&p| TO_UNIT[usize::from(p)]));
                }
                out
            }
            Some(r) => {
                let mut out = vec![0.0f32; indices.len() * h * w];
                let (mut plane, mut scratch) = (Vec::new(), Vec::new());
                for (&i, dst) in indices.iter().zip(out.chunks_exact_mut(h * w)) {
                    plane.clear();
                    plane.extend(self.images.image(i).iter().map(|&p| TO_UNIT[usize::from(p)]));
                    r.apply(&plane, dst, &mut scratch);
                }
                out
            }
        }
    }
}

/// Downloads the dataset's files that `dir` lacks.
fn download(spec: &Spec, dir: &Path) -> Result<()> {
    let source = (spec.source)();
    for train in [true, false] {
        if let Err(missing) = Split::locate(dir, train) {
            missing.iter().try_for_each(|name| source.fetch(name, dir).map(drop))?;
        }
    }
    Ok(())
}

/// The names of `labels`' classes (any integer tensor, any shape, read in row-major order).
fn text_labels(spec: &Spec, labels: &Tensor) -> Result<Vec<&'static str>> {
    let classes = spec.classes;
    let name = |label: i64| {
        let known = usize::try_from(label).ok().and_then(|l| classes.get(l));
        known.copied().ok_or(Error::UnknownClass { op: "text_labels", label, classes: classes.len() })
    };
    labels.to_vec::<i64>()?.into_iter().map(name).collect()
}

/// Zalando's Fashion-MNIST: 28×28 grayscale images of clothes in 10 classes, 60000 for training
/// and 10000 for testing (torchvision's `FashionMNIST` with `transform=ToTensor()`).
///
/// An example is (`[1, 28, 28]` f32 in `[0, 1]`, `[]` i64 label); [`Dataset::get_batch`] builds a
/// `(B, 1, 28, 28)` batch straight from the bytes. [`resize`](FashionMnist::resize) adds
/// torchvision's `Resize`.
///
/// ```
/// use ferrite_data::vision::{IdxImages, write_idx_labels};
/// use ferrite_data::{Dataset, FashionMnist};
/// # let dir = std::env::temp_dir().join(format!("ferrite-doc-fashion-{}", std::process::id()));
/// // Two 28x28 images (all 0, all 255) labelled "ankle boot" and "t-shirt".
/// let pixels: Vec<u8> = [0u8, 255].iter().flat_map(|&p| [p; 784]).collect();
/// IdxImages::new(28, 28, pixels)?.write(dir.join("train-images-idx3-ubyte.gz"))?;
/// write_idx_labels(dir.join("train-labels-idx1-ubyte.gz"), &[9, 0])?;
///
/// let train = FashionMnist::new(&dir, true)?;
/// assert_eq!(train.len(), 2);
/// let (x, y) = train.get(1)?;
/// assert_eq!((x.dims(), y.item::<i64>()?), (&[1, 28, 28][..], 0));
/// assert_eq!(x.max_all()?.item::<f32>()?, 1.0);
/// assert_eq!(FashionMnist::text_labels(&train.get_batch(&[0, 1])?.1)?, ["ankle boot", "t-shirt"]);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), ferrite_data::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct FashionMnist {
    split: Split,
}

impl FashionMnist {
    /// d2l's text labels of the 10 classes, by label (its `get_fashion_mnist_labels`).
    pub const CLASSES: [&'static str; 10] = [
        "t-shirt",
        "trouser",
        "pullover",
        "dress",
        "coat",
        "sandal",
        "shirt",
        "sneaker",
        "bag",
        "ankle boot",
    ];

    /// The training (`train = true`) or test split, read from `dir`: `train-images-idx3-ubyte.gz`
    /// and `train-labels-idx1-ubyte.gz`, or `t10k-*` (the uncompressed names work too). Never
    /// downloads: missing files are an [`Error::MissingFiles`] saying where it looked.
    pub fn new(dir: impl AsRef<Path>, train: bool) -> Result<FashionMnist> {
        Ok(FashionMnist { split: Split::load(&FASHION, dir.as_ref(), train)? })
    }

    /// Like [`new`](FashionMnist::new), but first downloads the files `dir` lacks
    /// (torchvision's `download=True`), as [`download`](FashionMnist::download) does.
    pub fn new_with_download(dir: impl AsRef<Path>, train: bool) -> Result<FashionMnist> {
        Ok(FashionMnist { split: Split::load_or_download(&FASHION, dir.as_ref(), train)? })
    }

    /// Downloads whichever of the four files `dir` lacks from Zalando's mirror, checking each
    /// against its published md5 ([`Source::fashion_mnist`]).
    pub fn download(dir: impl AsRef<Path>) -> Result<()> {
        download(&FASHION, dir.as_ref())
    }

    /// Where the files are looked for by default: `$FERRITE_DATA_DIR/fashion-mnist`, or
    /// `data/fashion-mnist`.
    pub fn default_dir() -> PathBuf {
        data_root().join(FASHION.subdir)
    }

    /// Resizes every image as torchvision's `Resize(size)` does on the `ToTensor` output
    /// (bilinear, antialiased; see [`resize`](super::resize())). `64` or `(64, 64)` both give
    /// 64×64 images. An error if a size is 0.
    ///
    /// d2l puts `Resize` before `ToTensor`, so PIL resizes the bytes and rounds the result to a
    /// byte; here the floats are resized, which differs by at most half a gray level (1/510).
    pub fn resize(self, size: impl Into<Size>) -> Result<FashionMnist> {
        Ok(FashionMnist { split: self.split.with_resize(size.into())? })
    }

    /// The `(height, width)` of the images this dataset yields (after any resize).
    pub fn image_size(&self) -> (usize, usize) {
        self.split.image_size()
    }

    /// All labels, by index.
    pub fn labels(&self) -> &[u8] {
        &self.split.labels
    }

    /// The raw `u8` images, as read from the file (before any resize).
    pub fn images(&self) -> &IdxImages {
        &self.split.images
    }

    /// The text labels of a tensor of labels (d2l's `get_fashion_mnist_labels`); an error for
    /// a label outside `0..10`.
    pub fn text_labels(labels: &Tensor) -> Result<Vec<&'static str>> {
        text_labels(&FASHION, labels)
    }
}

impl Dataset for FashionMnist {
    fn len(&self) -> usize {
        self.split.labels.len()
    }
    fn get(&self, index: usize) -> Result<(Tensor, Tensor)> {
        self.split.get("FashionMnist::get", index)
    }
    fn get_batch(&self, indices: &[usize]) -> Result<(Tensor, Tensor)> {
        self.split.batch("FashionMnist::get_batch", indices)
    }
}

/// The MNIST handwritten digits: 28×28 grayscale, 10 classes, 60000 for training and 10000 for
/// testing (torchvision's `MNIST` with `transform=ToTensor()`). It works as [`FashionMnist`]
/// does; only the files' directory, the download mirrors and the class names differ.
///
/// ```
/// use ferrite_data::vision::{IdxImages, write_idx_labels};
/// use ferrite_data::{Dataset, Mnist};
/// # let dir = std::env::temp_dir().join(format!("ferrite-doc-mnist-{}", std::process::id()));
/// IdxImages::new(28, 28, vec![128; 3 * 784])?.write(dir.join("t10k-images-idx3-ubyte"))?;
/// write_idx_labels(dir.join("t10k-labels-idx1-ubyte"), &[7, 2, 1])?;
/// let test = Mnist::new(&dir, false)?.resize(14)?;
/// let (x, y) = test.get_batch(&[2, 0])?;
/// assert_eq!(x.dims(), &[2, 1, 14, 14]);
/// assert_eq!(y.to_vec::<i64>()?, [1, 7]);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), ferrite_data::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Mnist {
    split: Split,
}

impl Mnist {
    /// torchvision's class names, by label.
    pub const CLASSES: [&'static str; 10] = [
        "0 - zero",
        "1 - one",
        "2 - two",
        "3 - three",
        "4 - four",
        "5 - five",
        "6 - six",
        "7 - seven",
        "8 - eight",
        "9 - nine",
    ];

    /// The training or test split, read from `dir` (see [`FashionMnist::new`]).
    pub fn new(dir: impl AsRef<Path>, train: bool) -> Result<Mnist> {
        Ok(Mnist { split: Split::load(&DIGITS, dir.as_ref(), train)? })
    }

    /// Like [`new`](Mnist::new), but first downloads the files `dir` lacks.
    pub fn new_with_download(dir: impl AsRef<Path>, train: bool) -> Result<Mnist> {
        Ok(Mnist { split: Split::load_or_download(&DIGITS, dir.as_ref(), train)? })
    }

    /// Downloads whichever of the four files `dir` lacks from torchvision's mirrors, checking
    /// their md5s ([`Source::mnist`]).
    pub fn download(dir: impl AsRef<Path>) -> Result<()> {
        download(&DIGITS, dir.as_ref())
    }

    /// `$FERRITE_DATA_DIR/mnist`, or `data/mnist`.
    pub fn default_dir() -> PathBuf {
        data_root().join(DIGITS.subdir)
    }

    /// Resizes every image (see [`FashionMnist::resize`]).
    pub fn resize(self, size: impl Into<Size>) -> Result<Mnist> {
        Ok(Mnist { split: self.split.with_resize(size.into())? })
    }

    /// The `(height, width)` of the images this dataset yields (after any resize).
    pub fn image_size(&self) -> (usize, usize) {
        self.split.image_size()
    }

    /// All labels, by index.
    pub fn labels(&self) -> &[u8] {
        &self.split.labels
    }

    /// The raw `u8` images, as read from the file (before any resize).
    pub fn images(&self) -> &IdxImages {
        &self.split.images
    }

    /// The class names of a tensor of labels; an error for a label outside `0..10`.
    pub fn text_labels(labels: &Tensor) -> Result<Vec<&'static str>> {
        text_labels(&DIGITS, labels)
    }
}

impl Dataset for Mnist {
    fn len(&self) -> usize {
        self.split.labels.len()
    }
    fn get(&self, index: usize) -> Result<(Tensor, Tensor)> {
        self.split.get("Mnist::get", index)
    }
    fn get_batch(&self, indices: &[usize]) -> Result<(Tensor, Tensor)> {
        self.split.batch("Mnist::get_batch", indices)
    }
}
