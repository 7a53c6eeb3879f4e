//! `Checkpoint`: a training run's whole state (model, optimizer, scheduler, epoch, random
//! generator) in one crash-safe file, so that a resumed run takes bitwise the same next steps.

use crate::{Error, Result};
use ferrite_nn::{ModuleExt, StateDict};
use ferrite_optim::{LrScheduler, Optimizer, OptimizerState, SchedulerState};
use ferrite_serialize::SavedRef;
use ferrite_tensor::{RngState, Tensor};
use std::path::Path;

/// What d2l means by "save intermediate results periodically": the model's state dict, the
/// optimizer's state (momentum buffers, Adam's moments, each group's options), a scheduler's
/// position, the epoch and the global random generator (which also decides the next shuffles of a
/// `DataLoader`), saved together as one safetensors file written atomically (a crash mid-save
/// leaves the previous checkpoint intact).
///
/// Restoring into a freshly built model and optimizer continues the run exactly: the next steps
/// are bitwise those of the run that was never interrupted.
///
/// ```
/// use ferrite::prelude::*;
/// let net = nn::Sequential::new().push(nn::Linear::new(3, 1)?);
/// let mut trainer = optim::SGD::new(net.parameters(), 0.1)?.momentum(0.9)?;
/// let step = |net: &nn::Sequential, trainer: &mut dyn Optimizer| -> Result<f32> {
///     let x = Tensor::randn([4, 3]);
///     let loss = net.forward(&x)?.square()?.mean_all()?;
///     trainer.zero_grad();
///     loss.backward()?;
///     trainer.step()?;
///     Ok(loss.item::<f32>()?)
/// };
/// step(&net, &mut trainer)?;
/// let path = std::env::temp_dir().join(format!("ferrite-ckpt-doc-{}", std::process::id()));
/// ferrite::Checkpoint::new(1, &net, Some(&trainer)).save(&path)?;
/// let expected = step(&net, &mut trainer)?;
///
/// // A new process: build the same model and optimizer, restore, continue.
/// let net2 = nn::Sequential::new().push(nn::Linear::new(3, 1)?);
/// let mut trainer2 = optim::SGD::new(net2.parameters(), 0.1)?.momentum(0.9)?;
/// let ckpt = ferrite::Checkpoint::load(&path)?;
/// ckpt.restore(&net2, Some(&mut trainer2))?;
/// assert_eq!(ckpt.epoch, 1);
/// assert_eq!(step(&net2, &mut trainer2)?, expected);
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), ferrite::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Checkpoint {
    /// Epochs completed when the checkpoint was taken.
    pub epoch: u64,
    /// The model's state dict.
    pub model: StateDict,
    /// The optimizer's state, if one was saved.
    pub optimizer: Option<OptimizerState>,
    /// A learning-rate scheduler's state, if one was saved.
    pub scheduler: Option<SchedulerState>,
    /// The global random generator's state.
    pub rng: RngState,
}

const EPOCH: &str = "epoch";
const RNG: &str = "rng";
const MODEL: &str = "model.";
const OPTIMIZER: &str = "optimizer.";
const SCHEDULER: &str = "scheduler.";

impl Checkpoint {
    /// The state of a run now: `model`'s state dict (copied, so later steps do not change it),
    /// `optimizer`'s state and the global generator's.
    pub fn new<M: ModuleExt + ?Sized>(
        epoch: u64,
        model: &M,
        optimizer: Option<&dyn Optimizer>,
    ) -> Checkpoint {
        let model = model.state_dict();
        // The state dict shares the parameters' storage; a checkpoint must not follow later steps.
        let model =
            model.entries().iter().map(|(k, t)| (k.clone(), t.deep_clone().unwrap_or_else(|_| t.clone())));
        Checkpoint {
            epoch,
            model: StateDict::from(model.collect::<Vec<_>>()),
            optimizer: optimizer.map(|o| o.state_dict()),
            scheduler: None,
            rng: ferrite_tensor::get_rng_state(),
        }
    }

    /// Adds a scheduler's state.
    pub fn with_scheduler(mut self, scheduler: &dyn LrScheduler) -> Checkpoint {
        self.scheduler = Some(scheduler.state_dict());
        self
    }

    /// Writes the checkpoint to `path` (safetensors; `model.*`, `optimizer.*`, `scheduler.*`,
    /// `epoch` and `rng` entries), atomically and durably.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let mut pairs: Vec<(String, Tensor)> = Vec::new();
        pairs.push((EPOCH.into(), Tensor::scalar(self.epoch as i64)));
        let rng = self.rng.to_bytes();
        let n = rng.len();
        pairs.push((RNG.into(), Tensor::from_vec(rng, [n])?));
        pairs.extend(self.model.entries().iter().map(|(k, t)| (format!("{MODEL}{k}"), t.clone())));
        if let Some(o) = &self.optimizer {
            pairs.extend(o.to_named_tensors().into_iter().map(|(k, t)| (format!("{OPTIMIZER}{k}"), t)));
        }
        if let Some(s) = &self.scheduler {
            pairs.extend(s.to_named_tensors().into_iter().map(|(k, t)| (format!("{SCHEDULER}{k}"), t)));
        }
        Ok(ferrite_serialize::save(SavedRef::Map(&pairs), path)?)
    }

    /// Reads a checkpoint written by [`Checkpoint::save`]; a file without `epoch` and `rng`
    /// entries is an error naming it.
    pub fn load(path: impl AsRef<Path>) -> Result<Checkpoint> {
        let path = path.as_ref();
        let missing = |what: &str| Error::Checkpoint {
            path: path.to_path_buf(),
            problem: format!("no '{what}' entry: not a ferrite training checkpoint"),
        };
        let (mut epoch, mut rng) = (None, None);
        let (mut model, mut optimizer, mut scheduler) = (Vec::new(), Vec::new(), Vec::new());
        for (k, t) in ferrite_serialize::load_map(path)? {
            if k == EPOCH {
                epoch = Some(t.item::<i64>()?);
            } else if k == RNG {
                rng = Some(RngState::from_bytes(&t.to_vec::<u8>()?)?);
            } else if let Some(k) = k.strip_prefix(MODEL) {
                model.push((k.to_string(), t));
            } else if let Some(k) = k.strip_prefix(OPTIMIZER) {
                optimizer.push((k.to_string(), t));
            } else if let Some(k) = k.strip_prefix(SCHEDULER) {
                scheduler.push((k.to_string(), t));
            } else {
                let problem = format!("unexpected entry '{k}'");
                return Err(Error::Checkpoint { path: path.to_path_buf(), problem });
            }
        }
        let epoch = epoch.ok_or_else(|| missing(EPOCH))?;
        Ok(Checkpoint {
            epoch: u64::try_from(epoch).map_err(|_| Error::Checkpoint {
                path: path.to_path_buf(),
                problem: format!("negative epoch {epoch}"),
            })?,
            model: StateDict::from(model),
            optimizer: (!optimizer.is_empty())
                .then(|| OptimizerState::from_named_tensors(optimizer))
                .transpose()?,
            scheduler: (!scheduler.is_empty())
                .then(|| SchedulerState::from_named_tensors(scheduler))
                .transpose()?,
            rng: rng.ok_or_else(|| missing(RNG))?,
        })
    }

    /// Puts the run back: loads the model (strictly), the optimizer's state if both are there and
    /// sets the global generator. Nothing changes if any part fails to load: a model loaded
    /// before the optimizer's state turned out not to fit is put back as it was.
    pub fn restore<M: ModuleExt + ?Sized>(
        &self,
        model: &M,
        optimizer: Option<&mut dyn Optimizer>,
    ) -> Result<()> {
        let before = Checkpoint::new(self.epoch, model, None).model;
        model.load_state_dict(&self.model)?;
        if let (Some(o), Some(state)) = (optimizer, &self.optimizer)
            && let Err(e) = o.load_state_dict(state)
        {
            model.load_state_dict(&before)?;
            return Err(e.into());
        }
        ferrite_tensor::set_rng_state(&self.rng);
        Ok(())
    }

    /// Puts a scheduler back at the saved position (no effect if none was saved).
    pub fn restore_scheduler(&self, scheduler: &mut dyn LrScheduler) -> Result<()> {
        if let Some(s) = &self.scheduler {
            scheduler.load_state_dict(s)?;
        }
        Ok(())
    }
}
