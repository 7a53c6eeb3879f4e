//! Fashion-MNIST and MNIST on the real files: sizes, first labels, pixel range, class counts,
//! d2l's loaders. Skipped, with a message, unless `FERRITE_DATA_DIR` holds `fashion-mnist/` and
//! `mnist/` (CI sets it; the files' md5s are in that directory's README).

use ferrite_data::vision::load_data_fashion_mnist_in;
use ferrite_data::{Dataset, FashionMnist, Mnist};
use ferrite_tensor::DType;
use std::path::PathBuf;
use std::time::Instant;

/// `$FERRITE_DATA_DIR/<sub>` if it holds the four files, else `None` after saying why.
fn data_dir(sub: &str) -> Option<PathBuf> {
    let Some(root) = std::env::var_os("FERRITE_DATA_DIR") else {
        println!("skipped: FERRITE_DATA_DIR is not set (point it at a directory holding {sub}/)");
        return None;
    };
    let dir = PathBuf::from(root).join(sub);
    let names = [
        "train-images-idx3-ubyte",
        "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
    ];
    let present = |n: &str| dir.join(format!("{n}.gz")).is_file() || dir.join(n).is_file();
    if let Some(missing) = names.iter().find(|n| !present(n)) {
        println!("skipped: {} has no {missing}(.gz)", dir.display());
        return None;
    }
    Some(dir)
}

fn class_counts(labels: &[u8]) -> [usize; 10] {
    let mut counts = [0; 10];
    labels.iter().for_each(|&l| counts[usize::from(l)] += 1);
    counts
}

#[test]
fn fashion_mnist_as_torchvision_reads_it() {
    let Some(dir) = data_dir("fashion-mnist") else { return };
    let start = Instant::now();
    let train = FashionMnist::new(&dir, true).unwrap();
    let test = FashionMnist::new(&dir, false).unwrap();
    println!("loaded Fashion-MNIST (70000 images) in {:.2?}", start.elapsed());
    assert_eq!((train.len(), test.len()), (60000, 10000));
    assert_eq!(train.image_size(), (28, 28));
    assert_eq!(&train.labels()[..10], &[9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
    assert_eq!(class_counts(train.labels()), [6000; 10]);
    assert_eq!(class_counts(test.labels()), [1000; 10]);

    let (x, y) = train.get(0).unwrap();
    assert_eq!((x.dims(), x.dtype()), (&[1, 28, 28][..], DType::F32));
    assert_eq!((y.dims(), y.dtype(), y.item::<i64>().unwrap()), (&[][..], DType::I64, 9));
    let v = x.to_vec::<f32>().unwrap();
    assert!(v.iter().all(|p| (0.0..=1.0).contains(p)));
    // The first image spans the whole range: black background, some white pixels.
    assert_eq!(v.iter().copied().fold(f32::INFINITY, f32::min), 0.0);
    assert_eq!(v.iter().copied().fold(0.0, f32::max), 1.0);
    assert_eq!(FashionMnist::text_labels(&y).unwrap(), ["ankle boot"]);

    // The batch path gives the same pixels as one example at a time.
    let (xb, yb) = test.get_batch(&[9999, 0]).unwrap();
    assert_eq!(xb.to_vec::<f32>().unwrap()[784..], test.get(0).unwrap().0.to_vec::<f32>().unwrap()[..]);
    assert_eq!(yb.to_vec::<i64>().unwrap(), [i64::from(test.labels()[9999]), i64::from(test.labels()[0])]);
}

#[test]
fn d2l_loaders_with_resize() {
    let Some(dir) = data_dir("fashion-mnist") else { return };
    let (train_iter, test_iter) = load_data_fashion_mnist_in(&dir, 32, Some((64, 64))).unwrap();
    assert_eq!((train_iter.len(), test_iter.len()), (1875, 313));
    let (x, y) = train_iter.iter().next().unwrap().unwrap();
    assert_eq!((x.dims(), x.dtype()), (&[32, 1, 64, 64][..], DType::F32));
    assert_eq!((y.dims(), y.dtype()), (&[32][..], DType::I64));
    let v = x.to_vec::<f32>().unwrap();
    assert!(v.iter().all(|p| (-1e-6..=1.0 + 1e-6).contains(p)));

    // One epoch of d2l's default batches (256, no resize), timed.
    let (train_iter, _) = load_data_fashion_mnist_in(&dir, 256, None).unwrap();
    let start = Instant::now();
    let mut seen = 0;
    for batch in &train_iter {
        let (x, _) = batch.unwrap();
        seen += x.dims()[0];
    }
    assert_eq!(seen, 60000);
    println!("one epoch of 235 batches of 256 (1x28x28): {:.2?}", start.elapsed());
    let (train_iter, _) = load_data_fashion_mnist_in(&dir, 256, Some((64, 64))).unwrap();
    let start = Instant::now();
    let n: usize = train_iter.iter().take(20).map(|b| b.unwrap().0.dims()[0]).sum();
    assert_eq!(n, 20 * 256);
    println!("20 batches of 256 resized to 64x64: {:.2?}", start.elapsed());
}

#[test]
fn mnist_digits() {
    let Some(dir) = data_dir("mnist") else { return };
    let train = Mnist::new(&dir, true).unwrap();
    let test = Mnist::new(&dir, false).unwrap();
    assert_eq!((train.len(), test.len()), (60000, 10000));
    assert_eq!(&train.labels()[..10], &[5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    assert_eq!(&test.labels()[..5], &[7, 2, 1, 0, 4]);
    let counts = class_counts(train.labels());
    assert_eq!((counts.iter().min(), counts.iter().max()), (Some(&5421), Some(&6742)));
    let (x, _) = test.get_batch(&[0, 1, 2]).unwrap();
    assert_eq!(x.dims(), &[3, 1, 28, 28]);
}
