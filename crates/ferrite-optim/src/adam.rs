//! Adam and AdamW: PyTorch's `torch.optim.Adam` (L2 weight decay added to the gradient) and
//! `torch.optim.AdamW` (decoupled weight decay), following its single-tensor implementation.

use crate::group::{Options, ParamGroup, Spec};
use crate::state::{collect, prepare_load};
use crate::{Error, Optimizer, OptimizerState, Result};
use ferrite_nn::Parameter;
use ferrite_tensor::{DType, Tensor, no_grad};
use std::collections::BTreeMap;

const OPTIONS: &[&str] = &["lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"];
const STATE_NAMES: &[&str] = &["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"];
static ADAM: Spec = Spec { name: "Adam", options: OPTIONS, validate: validate_adam };
static ADAMW: Spec = Spec { name: "AdamW", options: OPTIONS, validate: validate_adamw };

fn validate_adam(o: &Options) -> Result<()> {
    validate(&ADAM, o)
}

fn validate_adamw(o: &Options) -> Result<()> {
    validate(&ADAMW, o)
}

fn validate(spec: &Spec, o: &Options) -> Result<()> {
    spec.non_negative("lr", o.lr)?;
    spec.non_negative("eps", o.eps)?;
    spec.non_negative("weight_decay", o.weight_decay)?;
    if let Some((b1, b2)) = o.betas {
        for (i, b) in [b1, b2].into_iter().enumerate() {
            if !(0.0..1.0).contains(&b) {
                return Err(spec
                    .invalid("betas", format!("beta parameter at index {i} is {b} (it must be in [0, 1))")));
            }
        }
    }
    Ok(())
}

/// One parameter's Adam state (PyTorch's `state[p]`).
struct ParamState {
    /// The number of steps taken, a 0-d f32 tensor as in PyTorch.
    step: Tensor,
    exp_avg: Tensor,
    exp_avg_sq: Tensor,
    max_exp_avg_sq: Option<Tensor>,
}

impl ParamState {
    fn zeros(p: &Tensor) -> Result<ParamState> {
        Ok(ParamState {
            step: Tensor::zeros_dtype((), DType::F32),
            exp_avg: p.zeros_like()?,
            exp_avg_sq: p.zeros_like()?,
            max_exp_avg_sq: None,
        })
    }

    fn entries(&self) -> Vec<(&'static str, &Tensor)> {
        let mut out =
            vec![("step", &self.step), ("exp_avg", &self.exp_avg), ("exp_avg_sq", &self.exp_avg_sq)];
        out.extend(self.max_exp_avg_sq.as_ref().map(|t| ("max_exp_avg_sq", t)));
        out
    }

    /// Reads a loaded entry: empty, or `step`, `exp_avg` and `exp_avg_sq` (and optionally
    /// `max_exp_avg_sq`) together.
    fn from_loaded(spec: &Spec, mut named: BTreeMap<String, Tensor>) -> Result<Option<ParamState>> {
        if named.is_empty() {
            return Ok(None);
        }
        let mut take = |k: &str| {
            named.remove(k).ok_or_else(|| Error::StateDict {
                optimizer: spec.name,
                reason: format!(
                    "a parameter's state has no '{k}' (Adam keeps step, exp_avg and exp_avg_sq together)"
                ),
            })
        };
        let (step, exp_avg, exp_avg_sq) = (take("step")?, take("exp_avg")?, take("exp_avg_sq")?);
        Ok(Some(ParamState { step, exp_avg, exp_avg_sq, max_exp_avg_sq: named.remove("max_exp_avg_sq") }))
    }
}

/// The hyperparameters of one group, resolved for a step.
struct Hyper {
    lr: f64,
    beta1: f64,
    beta2: f64,
    eps: f64,
    weight_decay: f64,
    amsgrad: bool,
    maximize: bool,
    /// AdamW's decay of the parameter itself instead of an L2 term in the gradient.
    decoupled: bool,
}

impl Hyper {
    fn of(o: &Options, decoupled: bool) -> Hyper {
        let (beta1, beta2) = o.betas.unwrap_or((0.9, 0.999));
        Hyper {
            lr: o.lr.unwrap_or(0.0),
            beta1,
            beta2,
            eps: o.eps.unwrap_or(1e-8),
            weight_decay: o.weight_decay.unwrap_or(0.0),
            amsgrad: o.amsgrad.unwrap_or(false),
            maximize: o.maximize.unwrap_or(false),
            decoupled,
        }
    }
}

/// `start += weight * (end - start)` in place, as PyTorch's CPU `lerp_` computes it: one fused
/// multiply-add from `start` for weights below 0.5, and from `end` (`end + (weight - 1) * (end -
/// start)`) otherwise, which keeps a weight of 1 exact.
fn lerp_(start: &Tensor, end: &Tensor, weight: f64) -> Result<()> {
    let diff = end.sub(start)?;
    // The kernel works in the tensor's type: the weight, and `weight - 1`, are rounded to it first.
    let (w, w_minus_1) = match start.dtype() {
        DType::F32 => (f64::from(weight as f32), f64::from(weight as f32 - 1.0)),
        _ => (weight, weight - 1.0),
    };
    if w.abs() < 0.5 {
        start.add_scaled_(&diff, w)?;
    } else {
        start.copy_(end)?;
        start.add_scaled_(&diff, w_minus_1)?;
    }
    Ok(())
}

/// One parameter's update, in the order of PyTorch's `_single_tensor_adam`.
fn update(p: &Tensor, grad: Tensor, state: &mut Option<ParamState>, h: &Hyper) -> Result<()> {
    let s = match state {
        Some(s) => s,
        None => state.insert(ParamState::zeros(p)?),
    };
    let mut g = if h.maximize { grad.neg()? } else { grad };
    s.step.add_(1)?;
    // PyTorch reads the f32 step back as a Python float for the bias corrections.
    let step = f64::from(s.step.item::<f32>()?);
    if h.weight_decay != 0.0 {
        if h.decoupled {
            p.mul_(1.0 - h.lr * h.weight_decay)?;
        } else {
            // `grad.add(param, alpha=weight_decay)`: out of place, fused.
            g = if h.maximize { g } else { g.deep_clone()? };
            g.add_scaled_(p, h.weight_decay)?;
        }
    }
    lerp_(&s.exp_avg, &g, 1.0 - h.beta1)?;
    s.exp_avg_sq.mul_(h.beta2)?;
    s.exp_avg_sq.addcmul_(&g, &g, 1.0 - h.beta2)?;
    let bias_correction1 = 1.0 - h.beta1.powf(step);
    let bias_correction2 = 1.0 - h.beta2.powf(step);
    let step_size = h.lr / bias_correction1;
    let bias_correction2_sqrt = bias_correction2.sqrt();
    let second = if h.amsgrad {
        // AMSGrad turned on after steps without it starts its maximum at zero.
        let m = match &mut s.max_exp_avg_sq {
            Some(m) => m,
            None => s.max_exp_avg_sq.insert(p.zeros_like()?),
        };
        m.copy_(&m.maximum(&s.exp_avg_sq)?)?;
        &*m
    } else {
        &s.exp_avg_sq
    };
    let denom = second.sqrt()?.div(bias_correction2_sqrt)?;
    denom.add_(h.eps)?;
    // PyTorch's `p.addcdiv_(exp_avg, denom, value=-step_size)` computes `p + (value * exp_avg) / denom`.
    p.add_(&s.exp_avg.mul(-step_size)?.div(&denom)?)?;
    Ok(())
}

/// What Adam and AdamW share: groups, state, and whether the decay is decoupled.
struct AdamCore {
    spec: &'static Spec,
    decoupled: bool,
    groups: Vec<ParamGroup>,
    state: Vec<Vec<Option<ParamState>>>,
}

impl AdamCore {
    fn new(spec: &'static Spec, groups: Vec<ParamGroup>, lr: f64, weight_decay: f64) -> Result<AdamCore> {
        // AdamW differs from Adam only in its decay and its default weight_decay.
        let decoupled = spec.name == ADAMW.name;
        let defaults = Options {
            lr: Some(lr),
            betas: Some((0.9, 0.999)),
            eps: Some(1e-8),
            weight_decay: Some(weight_decay),
            amsgrad: Some(false),
            maximize: Some(false),
            ..Options::default()
        };
        let groups = spec.adopt(groups, &defaults)?;
        let state = groups.iter().map(|g| g.params().iter().map(|_| None).collect()).collect();
        Ok(AdamCore { spec, decoupled, groups, state })
    }

    fn from_params(
        spec: &'static Spec,
        params: Vec<Parameter>,
        lr: f64,
        weight_decay: f64,
    ) -> Result<AdamCore> {
        if params.is_empty() {
            return Err(Error::EmptyParameters { optimizer: spec.name });
        }
        AdamCore::new(spec, vec![ParamGroup::new(params)], lr, weight_decay)
    }

    fn set_default<T: Copy>(
        mut self,
        field: fn(&mut Options) -> &mut Option<T>,
        value: T,
    ) -> Result<AdamCore> {
        self.spec.set_default(&mut self.groups, field, value)?;
        Ok(self)
    }

    fn step(&mut self) -> Result<()> {
        let _no_grad = no_grad();
        for (group, states) in self.groups.iter().zip(&mut self.state) {
            let h = Hyper::of(&group.opts, self.decoupled);
            for (param, state) in group.params().iter().zip(states.iter_mut()) {
                // An uninitialized lazy parameter has no gradient either.
                let Ok(p) = param.tensor() else { continue };
                let Some(grad) = p.grad() else { continue };
                update(&p, grad, state, &h)?;
            }
        }
        Ok(())
    }

    fn state_dict(&self) -> OptimizerState {
        collect(&self.groups, &self.state, |s| s.as_ref().map(ParamState::entries).unwrap_or_default())
    }

    fn load_state_dict(&mut self, saved: &OptimizerState) -> Result<()> {
        let loaded = prepare_load(self.spec, &self.groups, saved, STATE_NAMES)?;
        let state = loaded
            .state
            .into_iter()
            .map(|g| g.into_iter().map(|named| ParamState::from_loaded(self.spec, named)).collect())
            .collect::<Result<Vec<Vec<_>>>>()?;
        self.state = state;
        for (group, opts) in self.groups.iter_mut().zip(loaded.options) {
            group.opts = opts;
        }
        Ok(())
    }
}

/// Implements the builders shared by Adam and AdamW, and `Optimizer` by delegation to the core.
macro_rules! adam_common {
    ($ty:ident, $example:literal) => {
        impl $ty {
            /// Sets the coefficients of the running averages of the gradient and its square
            /// (default `(0.9, 0.999)`, each in `[0, 1)`) of every group that did not set its own.
            ///
            /// ```
            /// use ferrite_nn::Parameter;
            #[doc = concat!("use ferrite_optim::", stringify!($ty), ";")]
            /// use ferrite_tensor::Tensor;
            /// let w = Parameter::new(Tensor::zeros([2]))?;
            #[doc = concat!("let opt = ", stringify!($ty), "::new(vec![w.clone()], 1e-3)?.betas(0.8, 0.99)?;")]
            #[doc = concat!("assert!(", stringify!($ty), "::new(vec![w], 1e-3)?.betas(1.0, 0.99).is_err());")]
            /// # Ok::<(), ferrite_optim::Error>(())
            /// ```
            pub fn betas(self, beta1: f64, beta2: f64) -> Result<$ty> {
                Ok($ty(self.0.set_default(|o| &mut o.betas, (beta1, beta2))?))
            }

            /// Sets the term added to the denominator for numerical stability (default `1e-8`) of
            /// every group that did not set its own.
            ///
            /// ```
            /// use ferrite_nn::Parameter;
            #[doc = concat!("use ferrite_optim::", stringify!($ty), ";")]
            /// use ferrite_tensor::Tensor;
            /// let w = Parameter::new(Tensor::zeros([2]))?;
            #[doc = concat!("let opt = ", stringify!($ty), "::new(vec![w], 1e-3)?.eps(1e-6)?;")]
            /// # Ok::<(), ferrite_optim::Error>(())
            /// ```
            pub fn eps(self, eps: f64) -> Result<$ty> {
                Ok($ty(self.0.set_default(|o| &mut o.eps, eps)?))
            }

            #[doc = $example]
            ///
            /// ```
            /// use ferrite_nn::Parameter;
            #[doc = concat!("use ferrite_optim::", stringify!($ty), ";")]
            /// use ferrite_tensor::Tensor;
            /// let w = Parameter::new(Tensor::zeros([2]))?;
            #[doc = concat!("let opt = ", stringify!($ty), "::new(vec![w], 1e-3)?.weight_decay(0.05)?;")]
            /// # Ok::<(), ferrite_optim::Error>(())
            /// ```
            pub fn weight_decay(self, weight_decay: f64) -> Result<$ty> {
                Ok($ty(self.0.set_default(|o| &mut o.weight_decay, weight_decay)?))
            }

            /// Uses the AMSGrad variant (default off), which normalizes by the running maximum of
            /// the second moment, in every group that did not set it.
            ///
            /// ```
            /// use ferrite_nn::Parameter;
            #[doc = concat!("use ferrite_optim::", stringify!($ty), ";")]
            /// use ferrite_tensor::Tensor;
            /// let w = Parameter::new(Tensor::zeros([2]))?;
            #[doc = concat!("let opt = ", stringify!($ty), "::new(vec![w], 1e-3)?.amsgrad(true)?;")]
            /// # Ok::<(), ferrite_optim::Error>(())
            /// ```
            pub fn amsgrad(self, amsgrad: bool) -> Result<$ty> {
                Ok($ty(self.0.set_default(|o| &mut o.amsgrad, amsgrad)?))
            }

            /// Maximizes the objective instead of minimizing it (default off), in every group that
            /// did not set it.
            ///
            /// ```
            /// use ferrite_nn::Parameter;
            #[doc = concat!("use ferrite_optim::", stringify!($ty), ";")]
            /// use ferrite_tensor::Tensor;
            /// let w = Parameter::new(Tensor::zeros([2]))?;
            #[doc = concat!("let opt = ", stringify!($ty), "::new(vec![w], 1e-3)?.maximize(true)?;")]
            /// # Ok::<(), ferrite_optim::Error>(())
            /// ```
            pub fn maximize(self, maximize: bool) -> Result<$ty> {
                Ok($ty(self.0.set_default(|o| &mut o.maximize, maximize)?))
            }
        }

        impl Optimizer for $ty {
            fn step(&mut self) -> Result<()> {
                self.0.step()
            }

            fn param_groups(&self) -> &[ParamGroup] {
                &self.0.groups
            }

            fn param_groups_mut(&mut self) -> &mut [ParamGroup] {
                &mut self.0.groups
            }

            fn state_dict(&self) -> OptimizerState {
                self.0.state_dict()
            }

            fn load_state_dict(&mut self, state: &OptimizerState) -> Result<()> {
                self.0.load_state_dict(state)
            }
        }

        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                crate::optimizer::describe(f, stringify!($ty), &self.0.groups)
            }
        }
    };
}

/// Adam (PyTorch's `torch.optim.Adam`): running averages of the gradient and its square with bias
/// correction; `weight_decay` adds an L2 term `weight_decay * p` to the gradient.
///
/// Each step, for a parameter `p` with gradient `g`: `step += 1`; `g = -g` if maximize;
/// `g += weight_decay * p`; `m = lerp(m, g, 1 - beta1)`; `v = beta2 * v + (1 - beta2) * g * g`;
/// `denom = sqrt(v) / sqrt(1 - beta2^step) + eps` (with AMSGrad, the running maximum of `v`);
/// `p += (-lr / (1 - beta1^step)) * m / denom`.
///
/// ```
/// use ferrite_nn::{Linear, ModuleExt};
/// use ferrite_optim::{Adam, Optimizer};
/// let net = Linear::new(4, 1)?;
/// let opt = Adam::new(net.parameters(), 1e-3)?.betas(0.9, 0.99)?.amsgrad(true)?;
/// assert_eq!(opt.param_groups()[0].amsgrad(), Some(true));
/// # Ok::<(), ferrite_optim::Error>(())
/// ```
pub struct Adam(AdamCore);

impl Adam {
    /// Adam over `params` with learning rate `lr` (PyTorch's default is `1e-3`).
    ///
    /// ```
    /// use ferrite_nn::{Linear, ModuleExt};
    /// use ferrite_optim::Adam;
    /// let net = Linear::new(4, 1)?;
    /// let opt = Adam::new(net.parameters(), 1e-3)?;
    /// # Ok::<(), ferrite_optim::Error>(())
    /// ```
    pub fn new(params: impl IntoIterator<Item = Parameter>, lr: f64) -> Result<Adam> {
        Ok(Adam(AdamCore::from_params(&ADAM, params.into_iter().collect(), lr, 0.0)?))
    }

    /// Adam over parameter groups, each with its own overrides; `lr` is the default for groups
    /// that set none.
    ///
    /// ```
    /// use ferrite_nn::{Linear, ModuleExt};
    /// use ferrite_optim::{Adam, Optimizer, ParamGroup};
    /// let net = Linear::new(4, 1)?;
    /// let groups = vec![
    ///     ParamGroup::new(vec![net.param("weight")?]).with_weight_decay(1e-4),
    ///     ParamGroup::new(vec![net.param("bias")?]).with_betas(0.8, 0.99),
    /// ];
    /// let opt = Adam::with_groups(groups, 1e-3)?;
    /// assert_eq!(opt.param_groups()[1].betas(), Some((0.8, 0.99)));
    /// # Ok::<(), ferrite_optim::Error>(())
    /// ```
    pub fn with_groups(groups: Vec<ParamGroup>, lr: f64) -> Result<Adam> {
        Ok(Adam(AdamCore::new(&ADAM, groups, lr, 0.0)?))
    }
}

adam_common!(
    Adam,
    "Sets the L2 weight decay (default 0), added to the gradient as `weight_decay * p`, of every group that did not set its own."
);

/// AdamW (PyTorch's `torch.optim.AdamW`): Adam with decoupled weight decay, which shrinks the
/// parameter itself (`p *= 1 - lr * weight_decay`) before the Adam update instead of adding an L2
/// term to the gradient. Its default `weight_decay` is `1e-2`, as in PyTorch.
///
/// ```
/// use ferrite_nn::{Linear, ModuleExt};
/// use ferrite_optim::{AdamW, Optimizer};
/// let net = Linear::new(4, 1)?;
/// let opt = AdamW::new(net.parameters(), 1e-3)?;
/// assert_eq!(opt.param_groups()[0].weight_decay(), Some(1e-2));
/// # Ok::<(), ferrite_optim::Error>(())
/// ```
pub struct AdamW(AdamCore);

impl AdamW {
    /// AdamW over `params` with learning rate `lr`.
    ///
    /// ```
    /// use ferrite_nn::{Linear, ModuleExt};
    /// use ferrite_optim::AdamW;
    /// let net = Linear::new(4, 1)?;
    /// let opt = AdamW::new(net.parameters(), 1e-3)?.weight_decay(0.1)?;
    /// # Ok::<(), ferrite_optim::Error>(())
    /// ```
    pub fn new(params: impl IntoIterator<Item = Parameter>, lr: f64) -> Result<AdamW> {
        Ok(AdamW(AdamCore::from_params(&ADAMW, params.into_iter().collect(), lr, 1e-2)?))
    }

    /// AdamW over parameter groups, each with its own overrides; `lr` is the default for groups
    /// that set none.
    ///
    /// ```
    /// use ferrite_nn::{Linear, ModuleExt};
    /// use ferrite_optim::{AdamW, Optimizer, ParamGroup};
    /// let net = Linear::new(4, 1)?;
    /// let groups = vec![
    ///     ParamGroup::new(vec![net.param("weight")?]),
    ///     ParamGroup::new(vec![net.param("bias")?]).with_weight_decay(0.0),
    /// ];
    /// let opt = AdamW::with_groups(groups, 1e-3)?;
    /// assert_eq!(opt.param_groups()[0].weight_decay(), Some(1e-2));
    /// # Ok::<(), ferrite_optim::Error>(())
    /// ```
    pub fn with_groups(groups: Vec<ParamGroup>, lr: f64) -> Result<AdamW> {
        Ok(AdamW(AdamCore::new(&ADAMW, groups, lr, 1e-2)?))
    }
}

adam_common!(
    AdamW,
    "Sets the decoupled weight decay (default `1e-2`), which shrinks the parameter by `lr * weight_decay` each step, of every group that did not set its own."
);
