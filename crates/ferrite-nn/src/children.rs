//! [`Children`]: how a field becomes submodules, which `#[derive(Module)]` calls for every field
//! that is not a parameter, buffer, flag or plain value. Implemented for modules, `Arc`s of them,
//! `Option`, and (as modules themselves) `Box<M>` and `Vec<T>`, which is a `ModuleList`.

use crate::module::{ModuleBase, add_indent};
use crate::{Error, Module, ModuleExt, Parameter, Result};
use ferrite_tensor::Tensor;
use std::any::Any;
use std::sync::Arc;

/// A field that holds submodules. `#[derive(Module)]` registers a field `name` through
/// `push_children` (PyTorch's `self.name = module`), or through `push_flattened` with
/// `#[module(flatten)]` (d2l's `self._modules[str(idx)] = module`).
///
/// ```
/// use ferrite_nn::{Children, Linear, Module, ModuleExt};
/// let layers = vec![Linear::new(4, 8)?, Linear::new(8, 2)?];
/// let mut named = Vec::new();
/// layers.push_children("layers", &mut named); // one child, a ModuleList
/// assert_eq!(named[0].0, "layers");
/// assert_eq!(named[0].1.named_parameters()[2].0, "1.weight");
/// let mut flat = Vec::new();
/// layers.push_flattened(&mut flat); // its items, named by position
/// assert_eq!(flat.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["0", "1"]);
/// # Ok::<(), ferrite_nn::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a module, so #[derive(Module)] cannot register it as a child",
    label = "not a module",
    note = "fields register by type: `Parameter`, `#[buffer] Tensor`, `Training`, and plain values \
            (tensors, numbers, bool, String) are not children; everything else must be a module",
    note = "mark the field `#[module(skip)]` to leave it out of the module tree"
)]
pub trait Children {
    /// Appends this field's submodules under `name` (one child for a module; `None` adds nothing).
    fn push_children<'a>(&'a self, name: &str, out: &mut Vec<(String, &'a dyn Module)>);

    /// Appends the submodules inside this field directly, each under its own name (a `Vec`'s
    /// items as `0`, `1`, ...; a container's children under theirs).
    fn push_flattened<'a>(&'a self, out: &mut Vec<(String, &'a dyn Module)>);
}

impl<M: ModuleExt + ?Sized> Children for M {
    fn push_children<'a>(&'a self, name: &str, out: &mut Vec<(String, &'a dyn Module)>) {
        out.push((name.to_string(), self.as_dyn()));
    }

    fn push_flattened<'a>(&'a self, out: &mut Vec<(String, &'a dyn Module)>) {
        out.extend(self.children());
    }
}

/// A shared child (`Arc<Linear>` placed twice shares its parameters, as d2l's `shared` layer).
impl<T: Children + ?Sized> Children for Arc<T> {
    fn push_children<'a>(&'a self, name: &str, out: &mut Vec<(String, &'a dyn Module)>) {
        (**self).push_children(name, out)
    }

    fn push_flattened<'a>(&'a self, out: &mut Vec<(String, &'a dyn Module)>) {
        (**self).push_flattened(out)
    }
}

/// An optional child, registered only when present.
impl<T: Children> Children for Option<T> {
    fn push_children<'a>(&'a self, name: &str, out: &mut Vec<(String, &'a dyn Module)>) {
        if let Some(m) = self {
            m.push_children(name, out)
        }
    }

    fn push_flattened<'a>(&'a self, out: &mut Vec<(String, &'a dyn Module)>) {
        if let Some(m) = self {
            m.push_flattened(out)
        }
    }
}

/// A boxed module is the module: every method forwards, and `downcast_ref` sees the inner type.
/// (`Box` gets a `Module` impl rather than a `Children` one because a downstream crate may
/// implement `Module` for `Box<ItsType>`, which coherence would count as overlapping.)
impl<M: Module + ?Sized> ModuleBase for Box<M> {
    fn type_name(&self) -> String {
        (**self).type_name()
    }
    fn extra_repr(&self) -> String {
        (**self).extra_repr()
    }
    fn children(&self) -> Vec<(String, &dyn Module)> {
        (**self).children()
    }
    fn own_parameters(&self) -> Vec<(String, Parameter)> {
        (**self).own_parameters()
    }
    fn own_buffers(&self) -> Vec<(String, Tensor)> {
        (**self).own_buffers()
    }
    fn training_flag(&self) -> Option<&crate::Training> {
        (**self).training_flag()
    }
    fn as_any(&self) -> &dyn Any {
        (**self).as_any()
    }
    fn check_apply(&self) -> Result<()> {
        (**self).check_apply()
    }
    fn custom_repr(&self) -> Option<String> {
        (**self).custom_repr()
    }
}

impl<M: Module + ?Sized> Module for Box<M> {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        (**self).forward(x)
    }
}

/// A `Vec` of modules is a `ModuleList` (PyTorch's `self.layers = nn.ModuleList([...])`): one
/// child whose items are named `0`, `1`, ..., so parameters read `layers.0.weight`.
impl<T: Children + Send + Sync + 'static> ModuleBase for Vec<T> {
    fn type_name(&self) -> String {
        "ModuleList".into()
    }
    fn children(&self) -> Vec<(String, &dyn Module)> {
        let mut out = Vec::new();
        for (i, item) in self.iter().enumerate() {
            item.push_children(&i.to_string(), &mut out);
        }
        out
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn custom_repr(&self) -> Option<String> {
        Some(module_list_repr(self))
    }
}

impl<T: Children + Send + Sync + 'static> Module for Vec<T> {
    /// A list has no forward of its own, as `ModuleList`; iterate over it in the owner's forward.
    fn forward(&self, _x: &Tensor) -> Result<Tensor> {
        Err(Error::InvalidArgument {
            op: "ModuleList",
            reason: "a Vec of modules has no forward; iterate over it".into(),
        })
    }
}

/// PyTorch's `ModuleList.__repr__`: runs of children with equal reprs fold into one line,
/// `(1-2): 2 x Linear(...)`, so a stack of identical blocks prints once.
pub(crate) fn module_list_repr(m: &dyn Module) -> String {
    let children = m.children();
    if children.is_empty() {
        return m.type_name() + "()";
    }
    // (first name, last name, count, repr) per run of equal reprs.
    let mut runs: Vec<(String, String, usize, String)> = Vec::new();
    for (name, c) in children {
        let r = crate::repr(c);
        match runs.last_mut() {
            Some(run) if run.3 == r => {
                run.1 = name;
                run.2 += 1;
            }
            _ => runs.push((name.clone(), name, 1, r)),
        }
    }
    let lines: Vec<String> = runs
        .into_iter()
        .map(|(first, last, n, r)| {
            let line =
                if n == 1 { format!("({first}): {r}") } else { format!("({first}-{last}): {n} x {r}") };
            add_indent(&line, 2)
        })
        .collect();
    format!("{}(\n  {}\n)", m.type_name(), lines.join("\n  "))
}

/// What the derive's generated code names through the nn crate, so it also works through the
/// facade (`#[module(crate = "ferrite::nn")]`) without the user depending on ferrite-tensor.
#[doc(hidden)]
pub mod __private {
    pub use ferrite_tensor::Tensor;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Linear, ReLU};

    fn names(out: &[(String, &dyn Module)]) -> Vec<String> {
        out.iter().map(|(n, _)| n.clone()).collect()
    }

    #[test]
    fn wrappers_register_their_module() -> Result<()> {
        let shared: Arc<dyn Module> = Arc::new(Linear::new(2, 2)?);
        let boxed: Box<dyn Module> = Box::new(ReLU::new());
        let none: Option<Linear> = None;
        let some = Some(Arc::new(Linear::new(2, 2)?));
        let mut out = Vec::new();
        shared.push_children("a", &mut out);
        boxed.push_children("b", &mut out);
        none.push_children("c", &mut out);
        some.push_children("d", &mut out);
        assert_eq!(names(&out), ["a", "b", "d"]);
        assert_eq!(out[1].1.type_name(), "ReLU");
        assert!(out[1].1.downcast_ref::<ReLU>().is_some());
        Ok(())
    }

    #[test]
    fn vec_is_a_module_list() -> Result<()> {
        let v: Vec<Box<dyn Module>> = vec![Box::new(Linear::new(4, 8)?), Box::new(ReLU::new())];
        assert_eq!(
            crate::repr(&v),
            "ModuleList(\n  (0): Linear(in_features=4, out_features=8, bias=True)\n  (1): ReLU()\n)"
        );
        assert!(v.forward(&Tensor::zeros([1, 4])).is_err());
        Ok(())
    }

    #[test]
    fn module_list_folds_repeats_as_pytorch() -> Result<()> {
        // nn.ModuleList([nn.Linear(4, 8), s, s, nn.ReLU()]) with s = nn.Linear(8, 8), from PyTorch 2.
        let s = Arc::new(Linear::new(8, 8)?);
        let v: Vec<Arc<dyn Module>> = vec![Arc::new(Linear::new(4, 8)?), s.clone(), s, Arc::new(ReLU::new())];
        assert_eq!(
            crate::repr(&v),
            "ModuleList(\n  (0): Linear(in_features=4, out_features=8, bias=True)\n  \
             (1-2): 2 x Linear(in_features=8, out_features=8, bias=True)\n  (3): ReLU()\n)"
        );
        assert_eq!(crate::repr(&Vec::<Linear>::new()), "ModuleList()");
        Ok(())
    }
}
