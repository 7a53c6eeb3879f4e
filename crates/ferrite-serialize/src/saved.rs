//! What a file holds: one tensor, a list of tensors or a string-keyed ordered map of tensors,
//! as `torch.save(x)`, `torch.save([x, y])` and `torch.save({"x": x})` in d2l.

use crate::{Error, Result};
use ferrite_tensor::Tensor;
use std::fmt;

/// The kind of object a file holds, recorded in its metadata as `ferrite.kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// One tensor.
    Tensor,
    /// A list of tensors.
    List,
    /// A string-keyed map of tensors, in insertion order (also what a file without ferrite's
    /// metadata, such as one PyTorch wrote, holds).
    Map,
}

impl Kind {
    pub(crate) fn tag(self) -> &'static str {
        match self {
            Kind::Tensor => "tensor",
            Kind::List => "list",
            Kind::Map => "map",
        }
    }

    pub(crate) fn from_tag(tag: &str) -> Option<Kind> {
        match tag {
            "tensor" => Some(Kind::Tensor),
            "list" => Some(Kind::List),
            "map" => Some(Kind::Map),
            _ => None,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Tensor => "a tensor",
            Kind::List => "a list of tensors",
            Kind::Map => "a map of tensors",
        })
    }
}

/// An object loaded from a file, of the kind that was saved.
///
/// ```
/// use ferrite_serialize::{Kind, Saved};
/// use ferrite_tensor::Tensor;
/// let s = Saved::from(vec![Tensor::arange(3)?]);
/// assert_eq!(s.kind(), Kind::List);
/// assert!(s.into_tensor().is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub enum Saved {
    /// One tensor.
    Tensor(Tensor),
    /// A list of tensors.
    List(Vec<Tensor>),
    /// Named tensors in order (a state dict).
    Map(Vec<(String, Tensor)>),
}

impl Saved {
    /// The kind held.
    pub fn kind(&self) -> Kind {
        match self {
            Saved::Tensor(_) => Kind::Tensor,
            Saved::List(_) => Kind::List,
            Saved::Map(_) => Kind::Map,
        }
    }

    /// The tensor, or [`Error::WrongKind`].
    pub fn into_tensor(self) -> Result<Tensor> {
        match self {
            Saved::Tensor(t) => Ok(t),
            other => Err(Error::WrongKind { expected: Kind::Tensor, found: other.kind() }),
        }
    }

    /// The list, or [`Error::WrongKind`].
    pub fn into_vec(self) -> Result<Vec<Tensor>> {
        match self {
            Saved::List(v) => Ok(v),
            other => Err(Error::WrongKind { expected: Kind::List, found: other.kind() }),
        }
    }

    /// The named tensors in order, or [`Error::WrongKind`].
    pub fn into_map(self) -> Result<Vec<(String, Tensor)>> {
        match self {
            Saved::Map(m) => Ok(m),
            other => Err(Error::WrongKind { expected: Kind::Map, found: other.kind() }),
        }
    }
}

/// Prints as Python prints what `torch.load` returns: the tensor, `[t1, t2]` for a list and
/// `{'x': t1, 'y': t2}` for named tensors.
///
/// ```
/// use ferrite_serialize::Saved;
/// use ferrite_tensor::Tensor;
/// let d = Saved::Map(vec![("x".into(), Tensor::arange(4)?), ("y".into(), Tensor::zeros([4]))]);
/// assert_eq!(d.to_string(), "{'x': tensor([0, 1, 2, 3]), 'y': tensor([0., 0., 0., 0.])}");
/// # Ok::<(), ferrite_tensor::Error>(())
/// ```
impl fmt::Display for Saved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Saved::Tensor(t) => write!(f, "{t}"),
            Saved::List(v) => {
                let items: Vec<String> = v.iter().map(|t| t.to_string()).collect();
                write!(f, "[{}]", items.join(", "))
            }
            Saved::Map(m) => {
                let items: Vec<String> = m.iter().map(|(k, t)| format!("'{k}': {t}")).collect();
                write!(f, "{{{}}}", items.join(", "))
            }
        }
    }
}

impl From<Tensor> for Saved {
    fn from(t: Tensor) -> Self {
        Saved::Tensor(t)
    }
}

impl From<Vec<Tensor>> for Saved {
    fn from(v: Vec<Tensor>) -> Self {
        Saved::List(v)
    }
}

impl From<Vec<(String, Tensor)>> for Saved {
    fn from(m: Vec<(String, Tensor)>) -> Self {
        Saved::Map(m)
    }
}

/// A borrowed object to save; [`crate::save`] takes anything that converts into it, so callers
/// pass `&tensor`, `&vec_of_tensors` or `&named_pairs` without cloning.
///
/// ```
/// use ferrite_serialize::{Kind, SavedRef};
/// use ferrite_tensor::Tensor;
/// let x = Tensor::arange(3)?;
/// assert_eq!(SavedRef::from(&x).kind(), Kind::Tensor);
/// # Ok::<(), ferrite_tensor::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub enum SavedRef<'a> {
    /// One tensor.
    Tensor(&'a Tensor),
    /// A list of tensors.
    List(&'a [Tensor]),
    /// Named tensors in order.
    Map(&'a [(String, Tensor)]),
}

impl SavedRef<'_> {
    /// The kind held.
    pub fn kind(&self) -> Kind {
        match self {
            SavedRef::Tensor(_) => Kind::Tensor,
            SavedRef::List(_) => Kind::List,
            SavedRef::Map(_) => Kind::Map,
        }
    }
}

impl<'a> From<&'a Tensor> for SavedRef<'a> {
    fn from(t: &'a Tensor) -> Self {
        SavedRef::Tensor(t)
    }
}

impl<'a> From<&'a [Tensor]> for SavedRef<'a> {
    fn from(v: &'a [Tensor]) -> Self {
        SavedRef::List(v)
    }
}

impl<'a> From<&'a Vec<Tensor>> for SavedRef<'a> {
    fn from(v: &'a Vec<Tensor>) -> Self {
        SavedRef::List(v)
    }
}

impl<'a, const N: usize> From<&'a [Tensor; N]> for SavedRef<'a> {
    fn from(v: &'a [Tensor; N]) -> Self {
        SavedRef::List(v)
    }
}

impl<'a> From<&'a [(String, Tensor)]> for SavedRef<'a> {
    fn from(m: &'a [(String, Tensor)]) -> Self {
        SavedRef::Map(m)
    }
}

impl<'a> From<&'a Vec<(String, Tensor)>> for SavedRef<'a> {
    fn from(m: &'a Vec<(String, Tensor)>) -> Self {
        SavedRef::Map(m)
    }
}

impl<'a> From<&'a Saved> for SavedRef<'a> {
    fn from(s: &'a Saved) -> Self {
        match s {
            Saved::Tensor(t) => SavedRef::Tensor(t),
            Saved::List(v) => SavedRef::List(v),
            Saved::Map(m) => SavedRef::Map(m),
        }
    }
}
