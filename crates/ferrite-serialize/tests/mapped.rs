//! Loading through a file mapping (the default on Unix): tensors read the file in place until
//! their first write, writes never reach the file, and replacing the file leaves them intact.

#![cfg(unix)]

use ferrite_serialize::{LoadOptions, load, load_vec, load_with, save};
use ferrite_tensor::cpu::CpuStorage;
use ferrite_tensor::{DType, Tensor};

/// True when `t`'s storage reads shared bytes in place (no copy made yet).
fn is_shared(t: &Tensor) -> bool {
    t.with_storage(|s, _| s.as_any().downcast_ref::<CpuStorage>().expect("a CPU tensor").is_shared())
}

fn floats(n: i64) -> Tensor {
    Tensor::arange(n).unwrap().to_dtype(DType::F32).unwrap()
}

#[test]
fn loaded_tensors_read_in_place_and_copy_on_first_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x-files");
    save(&vec![floats(6), Tensor::arange(4).unwrap()], &path).unwrap();
    let v = load_vec(&path).unwrap();
    assert!(v.iter().all(is_shared), "f32 and i64 tensors read the mapping in place");
    // A write through a view copies the storage once; every view of it sees the write.
    let x = v[0].reshape([2, 3]).unwrap();
    let row = x.narrow(0, 1, 1).unwrap();
    row.fill_(-1.0).unwrap();
    assert!(!is_shared(&v[0]));
    assert_eq!(v[0].to_vec::<f32>().unwrap(), vec![0.0, 1.0, 2.0, -1.0, -1.0, -1.0]);
    assert_eq!(x.to_vec::<f32>().unwrap(), v[0].to_vec::<f32>().unwrap());
    // The file is unchanged: the write went to the copy.
    assert_eq!(load_vec(&path).unwrap()[0].to_vec::<f32>().unwrap(), vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    assert!(is_shared(&v[1]), "the other tensor still reads in place");
}

#[test]
fn saving_over_the_file_leaves_loaded_tensors_intact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mlp.params");
    save(&floats(1000), &path).unwrap();
    let old = load(&path).unwrap().into_tensor().unwrap();
    assert!(is_shared(&old));
    save(&Tensor::zeros([1000]), &path).unwrap();
    assert_eq!(old.to_vec::<f32>().unwrap(), floats(1000).to_vec::<f32>().unwrap());
    let new = load(&path).unwrap().into_tensor().unwrap();
    assert_eq!(new.to_vec::<f32>().unwrap(), vec![0.0; 1000]);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(
        old.sum(&[], false).unwrap().item::<f32>().unwrap(),
        499_500.0,
        "the mapping outlives the file's name"
    );
}

#[test]
fn eager_loads_own_their_elements() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x-file");
    save(&floats(8), &path).unwrap();
    let t = load_with(&path, LoadOptions { mmap: false }).unwrap().into_tensor().unwrap();
    assert!(!is_shared(&t));
    let m = load_with(&path, LoadOptions { mmap: true }).unwrap().into_tensor().unwrap();
    assert!(is_shared(&m));
    assert_eq!(t.to_vec::<f32>().unwrap(), m.to_vec::<f32>().unwrap());
}

#[test]
fn bool_and_misaligned_tensors_are_copied() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mixed");
    let bytes = Tensor::from_vec(vec![1u8, 2, 3], [3]).unwrap();
    let mask = Tensor::from_vec(vec![true, false], [2]).unwrap();
    save(&vec![bytes, floats(2), mask], &path).unwrap();
    let v = load_vec(&path).unwrap();
    assert_eq!(v[0].to_vec::<u8>().unwrap(), vec![1, 2, 3]);
    assert_eq!(v[1].to_vec::<f32>().unwrap(), vec![0.0, 1.0]);
    assert_eq!(v[2].to_vec::<bool>().unwrap(), vec![true, false]);
    assert!(is_shared(&v[0]), "bytes are always aligned");
    // The data section starts 8-aligned and the f32s follow 3 bytes: they cannot be read in place.
    assert!(!is_shared(&v[1]));
    assert!(!is_shared(&v[2]), "a bool must be checked to be 0 or 1");
}
