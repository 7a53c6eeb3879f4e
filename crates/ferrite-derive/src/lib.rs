//! `#[derive(Module)]`: writes `ferrite_nn::ModuleBase` for a struct, so a user module is its
//! fields plus a hand-written `forward`, as in PyTorch but without `__setattr__` magic.

mod expand;
mod fields;

use proc_macro::TokenStream;

/// Implements `ModuleBase` (and `Display`, PyTorch's repr) for a struct with named fields; you
/// write `impl Module for T { fn forward(..) }`. Use it as `ferrite_nn::Module`: the derive and the
/// trait share the name, as serde's `Serialize` does.
///
/// Fields register by their type, as PyTorch's `__setattr__` registers by runtime type, in field
/// order:
///
/// | field | registers as |
/// | --- | --- |
/// | `Parameter` / `Option<Parameter>` / `Vec<Parameter>` | parameter `name` / `name` when `Some` / `name.0`, `name.1`, ... |
/// | `#[buffer] Tensor` / `#[buffer] Option<Tensor>` | buffer `name` (saved in `state_dict`, not learned) |
/// | `Training` | the module's own train/eval flag |
/// | `Tensor`, numbers, `bool`, `char`, `String`, `PhantomData`, closures, and types built only of these (`Vec<f32>`, `Option<Tensor>`) | nothing (d2l's constant `rand_weight`) |
/// | `#[module(skip)]` on any field | nothing |
/// | any other type (`Linear`, `Sequential`, `M`, `Arc<dyn Module>`, `Box<T>`, `Option<T>`) | child `name` |
/// | `Vec<T>` of modules | child `name`, a `ModuleList` holding `name.0`, `name.1`, ... |
/// | `#[module(flatten)]` on a `Vec` or a container | its items directly as children `0`, `1`, ... (d2l's `MySequential`) |
///
/// Children register through `ferrite_nn::Children`, so a field type that is not a module is a
/// compile error at that field. The type is matched by its last path segment, so a type alias of
/// `Parameter` is taken for a child; write the type out. Through the facade crate, say where the
/// nn crate is: `#[module(crate = "ferrite::nn")]`.
///
/// ```
/// use ferrite_nn::{Linear, Module, ModuleExt, Parameter, Result, functional as F};
/// use ferrite_tensor::Tensor;
///
/// #[derive(Module)]
/// struct MLP {
///     hidden: Linear,
///     out: Linear,
///     scale: Parameter,
///     rand_weight: Tensor, // a constant: not registered
/// }
///
/// impl Module for MLP {
///     fn forward(&self, x: &Tensor) -> Result<Tensor> {
///         let h = F::relu(&self.hidden.forward(x)?)?.matmul(&self.rand_weight)?;
///         Ok(self.out.forward(&h)?.mul(&self.scale.tensor()?)?)
///     }
/// }
///
/// let net = MLP {
///     hidden: Linear::new(20, 256)?,
///     out: Linear::new(256, 10)?,
///     scale: Parameter::new(Tensor::ones([1]))?,
///     rand_weight: Tensor::rand([256, 256]),
/// };
/// let names: Vec<String> = net.named_parameters().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(names, ["scale", "hidden.weight", "hidden.bias", "out.weight", "out.bias"]);
/// assert_eq!(net.forward(&Tensor::rand([2, 20]))?.dims(), &[2, 10]);
/// assert!(net.to_string().starts_with("MLP(\n  (hidden): Linear(in_features=20"));
/// # Ok::<(), ferrite_nn::Error>(())
/// ```
///
/// Tuple structs and enums are refused, since PyTorch names children after attributes:
///
/// ```compile_fail
/// #[derive(ferrite_nn::Module)]
/// struct Pair(ferrite_nn::Linear, ferrite_nn::Linear); // error: needs named fields
/// ```
///
/// ```compile_fail
/// #[derive(ferrite_nn::Module)]
/// enum Either { A(ferrite_nn::Linear), B(ferrite_nn::ReLU) } // error: not enums
/// ```
#[proc_macro_derive(Module, attributes(module, buffer))]
pub fn derive_module(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive(&input).unwrap_or_else(syn::Error::into_compile_error).into()
}
