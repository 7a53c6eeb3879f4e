//! d2l's training helpers for ferrite: a [`Timer`], metrics ([`Accumulator`], [`accuracy`],
//! [`evaluate_accuracy`], [`evaluate_loss`]), plots rendered to SVG ([`plot`], [`Animator`],
//! [`show_images`]) and the chapter-3 training loop ([`train_epoch_ch3`], [`train_ch3`]).
//!
//! Plots are plain data ([`Figure`], [`Axes`], [`Series`]) that tests can inspect, rendered to SVG
//! with plotters; no system font or image library is needed. An [`Animator`] rewrites its SVG file
//! after every point, so a browser tab on the file shows training progress.

mod animator;
mod error;
mod figure;
mod images;
mod metrics;
mod render;
mod timer;
mod train;
mod updater;

pub use animator::Animator;
pub use error::{Error, Result};
pub use figure::{Axes, Dash, Figure, LegendLoc, PlotData, Rgb, Scale, Series, Style, plot};
pub use images::{ImageCell, ImageGrid, show_images};
pub use metrics::{Accumulator, accuracy, evaluate_accuracy, evaluate_loss};
pub use timer::Timer;
pub use train::{EpochMetrics, History, TrainOptions, train_ch3, train_epoch_ch3};
pub use updater::{Updater, ViaClosure, ViaOptimizer};
