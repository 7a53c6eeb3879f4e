//! ferrite's data pipeline: datasets, a multi-threaded `DataLoader`, CSV tables and vision datasets.
//!
//! [`Dataset`] is PyTorch's map-style dataset (`len` + `get`, plus a batched `get_batch` that
//! in-memory datasets implement with one gather); [`DataLoader`] batches, shuffles with ferrite's
//! seeded generator and can prepare batches on worker threads. [`table::Table`] reproduces the
//! small part of pandas that d2l's data-preprocessing section uses.

mod dataset;
pub mod download;
mod error;
mod loader;
mod subset;
mod synthetic;
pub mod table;
pub mod vision;

pub use dataset::{Dataset, TensorDataset};
pub use error::{Error, Result};
pub use loader::{DataLoader, Iter, load_array};
pub use subset::Subset;
pub use synthetic::synthetic_data;
pub use vision::{FashionMnist, Mnist, load_data_fashion_mnist};
