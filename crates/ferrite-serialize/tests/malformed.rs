//! Bad input: the committed corpus of malformed files (one per failure case, made by
//! tests/golden/gen_serialize.py) each give their error naming the file, and arbitrary or
//! mutated bytes never panic either loader (the stable-toolchain twin of the cargo-fuzz targets).

mod common;

use common::data;
use ferrite_serialize::fuzzing;
use ferrite_serialize::{Error, SaveOptions, load, load_torch, save_with};
use ferrite_tensor::Tensor;
use proptest::prelude::*;

#[test]
fn every_malformed_file_gives_its_error() {
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data("malformed/expected.json")).unwrap()).unwrap();
    let expected = expected.as_object().unwrap();
    let on_disk = std::fs::read_dir(data("malformed")).unwrap().filter(|e| {
        let n = e.as_ref().unwrap().file_name();
        n != "expected.json"
    });
    assert_eq!(on_disk.count(), expected.len(), "every corpus file has an expected error");
    assert!(expected.len() >= 20);
    for (file, needle) in expected {
        let path = data(&format!("malformed/{file}"));
        let err = if file.ends_with(".pt") { load_torch(&path).map(|_| ()) } else { load(&path).map(|_| ()) }
            .expect_err(file);
        let msg = err.to_string();
        assert!(matches!(err, Error::Malformed { .. }), "{file}: {msg}");
        assert!(msg.starts_with(&path.display().to_string()), "{file}: error does not name the file: {msg}");
        assert!(msg.contains(needle.as_str().unwrap()), "{file}: expected '{needle}' in: {msg}");
    }
}

#[test]
fn error_messages_read_well() {
    let err = load(data("malformed/offsets_out_of_range.safetensors")).unwrap_err();
    assert!(
        err.to_string().ends_with(
            "offsets_out_of_range.safetensors: tensor 'a': offsets [0, 16] run past the 8 data bytes"
        ),
        "{err}"
    );
    let err = load_torch(data("malformed/forbidden_global.pt")).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("pickle asks for global 'builtins.eval', which is not allowed in a state dict"),
        "{err}"
    );
}

fn valid_safetensors() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v");
    let m = vec![
        ("a".to_string(), Tensor::arange(6).unwrap().reshape([2, 3]).unwrap()),
        ("b".to_string(), Tensor::from_vec(vec![true, false], [2]).unwrap()),
        ("c".to_string(), Tensor::ones([2])),
    ];
    save_with(&m, &path, SaveOptions { durable: false }).unwrap();
    std::fs::read(path).unwrap()
}

fn mutate(mut bytes: Vec<u8>, edits: &[(usize, u8)], cut: Option<usize>) -> Vec<u8> {
    for &(i, b) in edits {
        if !bytes.is_empty() {
            let n = bytes.len();
            bytes[i % n] = b;
        }
    }
    if let Some(c) = cut {
        bytes.truncate(c % (bytes.len() + 1));
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = fuzzing::load_safetensors(&bytes);
        let _ = fuzzing::load_torch(&bytes);
    }

    #[test]
    fn mutated_safetensors_never_panic(edits in prop::collection::vec((any::<usize>(), any::<u8>()), 0..6), cut in proptest::option::of(any::<usize>())) {
        let _ = fuzzing::load_safetensors(&mutate(valid_safetensors(), &edits, cut));
    }

    #[test]
    fn file_and_memory_loaders_agree(edits in prop::collection::vec((any::<usize>(), any::<u8>()), 0..6), cut in proptest::option::of(any::<usize>())) {
        // A file is read at offsets, bytes in memory are sliced: the same checks must hold.
        let bytes = mutate(valid_safetensors(), &edits, cut);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m");
        std::fs::write(&path, &bytes).unwrap();
        match (load(&path), fuzzing::load_safetensors(&bytes)) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
            (Err(a), Err(b)) => {
                let file = path.display().to_string();
                prop_assert_eq!(a.to_string().replacen(&file, "<memory>", 1), b.to_string());
            }
            (a, b) => prop_assert!(false, "file: {:?}, memory: {:?}", a.map(|_| ()), b.map(|_| ())),
        }
    }

    #[test]
    fn mutated_torch_checkpoints_never_panic(edits in prop::collection::vec((any::<usize>(), any::<u8>()), 0..6), cut in proptest::option::of(any::<usize>())) {
        let bytes = std::fs::read(data("views.pt")).unwrap();
        let _ = fuzzing::load_torch(&mutate(bytes, &edits, cut));
    }

    #[test]
    fn mutated_pickles_never_panic(edits in prop::collection::vec((any::<usize>(), any::<u8>()), 1..4)) {
        // Aim the edits at the pickle, where a random byte change in a whole archive rarely lands.
        let bytes = std::fs::read(data("views.pt")).unwrap();
        let start = find(&bytes, b"\x80\x02").unwrap();
        let edits: Vec<(usize, u8)> = edits.iter().map(|&(i, b)| (start + i % 600, b)).collect();
        let _ = fuzzing::load_torch(&mutate(bytes, &edits, None));
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
