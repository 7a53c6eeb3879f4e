//! d2l's chapter-3 training loop: `train_epoch_ch3` (one pass over the training data) and
//! `train_ch3` (epochs with test accuracy, a table on stdout, a progress bar and an `Animator`),
//! which returns the per-epoch metrics as a `History`.

use crate::figure::{Axes, Figure};
use crate::metrics::{Accumulator, accuracy, evaluate_accuracy};
use crate::{Animator, Error, Result, Timer, Updater};
use ferrite_data::DataLoader;
use ferrite_nn::{Loss, Module, ModuleExt};
use ferrite_tensor::DType;
use indicatif::{ProgressBar, ProgressStyle};
use std::fmt;
use std::io::IsTerminal;
use std::path::PathBuf;

/// Trains `net` for one epoch over `train_iter` (d2l's `train_epoch_ch3`) and returns the mean
/// training loss and the training accuracy of the epoch.
///
/// The net is put in training mode. For each batch: the forward pass, the per-example loss
/// (`loss` must be built with `Reduction::None`; another shape is an error), then the
/// [`Updater`]: an optimizer does `zero_grad`, `loss.mean().backward()`, `step`; a closure gets
/// `loss.sum().backward()` and then the batch size. An empty loader is an error.
///
/// ```
/// use ferrite_data::{DataLoader, TensorDataset};
/// use ferrite_nn::{CrossEntropyLoss, Linear, ModuleExt, Reduction};
/// use ferrite_optim::SGD;
/// use ferrite_tensor::tensor;
/// let x = tensor!([[1.0, 0.0], [0.0, 1.0], [2.0, 0.5], [0.5, 2.0]]);
/// let y = tensor!([0i64, 1, 0, 1]);
/// let train_iter = DataLoader::new(TensorDataset::new(x, y)?, 2)?;
/// let net = Linear::new(2, 2)?;
/// let loss = CrossEntropyLoss::with_reduction(Reduction::None);
/// let mut trainer = SGD::new(net.parameters(), 0.5)?;
/// let (train_loss, train_acc) = ferrite_train::train_epoch_ch3(&net, &train_iter, &loss, &mut trainer)?;
/// assert!(train_loss > 0.0 && (0.0..=1.0).contains(&train_acc));
/// # Ok::<(), ferrite_train::Error>(())
/// ```
pub fn train_epoch_ch3<M, U>(
    net: &dyn Module,
    train_iter: &DataLoader,
    loss: &dyn Loss,
    updater: &mut U,
) -> Result<(f64, f64)>
where
    U: Updater<M> + ?Sized,
{
    train_epoch(net, train_iter, loss, updater, &ProgressBar::hidden())
}

/// `train_epoch_ch3`, advancing `bar` once per batch.
fn train_epoch<M, U>(
    net: &dyn Module,
    train_iter: &DataLoader,
    loss: &dyn Loss,
    updater: &mut U,
    bar: &ProgressBar,
) -> Result<(f64, f64)>
where
    U: Updater<M> + ?Sized,
{
    const FUNC: &str = "train_epoch_ch3";
    net.train();
    let mut metric = Accumulator::new(3); // sum of losses, correct predictions, examples
    for batch in train_iter {
        let (x, y) = batch?;
        let y_hat = net.forward(&x)?;
        let l = loss.loss(&y_hat, &y)?;
        let batch_size = x.dims().first().copied().unwrap_or(1);
        if l.numel() != batch_size {
            return Err(Error::LossShape { func: FUNC, shape: l.shape().clone(), batch: batch_size });
        }
        updater.update(&l, batch_size)?;
        let loss_sum = l.detach().to_dtype(DType::F64)?.sum_all()?.item::<f64>()?;
        metric.add(&[loss_sum, accuracy(&y_hat.detach(), &y)?, y.numel() as f64])?;
        bar.inc(1);
    }
    if metric[2] == 0.0 {
        return Err(Error::EmptyData { func: FUNC });
    }
    Ok((metric[0] / metric[2], metric[1] / metric[2]))
}

/// The metrics of one epoch of [`train_ch3`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochMetrics {
    /// The epoch, from 1.
    pub epoch: usize,
    /// The mean per-example training loss over the epoch.
    pub train_loss: f64,
    /// The training accuracy over the epoch (measured while training, as d2l does).
    pub train_acc: f64,
    /// The test accuracy after the epoch.
    pub test_acc: f64,
    /// Seconds the epoch took, evaluation included.
    pub seconds: f64,
}

impl EpochMetrics {
    /// The header of the table that [`train_ch3`] prints and [`History`] displays.
    pub const HEADER: &str = "epoch  train loss  train acc  test acc     time";

    /// This epoch's row of the table.
    ///
    /// ```
    /// use ferrite_train::EpochMetrics;
    /// let m = EpochMetrics { epoch: 3, train_loss: 0.51234, train_acc: 0.83, test_acc: 0.8125, seconds: 1.5 };
    /// assert_eq!(m.row(), "    3      0.5123      0.830     0.812   1.50 s");
    /// ```
    pub fn row(&self) -> String {
        format!(
            "{:>5}  {:>10.4}  {:>9.3}  {:>8.3}  {:>5.2} s",
            self.epoch, self.train_loss, self.train_acc, self.test_acc, self.seconds
        )
    }
}

/// What [`train_ch3`] returns: the metrics of every epoch and the figure its animator drew
/// (series `train loss`, `train acc`, `test acc`, one point per epoch).
///
/// `Display` prints the table `train_ch3` prints.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// One entry per epoch, in order.
    pub epochs: Vec<EpochMetrics>,
    /// The animator's figure.
    pub figure: Figure,
}

impl History {
    /// The last epoch's metrics (`None` after zero epochs).
    pub fn last(&self) -> Option<&EpochMetrics> {
        self.epochs.last()
    }
}

impl fmt::Display for History {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", EpochMetrics::HEADER)?;
        for m in &self.epochs {
            writeln!(f, "{}", m.row())?;
        }
        Ok(())
    }
}

/// How [`train_ch3`] reports progress.
///
/// ```
/// use ferrite_train::TrainOptions;
/// let options = TrainOptions::default().svg(std::env::temp_dir().join("softmax.svg")).quiet();
/// assert!(!options.print_table && !options.progress_bar);
/// assert_eq!(TrainOptions::default().ylim, Some((0.3, 0.9)));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TrainOptions {
    /// The SVG file the animator rewrites after every epoch (default `train_ch3.svg` in the
    /// current folder); `None` draws the figure without writing it.
    pub svg_path: Option<PathBuf>,
    /// Print the per-epoch table to stdout (default on).
    pub print_table: bool,
    /// Show a progress bar per epoch on stderr (default on; hidden anyway when stderr is not a
    /// terminal).
    pub progress_bar: bool,
    /// The animator's y range (default d2l's `[0.3, 0.9]`); `None` fits the data.
    pub ylim: Option<(f64, f64)>,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            svg_path: Some(PathBuf::from("train_ch3.svg")),
            print_table: true,
            progress_bar: true,
            ylim: Some((0.3, 0.9)),
        }
    }
}

impl TrainOptions {
    /// Writes the animator's SVG to `path`.
    pub fn svg(mut self, path: impl Into<PathBuf>) -> Self {
        self.svg_path = Some(path.into());
        self
    }

    /// Writes no SVG file.
    pub fn no_svg(mut self) -> Self {
        self.svg_path = None;
        self
    }

    /// Prints no table and shows no progress bar.
    pub fn quiet(mut self) -> Self {
        self.print_table = false;
        self.progress_bar = false;
        self
    }

    /// Sets the animator's y range (`None`: from the data).
    pub fn ylim(mut self, ylim: Option<(f64, f64)>) -> Self {
        self.ylim = ylim;
        self
    }
}

/// Trains `net` for `num_epochs` epochs (d2l's `train_ch3`): each epoch runs
/// [`train_epoch_ch3`] on `train_iter`, then [`evaluate_accuracy`] on `test_iter`, and adds the
/// train loss, train accuracy and test accuracy to an [`Animator`] (x axis `epoch`, from 1 to
/// `num_epochs`).
///
/// As `options` ask, it prints a table row per epoch to stdout (and a last line like d2l's
/// `loss 0.447, train acc 0.848, test acc 0.829`), shows a progress bar over the batches on
/// stderr, and rewrites the animator's SVG file after every epoch. d2l's asserts on the final
/// metrics belong to its example, not here: check the returned [`History`].
///
/// ```
/// use ferrite_data::{DataLoader, TensorDataset};
/// use ferrite_nn::{CrossEntropyLoss, Linear, ModuleExt, Reduction};
/// use ferrite_optim::SGD;
/// use ferrite_tensor::tensor;
/// use ferrite_train::{train_ch3, TrainOptions};
/// let x = tensor!([[1.0, 0.0], [0.0, 1.0], [2.0, 0.5], [0.5, 2.0]]);
/// let y = tensor!([0i64, 1, 0, 1]);
/// let data = || -> ferrite_data::Result<DataLoader> { DataLoader::new(TensorDataset::new(x.clone(), y.clone())?, 2) };
/// let net = Linear::new(2, 2)?;
/// let loss = CrossEntropyLoss::with_reduction(Reduction::None);
/// let mut trainer = SGD::new(net.parameters(), 0.5)?;
/// let options = TrainOptions::default().svg(std::env::temp_dir().join("ferrite_train_ch3_doc.svg")).quiet();
/// let history = train_ch3(&net, &data()?, &data()?, &loss, 3, &mut trainer, &options)?;
/// assert_eq!(history.epochs.len(), 3);
/// assert_eq!(history.figure.axes.series[2].label.as_deref(), Some("test acc"));
/// # Ok::<(), ferrite_train::Error>(())
/// ```
pub fn train_ch3<M, U>(
    net: &dyn Module,
    train_iter: &DataLoader,
    test_iter: &DataLoader,
    loss: &dyn Loss,
    num_epochs: usize,
    updater: &mut U,
    options: &TrainOptions,
) -> Result<History>
where
    U: Updater<M> + ?Sized,
{
    let mut axes = Axes::new().xlabel("epoch");
    if num_epochs > 1 {
        axes = axes.xlim(1.0, num_epochs as f64);
    }
    if let Some((lo, hi)) = options.ylim {
        axes = axes.ylim(lo, hi);
    }
    let mut animator = Animator::new(axes, &["train loss", "train acc", "test acc"]);
    if let Some(path) = &options.svg_path {
        animator = animator.with_path(path.clone());
    }
    if options.print_table {
        println!("{}", EpochMetrics::HEADER);
    }
    let mut epochs = Vec::with_capacity(num_epochs);
    for epoch in 1..=num_epochs {
        let mut timer = Timer::new();
        let bar = progress_bar(options.progress_bar, train_iter.len(), epoch, num_epochs);
        let trained = train_epoch(net, train_iter, loss, updater, &bar);
        bar.finish_and_clear();
        let (train_loss, train_acc) = trained?;
        let test_acc = evaluate_accuracy(net, test_iter)?;
        let metrics = EpochMetrics { epoch, train_loss, train_acc, test_acc, seconds: timer.stop() };
        animator.add(epoch as f64, [train_loss, train_acc, test_acc])?;
        if options.print_table {
            println!("{}", metrics.row());
        }
        epochs.push(metrics);
    }
    if let (true, Some(m)) = (options.print_table, epochs.last()) {
        println!("loss {:.3}, train acc {:.3}, test acc {:.3}", m.train_loss, m.train_acc, m.test_acc);
    }
    Ok(History { epochs, figure: animator.into_figure() })
}

/// A bar over an epoch's batches on stderr, hidden when not wanted or not on a terminal.
fn progress_bar(wanted: bool, batches: usize, epoch: usize, num_epochs: usize) -> ProgressBar {
    if !wanted || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(batches as u64).with_message(format!("epoch {epoch}/{num_epochs}"));
    // The template is a constant; should it ever fail to parse, the default style still works.
    match ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} batches ({elapsed})") {
        Ok(style) => bar.with_style(style.progress_chars("=> ")),
        Err(_) => bar,
    }
}
