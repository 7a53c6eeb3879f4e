//! The module contract: `ModuleBase` (structure: children, parameters, buffers, training flag,
//! repr), which `#[derive(Module)]` writes, and `Module` (`forward`), which the user writes; plus
//! `ModuleExt`, the methods every module gets (named_parameters, state_dict, apply, train/eval, ...).

use crate::{Error, Parameter, Result, StateDict};
use ferrite_tensor::Tensor;
use std::any::Any;
use std::collections::HashSet;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

/// A module's train/eval flag (PyTorch's `self.training`), settable through `&self`.
#[derive(Debug)]
pub struct Training(AtomicBool);

impl Default for Training {
    fn default() -> Self {
        Training(AtomicBool::new(true))
    }
}

impl Training {
    /// True in training mode.
    pub fn get(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// Sets the mode.
    pub fn set(&self, training: bool) {
        self.0.store(training, Ordering::Relaxed)
    }
}

/// The structure of a module: what PyTorch's `nn.Module` learns through `__setattr__`.
/// `#[derive(Module)]` implements it; layers in this crate implement it by hand.
pub trait ModuleBase: Send + Sync + Any {
    /// The class name shown in the repr (`Linear`, `MySequential`).
    fn type_name(&self) -> String;
    /// The text inside the parentheses of the repr (PyTorch's `extra_repr`).
    fn extra_repr(&self) -> String {
        String::new()
    }
    /// Registered submodules in registration order, with their names (`0`, `hidden`, `block 1`).
    fn children(&self) -> Vec<(String, &dyn Module)> {
        Vec::new()
    }
    /// This module's own parameters (not its children's), in registration order.
    fn own_parameters(&self) -> Vec<(String, Parameter)> {
        Vec::new()
    }
    /// This module's own buffers (state that is saved but not learned).
    fn own_buffers(&self) -> Vec<(String, Tensor)> {
        Vec::new()
    }
    /// The module's own train/eval flag, if it keeps one.
    fn training_flag(&self) -> Option<&Training> {
        None
    }
    /// Downcast support.
    fn as_any(&self) -> &dyn Any;
    /// Refuses `apply` while the module cannot be initialized (an uninitialized lazy layer).
    fn check_apply(&self) -> Result<()> {
        Ok(())
    }
    /// The whole repr, for a module whose PyTorch class overrides `__repr__` (`ModuleList` folds
    /// repeated children into `(1-2): 2 x Linear(...)`); `None` uses the layout of [`repr`].
    fn custom_repr(&self) -> Option<String> {
        None
    }
}

/// A layer or block: PyTorch's `nn.Module`. `forward` takes `&self`, so a layer can be shared
/// (`Arc<Linear>` placed twice) and lazy layers materialize through interior mutability.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a module: no `impl Module for {Self}` applies",
    note = "`#[derive(Module)]` writes only the structure (`ModuleBase`); write the forward pass \
            in `impl Module for {Self}`: `fn forward(&self, x: &Tensor) -> Result<Tensor>`"
)]
pub trait Module: ModuleBase {
    /// Computes the output (PyTorch's `net(X)`).
    fn forward(&self, x: &Tensor) -> Result<Tensor>;
}

/// Methods every module has (PyTorch's `nn.Module` API), implemented once for all modules.
pub trait ModuleExt: Module {
    /// `(dotted name, parameter)` pairs, each shared parameter once (first name wins), as PyTorch.
    fn named_parameters(&self) -> Vec<(String, Parameter)> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        visit(self.as_dyn(), "", &mut |prefix, m| {
            for (n, p) in m.own_parameters() {
                if seen.insert(p.id()) {
                    out.push((join(prefix, &n), p));
                }
            }
        });
        out
    }

    /// Every parameter once (what an optimizer updates).
    fn parameters(&self) -> Vec<Parameter> {
        self.named_parameters().into_iter().map(|(_, p)| p).collect()
    }

    /// `(dotted name, buffer)` pairs.
    fn named_buffers(&self) -> Vec<(String, Tensor)> {
        let mut out = Vec::new();
        visit(self.as_dyn(), "", &mut |prefix, m| {
            out.extend(m.own_buffers().into_iter().map(|(n, b)| (join(prefix, &n), b)));
        });
        out
    }

    /// Every submodule with its dotted name, self first (`""`), depth first.
    fn named_modules(&self) -> Vec<(String, &dyn Module)> {
        let mut out = vec![(String::new(), self.as_dyn())];
        collect_modules(self.as_dyn(), "", &mut out);
        out
    }

    /// The parameter `name` of this module (`net[2].param("bias")`), dotted names reaching children.
    fn param(&self, name: &str) -> Result<Parameter> {
        self.named_parameters_all()
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, p)| p)
            .ok_or_else(|| Error::NoSuch { module: self.type_name(), kind: "parameter", name: name.into() })
    }

    /// Like `named_parameters` but listing a shared parameter under every name (state_dict order).
    fn named_parameters_all(&self) -> Vec<(String, Parameter)> {
        let mut out = Vec::new();
        visit(self.as_dyn(), "", &mut |prefix, m| {
            out.extend(m.own_parameters().into_iter().map(|(n, p)| (join(prefix, &n), p)));
        });
        out
    }

    /// The child at position `i` (`net[i]` without the panic of `Index`).
    fn child(&self, i: usize) -> Result<&dyn Module> {
        let children = self.children();
        let len = children.len();
        children.into_iter().nth(i).map(|(_, m)| m).ok_or(Error::IndexOutOfRange {
            module: "Module",
            index: i as isize,
            len,
        })
    }

    /// The child registered as `name`.
    fn child_named(&self, name: &str) -> Result<&dyn Module> {
        self.children().into_iter().find(|(n, _)| n == name).map(|(_, m)| m).ok_or_else(|| Error::NoSuch {
            module: self.type_name(),
            kind: "child",
            name: name.into(),
        })
    }

    /// This module as a concrete layer type (d2l's `type(m) == nn.Linear`).
    fn downcast_ref<T: Module>(&self) -> Option<&T> {
        self.as_any().downcast_ref::<T>()
    }

    /// True in training mode: the module's own flag, else the first flag found depth-first among
    /// its submodules (a `Sequential(Linear, Dropout)` answers with its Dropout's), else true
    /// (layers without a flag, such as `Linear`, behave the same in both modes).
    ///
    /// ```
    /// use ferrite_nn::{Dropout, Linear, ModuleExt, sequential};
    /// let net = sequential![Linear::new(2, 2)?, Dropout::new(0.5)?];
    /// assert!(net.is_training());
    /// assert!(!net.eval().is_training());
    /// # Ok::<(), ferrite_nn::Error>(())
    /// ```
    fn is_training(&self) -> bool {
        is_training(self.as_dyn())
    }

    /// Training mode for this module and every submodule; returns the module for chaining.
    fn train(&self) -> &Self {
        set_mode(self.as_dyn(), true);
        self
    }

    /// Evaluation mode (dropout off); returns the module for chaining.
    fn eval(&self) -> &Self {
        set_mode(self.as_dyn(), false);
        self
    }

    /// Calls `f` on every submodule, children before their parent, depth first (PyTorch's `apply`);
    /// stops at the first error. d2l's `net.apply(init_normal)`.
    ///
    /// `f` may return any error that a module error converts into, so a function written against
    /// the facade (`-> ferrite::Result<()>`) is passed as it is. An uninitialized lazy layer refuses
    /// `apply` before `f` sees it.
    ///
    /// ```
    /// use ferrite_nn::{sequential, Linear, Module, ModuleExt, ReLU};
    /// fn count_linear(m: &dyn Module, n: &mut usize) -> ferrite_nn::Result<()> {
    ///     if m.downcast_ref::<Linear>().is_some() {
    ///         *n += 1;
    ///     }
    ///     Ok(())
    /// }
    /// let net = sequential![Linear::new(4, 8)?, ReLU::new(), Linear::new(8, 1)?];
    /// let mut n = 0;
    /// net.apply(|m| count_linear(m, &mut n))?;
    /// assert_eq!(n, 2);
    /// # Ok::<(), ferrite_nn::Error>(())
    /// ```
    fn apply<E: From<Error>>(
        &self,
        mut f: impl FnMut(&dyn Module) -> std::result::Result<(), E>,
    ) -> std::result::Result<&Self, E> {
        apply(self.as_dyn(), &mut f)?;
        Ok(self)
    }

    /// Parameters and buffers by dotted name, detached (PyTorch's `state_dict()`); a shared
    /// parameter appears under each of its names.
    fn state_dict(&self) -> StateDict {
        let mut out = Vec::new();
        visit(self.as_dyn(), "", &mut |prefix, m| {
            for (n, p) in m.own_parameters() {
                if let Ok(t) = p.data() {
                    out.push((join(prefix, &n), t));
                }
            }
            out.extend(m.own_buffers().into_iter().map(|(n, b)| (join(prefix, &n), b.detach())));
        });
        StateDict::from(out)
    }

    /// Copies a state dict into this module (strict: every key must match in name, shape and
    /// dtype, else nothing is loaded and one error lists every problem).
    fn load_state_dict(&self, dict: &StateDict) -> Result<()> {
        crate::state::load(self.as_dyn(), dict, true).map(|_| ())
    }

    /// Moves every parameter to `device` (PyTorch's `net.to(device)`), in place: the module and
    /// every handle to its parameters (`net[0]`'s weight, an optimizer's) see the moved tensors,
    /// which keep their `requires_grad` flags and gradients; parameters already there keep their
    /// tensors. Stops at the first error (an unavailable device, named in it); parameters moved
    /// before it stay moved. Buffers are plain tensors owned by their layer and are not moved.
    ///
    /// ```
    /// use ferrite_nn::{Linear, ModuleExt};
    /// use ferrite_tensor::Device;
    /// let net = Linear::new(3, 1)?;
    /// net.to(Device::Cpu)?;
    /// assert_eq!(net.weight()?.device(), Device::Cpu);
    /// # Ok::<(), ferrite_nn::Error>(())
    /// ```
    fn to(&self, device: ferrite_tensor::Device) -> Result<&Self> {
        for p in self.parameters() {
            p.to_device(device)?;
        }
        Ok(self)
    }

    /// The module as a trait object.
    fn as_dyn(&self) -> &dyn Module;
}

impl<M: Module> ModuleExt for M {
    fn as_dyn(&self) -> &dyn Module {
        self
    }
}

impl ModuleExt for dyn Module {
    fn as_dyn(&self) -> &dyn Module {
        self
    }
}

pub(crate) fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() { name.to_string() } else { format!("{prefix}.{name}") }
}

/// Calls `f(prefix, module)` on `m` then on each descendant, depth first in registration order.
pub(crate) fn visit<'a>(m: &'a dyn Module, prefix: &str, f: &mut dyn FnMut(&str, &'a dyn Module)) {
    f(prefix, m);
    for (name, c) in m.children() {
        visit(c, &join(prefix, &name), f);
    }
}

fn collect_modules<'a>(m: &'a dyn Module, prefix: &str, out: &mut Vec<(String, &'a dyn Module)>) {
    for (name, c) in m.children() {
        let full = join(prefix, &name);
        out.push((full.clone(), c));
        collect_modules(c, &full, out);
    }
}

fn is_training(m: &dyn Module) -> bool {
    if let Some(t) = m.training_flag() {
        return t.get();
    }
    fn first_flag(m: &dyn Module) -> Option<bool> {
        m.training_flag().map(Training::get).or_else(|| m.children().iter().find_map(|(_, c)| first_flag(*c)))
    }
    first_flag(m).unwrap_or(true)
}

fn set_mode(m: &dyn Module, training: bool) {
    if let Some(t) = m.training_flag() {
        t.set(training);
    }
    for (_, c) in m.children() {
        set_mode(c, training);
    }
}

fn apply<E: From<Error>>(
    m: &dyn Module,
    f: &mut dyn FnMut(&dyn Module) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    for (_, c) in m.children() {
        apply(c, f)?;
    }
    m.check_apply()?;
    f(m)
}

/// PyTorch's `nn.Module.__repr__`: `Name(extra)` or `Name(\n  (child): ...\n)`.
pub fn repr(m: &dyn Module) -> String {
    if let Some(s) = m.custom_repr() {
        return s;
    }
    let extra = m.extra_repr();
    let extra_lines: Vec<&str> = if extra.is_empty() { vec![] } else { extra.split('\n').collect() };
    let child_lines: Vec<String> =
        m.children().into_iter().map(|(name, c)| format!("({name}): {}", add_indent(&repr(c), 2))).collect();
    let mut s = m.type_name() + "(";
    if extra_lines.len() == 1 && child_lines.is_empty() {
        s += extra_lines[0];
    } else if !extra_lines.is_empty() || !child_lines.is_empty() {
        let lines: Vec<String> = extra_lines.iter().map(|l| l.to_string()).chain(child_lines).collect();
        s += "\n  ";
        s += &lines.join("\n  ");
        s += "\n";
    }
    s + ")"
}

/// Indents every line but the first by `n` spaces (PyTorch's `_addindent`).
pub(crate) fn add_indent(s: &str, n: usize) -> String {
    let mut lines = s.split('\n');
    let first = lines.next().unwrap_or("");
    let pad = " ".repeat(n);
    std::iter::once(first.to_string())
        .chain(lines.map(|l| format!("{pad}{l}")))
        .collect::<Vec<_>>()
        .join("\n")
}

impl fmt::Display for dyn Module {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&repr(self))
    }
}

impl fmt::Debug for dyn Module {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&repr(self))
    }
}

/// Indexing a module by child position: `rgnet[0][1][0]`. Panics when out of range, as indexing
/// a list does; use [`ModuleExt::child`] for an error instead.
impl std::ops::Index<usize> for dyn Module {
    type Output = dyn Module;
    fn index(&self, i: usize) -> &dyn Module {
        self.child(i).unwrap_or_else(|e| panic!("{e}"))
    }
}

/// Implements `Display` (the PyTorch repr) for module types.
#[macro_export]
macro_rules! impl_module_display {
    ($($t:ty),*) => {$(
        impl ::std::fmt::Display for $t {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&$crate::repr(self))
            }
        }
    )*};
}
