//! IDX files and the MNIST-format datasets on synthetic files: round trips, and every malformed
//! case (bad magic, truncated gzip, truncated payload, trailing bytes, count mismatch, huge
//! claimed count, bad labels, missing files) giving a clear error that names the file.

use ferrite_data::vision::{IdxError, IdxImages, read_idx_labels, write_idx_labels};
use ferrite_data::{Dataset, Error, FashionMnist, Mnist};
use ferrite_tensor::Tensor;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A fresh, empty directory for one test.
fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ferrite-vision-idx-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

fn header(magic: u32, dims: &[u32]) -> Vec<u8> {
    std::iter::once(magic).chain(dims.iter().copied()).flat_map(u32::to_be_bytes).collect()
}

/// `n` 28x28 images whose pixel `j` of image `i` is `(i + j) % 256`, and labels `i % 10`.
fn write_split(dir: &Path, prefix: &str, n: usize) {
    let pixels = (0..n * 784).map(|k| ((k / 784 + k % 784) % 256) as u8).collect();
    IdxImages::new(28, 28, pixels)
        .unwrap()
        .write(dir.join(format!("{prefix}-images-idx3-ubyte.gz")))
        .unwrap();
    let labels: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
    write_idx_labels(dir.join(format!("{prefix}-labels-idx1-ubyte.gz")), &labels).unwrap();
}

fn idx_error(err: Error) -> (PathBuf, IdxError) {
    match err {
        Error::Idx { path, source } => (path, source),
        other => panic!("expected Error::Idx, got {other:?}"),
    }
}

#[test]
fn dataset_reads_synthetic_files_gzipped_or_raw() {
    let dir = temp_dir("roundtrip");
    write_split(&dir, "train", 12);
    // The test split uncompressed, under the names without `.gz`.
    let pixels = vec![255u8; 3 * 784];
    IdxImages::new(28, 28, pixels).unwrap().write(dir.join("t10k-images-idx3-ubyte")).unwrap();
    write_idx_labels(dir.join("t10k-labels-idx1-ubyte"), &[4, 5, 6]).unwrap();

    let train = FashionMnist::new(&dir, true).unwrap();
    assert_eq!((train.len(), train.image_size()), (12, (28, 28)));
    let (x, y) = train.get(5).unwrap();
    assert_eq!((x.dims(), y.dims()), (&[1, 28, 28][..], &[][..]));
    assert_eq!(y.item::<i64>().unwrap(), 5);
    let x = x.to_vec::<f32>().unwrap();
    assert_eq!(x[0], 5.0 / 255.0);
    assert_eq!(x[783], ((5 + 783) % 256) as f32 / 255.0);

    let (xb, yb) = train.get_batch(&[5, 0, 11]).unwrap();
    assert_eq!((xb.dims(), yb.dims()), (&[3, 1, 28, 28][..], &[3][..]));
    assert_eq!(yb.to_vec::<i64>().unwrap(), [5, 0, 1]);
    assert_eq!(xb.to_vec::<f32>().unwrap()[..784], x[..]);
    assert_eq!(format!("{:?}", yb.dtype()), format!("{:?}", ferrite_tensor::DType::I64));

    let test = Mnist::new(&dir, false).unwrap();
    assert_eq!(test.labels(), &[4, 5, 6]);
    assert_eq!(test.get(2).unwrap().0.to_vec::<f32>().unwrap(), vec![1.0; 784]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn out_of_range_indices_and_empty_batches_are_errors() {
    let dir = temp_dir("index");
    write_split(&dir, "train", 3);
    let data = FashionMnist::new(&dir, true).unwrap();
    assert_eq!(
        data.get(3).unwrap_err().to_string(),
        "FashionMnist::get: index 3 is out of range for a dataset of 3 examples"
    );
    assert!(matches!(data.get_batch(&[0, 7]), Err(Error::IndexOutOfRange { index: 7, len: 3, .. })));
    assert!(matches!(data.get_batch(&[]), Err(Error::EmptyBatch { .. })));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_magic_is_named() {
    let dir = temp_dir("magic");
    let path = dir.join("train-images-idx3-ubyte.gz");
    // A labels file where images are expected.
    std::fs::write(&path, gzip(&[header(2049, &[1]), vec![0]].concat())).unwrap();
    let (p, e) = idx_error(IdxImages::read(&path).unwrap_err());
    assert_eq!(p, path);
    assert!(matches!(e, IdxError::BadMagic { found: 2049, expected: 2051, .. }));
    let msg = Error::Idx { path: p, source: e }.to_string();
    assert!(msg.contains("train-images-idx3-ubyte.gz: bad magic number 2049"), "{msg}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn truncated_gzip_is_an_error() {
    let dir = temp_dir("gzip");
    let path = dir.join("labels.gz");
    let full = gzip(&[header(2049, &[5000]), vec![3; 5000]].concat());
    for cut in [full.len() - 4, full.len() / 2, 12] {
        std::fs::write(&path, &full[..cut]).unwrap();
        let (p, e) = idx_error(read_idx_labels(&path).unwrap_err());
        assert_eq!(p, path);
        assert!(matches!(e, IdxError::Gzip(_)), "cut at {cut}: {e}");
        assert!(e.to_string().starts_with("corrupt or truncated gzip stream"), "{e}");
    }
    // Garbage after a complete gzip member.
    std::fs::write(&path, [full.clone(), b"trailing junk".to_vec()].concat()).unwrap();
    assert!(matches!(idx_error(read_idx_labels(&path).unwrap_err()).1, IdxError::Gzip(_)));
    // Two members are one stream, as for gunzip.
    let whole = [header(2049, &[5000]), vec![3; 5000]].concat();
    let (head, tail) = whole.split_at(100);
    std::fs::write(&path, [gzip(head), gzip(tail)].concat()).unwrap();
    assert_eq!(read_idx_labels(&path).unwrap(), vec![3; 5000]);
    // Not gzip at all, though named .gz: read as a raw file, so its bad magic is reported.
    std::fs::write(&path, b"hello world, this is not gzip").unwrap();
    assert!(matches!(idx_error(read_idx_labels(&path).unwrap_err()).1, IdxError::BadMagic { .. }));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn truncated_header_and_payload_are_errors() {
    let dir = temp_dir("truncated");
    let path = dir.join("images.gz");
    std::fs::write(&path, gzip(&header(2051, &[2, 28]))).unwrap();
    let e = idx_error(IdxImages::read(&path).unwrap_err()).1;
    assert!(matches!(e, IdxError::TruncatedHeader { expected: 16, got: 12 }), "{e}");

    std::fs::write(&path, gzip(&[header(2051, &[2, 28, 28]), vec![0; 784 + 100]].concat())).unwrap();
    let e = idx_error(IdxImages::read(&path).unwrap_err()).1;
    assert!(matches!(e, IdxError::TruncatedData { expected: 1568, got: 884, .. }), "{e}");
    assert_eq!(
        e.to_string(),
        "truncated data: the header announces 1568 bytes of elements ([2, 28, 28]), the file holds 884"
    );

    let raw = dir.join("labels");
    std::fs::write(&raw, [header(2049, &[10]), vec![1; 9]].concat()).unwrap();
    assert!(matches!(idx_error(read_idx_labels(&raw).unwrap_err()).1, IdxError::TruncatedData { .. }));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn trailing_bytes_are_an_error() {
    let dir = temp_dir("trailing");
    let path = dir.join("labels.gz");
    std::fs::write(&path, gzip(&[header(2049, &[3]), vec![1, 2, 3, 4]].concat())).unwrap();
    let e = idx_error(read_idx_labels(&path).unwrap_err()).1;
    assert!(matches!(e, IdxError::TrailingData { expected: 3, .. }), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn huge_claimed_counts_are_refused_before_allocating() {
    let dir = temp_dir("huge");
    let path = dir.join("images.gz");
    // 4 billion 28x28 images claimed by a file of a few dozen bytes.
    std::fs::write(&path, gzip(&[header(2051, &[u32::MAX, 28, 28]), vec![0; 784]].concat())).unwrap();
    let e = idx_error(IdxImages::read(&path).unwrap_err()).1;
    assert!(matches!(e, IdxError::TooLarge { .. }), "{e}");
    assert!(e.to_string().contains("more than this file can hold"), "{e}");
    // A product that overflows 64 bits, in a raw file.
    let raw = dir.join("images");
    std::fs::write(&raw, [header(2051, &[u32::MAX, u32::MAX, u32::MAX]), vec![0; 16]].concat()).unwrap();
    let e = idx_error(IdxImages::read(&raw).unwrap_err()).1;
    assert!(e.to_string().contains("over 2^64"), "{e}");
    // A huge claim in a raw file that is merely short: reported as truncation, no huge reservation.
    std::fs::write(&raw, [header(2051, &[1 << 30, 28, 28]), vec![0; 784]].concat()).unwrap();
    let e = idx_error(IdxImages::read(&raw).unwrap_err()).1;
    assert!(matches!(e, IdxError::TruncatedData { got: 784, .. }), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn count_mismatch_names_both_files() {
    let dir = temp_dir("mismatch");
    write_split(&dir, "train", 4);
    write_idx_labels(dir.join("train-labels-idx1-ubyte.gz"), &[1, 2, 3]).unwrap();
    let msg = FashionMnist::new(&dir, true).unwrap_err().to_string();
    assert!(msg.contains("train-images-idx3-ubyte.gz holds 4 images but"), "{msg}");
    assert!(msg.contains("train-labels-idx1-ubyte.gz holds 3 labels"), "{msg}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn labels_outside_the_classes_are_refused() {
    let dir = temp_dir("labels");
    write_split(&dir, "train", 3);
    write_idx_labels(dir.join("train-labels-idx1-ubyte.gz"), &[1, 10, 3]).unwrap();
    let err = FashionMnist::new(&dir, true).unwrap_err();
    assert!(matches!(err, Error::BadLabel { index: 1, label: 10, classes: 10, .. }), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn missing_files_say_where_and_how_to_fix() {
    let dir = temp_dir("missing");
    write_split(&dir, "train", 2);
    std::fs::remove_file(dir.join("train-labels-idx1-ubyte.gz")).unwrap();
    let msg = FashionMnist::new(&dir, true).unwrap_err().to_string();
    assert!(msg.starts_with("Fashion-MNIST: train-labels-idx1-ubyte.gz not found in "), "{msg}");
    assert!(msg.contains(&dir.display().to_string()), "{msg}");
    assert!(msg.contains("FERRITE_DATA_DIR") && msg.contains("FashionMnist::new"), "{msg}");
    let msg = Mnist::new(&dir, false).unwrap_err().to_string();
    assert!(msg.contains("t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz not found"), "{msg}");
    assert!(msg.contains("mnist/"), "{msg}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn text_labels_follow_d2l() {
    assert_eq!(FashionMnist::CLASSES.len(), 10);
    let labels = Tensor::from_vec(vec![9i64, 0, 0, 3, 0, 2, 7, 2, 5, 5], [10]).unwrap();
    assert_eq!(
        FashionMnist::text_labels(&labels).unwrap(),
        [
            "ankle boot",
            "t-shirt",
            "t-shirt",
            "dress",
            "t-shirt",
            "pullover",
            "sneaker",
            "pullover",
            "sandal",
            "sandal"
        ]
    );
    assert_eq!(Mnist::text_labels(&Tensor::scalar(7i64)).unwrap(), ["7 - seven"]);
    let err = FashionMnist::text_labels(&Tensor::from_vec(vec![1i64, 10], [2]).unwrap()).unwrap_err();
    assert_eq!(err.to_string(), "text_labels: label 10 is not a class index (0..10)");
    assert!(FashionMnist::text_labels(&Tensor::scalar(-1i64)).is_err());
}

#[test]
fn resize_keeps_labels_and_gives_the_new_size() {
    let dir = temp_dir("resize");
    write_split(&dir, "train", 4);
    let data = FashionMnist::new(&dir, true).unwrap().resize((20, 17)).unwrap();
    let (x, y) = data.get_batch(&[3, 1]).unwrap();
    assert_eq!(x.dims(), &[2, 1, 20, 17]);
    assert_eq!(y.to_vec::<i64>().unwrap(), [3, 1]);
    let v = x.to_vec::<f32>().unwrap();
    assert!(v.iter().all(|p| (0.0..=1.0).contains(p)));
    assert!(FashionMnist::new(&dir, true).unwrap().resize(0).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}
