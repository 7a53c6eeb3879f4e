//! The `Optimizer` trait: what a training loop, a scheduler and a checkpoint need of an optimizer.

use crate::{HyperValue, OptimizerState, ParamGroup, Result};

/// An optimizer over parameter groups (PyTorch's `torch.optim.Optimizer`).
///
/// A training loop needs only [`zero_grad`](Optimizer::zero_grad) and
/// [`step`](Optimizer::step); schedulers change each group's lr through
/// [`param_groups_mut`](Optimizer::param_groups_mut); checkpoints use
/// [`state_dict`](Optimizer::state_dict) and [`load_state_dict`](Optimizer::load_state_dict).
///
/// ```
/// use ferrite_nn::{Linear, Module, ModuleExt};
/// use ferrite_optim::{Optimizer, SGD};
/// use ferrite_tensor::Tensor;
/// let net = Linear::new(2, 1)?;
/// let mut opt: Box<dyn Optimizer> = Box::new(SGD::new(net.parameters(), 0.03)?);
/// let w = net.param("weight")?;
/// let before = w.tensor()?.to_vec::<f32>()?;
/// opt.zero_grad();
/// // loss.backward() would fill the gradients; here they are set by hand.
/// w.tensor()?.set_grad(Some(Tensor::ones([1, 2])));
/// opt.step()?;
/// let after = w.tensor()?.to_vec::<f32>()?;
/// assert_eq!(after[0], before[0] - 0.03);
/// # Ok::<(), ferrite_optim::Error>(())
/// ```
pub trait Optimizer: Send {
    /// Clears every parameter's gradient to `None` (PyTorch 2's default `set_to_none=True`), so
    /// the next backward stores fresh gradients instead of adding to old ones.
    ///
    /// ```
    /// use ferrite_nn::Parameter;
    /// use ferrite_optim::{Optimizer, SGD};
    /// use ferrite_tensor::Tensor;
    /// let w = Parameter::new(Tensor::zeros([2]))?;
    /// let mut opt = SGD::new(vec![w.clone()], 0.1)?;
    /// w.tensor()?.set_grad(Some(Tensor::ones([2])));
    /// opt.zero_grad();
    /// assert!(w.grad().is_none());
    /// # Ok::<(), ferrite_optim::Error>(())
    /// ```
    fn zero_grad(&mut self) {
        for group in self.param_groups() {
            for p in group.params() {
                // An uninitialized lazy parameter has no gradient to clear.
                if let Ok(t) = p.tensor() {
                    t.set_grad(None);
                }
            }
        }
    }

    /// Updates every parameter that has a gradient, in place and without recording history;
    /// parameters whose gradient is `None` are skipped (their state does not advance either).
    ///
    /// ```
    /// use ferrite_nn::Parameter;
    /// use ferrite_optim::{Optimizer, SGD};
    /// use ferrite_tensor::Tensor;
    /// let w = Parameter::new(Tensor::ones([2]))?;
    /// let mut opt = SGD::new(vec![w.clone()], 0.5)?;
    /// opt.step()?; // no gradient yet: nothing moves
    /// w.tensor()?.set_grad(Some(Tensor::ones([2])));
    /// opt.step()?;
    /// assert_eq!(w.tensor()?.to_vec::<f32>()?, vec![0.5, 0.5]);
    /// # Ok::<(), ferrite_optim::Error>(())
    /// ```
    fn step(&mut self) -> Result<()>;

    /// The parameter groups, with the hyperparameters in force.
    ///
    /// ```
    /// use ferrite_nn::Parameter;
    /// use ferrite_optim::{Optimizer, SGD};
    /// use ferrite_tensor::Tensor;
    /// let opt = SGD::new(vec![Parameter::new(Tensor::zeros([2]))?], 0.1)?.momentum(0.9)?;
    /// assert_eq!(opt.param_groups()[0].momentum(), Some(0.9));
    /// # Ok::<(), ferrite_optim::Error>(())
    /// ```
    fn param_groups(&self) -> &[ParamGroup];

    /// The parameter groups, to change a learning rate ([`ParamGroup::set_lr`]).
    ///
    /// ```
    /// use ferrite_nn::Parameter;
    /// use ferrite_optim::{Optimizer, SGD};
    /// use ferrite_tensor::Tensor;
    /// let mut opt = SGD::new(vec![Parameter::new(Tensor::zeros([2]))?], 0.1)?;
    /// opt.param_groups_mut()[0].set_lr(0.01);
    /// assert_eq!(opt.param_groups()[0].lr(), 0.01);
    /// # Ok::<(), ferrite_optim::Error>(())
    /// ```
    fn param_groups_mut(&mut self) -> &mut [ParamGroup];

    /// A snapshot of the optimizer's state (see [`OptimizerState`]).
    ///
    /// ```
    /// use ferrite_nn::Parameter;
    /// use ferrite_optim::{Adam, Optimizer};
    /// use ferrite_tensor::Tensor;
    /// let w = Parameter::new(Tensor::zeros([2]))?;
    /// let mut opt = Adam::new(vec![w.clone()], 1e-3)?;
    /// assert!(opt.state_dict().state.is_empty()); // no step yet
    /// w.tensor()?.set_grad(Some(Tensor::ones([2])));
    /// opt.step()?;
    /// let state = opt.state_dict();
    /// assert_eq!(state.state[&0]["step"].item::<f32>()?, 1.0);
    /// # Ok::<(), ferrite_optim::Error>(())
    /// ```
    fn state_dict(&self) -> OptimizerState;

    /// Loads a state from [`state_dict`](Optimizer::state_dict) (of an optimizer of the same
    /// type over parameters of the same shapes), copying its tensors. The group count and sizes,
    /// the option names and values and the state tensors' shapes are checked first; on error
    /// nothing changes.
    ///
    /// ```
    /// use ferrite_nn::Parameter;
    /// use ferrite_optim::{Optimizer, SGD};
    /// use ferrite_tensor::Tensor;
    /// let a = SGD::new(vec![Parameter::new(Tensor::zeros([2]))?], 0.1)?;
    /// let mut b = SGD::new(vec![Parameter::new(Tensor::zeros([2]))?], 0.5)?;
    /// b.load_state_dict(&a.state_dict())?;
    /// assert_eq!(b.param_groups()[0].lr(), 0.1);
    /// # Ok::<(), ferrite_optim::Error>(())
    /// ```
    fn load_state_dict(&mut self, state: &OptimizerState) -> Result<()>;
}

/// PyTorch's optimizer repr (its `__repr__`): the class name, then each group's options sorted by
/// name. Optimizers print it as their `Debug`.
pub(crate) fn describe(
    f: &mut std::fmt::Formatter<'_>,
    name: &str,
    groups: &[ParamGroup],
) -> std::fmt::Result {
    writeln!(f, "{name} (")?;
    for (g, group) in groups.iter().enumerate() {
        writeln!(f, "Parameter Group {g}")?;
        let mut entries = group.opts.entries();
        entries.sort_by_key(|(k, _)| *k);
        for (k, v) in entries {
            match v {
                HyperValue::Float(x) => writeln!(f, "    {k}: {x}")?,
                HyperValue::Bool(b) => writeln!(f, "    {k}: {}", if b { "True" } else { "False" })?,
                HyperValue::Pair(a, b) => writeln!(f, "    {k}: ({a}, {b})")?,
            }
        }
    }
    write!(f, ")")
}
