//! PyTorch checkpoints (`torch.save` of a state dict): the zip archive, the restricted pickle,
//! and the tensors rebuilt as strided views of the raw storages.

mod pickle;
mod zip;

pub(crate) use self::pickle::{TensorSpec, Value, unpickle};

use crate::elements::decode;
use crate::read::shared_le;
use crate::{Error, Malformed, Result};
use ferrite_tensor::cpu::SharedBytes;
use ferrite_tensor::{Layout, Tensor};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// Loads a `torch.save`d state dict from the archive's bytes; errors name `path`. With `owner`
/// (whose bytes are `bytes`), storages read their elements in place where they can.
pub(crate) fn load_bytes(
    bytes: &[u8],
    owner: Option<Arc<dyn SharedBytes>>,
    path: &Path,
) -> Result<Vec<(String, Tensor)>> {
    debug_assert!(owner.as_ref().is_none_or(|o| std::ptr::eq(o.bytes(), bytes)));
    let bad = |p| Error::malformed(path, p);
    let entries = zip::entries(bytes).map_err(bad)?;
    // The archive's root folder is `archive/` in current PyTorch, the file's stem in older ones.
    let pkl = entries
        .keys()
        .filter(|n| n.ends_with("/data.pkl") && n.matches('/').count() == 1)
        .min()
        .ok_or_else(|| bad(Malformed::MissingEntry("<root>/data.pkl".into())))?;
    let root = &pkl[..pkl.len() - "data.pkl".len()];
    let order_name = format!("{root}byteorder");
    if let Some(order) = entries.get(&order_name) {
        let order = order.checked(bytes, &order_name).map_err(bad)?;
        if order != b"little" {
            let shown = String::from_utf8_lossy(order);
            return Err(bad(Malformed::NotAStateDict(format!(
                "byte order '{shown}' (only little-endian is read)"
            ))));
        }
    }
    let value = unpickle(entries[pkl].checked(bytes, pkl).map_err(bad)?).map_err(bad)?;
    let Value::Dict(items) = value else {
        return Err(bad(Malformed::NotAStateDict("the pickled object is not a dict".into())));
    };
    let mut storages = Storages { bytes, owner, entries: &entries, root, tensors: HashMap::new() };
    items
        .iter()
        .map(|(k, v)| {
            let (Value::Str(name), Value::Tensor(spec)) = (k, v) else {
                let problem = match k {
                    Value::Str(name) => format!("entry '{name}' is not a tensor"),
                    _ => "a key is not a string".into(),
                };
                return Err(bad(Malformed::NotAStateDict(problem)));
            };
            Ok((name.to_string(), storages.view(name, spec).map_err(bad)?))
        })
        .collect()
}

/// Storages decoded once each (tensors that share one, as views do, share it here too).
struct Storages<'a> {
    bytes: &'a [u8],
    /// What `bytes` belong to, when storages may read them in place.
    owner: Option<Arc<dyn SharedBytes>>,
    entries: &'a HashMap<String, zip::Entry>,
    root: &'a str,
    tensors: HashMap<String, Tensor>,
}

impl Storages<'_> {
    fn storage(&mut self, spec: &TensorSpec) -> Result<Tensor, Malformed> {
        let s = &spec.storage;
        if let Some(t) = self.tensors.get(&s.key) {
            if t.dtype() != s.dtype {
                return Err(Malformed::NotAStateDict(format!("storage {} is read as two dtypes", s.key)));
            }
            return Ok(t.clone());
        }
        let entry = format!("{}data/{}", self.root, s.key);
        let found = self.entries.get(&entry).ok_or_else(|| Malformed::MissingEntry(entry.clone()))?;
        let range = &found.range;
        let need = s.numel.checked_mul(s.dtype.size_in_bytes() as u64);
        if need != Some(range.len() as u64) {
            return Err(Malformed::NotAStateDict(format!(
                "storage '{entry}' has {} bytes, not {} elements of {}",
                range.len(),
                s.numel,
                s.dtype
            )));
        }
        let raw = found.checked(self.bytes, &entry)?;
        let data = match self.owner.as_ref().and_then(|o| shared_le(o, s.dtype, range.clone())) {
            Some(data) => data,
            None => decode(s.dtype, raw, &entry)?,
        };
        let numel = data.len();
        let t = Tensor::from_storage(Box::new(data), [numel]).expect("numel matches");
        self.tensors.insert(s.key.clone(), t.clone());
        Ok(t)
    }

    /// The tensor `spec` describes: its strided view of the storage, checked to stay inside it.
    fn view(&mut self, name: &str, spec: &TensorSpec) -> Result<Tensor, Malformed> {
        let storage = self.storage(spec)?;
        let out_of_range = || {
            Malformed::NotAStateDict(format!(
                "tensor '{name}': size {:?}, stride {:?}, offset {} reach past its storage of {} elements",
                spec.size, spec.stride, spec.offset, spec.storage.numel
            ))
        };
        let numel = spec.size.iter().try_fold(1u64, |a, &d| a.checked_mul(d)).ok_or_else(out_of_range)?;
        if numel > 0 {
            let last =
                spec.size.iter().zip(&spec.stride).try_fold(spec.offset, |a, (&d, &s)| {
                    (d - 1).checked_mul(s).and_then(|x| a.checked_add(x))
                });
            if last.is_none_or(|l| l >= spec.storage.numel) {
                return Err(out_of_range());
            }
        }
        // Every value is now bounded by the storage's length, which fits in memory.
        let to_usize = |v: &[u64]| v.iter().map(|&x| x as usize).collect::<Vec<_>>();
        let offset = if numel == 0 { 0 } else { spec.offset as usize };
        let layout = Layout::new(to_usize(&spec.size).into(), to_usize(&spec.stride), offset);
        let view = storage.as_strided(layout).map_err(|e| Malformed::NotAStateDict(e.to_string()))?;
        view.contiguous().map_err(|e| Malformed::NotAStateDict(e.to_string()))
    }
}
