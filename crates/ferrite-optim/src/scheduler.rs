//! Learning-rate schedulers: `StepLR` and `CosineAnnealingLR`, with PyTorch's recursive formulas
//! (each epoch's lr computed from the group's current lr), `last_epoch` and `get_last_lr()`.
//!
//! A scheduler does not hold its optimizer: `scheduler.step(&mut optimizer)` takes it each epoch.
//! Holding a `&mut` borrow would lock the optimizer away from the training loop for the
//! scheduler's whole life, and owning it would make every `optimizer.step()` go through the
//! scheduler; passing it keeps both free and works with `Box<dyn Optimizer>` alike.

use crate::{Error, Optimizer, Result};
use ferrite_tensor::{DType, Tensor};
use std::f64::consts::PI;

/// A learning-rate scheduler (PyTorch's `torch.optim.lr_scheduler.LRScheduler`), stepped once per
/// epoch after the optimizer's steps.
///
/// ```
/// use ferrite_nn::{Linear, ModuleExt};
/// use ferrite_optim::{LrScheduler, Optimizer, SGD, StepLR};
/// let net = Linear::new(2, 1)?;
/// let mut opt = SGD::new(net.parameters(), 0.1)?;
/// let mut scheduler: Box<dyn LrScheduler> = Box::new(StepLR::new(&opt, 2, 0.5)?);
/// for _epoch in 0..4 {
///     // ... opt.zero_grad(); loss.backward(); opt.step()? for each batch ...
///     scheduler.step(&mut opt)?;
/// }
/// assert_eq!(scheduler.last_epoch(), 4);
/// assert_eq!(scheduler.get_last_lr(), &[0.025]);
/// assert_eq!(opt.param_groups()[0].lr(), 0.025);
/// # Ok::<(), ferrite_optim::Error>(())
/// ```
pub trait LrScheduler: Send {
    /// Advances one epoch and sets each group's lr in `optimizer` (which must be the one the
    /// scheduler was built for: the group count is checked).
    ///
    /// ```
    /// use ferrite_nn::Parameter;
    /// use ferrite_optim::{CosineAnnealingLR, LrScheduler, SGD};
    /// use ferrite_tensor::Tensor;
    /// let mut opt = SGD::new(vec![Parameter::new(Tensor::zeros([2]))?], 0.1)?;
    /// let mut cosine = CosineAnnealingLR::new(&opt, 10, 0.0)?;
    /// cosine.step(&mut opt)?;
    /// assert!(cosine.get_last_lr()[0] < 0.1);
    /// # Ok::<(), ferrite_optim::Error>(())
    /// ```
    fn step(&mut self, optimizer: &mut dyn Optimizer) -> Result<()>;

    /// The lr of each group after the latest step (PyTorch's `get_last_lr()`).
    ///
    /// ```
    /// use ferrite_nn::Parameter;
    /// use ferrite_optim::{LrScheduler, SGD, StepLR};
    /// use ferrite_tensor::Tensor;
    /// let opt = SGD::new(vec![Parameter::new(Tensor::zeros([2]))?], 0.1)?;
    /// assert_eq!(StepLR::new(&opt, 3, 0.1)?.get_last_lr(), &[0.1]);
    /// # Ok::<(), ferrite_optim::Error>(())
    /// ```
    fn get_last_lr(&self) -> &[f64];

    /// The number of the latest epoch: 0 after construction, then one more per step.
    ///
    /// ```
    /// use ferrite_nn::Parameter;
    /// use ferrite_optim::{LrScheduler, SGD, StepLR};
    /// use ferrite_tensor::Tensor;
    /// let opt = SGD::new(vec![Parameter::new(Tensor::zeros([2]))?], 0.1)?;
    /// assert_eq!(StepLR::new(&opt, 3, 0.1)?.last_epoch(), 0);
    /// # Ok::<(), ferrite_optim::Error>(())
    /// ```
    fn last_epoch(&self) -> i64;

    /// The scheduler's progress, for a checkpoint.
    ///
    /// ```
    /// use ferrite_nn::Parameter;
    /// use ferrite_optim::{LrScheduler, SGD, StepLR};
    /// use ferrite_tensor::Tensor;
    /// let opt = SGD::new(vec![Parameter::new(Tensor::zeros([2]))?], 0.1)?;
    /// assert_eq!(StepLR::new(&opt, 3, 0.1)?.state_dict().base_lrs, vec![0.1]);
    /// # Ok::<(), ferrite_optim::Error>(())
    /// ```
    fn state_dict(&self) -> SchedulerState;

    /// Restores progress saved by [`state_dict`](LrScheduler::state_dict). Restore the optimizer's
    /// state too: the recursive formulas start from the groups' current lrs.
    ///
    /// ```
    /// use ferrite_nn::Parameter;
    /// use ferrite_optim::{LrScheduler, SGD, StepLR};
    /// use ferrite_tensor::Tensor;
    /// let mut opt = SGD::new(vec![Parameter::new(Tensor::zeros([2]))?], 0.1)?;
    /// let mut a = StepLR::new(&opt, 3, 0.1)?;
    /// a.step(&mut opt)?;
    /// let mut b = StepLR::new(&opt, 3, 0.1)?;
    /// b.load_state_dict(&a.state_dict())?;
    /// assert_eq!(b.last_epoch(), 1);
    /// # Ok::<(), ferrite_optim::Error>(())
    /// ```
    fn load_state_dict(&mut self, state: &SchedulerState) -> Result<()>;
}

/// A scheduler's progress (the part of PyTorch's scheduler `state_dict()` that changes as it runs;
/// the hyperparameters come from the constructor).
///
/// ```
/// use ferrite_nn::Parameter;
/// use ferrite_optim::{LrScheduler, SGD, SchedulerState, StepLR};
/// use ferrite_tensor::Tensor;
/// let opt = SGD::new(vec![Parameter::new(Tensor::zeros([2]))?], 0.1)?;
/// let state = StepLR::new(&opt, 3, 0.1)?.state_dict();
/// let back = SchedulerState::from_named_tensors(state.to_named_tensors())?;
/// assert_eq!(back, state);
/// # Ok::<(), ferrite_optim::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SchedulerState {
    /// The latest epoch.
    pub last_epoch: i64,
    /// Each group's lr when the scheduler was built (PyTorch's `base_lrs`).
    pub base_lrs: Vec<f64>,
    /// Each group's lr after the latest step.
    pub last_lr: Vec<f64>,
}

impl SchedulerState {
    /// The state as `(name, tensor)` pairs for a checkpoint: `last_epoch` (0-d i64), `base_lrs`
    /// and `last_lr` (1-d f64).
    ///
    /// ```
    /// use ferrite_optim::SchedulerState;
    /// let state = SchedulerState { last_epoch: 3, base_lrs: vec![0.1], last_lr: vec![0.01] };
    /// let names: Vec<_> = state.to_named_tensors().into_iter().map(|(n, _)| n).collect();
    /// assert_eq!(names, ["last_epoch", "base_lrs", "last_lr"]);
    /// ```
    pub fn to_named_tensors(&self) -> Vec<(String, Tensor)> {
        let lrs = |v: &[f64]| Tensor::from_vec(v.to_vec(), [v.len()]).expect("the length matches the shape");
        vec![
            (
                "last_epoch".to_string(),
                Tensor::full((), self.last_epoch, DType::I64).expect("a 0-d full never fails"),
            ),
            ("base_lrs".to_string(), lrs(&self.base_lrs)),
            ("last_lr".to_string(), lrs(&self.last_lr)),
        ]
    }

    /// Reads the pairs [`SchedulerState::to_named_tensors`] wrote; every entry must be present,
    /// with its dtype and rank.
    ///
    /// ```
    /// use ferrite_optim::SchedulerState;
    /// use ferrite_tensor::Tensor;
    /// let err = SchedulerState::from_named_tensors([("last_epoch", Tensor::zeros([2]))]).unwrap_err();
    /// assert!(err.to_string().starts_with("state entry 'last_epoch'"));
    /// # Ok::<(), ferrite_optim::Error>(())
    /// ```
    pub fn from_named_tensors<S: AsRef<str>>(
        pairs: impl IntoIterator<Item = (S, Tensor)>,
    ) -> Result<SchedulerState> {
        let (mut last_epoch, mut base_lrs, mut last_lr) = (None, None, None);
        for (name, t) in pairs {
            let name = name.as_ref();
            let bad = |reason: String| Error::NamedTensor { name: name.into(), reason };
            let wrong = || bad(format!("unexpected {} tensor of shape {}", t.dtype(), t.shape()));
            match name {
                "last_epoch" if t.dtype() == DType::I64 && t.dim() == 0 => {
                    last_epoch = Some(t.item::<i64>()?)
                }
                "base_lrs" | "last_lr" if t.dtype() == DType::F64 && t.dim() == 1 => {
                    let slot = if name == "base_lrs" { &mut base_lrs } else { &mut last_lr };
                    *slot = Some(t.to_vec::<f64>()?);
                }
                "last_epoch" | "base_lrs" | "last_lr" => return Err(wrong()),
                _ => return Err(bad("not part of a scheduler state (last_epoch, base_lrs, last_lr)".into())),
            }
        }
        let missing = |name: &str| Error::NamedTensor { name: name.into(), reason: "missing".into() };
        Ok(SchedulerState {
            last_epoch: last_epoch.ok_or_else(|| missing("last_epoch"))?,
            base_lrs: base_lrs.ok_or_else(|| missing("base_lrs"))?,
            last_lr: last_lr.ok_or_else(|| missing("last_lr"))?,
        })
    }
}

/// What every scheduler tracks: the base lrs, the latest epoch and the latest lrs.
#[derive(Clone, Debug)]
struct Progress {
    name: &'static str,
    state: SchedulerState,
}

impl Progress {
    /// PyTorch's construction with `last_epoch=-1`: records each group's lr as its base, then takes
    /// the initial step to epoch 0, which leaves the lrs as they are.
    fn start(name: &'static str, optimizer: &dyn Optimizer) -> Progress {
        let lrs: Vec<f64> = optimizer.param_groups().iter().map(|g| g.lr()).collect();
        Progress { name, state: SchedulerState { last_epoch: 0, base_lrs: lrs.clone(), last_lr: lrs } }
    }

    /// One epoch: `next(epoch, base_lr, current_lr)` gives each group's new lr.
    fn advance(&mut self, optimizer: &mut dyn Optimizer, next: impl Fn(i64, f64, f64) -> f64) -> Result<()> {
        let groups = optimizer.param_groups_mut();
        if groups.len() != self.state.base_lrs.len() {
            return Err(Error::Scheduler {
                scheduler: self.name,
                reason: format!(
                    "the optimizer has {} parameter groups but the scheduler was built for {}",
                    groups.len(),
                    self.state.base_lrs.len()
                ),
            });
        }
        self.state.last_epoch += 1;
        for (group, &base) in groups.iter_mut().zip(&self.state.base_lrs) {
            group.set_lr(next(self.state.last_epoch, base, group.lr()));
        }
        self.state.last_lr = groups.iter().map(|g| g.lr()).collect();
        Ok(())
    }

    fn load(&mut self, state: &SchedulerState) -> Result<()> {
        let n = self.state.base_lrs.len();
        let reason = if state.base_lrs.len() != n || state.last_lr.len() != n {
            format!(
                "the state has {} base lrs and {} last lrs but the scheduler has {n} parameter groups",
                state.base_lrs.len(),
                state.last_lr.len()
            )
        } else if state.last_epoch < 0 {
            format!("last_epoch is {} (it must be >= 0)", state.last_epoch)
        } else {
            self.state = state.clone();
            return Ok(());
        };
        Err(Error::Scheduler { scheduler: self.name, reason })
    }
}

/// Implements `LrScheduler` for a scheduler with a `progress` field and a `rule` field whose
/// `next_lr(epoch, base_lr, lr)` is the schedule.
macro_rules! scheduler_impl {
    ($ty:ident) => {
        impl LrScheduler for $ty {
            fn step(&mut self, optimizer: &mut dyn Optimizer) -> Result<()> {
                let rule = &self.rule;
                self.progress.advance(optimizer, |epoch, base, lr| rule.next_lr(epoch, base, lr))
            }

            fn get_last_lr(&self) -> &[f64] {
                &self.progress.state.last_lr
            }

            fn last_epoch(&self) -> i64 {
                self.progress.state.last_epoch
            }

            fn state_dict(&self) -> SchedulerState {
                self.progress.state.clone()
            }

            fn load_state_dict(&mut self, state: &SchedulerState) -> Result<()> {
                self.progress.load(state)
            }
        }
    };
}

/// Multiplies each group's lr by `gamma` every `step_size` epochs (PyTorch's `StepLR`).
///
/// ```
/// use ferrite_nn::Parameter;
/// use ferrite_optim::{LrScheduler, SGD, StepLR};
/// use ferrite_tensor::Tensor;
/// let mut opt = SGD::new(vec![Parameter::new(Tensor::zeros([2]))?], 1.0)?;
/// let mut scheduler = StepLR::new(&opt, 2, 0.5)?;
/// let mut lrs = vec![];
/// for _ in 0..5 {
///     scheduler.step(&mut opt)?;
///     lrs.push(scheduler.get_last_lr()[0]);
/// }
/// assert_eq!(lrs, [1.0, 0.5, 0.5, 0.25, 0.25]);
/// # Ok::<(), ferrite_optim::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct StepLR {
    progress: Progress,
    rule: StepRule,
}

#[derive(Clone, Copy, Debug)]
struct StepRule {
    step_size: usize,
    gamma: f64,
}

impl StepLR {
    /// A StepLR over `optimizer`'s groups, starting from their current lrs. `step_size` must be at
    /// least 1 and `gamma` finite.
    ///
    /// ```
    /// use ferrite_nn::Parameter;
    /// use ferrite_optim::{SGD, StepLR};
    /// use ferrite_tensor::Tensor;
    /// let opt = SGD::new(vec![Parameter::new(Tensor::zeros([2]))?], 0.1)?;
    /// assert!(StepLR::new(&opt, 0, 0.1).is_err());
    /// # Ok::<(), ferrite_optim::Error>(())
    /// ```
    pub fn new(optimizer: &dyn Optimizer, step_size: usize, gamma: f64) -> Result<StepLR> {
        let invalid = |option, reason| Error::InvalidOption { optimizer: "StepLR", option, reason };
        if step_size == 0 {
            return Err(invalid("step_size", "0 (it must be at least 1)".into()));
        }
        if !gamma.is_finite() {
            return Err(invalid("gamma", format!("{gamma} (it must be finite)")));
        }
        Ok(StepLR { progress: Progress::start("StepLR", optimizer), rule: StepRule { step_size, gamma } })
    }
}

impl StepRule {
    /// PyTorch's `StepLR.get_lr`: the current lr, times `gamma` at each non-zero multiple of
    /// `step_size`.
    fn next_lr(&self, epoch: i64, _base: f64, lr: f64) -> f64 {
        if epoch == 0 || epoch % self.step_size as i64 != 0 { lr } else { lr * self.gamma }
    }
}

scheduler_impl!(StepLR);

/// Anneals each group's lr from its base down to `eta_min` along a cosine over `t_max` epochs, then
/// back up over the next `t_max` (PyTorch's `CosineAnnealingLR`, without restarts).
///
/// The lr follows `eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / t_max)) / 2`, computed as
/// PyTorch does, from the previous epoch's lr, so an lr changed by hand carries on.
///
/// ```
/// use ferrite_nn::Parameter;
/// use ferrite_optim::{CosineAnnealingLR, LrScheduler, SGD};
/// use ferrite_tensor::Tensor;
/// let mut opt = SGD::new(vec![Parameter::new(Tensor::zeros([2]))?], 0.1)?;
/// let mut scheduler = CosineAnnealingLR::new(&opt, 4, 0.0)?;
/// for _ in 0..4 {
///     scheduler.step(&mut opt)?;
/// }
/// assert!(scheduler.get_last_lr()[0].abs() < 1e-12);
/// # Ok::<(), ferrite_optim::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct CosineAnnealingLR {
    progress: Progress,
    rule: CosineRule,
}

#[derive(Clone, Copy, Debug)]
struct CosineRule {
    t_max: usize,
    eta_min: f64,
}

impl CosineAnnealingLR {
    /// A cosine schedule over `optimizer`'s groups with half-period `t_max` (at least 1) epochs
    /// and minimum lr `eta_min` (finite).
    ///
    /// ```
    /// use ferrite_nn::Parameter;
    /// use ferrite_optim::{CosineAnnealingLR, SGD};
    /// use ferrite_tensor::Tensor;
    /// let opt = SGD::new(vec![Parameter::new(Tensor::zeros([2]))?], 0.1)?;
    /// assert!(CosineAnnealingLR::new(&opt, 0, 0.0).is_err());
    /// # Ok::<(), ferrite_optim::Error>(())
    /// ```
    pub fn new(optimizer: &dyn Optimizer, t_max: usize, eta_min: f64) -> Result<CosineAnnealingLR> {
        let invalid =
            |option, reason| Error::InvalidOption { optimizer: "CosineAnnealingLR", option, reason };
        if t_max == 0 {
            return Err(invalid("T_max", "0 (it must be at least 1)".into()));
        }
        if !eta_min.is_finite() {
            return Err(invalid("eta_min", format!("{eta_min} (it must be finite)")));
        }
        let rule = CosineRule { t_max, eta_min };
        Ok(CosineAnnealingLR { progress: Progress::start("CosineAnnealingLR", optimizer), rule })
    }
}

impl CosineRule {
    /// PyTorch's `CosineAnnealingLR.get_lr`, term for term, so the lrs match bit for bit.
    fn next_lr(&self, epoch: i64, base: f64, lr: f64) -> f64 {
        let (t, e, eta_min) = (self.t_max as i64, epoch as f64, self.eta_min);
        let t_max = self.t_max as f64;
        if epoch == 0 {
            lr
        } else if (epoch - 1 - t).rem_euclid(2 * t) == 0 {
            // The trough: the ratio below would divide by zero, so step up by the first increment.
            lr + (base - eta_min) * (1.0 - (PI / t_max).cos()) / 2.0
        } else {
            (1.0 + (PI * e / t_max).cos()) / (1.0 + (PI * (e - 1.0) / t_max).cos()) * (lr - eta_min) + eta_min
        }
    }
}

scheduler_impl!(CosineAnnealingLR);
