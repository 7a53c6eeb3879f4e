//! Glue between ferrite-serialize (which works on `(name, Tensor)` pairs) and ferrite-nn's
//! `StateDict`: `ferrite::save(&net.state_dict(), path)` and
//! `net.load_state_dict(&ferrite::load(path)?.into_state_dict()?)`.

use crate::Result;
use ferrite_nn::StateDict;
use ferrite_serialize::{Saved, SavedRef};
use ferrite_tensor::Tensor;
use std::path::Path;

/// What [`save`] writes: a tensor, a list of tensors, named tensors or a module's state dict.
///
/// A trait of the facade rather than of ferrite-serialize so that `StateDict`, which the
/// serializer does not know, can implement it.
pub trait Save {
    /// The object as the serializer sees it.
    fn as_saved(&self) -> SavedRef<'_>;
}

impl Save for Tensor {
    fn as_saved(&self) -> SavedRef<'_> {
        SavedRef::Tensor(self)
    }
}

impl Save for [Tensor] {
    fn as_saved(&self) -> SavedRef<'_> {
        SavedRef::List(self)
    }
}

impl Save for Vec<Tensor> {
    fn as_saved(&self) -> SavedRef<'_> {
        SavedRef::List(self)
    }
}

impl<const N: usize> Save for [Tensor; N] {
    fn as_saved(&self) -> SavedRef<'_> {
        SavedRef::List(self)
    }
}

impl Save for [(String, Tensor)] {
    fn as_saved(&self) -> SavedRef<'_> {
        SavedRef::Map(self)
    }
}

impl Save for Vec<(String, Tensor)> {
    fn as_saved(&self) -> SavedRef<'_> {
        SavedRef::Map(self)
    }
}

impl Save for StateDict {
    fn as_saved(&self) -> SavedRef<'_> {
        SavedRef::Map(self.entries())
    }
}

impl Save for Saved {
    fn as_saved(&self) -> SavedRef<'_> {
        self.into()
    }
}

/// Saves a tensor, tensors, named tensors or a state dict to `path` (PyTorch's `torch.save`),
/// as safetensors, atomically and durably (see [`ferrite_serialize::save`]).
///
/// ```
/// use ferrite::prelude::*;
/// let net = nn::Sequential::new().push(nn::Linear::new(4, 2)?);
/// let path = std::env::temp_dir().join(format!("ferrite-facade-save-{}", std::process::id()));
/// ferrite::save(&net.state_dict(), &path)?;
/// let clone = nn::Sequential::new().push(nn::Linear::new(4, 2)?);
/// clone.load_state_dict(&ferrite::load(&path)?.into_state_dict()?)?;
/// let x = Tensor::ones([1, 4]);
/// assert_eq!(net.forward(&x)?.to_vec::<f32>()?, clone.forward(&x)?.to_vec::<f32>()?);
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), ferrite::Error>(())
/// ```
pub fn save<T: Save + ?Sized>(obj: &T, path: impl AsRef<Path>) -> Result<()> {
    Ok(ferrite_serialize::save(obj.as_saved(), path)?)
}

/// Turns a loaded object into a state dict for `load_state_dict`.
pub trait SavedExt {
    /// The named tensors as a [`StateDict`], or an error if the file held a tensor or a list.
    fn into_state_dict(self) -> Result<StateDict>;
}

impl SavedExt for Saved {
    fn into_state_dict(self) -> Result<StateDict> {
        Ok(StateDict::from(self.into_map()?))
    }
}
