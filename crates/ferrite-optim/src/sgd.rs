//! Stochastic gradient descent with momentum, dampening, Nesterov momentum, weight decay and
//! maximize: PyTorch's `torch.optim.SGD` (its single-tensor, for-loop implementation).

use crate::group::{Options, ParamGroup, Spec};
use crate::state::{collect, prepare_load};
use crate::{Error, Optimizer, OptimizerState, Result};
use ferrite_nn::Parameter;
use ferrite_tensor::{Tensor, no_grad};

const SPEC: Spec = Spec {
    name: "SGD",
    options: &["lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize"],
    validate,
};

fn validate(o: &Options) -> Result<()> {
    SPEC.non_negative("lr", o.lr)?;
    SPEC.non_negative("momentum", o.momentum)?;
    SPEC.non_negative("weight_decay", o.weight_decay)?;
    if let Some(d) = o.dampening.filter(|d| !d.is_finite()) {
        return Err(SPEC.invalid("dampening", format!("{d} (it must be finite)")));
    }
    if o.nesterov == Some(true) && (o.momentum.unwrap_or(0.0) <= 0.0 || o.dampening.unwrap_or(0.0) != 0.0) {
        return Err(
            SPEC.invalid("nesterov", "Nesterov momentum requires a momentum and zero dampening".into())
        );
    }
    Ok(())
}

/// Stochastic gradient descent (PyTorch's `torch.optim.SGD`), d2l's `trainer`.
///
/// Each step, for a parameter `p` with gradient `g` (PyTorch's order of operations):
/// `g = -g` if maximize; `g = g + weight_decay * p`; with momentum, the buffer is `g` on the first
/// step and `momentum * buf + (1 - dampening) * g` afterwards, and `g` becomes
/// `g + momentum * buf` (Nesterov) or `buf`; finally `p -= lr * g`.
///
/// ```
/// use ferrite_nn::{Linear, ModuleExt};
/// use ferrite_optim::{Optimizer, SGD};
/// let net = Linear::new(784, 10)?;
/// let plain = SGD::new(net.parameters(), 0.03)?;
/// let heavy = SGD::new(net.parameters(), 0.1)?.momentum(0.9)?.nesterov(true)?.weight_decay(1e-4)?;
/// assert_eq!(heavy.param_groups()[0].nesterov(), Some(true));
/// # Ok::<(), ferrite_optim::Error>(())
/// ```
///
/// The builders validate as they go, so set `momentum` before `nesterov` (which requires it).
pub struct SGD {
    groups: Vec<ParamGroup>,
    /// The momentum buffer of each parameter, by group; `None` until its first step with momentum.
    buffers: Vec<Vec<Option<Tensor>>>,
}

/// The hyperparameters of one group, resolved for a step.
struct Hyper {
    lr: f64,
    momentum: f64,
    dampening: f64,
    weight_decay: f64,
    nesterov: bool,
    maximize: bool,
}

impl Hyper {
    fn of(o: &Options) -> Hyper {
        Hyper {
            lr: o.lr.unwrap_or(0.0),
            momentum: o.momentum.unwrap_or(0.0),
            dampening: o.dampening.unwrap_or(0.0),
            weight_decay: o.weight_decay.unwrap_or(0.0),
            nesterov: o.nesterov.unwrap_or(false),
            maximize: o.maximize.unwrap_or(false),
        }
    }
}

impl SGD {
    /// SGD over `params` with learning rate `lr` (PyTorch's `SGD(net.parameters(), lr=lr)`).
    ///
    /// Errors when `params` is empty, lists a parameter twice, or `lr` is negative.
    ///
    /// ```
    /// use ferrite_nn::{Linear, ModuleExt};
    /// use ferrite_optim::SGD;
    /// let net = Linear::new(2, 1)?;
    /// let trainer = SGD::new(net.parameters(), 0.03)?;
    /// assert!(SGD::new(vec![], 0.03).is_err());
    /// # Ok::<(), ferrite_optim::Error>(())
    /// ```
    pub fn new(params: impl IntoIterator<Item = Parameter>, lr: f64) -> Result<SGD> {
        let params: Vec<Parameter> = params.into_iter().collect();
        if params.is_empty() {
            return Err(Error::EmptyParameters { optimizer: SPEC.name });
        }
        SGD::with_groups(vec![ParamGroup::new(params)], lr)
    }

    /// SGD over parameter groups, each with its own overrides; `lr` is the default for groups
    /// that set none (PyTorch's `SGD([{"params": ...}, ...], lr=lr)`).
    ///
    /// Errors when a parameter appears twice, a group sets an option SGD lacks (`betas`), or a
    /// value is out of its domain.
    ///
    /// ```
    /// use ferrite_nn::Parameter;
    /// use ferrite_optim::{ParamGroup, SGD};
    /// use ferrite_tensor::Tensor;
    /// let w = Parameter::new(Tensor::zeros([2]))?;
    /// let err = SGD::with_groups(vec![ParamGroup::new(vec![w]).with_betas(0.9, 0.99)], 0.1).err().unwrap();
    /// assert_eq!(err.to_string(), "SGD has no option 'betas'");
    /// # Ok::<(), ferrite_optim::Error>(())
    /// ```
    pub fn with_groups(groups: Vec<ParamGroup>, lr: f64) -> Result<SGD> {
        let defaults = Options {
            lr: Some(lr),
            momentum: Some(0.0),
            dampening: Some(0.0),
            weight_decay: Some(0.0),
            nesterov: Some(false),
            maximize: Some(false),
            ..Options::default()
        };
        let groups = SPEC.adopt(groups, &defaults)?;
        let buffers = groups.iter().map(|g| vec![None; g.params().len()]).collect();
        Ok(SGD { groups, buffers })
    }

    /// Sets the momentum factor (default 0) of every group that did not set its own.
    ///
    /// ```
    /// use ferrite_nn::Parameter;
    /// use ferrite_optim::SGD;
    /// use ferrite_tensor::Tensor;
    /// let w = Parameter::new(Tensor::zeros([2]))?;
    /// assert!(SGD::new(vec![w], 0.1)?.momentum(-0.9).is_err());
    /// # Ok::<(), ferrite_optim::Error>(())
    /// ```
    pub fn momentum(mut self, momentum: f64) -> Result<SGD> {
        SPEC.set_default(&mut self.groups, |o| &mut o.momentum, momentum)?;
        Ok(self)
    }

    /// Sets the dampening of momentum (default 0) of every group that did not set its own.
    ///
    /// ```
    /// use ferrite_nn::Parameter;
    /// use ferrite_optim::SGD;
    /// use ferrite_tensor::Tensor;
    /// let w = Parameter::new(Tensor::zeros([2]))?;
    /// let opt = SGD::new(vec![w], 0.1)?.momentum(0.9)?.dampening(0.1)?;
    /// # Ok::<(), ferrite_optim::Error>(())
    /// ```
    pub fn dampening(mut self, dampening: f64) -> Result<SGD> {
        SPEC.set_default(&mut self.groups, |o| &mut o.dampening, dampening)?;
        Ok(self)
    }

    /// Turns Nesterov momentum on (default off) in every group that did not set it; it requires a
    /// momentum above 0 and no dampening, so set those first.
    ///
    /// ```
    /// use ferrite_nn::Parameter;
    /// use ferrite_optim::SGD;
    /// use ferrite_tensor::Tensor;
    /// let w = Parameter::new(Tensor::zeros([2]))?;
    /// let err = SGD::new(vec![w.clone()], 0.1)?.nesterov(true).err().unwrap();
    /// assert_eq!(err.to_string(), "SGD: invalid nesterov: Nesterov momentum requires a momentum and zero dampening");
    /// let opt = SGD::new(vec![w], 0.1)?.momentum(0.9)?.nesterov(true)?;
    /// # Ok::<(), ferrite_optim::Error>(())
    /// ```
    pub fn nesterov(mut self, nesterov: bool) -> Result<SGD> {
        SPEC.set_default(&mut self.groups, |o| &mut o.nesterov, nesterov)?;
        Ok(self)
    }

    /// Sets the L2 weight decay (default 0) of every group that did not set its own: the step
    /// adds `weight_decay * p` to the gradient.
    ///
    /// ```
    /// use ferrite_nn::Parameter;
    /// use ferrite_optim::SGD;
    /// use ferrite_tensor::Tensor;
    /// let w = Parameter::new(Tensor::zeros([2]))?;
    /// let opt = SGD::new(vec![w], 0.1)?.weight_decay(1e-4)?;
    /// # Ok::<(), ferrite_optim::Error>(())
    /// ```
    pub fn weight_decay(mut self, weight_decay: f64) -> Result<SGD> {
        SPEC.set_default(&mut self.groups, |o| &mut o.weight_decay, weight_decay)?;
        Ok(self)
    }

    /// Maximizes the objective instead of minimizing it (default off), in every group that did
    /// not set it.
    ///
    /// ```
    /// use ferrite_nn::Parameter;
    /// use ferrite_optim::SGD;
    /// use ferrite_tensor::Tensor;
    /// let w = Parameter::new(Tensor::zeros([2]))?;
    /// let opt = SGD::new(vec![w], 0.1)?.maximize(true)?;
    /// # Ok::<(), ferrite_optim::Error>(())
    /// ```
    pub fn maximize(mut self, maximize: bool) -> Result<SGD> {
        SPEC.set_default(&mut self.groups, |o| &mut o.maximize, maximize)?;
        Ok(self)
    }
}

/// One parameter's update, PyTorch's `_single_tensor_sgd` step for step. Its `add(other, alpha=)`
/// calls are fused multiply-adds on the CPU, and so are [`Tensor::add_scaled_`]'s, so the values
/// match PyTorch's bit for bit. `grad` may be the parameter's own `.grad` tensor, which must not be
/// written; `fresh` tracks when it is a temporary of this step instead.
fn update(p: &Tensor, grad: Tensor, buf: &mut Option<Tensor>, h: &Hyper) -> Result<()> {
    let (mut g, mut fresh) = (grad, false);
    if h.maximize {
        (g, fresh) = (g.neg()?, true);
    }
    if h.weight_decay != 0.0 {
        // `grad.add(param, alpha=weight_decay)`, out of place unless `g` is already a temporary.
        if !fresh {
            (g, fresh) = (g.deep_clone()?, true);
        }
        g.add_scaled_(p, h.weight_decay)?;
    }
    if h.momentum != 0.0 {
        let b = match buf {
            // PyTorch starts the buffer at a copy of the gradient, undamped. A temporary of this
            // step needs no copy: nothing else holds it.
            None => buf.insert(if fresh { g.clone() } else { g.deep_clone()? }),
            Some(b) => {
                b.mul_(h.momentum)?;
                b.add_scaled_(&g, 1.0 - h.dampening)?;
                b
            }
        };
        g = if h.nesterov {
            // `grad.add(buf, alpha=momentum)`, out of place: `g` may be the buffer itself.
            let n = g.deep_clone()?;
            n.add_scaled_(b, h.momentum)?;
            n
        } else {
            b.clone()
        };
    }
    Ok(p.add_scaled_(&g, -h.lr)?)
}

impl Optimizer for SGD {
    fn step(&mut self) -> Result<()> {
        let _no_grad = no_grad();
        for (group, buffers) in self.groups.iter().zip(&mut self.buffers) {
            let h = Hyper::of(&group.opts);
            for (param, buf) in group.params().iter().zip(buffers.iter_mut()) {
                // An uninitialized lazy parameter has no gradient either.
                let Ok(p) = param.tensor() else { continue };
                let Some(grad) = p.grad() else { continue };
                update(&p, grad, buf, &h)?;
            }
        }
        Ok(())
    }

    fn param_groups(&self) -> &[ParamGroup] {
        &self.groups
    }

    fn param_groups_mut(&mut self) -> &mut [ParamGroup] {
        &mut self.groups
    }

    fn state_dict(&self) -> OptimizerState {
        collect(&self.groups, &self.buffers, |b| b.iter().map(|t| ("momentum_buffer", t)).collect())
    }

    fn load_state_dict(&mut self, state: &OptimizerState) -> Result<()> {
        let loaded = prepare_load(&SPEC, &self.groups, state, &["momentum_buffer"])?;
        let buffers = loaded
            .state
            .into_iter()
            .map(|g| g.into_iter().map(|mut s| s.remove("momentum_buffer")).collect());
        self.buffers = buffers.collect();
        for (group, opts) in self.groups.iter_mut().zip(loaded.options) {
            group.opts = opts;
        }
        Ok(())
    }
}

impl std::fmt::Debug for SGD {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        crate::optimizer::describe(f, "SGD", &self.groups)
    }
}
