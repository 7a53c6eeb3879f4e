//! Crash safety: a save that fails midway (a tensor whose device fails when read, a missing
//! directory) leaves the previous file byte for byte as it was and no temporary file behind.

mod common;

use common::assert_same;
use ferrite_serialize::{Error, load_map, save};
use ferrite_tensor::backend::BackendStorage;
use ferrite_tensor::cpu::CpuStorage;
use ferrite_tensor::op::{BinaryOp, ReduceOp, UnaryOp};
use ferrite_tensor::{DType, Device, Layout, Scalar, Tensor};
use std::any::Any;

/// A storage on a device that has failed: every read errors, as a lost GPU would.
#[derive(Debug)]
struct FailingStorage(usize);

type R<T> = ferrite_tensor::Result<T>;

fn fail<T>() -> R<T> {
    Err(ferrite_tensor::Error::DeviceMismatch { op: "to_cpu", lhs: Device::Cuda(7), rhs: Device::Cpu })
}

impl BackendStorage for FailingStorage {
    fn device(&self) -> Device {
        Device::Cuda(7)
    }
    fn dtype(&self) -> DType {
        DType::F32
    }
    fn len(&self) -> usize {
        self.0
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn to_cpu(&self, _: &Layout) -> R<CpuStorage> {
        fail()
    }
    fn copy_strided(&self, _: &Layout) -> R<Box<dyn BackendStorage>> {
        fail()
    }
    fn cast(&self, _: &Layout, _: DType) -> R<Box<dyn BackendStorage>> {
        fail()
    }
    fn unary(&self, _: UnaryOp, _: &Layout) -> R<Box<dyn BackendStorage>> {
        fail()
    }
    fn binary(
        &self,
        _: BinaryOp,
        _: &Layout,
        _: &dyn BackendStorage,
        _: &Layout,
    ) -> R<Box<dyn BackendStorage>> {
        fail()
    }
    fn where_cond(
        &self,
        _: &Layout,
        _: &dyn BackendStorage,
        _: &Layout,
        _: &dyn BackendStorage,
        _: &Layout,
    ) -> R<Box<dyn BackendStorage>> {
        fail()
    }
    fn reduce(&self, _: ReduceOp, _: &Layout, _: &[usize]) -> R<Box<dyn BackendStorage>> {
        fail()
    }
    fn cumsum(&self, _: &Layout, _: usize) -> R<Box<dyn BackendStorage>> {
        fail()
    }
    fn matmul(&self, _: &Layout, _: &dyn BackendStorage, _: &Layout) -> R<Box<dyn BackendStorage>> {
        fail()
    }
    fn index_select(
        &self,
        _: &Layout,
        _: &dyn BackendStorage,
        _: &Layout,
        _: usize,
    ) -> R<Box<dyn BackendStorage>> {
        fail()
    }
    fn gather(&self, _: &Layout, _: &dyn BackendStorage, _: &Layout, _: usize) -> R<Box<dyn BackendStorage>> {
        fail()
    }
    fn scatter_add(
        &mut self,
        _: &Layout,
        _: &dyn BackendStorage,
        _: &Layout,
        _: &dyn BackendStorage,
        _: &Layout,
        _: usize,
    ) -> R<()> {
        fail()
    }
    fn index_add(
        &mut self,
        _: &Layout,
        _: &dyn BackendStorage,
        _: &Layout,
        _: &dyn BackendStorage,
        _: &Layout,
        _: usize,
    ) -> R<()> {
        fail()
    }
    fn copy_from(&mut self, _: &Layout, _: &dyn BackendStorage, _: &Layout) -> R<()> {
        fail()
    }
    fn binary_inplace(&mut self, _: BinaryOp, _: &Layout, _: &dyn BackendStorage, _: &Layout) -> R<()> {
        fail()
    }
    fn fill(&mut self, _: &Layout, _: Scalar) -> R<()> {
        fail()
    }
}

fn checkpoint(v: f32) -> Vec<(String, Tensor)> {
    // Big enough that the first tensor is partly written out before the failing one is read.
    vec![("w".into(), Tensor::full([1 << 18], v, DType::F32).unwrap()), ("b".into(), Tensor::ones([3]))]
}

fn leftovers(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

#[test]
fn failed_save_leaves_the_old_checkpoint_intact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mlp.params");
    let old = checkpoint(1.0);
    save(&old, &path).unwrap();
    let old_bytes = std::fs::read(&path).unwrap();

    let mut new = checkpoint(2.0);
    new.insert(1, ("broken".into(), Tensor::from_storage(Box::new(FailingStorage(4)), [4]).unwrap()));
    let err = save(&new, &path).unwrap_err();
    assert!(matches!(&err, Error::Tensor { name, .. } if name == "broken"), "{err}");
    assert!(err.to_string().starts_with(&format!("{}: reading tensor 'broken'", path.display())), "{err}");

    assert_eq!(std::fs::read(&path).unwrap(), old_bytes, "the old file changed");
    assert!(leftovers(dir.path()).is_empty(), "temporary files left: {:?}", leftovers(dir.path()));
    for ((_, a), (_, b)) in old.iter().zip(&load_map(&path).unwrap()) {
        assert_same(a, b);
    }
}

#[test]
fn save_into_a_missing_directory_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope").join("x");
    let err = save(&Tensor::ones([1]), &path).unwrap_err();
    assert!(matches!(err, Error::Io { op: "create temporary file", .. }), "{err}");
}

#[test]
fn successful_save_replaces_and_leaves_no_temporary() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ckpt");
    save(&checkpoint(1.0), &path).unwrap();
    save(&checkpoint(3.0), &path).unwrap();
    assert_eq!(load_map(&path).unwrap()[0].1.to_vec::<f32>().unwrap()[0], 3.0);
    assert!(leftovers(dir.path()).is_empty());
}

#[test]
fn relative_path_without_directory_saves_in_cwd() {
    // `save(&x, "x-file")` as in d2l: the parent is "", so the temporary goes to ".".
    let dir = tempfile::tempdir().unwrap();
    let name = format!("ferrite-rel-{}", std::process::id());
    let abs = std::env::current_dir().unwrap().join(&name);
    save(&Tensor::ones([2]), &name).unwrap();
    assert!(abs.exists());
    std::fs::remove_file(abs).unwrap();
    drop(dir);
}
