//! PyTorch checkpoints written by `torch.save` (fixtures from tests/golden/gen_serialize.py):
//! d2l's MLP state dict, and strided views that share one storage, for every dtype.

mod common;

use common::{assert_matches_json, assert_same, data};
use ferrite_serialize::{Error, LoadOptions, Malformed, load_map, load_torch, load_torch_with};

#[test]
fn d2l_mlp_state_dict_matches_the_same_weights_in_safetensors() {
    let pt = load_torch(data("mlp.pt")).unwrap();
    let names: Vec<&str> = pt.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["0.weight", "0.bias", "2.weight", "2.bias"], "state_dict order");
    assert_eq!(pt[0].1.dims(), &[256, 20]);
    assert_eq!(pt[2].1.dims(), &[10, 256]);
    let st = load_map(data("mlp.safetensors")).unwrap();
    for (name, t) in &pt {
        let (_, want) = st.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("{name} missing"));
        assert_same(t, want);
    }
}

/// On Unix the checkpoint's storages are read in place from the file mapping (PyTorch aligns
/// them in the archive) until a write copies one; the file itself never changes.
#[cfg(unix)]
#[test]
fn torch_storages_are_read_in_place_until_written() {
    use ferrite_tensor::cpu::CpuStorage;
    let shared = |t: &ferrite_tensor::Tensor| {
        t.with_storage(|s, _| s.as_any().downcast_ref::<CpuStorage>().unwrap().is_shared())
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mlp.params");
    std::fs::copy(data("mlp.pt"), &path).unwrap();
    let before = std::fs::read(&path).unwrap();
    let pt = load_torch(&path).unwrap();
    assert!(pt.iter().all(|(_, t)| shared(t)), "every f32 storage is read in place");
    let w = &pt[0].1;
    w.fill_(0.5).unwrap();
    assert!(!shared(w) && shared(&pt[1].1));
    assert_eq!(w.to_vec::<f32>().unwrap(), vec![0.5; 256 * 20]);
    assert_eq!(std::fs::read(&path).unwrap(), before, "the write went to a copy");
    assert_same(&load_torch(&path).unwrap()[0].1, &load_torch(data("mlp.pt")).unwrap()[0].1);
}

/// Without mmap, every storage is an owned copy with the same values, and a missing file is an
/// error naming it.
#[test]
fn an_eager_torch_load_owns_its_storages() {
    use ferrite_tensor::cpu::CpuStorage;
    let eager = load_torch_with(data("views.pt"), LoadOptions { mmap: false }).unwrap();
    for (name, t) in &eager {
        let shared = t.with_storage(|s, _| s.as_any().downcast_ref::<CpuStorage>().unwrap().is_shared());
        assert!(!shared, "{name} owns its elements");
    }
    let mapped = load_torch(data("views.pt")).unwrap();
    assert_eq!(eager.len(), mapped.len());
    for ((n1, a), (n2, b)) in eager.iter().zip(&mapped) {
        assert_eq!(n1, n2);
        assert_same(a, b);
    }
    let err = load_torch_with("no/such/file.pt", LoadOptions { mmap: false }).unwrap_err();
    assert!(err.to_string().contains("no/such/file.pt"), "{err}");
}

#[test]
fn strided_views_and_every_dtype_match_pytorch() {
    let want: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data("views.json")).unwrap()).unwrap();
    let got = load_torch(data("views.pt")).unwrap();
    let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
    let want_names: Vec<&str> = want.as_object().unwrap().keys().map(|s| s.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(sorted, want_names, "every tensor is there (json keys are sorted)");
    assert_eq!(names[..3], ["base", "t", "rows"], "dict order kept");
    for (name, t) in &got {
        assert_matches_json(name, t, &want[name.as_str()]);
    }
}

#[test]
fn a_safetensors_file_is_not_a_torch_checkpoint() {
    let err = load_torch(data("mlp.safetensors")).unwrap_err();
    assert!(matches!(err, Error::Malformed { problem: Malformed::Zip(_), .. }), "{err}");
}
