//! Reading and writing tensors: PyTorch's `torch.save`/`torch.load` for ferrite.
//!
//! - [`save`] / [`load`] a tensor, a list of tensors or a string-keyed map of tensors (a state
//!   dict) in the [safetensors](https://github.com/huggingface/safetensors) format, so the files
//!   open in Python with `safetensors.torch.load_file` and Python's files open here. The kind of
//!   object saved is recorded in the metadata (`ferrite.kind`), so [`load`] gives the same kind
//!   back; [`load_tensor`], [`load_vec`] and [`load_map`] check it.
//! - Saving is crash-safe: a temporary file in the same directory, fsynced, renamed over the
//!   target, directory fsynced ([`SaveOptions`] turns the fsyncs off).
//! - Loading reads the header and validates all of it against the file's size before allocating
//!   anything. By default (on Unix) the file is memory-mapped and each tensor reads its elements
//!   in place, copied only at its first write, as `safetensors.torch.load_file` does;
//!   [`LoadOptions`] `{ mmap: false }` reads each tensor's bytes straight into storage it owns
//!   (a recycled buffer where one fits, so no page faults), in parallel for large files.
//! - [`load_torch`] reads a state dict that PyTorch wrote with `torch.save` (a zip of a pickle
//!   and raw storages) through a restricted unpickler that knows only what a state dict needs.
//!
//! The crate works on `(name, Tensor)` pairs and knows nothing of modules; the `ferrite` facade
//! joins it to `state_dict`/`load_state_dict`.
//!
//! ```
//! use ferrite_serialize::{load, load_map, save, Saved};
//! use ferrite_tensor::Tensor;
//! let dir = std::env::temp_dir().join(format!("ferrite-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let x = Tensor::arange(4)?;
//! save(&x, dir.join("x-file"))?;
//! let x2 = load(dir.join("x-file"))?.into_tensor()?;
//! assert_eq!(x2.to_vec::<i64>()?, vec![0, 1, 2, 3]);
//!
//! let mydict = vec![("x".to_string(), x.clone()), ("y".to_string(), Tensor::zeros([4]))];
//! save(&mydict, dir.join("mydict"))?;
//! assert_eq!(load_map(dir.join("mydict"))?[1].0, "y");
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod elements;
mod error;
mod header;
mod read;
mod saved;
mod torch;
mod write;

pub use error::{Error, Malformed, Result};
pub use read::LoadOptions;
pub use saved::{Kind, Saved, SavedRef};
pub use write::SaveOptions;

use std::path::Path;

/// Saves a tensor, a list of tensors or named tensors to `path` (safetensors), durably and
/// atomically: on any error the previous file at `path` is left as it was.
///
/// ```
/// use ferrite_serialize::save;
/// use ferrite_tensor::Tensor;
/// let path = std::env::temp_dir().join(format!("ferrite-save-{}", std::process::id()));
/// save(&vec![Tensor::arange(3)?, Tensor::ones([2])], &path)?;
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn save<'a>(obj: impl Into<SavedRef<'a>>, path: impl AsRef<Path>) -> Result<()> {
    write::save(obj.into(), path.as_ref(), SaveOptions::default())
}

/// [`save`] with options, e.g. without fsync for benchmarks.
///
/// ```
/// use ferrite_serialize::{save_with, SaveOptions};
/// use ferrite_tensor::Tensor;
/// let path = std::env::temp_dir().join(format!("ferrite-save-with-{}", std::process::id()));
/// save_with(&Tensor::ones([2, 2]), &path, SaveOptions { durable: false })?;
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn save_with<'a>(obj: impl Into<SavedRef<'a>>, path: impl AsRef<Path>, opts: SaveOptions) -> Result<()> {
    write::save(obj.into(), path.as_ref(), opts)
}

/// Loads what [`save`] wrote, as the kind that was saved; a safetensors file without ferrite's
/// metadata (one Python wrote) loads as [`Saved::Map`] in the header's order.
///
/// ```
/// use ferrite_serialize::{load, save, Saved};
/// use ferrite_tensor::{DType, Tensor};
/// let path = std::env::temp_dir().join(format!("ferrite-load-{}", std::process::id()));
/// save(&Tensor::from_vec(vec![true, false], [2])?, &path)?;
/// let Saved::Tensor(t) = load(&path)? else { panic!("saved a tensor") };
/// assert_eq!(t.dtype(), DType::Bool);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load(path: impl AsRef<Path>) -> Result<Saved> {
    read::load(path.as_ref(), None, LoadOptions::default())
}

/// [`load`] with options: [`LoadOptions::mmap`] chooses between tensors that read a mapping
/// of the file in place (the default on Unix) and tensors that own a copy.
///
/// ```
/// use ferrite_serialize::{load_with, save, LoadOptions};
/// use ferrite_tensor::Tensor;
/// let path = std::env::temp_dir().join(format!("ferrite-load-with-{}", std::process::id()));
/// save(&vec![Tensor::arange(3)?], &path)?;
/// let v = load_with(&path, LoadOptions { mmap: true })?.into_vec()?;
/// assert_eq!(v[0].to_vec::<i64>()?, vec![0, 1, 2]);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_with(path: impl AsRef<Path>, opts: LoadOptions) -> Result<Saved> {
    read::load(path.as_ref(), None, opts)
}

/// Loads a file that holds one tensor, or gives [`Error::KindMismatch`].
///
/// ```
/// use ferrite_serialize::{load_tensor, save, Error};
/// use ferrite_tensor::Tensor;
/// let path = std::env::temp_dir().join(format!("ferrite-load-tensor-{}", std::process::id()));
/// save(&vec![Tensor::ones([1])], &path)?;
/// assert!(matches!(load_tensor(&path), Err(Error::KindMismatch { .. })));
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_tensor(path: impl AsRef<Path>) -> Result<ferrite_tensor::Tensor> {
    read::load(path.as_ref(), Some(Kind::Tensor), LoadOptions::default())?.into_tensor()
}

/// Loads a file that holds a list of tensors, or gives [`Error::KindMismatch`].
///
/// ```
/// use ferrite_serialize::{load_vec, save};
/// use ferrite_tensor::Tensor;
/// let path = std::env::temp_dir().join(format!("ferrite-load-vec-{}", std::process::id()));
/// save(&[Tensor::ones([1]), Tensor::zeros([2])], &path)?;
/// assert_eq!(load_vec(&path)?.len(), 2);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_vec(path: impl AsRef<Path>) -> Result<Vec<ferrite_tensor::Tensor>> {
    read::load(path.as_ref(), Some(Kind::List), LoadOptions::default())?.into_vec()
}

/// Loads a file that holds named tensors (saved from a map, or written by Python), in order,
/// or gives [`Error::KindMismatch`].
///
/// ```
/// use ferrite_serialize::{load_map, save};
/// use ferrite_tensor::Tensor;
/// let path = std::env::temp_dir().join(format!("ferrite-load-map-{}", std::process::id()));
/// save(&vec![("w".to_string(), Tensor::ones([2]))], &path)?;
/// assert_eq!(load_map(&path)?[0].0, "w");
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_map(path: impl AsRef<Path>) -> Result<Vec<(String, ferrite_tensor::Tensor)>> {
    read::load(path.as_ref(), Some(Kind::Map), LoadOptions::default())?.into_map()
}

/// Loads a state dict that PyTorch wrote with `torch.save(net.state_dict(), path)` (`.pt`,
/// `.pth`, d2l's `mlp.params`), without Python: named tensors in the dict's order. As with
/// [`load`], on Unix the file is memory-mapped and tensors read their storages in place (PyTorch
/// aligns them in the archive), copied at their first write; see [`LoadOptions::mmap`].
///
/// The pickle inside is read by a restricted unpickler that builds only dicts, tuples, strings,
/// numbers and tensors; any global outside the allow-list (`collections.OrderedDict`,
/// `torch._utils._rebuild_tensor_v2`, `torch._utils._rebuild_parameter`, the storage classes)
/// is refused with [`Malformed::ForbiddenGlobal`], so loading runs no code from the file.
///
/// ```no_run
/// let sd = ferrite_serialize::load_torch("mlp.params")?;
/// for (name, t) in &sd {
///     println!("{name}: {:?}", t.dims());
/// }
/// # Ok::<(), ferrite_serialize::Error>(())
/// ```
pub fn load_torch(path: impl AsRef<Path>) -> Result<Vec<(String, ferrite_tensor::Tensor)>> {
    load_torch_with(path, LoadOptions::default())
}

/// [`load_torch`] with options. With [`LoadOptions::mmap`] off, the file is read into memory
/// (never mapped, so a file truncated while it loads gives an error, not a SIGBUS) and every
/// tensor owns a copy of its elements.
///
/// ```no_run
/// use ferrite_serialize::{load_torch_with, LoadOptions};
/// let sd = load_torch_with("mlp.params", LoadOptions { mmap: false })?;
/// # Ok::<(), ferrite_serialize::Error>(())
/// ```
pub fn load_torch_with(
    path: impl AsRef<Path>,
    opts: LoadOptions,
) -> Result<Vec<(String, ferrite_tensor::Tensor)>> {
    let path = path.as_ref();
    if !opts.mmap {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, "read", e))?;
        return torch::load_bytes(&bytes, None, path);
    }
    // Every byte is read for its CRC, so the whole file is mapped up front.
    let bytes = read::map_file(path, true)?;
    torch::load_bytes(&bytes, bytes.owner(), path)
}

/// The loaders over bytes in memory, for fuzzing and property tests; errors name `<memory>`.
#[doc(hidden)]
pub mod fuzzing {
    use super::*;

    /// [`load`] over bytes.
    pub fn load_safetensors(bytes: &[u8]) -> Result<Saved> {
        read::load_bytes(bytes, Path::new("<memory>"), None)
    }

    /// [`load_torch`] over bytes.
    pub fn load_torch(bytes: &[u8]) -> Result<Vec<(String, ferrite_tensor::Tensor)>> {
        torch::load_bytes(bytes, None, Path::new("<memory>"))
    }
}
