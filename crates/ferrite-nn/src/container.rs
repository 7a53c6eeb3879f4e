//! Containers: `Sequential` (runs children in order), `ModuleList` and `ModuleDict` (hold children
//! for a custom forward). Children are held by `Arc`, so one layer can be placed twice and share
//! its parameters (d2l's `shared` layer).

use crate::module::ModuleBase;
use crate::{Error, Module, ModuleExt, Result, impl_module_display};
use ferrite_tensor::Tensor;
use std::any::Any;
use std::sync::Arc;

/// Something that can be a child: a module by value, or an `Arc` of one to share it.
pub trait IntoModule {
    /// The shared handle.
    fn into_module(self) -> Arc<dyn Module>;
}

impl<M: Module> IntoModule for M {
    fn into_module(self) -> Arc<dyn Module> {
        Arc::new(self)
    }
}

impl<M: Module> IntoModule for Arc<M> {
    fn into_module(self) -> Arc<dyn Module> {
        self
    }
}

impl IntoModule for Arc<dyn Module> {
    fn into_module(self) -> Arc<dyn Module> {
        self
    }
}

/// Children in order, each applied to the previous one's output (PyTorch's `nn.Sequential`).
///
/// ```
/// use ferrite_nn::{sequential, Linear, Module, ModuleExt, ReLU};
/// use ferrite_tensor::Tensor;
/// let net = sequential![Linear::new(20, 256)?, ReLU::new(), Linear::new(256, 10)?];
/// assert_eq!(net.forward(&Tensor::rand([2, 20]))?.dims(), &[2, 10]);
/// assert_eq!(net.named_parameters()[3].0, "2.bias");
/// # Ok::<(), ferrite_nn::Error>(())
/// ```
#[derive(Default, Clone)]
pub struct Sequential {
    children: Vec<(String, Arc<dyn Module>)>,
}

impl Sequential {
    /// An empty container.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a child named by its position (builder style).
    pub fn push(mut self, m: impl IntoModule) -> Self {
        let name = self.children.len().to_string();
        self.children.push((name, m.into_module()));
        self
    }

    /// Appends a child under `name` (PyTorch's `add_module`, d2l's `f'block {i}'`); a name already
    /// there is replaced in place.
    pub fn add_module(&mut self, name: impl Into<String>, m: impl IntoModule) {
        let name = name.into();
        let m = m.into_module();
        match self.children.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = m,
            None => self.children.push((name, m)),
        }
    }

    /// Number of children.
    pub fn len(&self) -> usize {
        self.children.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.children.is_empty()
    }

    /// The child at `i` as its concrete type (`net.get::<Linear>(0)`).
    pub fn get<M: Module>(&self, i: usize) -> Result<&M> {
        let m = self.child(i)?;
        m.as_any().downcast_ref::<M>().ok_or_else(|| Error::WrongType {
            expected: std::any::type_name::<M>().rsplit("::").next().unwrap_or("module"),
            found: m.type_name(),
        })
    }

    /// The shared handle of child `i` (to place it elsewhere too).
    pub fn arc(&self, i: usize) -> Option<Arc<dyn Module>> {
        self.children.get(i).map(|(_, m)| m.clone())
    }

    /// Iterates over the children.
    pub fn iter(&self) -> impl Iterator<Item = &dyn Module> {
        self.children.iter().map(|(_, m)| &**m)
    }
}

/// Builds a [`Sequential`] from modules: `sequential![Linear::new(4, 8)?, ReLU::new()]`.
#[macro_export]
macro_rules! sequential {
    ($($m:expr),* $(,)?) => {
        $crate::Sequential::new()$(.push($m))*
    };
}

impl ModuleBase for Sequential {
    fn type_name(&self) -> String {
        "Sequential".into()
    }
    fn children(&self) -> Vec<(String, &dyn Module)> {
        self.children.iter().map(|(n, m)| (n.clone(), &**m)).collect()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Module for Sequential {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mut h = x.clone();
        for (_, m) in &self.children {
            h = m.forward(&h)?;
        }
        Ok(h)
    }
}

impl std::ops::Index<usize> for Sequential {
    type Output = dyn Module;
    /// `net[i]`; panics when out of range, as a list does ([`ModuleExt::child`] returns an error).
    fn index(&self, i: usize) -> &dyn Module {
        match self.children.get(i) {
            Some((_, m)) => &**m,
            None => panic!(
                "{}",
                Error::IndexOutOfRange { module: "Sequential", index: i as isize, len: self.len() }
            ),
        }
    }
}

/// Children in a list, for a custom forward (PyTorch's `nn.ModuleList`); named `0`, `1`, ...
#[derive(Default, Clone)]
pub struct ModuleList {
    children: Vec<Arc<dyn Module>>,
}

impl ModuleList {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a module.
    pub fn push(&mut self, m: impl IntoModule) {
        self.children.push(m.into_module());
    }

    /// Number of modules.
    pub fn len(&self) -> usize {
        self.children.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.children.is_empty()
    }

    /// Iterates over the modules.
    pub fn iter(&self) -> impl Iterator<Item = &dyn Module> {
        self.children.iter().map(|m| &**m)
    }
}

impl ModuleBase for ModuleList {
    fn type_name(&self) -> String {
        "ModuleList".into()
    }
    fn custom_repr(&self) -> Option<String> {
        Some(crate::children::module_list_repr(self))
    }
    fn children(&self) -> Vec<(String, &dyn Module)> {
        self.children.iter().enumerate().map(|(i, m)| (i.to_string(), &**m)).collect()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Module for ModuleList {
    /// A list has no forward of its own; calling it is an error, as in PyTorch.
    fn forward(&self, _x: &Tensor) -> Result<Tensor> {
        Err(Error::InvalidArgument {
            op: "ModuleList",
            reason: "ModuleList has no forward; iterate over it".into(),
        })
    }
}

/// Children by name, for a custom forward (PyTorch's `nn.ModuleDict`), in insertion order.
#[derive(Default, Clone)]
pub struct ModuleDict {
    children: Vec<(String, Arc<dyn Module>)>,
}

impl ModuleDict {
    /// An empty dict.
    pub fn new() -> Self {
        Self::default()
    }

    /// Inserts or replaces `name`.
    pub fn insert(&mut self, name: impl Into<String>, m: impl IntoModule) {
        let name = name.into();
        let m = m.into_module();
        match self.children.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = m,
            None => self.children.push((name, m)),
        }
    }

    /// The module under `name`.
    pub fn get(&self, name: &str) -> Option<&dyn Module> {
        self.children.iter().find(|(n, _)| n == name).map(|(_, m)| &**m)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.children.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.children.is_empty()
    }
}

impl ModuleBase for ModuleDict {
    fn type_name(&self) -> String {
        "ModuleDict".into()
    }
    fn children(&self) -> Vec<(String, &dyn Module)> {
        self.children.iter().map(|(n, m)| (n.clone(), &**m)).collect()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Module for ModuleDict {
    /// A dict has no forward of its own.
    fn forward(&self, _x: &Tensor) -> Result<Tensor> {
        Err(Error::InvalidArgument {
            op: "ModuleDict",
            reason: "ModuleDict has no forward; index it by name".into(),
        })
    }
}

impl_module_display!(Sequential, ModuleList, ModuleDict);
