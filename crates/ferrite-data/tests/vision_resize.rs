//! torchvision's antialiased `Resize` against PyTorch: `tests/data/resize_golden.safetensors`,
//! written by `tests/golden/gen_vision.py` (`cargo xtask golden`), holds u8 images and what
//! `interpolate(img / 255, size, mode='bilinear', antialias=True)` made of them.

use ferrite_data::vision::{IdxImages, Size, resize, write_idx_labels};
use ferrite_data::{Dataset, FashionMnist};
use ferrite_tensor::Tensor;
use safetensors::SafeTensors;
use safetensors::tensor::TensorView;

const ATOL: f32 = 1e-5;

struct Case {
    name: String,
    input: Vec<u8>,
    dims: Vec<usize>,
    size: Size,
    want: Vec<f32>,
    want_dims: Vec<usize>,
}

fn cases() -> Vec<Case> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/resize_golden.safetensors");
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e} (run `cargo xtask golden`)"));
    let st = SafeTensors::deserialize(&bytes).expect("parse the golden file");
    let get = |key: String| -> TensorView<'_> { st.tensor(&key).unwrap_or_else(|e| panic!("{key}: {e}")) };
    let mut names: Vec<String> =
        st.names().iter().filter_map(|n| n.strip_suffix("/in").map(str::to_string)).collect();
    names.sort();
    assert!(names.len() >= 8, "expected the golden cases, found {names:?}");
    names
        .into_iter()
        .map(|name| {
            let (input, out, size) =
                (get(format!("{name}/in")), get(format!("{name}/out")), get(format!("{name}/size")));
            let size: Vec<usize> = size
                .data()
                .chunks_exact(8)
                .map(|b| i64::from_le_bytes(b.try_into().unwrap()) as usize)
                .collect();
            Case {
                input: input.data().to_vec(),
                dims: input.shape().to_vec(),
                size: if size.len() == 1 { Size::Edge(size[0]) } else { Size::Exact(size[0], size[1]) },
                want: out.data().chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect(),
                want_dims: out.shape().to_vec(),
                name,
            }
        })
        .collect()
}

/// The largest absolute difference, or an error naming the case.
fn compare(case: &str, got: &[f32], want: &[f32]) -> Result<f32, String> {
    if got.len() != want.len() {
        return Err(format!("{case}: {} values, expected {}", got.len(), want.len()));
    }
    let (i, diff) = got
        .iter()
        .zip(want)
        .map(|(g, w)| (g - w).abs())
        .enumerate()
        .fold((0, 0.0f32), |a, (i, d)| if d > a.1 { (i, d) } else { a });
    match diff <= ATOL {
        true => Ok(diff),
        false => Err(format!("{case}: element {i} is {}, PyTorch has {} (|diff| {diff:e})", got[i], want[i])),
    }
}

#[test]
fn resize_matches_pytorch_interpolate_antialias() {
    let mut failures = Vec::new();
    for case in cases() {
        let x: Vec<f32> = case.input.iter().map(|&b| f32::from(b) / 255.0).collect();
        let x = Tensor::from_vec(x, case.dims.clone()).unwrap();
        let y = resize(&x, case.size).unwrap();
        if y.dims() != case.want_dims {
            failures.push(format!("{}: shape {:?}, PyTorch has {:?}", case.name, y.dims(), case.want_dims));
            continue;
        }
        match compare(&case.name, &y.to_vec::<f32>().unwrap(), &case.want) {
            Ok(diff) => {
                println!("{}: {:?} -> {:?}, max |diff| {diff:e}", case.name, case.dims, case.want_dims)
            }
            Err(e) => failures.push(e),
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases differ from PyTorch:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

/// The dataset's hot path (bytes -> [0, 1] -> resize, in one pass) gives the same batch.
#[test]
fn resized_fashion_mnist_batch_matches_pytorch() {
    let case = cases().into_iter().find(|c| c.name == "batch_edge_64").expect("the batch case");
    let dir = std::env::temp_dir().join(format!("ferrite-vision-resize-{}", std::process::id()));
    IdxImages::new(28, 28, case.input.clone()).unwrap().write(dir.join("t10k-images-idx3-ubyte.gz")).unwrap();
    write_idx_labels(dir.join("t10k-labels-idx1-ubyte.gz"), &[3, 7]).unwrap();
    let data = FashionMnist::new(&dir, false).unwrap().resize(case.size).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(data.image_size(), (64, 64));
    let (x, y) = data.get_batch(&[0, 1]).unwrap();
    assert_eq!(x.dims(), case.want_dims);
    compare("batch_edge_64 via FashionMnist::get_batch", &x.to_vec::<f32>().unwrap(), &case.want).unwrap();
    assert_eq!(y.to_vec::<i64>().unwrap(), [3, 7]);
    let (x1, _) = data.get(1).unwrap();
    assert_eq!(x1.dims(), &[1, 64, 64]);
    compare("batch_edge_64 via FashionMnist::get", &x1.to_vec::<f32>().unwrap(), &case.want[64 * 64..])
        .unwrap();
}

#[test]
fn resize_rejects_empty_sizes_and_other_dtypes() {
    let x = Tensor::zeros([1, 4, 4]);
    let err = resize(&x, (0, 3)).unwrap_err();
    assert_eq!(err.to_string(), "resize: cannot resize 4x4 images to 0x3: sizes must be positive");
    assert!(
        resize(&x.double().unwrap(), 2)
            .unwrap_err()
            .to_string()
            .contains("resize: not implemented for dtype")
    );
    assert!(resize(&Tensor::zeros([4]), 2).is_err());
}
