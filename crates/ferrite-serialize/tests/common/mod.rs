//! Helpers shared by the integration tests: fixture paths and comparison with PyTorch's JSON.

#![allow(dead_code)]

use ferrite_tensor::Tensor;
use std::path::PathBuf;

/// A file under `tests/data/`.
pub fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

/// Checks `t` against `{"dtype": "torch.float32", "shape": [..], "values": [..]}` exactly.
pub fn assert_matches_json(name: &str, t: &Tensor, want: &serde_json::Value) {
    assert_eq!(t.dtype().torch_name(), want["dtype"], "{name}: dtype");
    let shape: Vec<usize> =
        want["shape"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize).collect();
    assert_eq!(t.dims(), shape.as_slice(), "{name}: shape");
    let values: Vec<f64> = want["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().or_else(|| v.as_bool().map(|b| b as u8 as f64)).unwrap())
        .collect();
    assert_eq!(t.to_vec::<f64>().unwrap(), values, "{name}: values");
}

/// Element-wise bitwise equality of dtype, shape and values.
pub fn assert_same(a: &Tensor, b: &Tensor) {
    assert_eq!(a.dtype(), b.dtype());
    assert_eq!(a.dims(), b.dims());
    assert_eq!(a.to_cpu_storage().unwrap(), b.to_cpu_storage().unwrap());
}
