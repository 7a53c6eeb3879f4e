//! A small column table over CSV files: the part of pandas that d2l's data preprocessing uses
//! (`read_csv`, `iloc`, `fillna(mean())`, `get_dummies`, conversion to a tensor), printing
//! exactly as pandas prints.

mod csv_reader;
mod format;
mod frame;
mod series;

pub use frame::Table;
pub use series::{Series, Values};
