//! Save/load round trips for every dtype, kind and shape (0-d and empty included), the kind
//! checks of the typed loaders, and interchange with the safetensors crate and with Python.

mod common;

use common::{assert_matches_json, assert_same, data};
use ferrite_serialize::{
    Error, Kind, SaveOptions, Saved, load, load_map, load_tensor, load_vec, save, save_with,
};
use ferrite_tensor::cpu::CpuStorage;
use ferrite_tensor::{DType, Tensor};
use proptest::prelude::*;

fn every_dtype() -> Vec<(String, Tensor)> {
    vec![
        ("f32".into(), Tensor::from_vec(vec![1.5f32, -0.0, f32::INFINITY, 1e-40], [2, 2]).unwrap()),
        ("f64".into(), Tensor::from_vec(vec![std::f64::consts::PI, -1e300], [2]).unwrap()),
        ("i64".into(), Tensor::arange(4).unwrap()),
        ("bool".into(), Tensor::from_vec(vec![true, false, true], [3, 1]).unwrap()),
        ("u8".into(), Tensor::from_vec(vec![0u8, 7, 255], [3]).unwrap()),
        ("scalar".into(), Tensor::scalar(2.5)),
        ("empty".into(), Tensor::zeros([0, 3])),
        ("empty_i64".into(), Tensor::zeros_dtype([4, 0], DType::I64)),
    ]
}

#[test]
fn map_round_trip_keeps_order_dtype_shape_values() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mydict");
    let m = every_dtype();
    save(&m, &path).unwrap();
    let back = load_map(&path).unwrap();
    assert_eq!(
        back.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        m.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>()
    );
    for ((_, a), (_, b)) in m.iter().zip(&back) {
        assert_same(a, b);
    }
}

#[test]
fn tensor_and_list_round_trip_as_their_kind() {
    let dir = tempfile::tempdir().unwrap();
    let x = Tensor::arange(4).unwrap();
    save(&x, dir.path().join("x-file")).unwrap();
    let Saved::Tensor(x2) = load(dir.path().join("x-file")).unwrap() else { panic!("not a tensor") };
    assert_same(&x, &x2);
    assert_eq!(x2.dtype(), DType::I64);

    let list: Vec<Tensor> = every_dtype().into_iter().map(|(_, t)| t).collect();
    save(&list, dir.path().join("x-files")).unwrap();
    let back = load_vec(dir.path().join("x-files")).unwrap();
    assert_eq!(back.len(), list.len());
    for (a, b) in list.iter().zip(&back) {
        assert_same(a, b);
    }
    // Twelve elements so that the names 10, 11 sort before 2 as strings: order is by index.
    let many: Vec<Tensor> = (0..12).map(|i| Tensor::full([1], i, DType::I64).unwrap()).collect();
    save(&many, dir.path().join("many")).unwrap();
    let back: Vec<i64> =
        load_vec(dir.path().join("many")).unwrap().iter().map(|t| t.item::<i64>().unwrap()).collect();
    assert_eq!(back, (0..12).collect::<Vec<_>>());
}

#[test]
fn typed_loaders_refuse_other_kinds() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("list");
    save(&[Tensor::ones([1])], &path).unwrap();
    let err = load_tensor(&path).unwrap_err();
    assert!(matches!(err, Error::KindMismatch { expected: Kind::Tensor, found: Kind::List, .. }));
    assert_eq!(
        err.to_string(),
        format!("{}: expected a tensor, the file holds a list of tensors", path.display())
    );
    assert!(matches!(load_map(&path), Err(Error::KindMismatch { expected: Kind::Map, .. })));
    assert!(matches!(load(&path).unwrap().into_map(), Err(Error::WrongKind { .. })));
}

#[test]
fn strided_and_offset_views_save_their_values() {
    let dir = tempfile::tempdir().unwrap();
    let base = Tensor::arange(12).unwrap().reshape([3, 4]).unwrap();
    let t = base.transpose(0, 1).unwrap();
    let row = base.select(0, 1).unwrap();
    save(&vec![t.clone(), row.clone()], dir.path().join("v")).unwrap();
    let back = load_vec(dir.path().join("v")).unwrap();
    assert_same(&back[0], &t.contiguous().unwrap());
    assert_eq!(back[1].to_vec::<i64>().unwrap(), vec![4, 5, 6, 7]);
}

#[test]
fn duplicate_names_are_refused_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dup");
    let m = vec![("a".to_string(), Tensor::ones([1])), ("a".to_string(), Tensor::ones([1]))];
    let err = save(&m, &path).unwrap_err();
    assert!(err.to_string().ends_with("two tensors are named 'a'"), "{err}");
    assert!(!path.exists());
}

#[test]
fn non_durable_save_writes_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    let m = every_dtype();
    save(&m, dir.path().join("a")).unwrap();
    save_with(&m, dir.path().join("b"), SaveOptions { durable: false }).unwrap();
    assert_eq!(std::fs::read(dir.path().join("a")).unwrap(), std::fs::read(dir.path().join("b")).unwrap());
}

#[test]
fn safetensors_crate_reads_our_files_and_we_read_its() {
    use safetensors::tensor::{Dtype, SafeTensors, TensorView};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ours.safetensors");
    let m = every_dtype();
    save(&m, &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let st = SafeTensors::deserialize(&bytes).unwrap();
    let (_, meta) = SafeTensors::read_metadata(&bytes).unwrap();
    assert_eq!(meta.metadata().as_ref().unwrap()["ferrite.kind"], "map");
    let f32v = st.tensor("f32").unwrap();
    assert_eq!((f32v.dtype(), f32v.shape()), (Dtype::F32, &[2usize, 2][..]));
    assert_eq!(&f32v.data()[..4], &1.5f32.to_le_bytes());
    assert_eq!(st.tensor("empty").unwrap().shape(), &[0, 3]);
    assert_eq!(st.tensor("scalar").unwrap().shape(), &[] as &[usize]);

    let data: Vec<u8> = [1i64, -2, 3].iter().flat_map(|x| x.to_le_bytes()).collect();
    let flags = [1u8, 0];
    let views = vec![
        ("z", TensorView::new(Dtype::I64, vec![3], &data).unwrap()),
        ("a", TensorView::new(Dtype::BOOL, vec![2], &flags).unwrap()),
    ];
    let theirs = dir.path().join("theirs.safetensors");
    safetensors::serialize_to_file(views, None, &theirs).unwrap();
    let back = load_map(&theirs).unwrap();
    let find = |n: &str| back.iter().find(|(k, _)| k == n).unwrap().1.clone();
    assert_eq!(find("z").to_vec::<i64>().unwrap(), vec![1, -2, 3]);
    assert_eq!(find("a").to_cpu_storage().unwrap(), CpuStorage::Bool(vec![true, false].into()));
}

#[test]
fn large_tensors_round_trip_through_recycled_buffers() {
    // Tensors past the 4 MiB read chunk (split over threads) and past the buffer pool's 64 KiB
    // floor; loaded twice, so the second load reads into the first one's freed buffers and must
    // leave none of their old values behind, even in a slightly smaller tensor.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big");
    let big = |n: usize, k: i64| {
        let v: Vec<i64> = (0..n as i64).map(|i| i * k - 3).collect();
        Tensor::from_vec(v, [n]).unwrap()
    };
    let flags: Vec<bool> = (0..300_000).map(|i| i % 3 == 0).collect();
    for (k, n) in [(1, 1_300_000), (-7, 1_200_000)] {
        let m = vec![
            ("i64".to_string(), big(n, k)),
            ("f32".to_string(), big(n, k).to_dtype(DType::F32).unwrap().reshape([n / 1000, 1000]).unwrap()),
            ("bool".to_string(), Tensor::from_vec(flags.clone(), [flags.len()]).unwrap()),
        ];
        save(&m, &path).unwrap();
        let data_bytes = n * 8 + n * 4 + flags.len();
        let file_len = std::fs::metadata(&path).unwrap().len() as usize;
        assert!(
            file_len > data_bytes && file_len < data_bytes + 4096,
            "the file is exactly what was written"
        );
        let back = load_map(&path).unwrap();
        for ((_, a), (_, b)) in m.iter().zip(&back) {
            assert_same(a, b);
        }
    }
}

/// `safetensors.torch.save_file` output, committed by tests/golden/gen_serialize.py.
#[test]
fn python_written_safetensors_load_with_pytorch_values() {
    let want: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data("py_dtypes.json")).unwrap()).unwrap();
    let got = load(data("py_dtypes.safetensors")).unwrap();
    assert_eq!(got.kind(), Kind::Map, "a file without ferrite's metadata is a map");
    let got = got.into_map().unwrap();
    assert_eq!(got.len(), want.as_object().unwrap().len());
    for (name, t) in &got {
        assert_matches_json(name, t, &want[name]);
    }
}

/// Writes a file for `gen_serialize.py --check` to open in Python (the reverse direction);
/// set FERRITE_KEEP_FILES=DIR to keep it.
#[test]
fn python_reads_ferrite_files() {
    let Some(dir) = std::env::var_os("FERRITE_KEEP_FILES") else { return };
    let path = std::path::Path::new(&dir).join("from_ferrite.safetensors");
    save(&every_dtype(), &path).unwrap();
    eprintln!("wrote {}", path.display());
}

fn arb_tensor() -> impl Strategy<Value = Tensor> {
    let shape = prop::collection::vec(0usize..4, 0..4);
    (shape, 0..5usize).prop_flat_map(|(shape, d)| {
        let n: usize = shape.iter().product();
        let s = shape.clone();
        match d {
            0 => prop::collection::vec(any::<u32>(), n)
                .prop_map(move |v| {
                    Tensor::from_vec(v.into_iter().map(f32::from_bits).collect(), s.clone()).unwrap()
                })
                .boxed(),
            1 => prop::collection::vec(any::<u64>(), n)
                .prop_map(move |v| {
                    Tensor::from_vec(v.into_iter().map(f64::from_bits).collect(), s.clone()).unwrap()
                })
                .boxed(),
            2 => prop::collection::vec(any::<i64>(), n)
                .prop_map(move |v| Tensor::from_vec(v, s.clone()).unwrap())
                .boxed(),
            3 => prop::collection::vec(any::<bool>(), n)
                .prop_map(move |v| Tensor::from_vec(v, s.clone()).unwrap())
                .boxed(),
            _ => prop::collection::vec(any::<u8>(), n)
                .prop_map(move |v| Tensor::from_vec(v, s.clone()).unwrap())
                .boxed(),
        }
    })
}

/// The bytes of a tensor's elements, so NaN payloads compare too.
fn raw(t: &Tensor) -> Vec<u8> {
    match t.to_cpu_storage().unwrap() {
        CpuStorage::F32(v) => v.iter().flat_map(|x| x.to_bits().to_le_bytes()).collect(),
        CpuStorage::F64(v) => v.iter().flat_map(|x| x.to_bits().to_le_bytes()).collect(),
        CpuStorage::I64(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        CpuStorage::Bool(v) => v.iter().map(|&b| b as u8).collect(),
        CpuStorage::U8(v) => v.into_vec(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn any_tensors_round_trip(ts in prop::collection::vec(arb_tensor(), 0..5)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p");
        let named: Vec<(String, Tensor)> = ts.iter().enumerate().map(|(i, t)| (format!("t.{i}/é"), t.clone())).collect();
        save_with(&named, &path, SaveOptions { durable: false }).unwrap();
        let back = load_map(&path).unwrap();
        prop_assert_eq!(back.len(), ts.len());
        for ((n, a), (m, b)) in named.iter().zip(&back) {
            prop_assert_eq!(n, m);
            prop_assert_eq!(a.dtype(), b.dtype());
            prop_assert_eq!(a.dims(), b.dims());
            prop_assert_eq!(raw(a), raw(b));
        }
        if let Some(t) = ts.first() {
            save_with(t, &path, SaveOptions { durable: false }).unwrap();
            prop_assert_eq!(raw(&load_tensor(&path).unwrap()), raw(t));
        }
    }
}
