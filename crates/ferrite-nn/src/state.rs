//! State dicts: an ordered mapping from dotted names to tensors, and loading one into a module
//! all-or-nothing.

use crate::module::{join, visit};
use crate::{Error, Module, Result};
use ferrite_tensor::{Tensor, no_grad};
use std::fmt;

/// Parameters and buffers by dotted name, in registration order (PyTorch's `OrderedDict`).
///
/// Displays as PyTorch prints one: `OrderedDict([('weight', tensor(...)), ('bias', tensor(...))])`.
#[derive(Clone, Default)]
pub struct StateDict(Vec<(String, Tensor)>);

impl StateDict {
    /// The entries in order.
    pub fn entries(&self) -> &[(String, Tensor)] {
        &self.0
    }

    /// The tensor stored under `key` (`net.state_dict()['2.bias']`).
    pub fn get(&self, key: &str) -> Option<&Tensor> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, t)| t)
    }

    /// The keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds an entry at the end (or replaces the one with that key).
    pub fn insert(&mut self, key: impl Into<String>, t: Tensor) {
        let key = key.into();
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = t,
            None => self.0.push((key, t)),
        }
    }
}

impl From<Vec<(String, Tensor)>> for StateDict {
    fn from(v: Vec<(String, Tensor)>) -> Self {
        StateDict(v)
    }
}

impl IntoIterator for StateDict {
    type Item = (String, Tensor);
    type IntoIter = std::vec::IntoIter<(String, Tensor)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl fmt::Display for StateDict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OrderedDict([")?;
        for (i, (k, t)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "('{k}', {t})")?;
        }
        f.write_str("])")
    }
}

impl fmt::Debug for StateDict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// What a non-strict load skipped.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LoadReport {
    /// Keys the module has but the dict lacks.
    pub missing: Vec<String>,
    /// Keys the dict has but the module lacks.
    pub unexpected: Vec<String>,
}

/// Loads `dict` into `m`: checks every key first and changes nothing unless all fit (strict), or
/// loads the fitting ones and reports the rest (non-strict; shape mismatches are still errors).
pub fn load(m: &dyn Module, dict: &StateDict, strict: bool) -> Result<LoadReport> {
    let mut targets = Vec::new();
    visit(m, "", &mut |prefix, sub| {
        for (n, p) in sub.own_parameters() {
            targets.push((join(prefix, &n), Target::Param(p)));
        }
        for (n, b) in sub.own_buffers() {
            targets.push((join(prefix, &n), Target::Buffer(b)));
        }
    });
    let mut missing = Vec::new();
    let mut mismatched = Vec::new();
    for (k, t) in &targets {
        match dict.get(k) {
            None => missing.push(k.clone()),
            Some(v) => {
                if let Some(cur) = t.current()
                    && (cur.shape() != v.shape() || cur.dtype() != v.dtype())
                {
                    mismatched.push((
                        k.clone(),
                        (cur.shape().clone(), cur.dtype()),
                        (v.shape().clone(), v.dtype()),
                    ));
                }
            }
        }
    }
    let unexpected: Vec<String> =
        dict.keys().filter(|k| !targets.iter().any(|(t, _)| t == k)).map(String::from).collect();
    if !mismatched.is_empty() || (strict && (!missing.is_empty() || !unexpected.is_empty())) {
        return Err(Error::StateDict { module: m.type_name(), missing, unexpected, mismatched });
    }
    let _guard = no_grad();
    for (k, t) in &targets {
        if let Some(v) = dict.get(k) {
            t.assign(v)?;
        }
    }
    Ok(LoadReport { missing, unexpected })
}

enum Target {
    Param(crate::Parameter),
    Buffer(Tensor),
}

impl Target {
    fn current(&self) -> Option<Tensor> {
        match self {
            Target::Param(p) => p.tensor().ok(),
            Target::Buffer(b) => Some(b.clone()),
        }
    }

    fn assign(&self, v: &Tensor) -> Result<()> {
        match self {
            Target::Param(p) if !p.is_initialized() => p.materialize(v.deep_clone()?),
            Target::Param(p) => Ok(p.data()?.copy_(v)?),
            Target::Buffer(b) => Ok(b.copy_(v)?),
        }
    }
}
