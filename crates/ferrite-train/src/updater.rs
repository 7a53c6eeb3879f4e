//! `Updater`: what d2l's `train_epoch_ch3` calls to update the parameters from a batch's loss,
//! either a framework optimizer or a hand-written function of the batch size.

use crate::{Error, Result};
use ferrite_autograd::Backward;
use ferrite_optim::Optimizer;
use ferrite_tensor::Tensor;
use std::marker::PhantomData;

/// Updates a model's parameters from a batch's per-example losses: d2l's `updater`, which is
/// either a `torch.optim.Optimizer` or a function like its scratch `sgd(params, lr, batch_size)`.
///
/// The updater owns the backward pass, because the two kinds differ there, as in d2l:
///
/// - an [`Optimizer`] (any `O: Optimizer`, including `dyn Optimizer`): `zero_grad()`, then
///   `loss.mean().backward()`, then `step()`;
/// - a closure `FnMut(usize) -> Result<(), E>` taking the batch size (`E` any error that
///   converts into [`Error`]: a tensor, autograd, optimizer or this crate's): `loss.sum().backward()`,
///   then the closure, which must scale by the batch size and clear the gradients itself, as
///   d2l's `sgd` does.
///
/// Both are accepted as `&mut updater` by [`crate::train_epoch_ch3`] and [`crate::train_ch3`].
/// Rust cannot have two blanket implementations of one trait that might overlap, so the trait
/// takes a marker parameter, [`ViaOptimizer`] or [`ViaClosure`], that the compiler infers: user
/// code never names it. A type of your own can implement `Updater<()>` (or with a marker of its
/// own) without clashing with either.
///
/// With a closure, d2l's scratch `sgd`:
///
/// ```
/// use ferrite_nn::Parameter;
/// use ferrite_tensor::{no_grad, Tensor};
/// use ferrite_train::Updater;
/// fn sgd(params: &[Parameter], lr: f64, batch_size: usize) -> ferrite_tensor::Result<()> {
///     let _g = no_grad();
///     for p in params {
///         let t = p.tensor().expect("an initialized parameter");
///         if let Some(g) = t.grad() {
///             t.sub_(&g.mul_scalar(lr / batch_size as f64)?)?;
///             t.set_grad(None);
///         }
///     }
///     Ok(())
/// }
/// let w = Parameter::new(Tensor::ones([2]))?;
/// let loss = w.tensor()?.mul(&Tensor::ones([2]))?; // two examples, loss w_i each
/// let mut updater = |batch_size| sgd(&[w.clone()], 0.5, batch_size);
/// updater.update(&loss, 2)?;
/// assert_eq!(w.tensor()?.to_vec::<f32>()?, vec![0.75, 0.75]);
/// # Ok::<(), ferrite_train::Error>(())
/// ```
pub trait Updater<Marker> {
    /// Backpropagates `loss` (one value per example of the batch) and updates the parameters.
    fn update(&mut self, loss: &Tensor, batch_size: usize) -> Result<()>;
}

/// Marks the [`Updater`] implementation for optimizers.
#[derive(Debug)]
pub enum ViaOptimizer {}

/// Marks the [`Updater`] implementation for closures returning `Result<(), E>`.
#[derive(Debug)]
pub struct ViaClosure<E>(PhantomData<fn() -> E>);

impl<O: Optimizer + ?Sized> Updater<ViaOptimizer> for O {
    fn update(&mut self, loss: &Tensor, _batch_size: usize) -> Result<()> {
        self.zero_grad();
        loss.mean_all()?.backward()?;
        self.step()?;
        Ok(())
    }
}

impl<F, E> Updater<ViaClosure<E>> for F
where
    F: FnMut(usize) -> Result<(), E>,
    Error: From<E>,
{
    fn update(&mut self, loss: &Tensor, batch_size: usize) -> Result<()> {
        loss.sum_all()?.backward()?;
        self(batch_size)?;
        Ok(())
    }
}
