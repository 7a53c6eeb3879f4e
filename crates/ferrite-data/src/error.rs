//! The crate's error type: every variant names the file, line, column or sizes involved.

use std::path::PathBuf;

/// Errors of datasets, data loaders, CSV tables and dataset files.
///
/// ```
/// use ferrite_data::{Error, TensorDataset};
/// use ferrite_tensor::Tensor;
/// let err = TensorDataset::new(Tensor::zeros([3, 2]), Tensor::zeros([4])).unwrap_err();
/// assert!(matches!(err, Error::SizeMismatch { .. }));
/// assert_eq!(
///     err.to_string(),
///     "TensorDataset: features of shape [3, 2] and labels of shape [4] differ in their first dim"
/// );
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An error of a tensor operation.
    #[error(transparent)]
    Tensor(#[from] ferrite_tensor::Error),
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Tensors that must hold one row per example disagree in their first dim.
    #[error("{op}: features of shape {features} and labels of shape {labels} differ in their first dim")]
    SizeMismatch {
        /// The operation.
        op: &'static str,
        /// The features' shape.
        features: ferrite_tensor::Shape,
        /// The labels' shape.
        labels: ferrite_tensor::Shape,
    },
    /// A dataset indexed past its end.
    #[error("{op}: index {index} is out of range for a dataset of {len} examples")]
    IndexOutOfRange {
        /// The operation.
        op: &'static str,
        /// The index.
        index: usize,
        /// The dataset's length.
        len: usize,
    },
    /// A batch with no example in it.
    #[error("{op}: a batch needs at least one index")]
    EmptyBatch {
        /// The operation.
        op: &'static str,
    },
    /// A batch size of 0 (PyTorch's `batch_size should be a positive integer value`).
    #[error("DataLoader: batch_size should be a positive integer value, but got batch_size={0}")]
    InvalidBatchSize(usize),
    /// A data-loader worker thread panicked while preparing a batch.
    #[error("DataLoader: worker {worker} panicked while preparing batch {batch}")]
    WorkerPanicked {
        /// The worker's number.
        worker: usize,
        /// The batch it was preparing.
        batch: usize,
    },
    /// A malformed CSV file (bad UTF-8, I/O failure while parsing).
    #[error("{origin}: line {line}: {message}")]
    Csv {
        /// The file's path, or `<reader>` for in-memory data.
        origin: String,
        /// The 1-based line where parsing failed.
        line: u64,
        /// What the CSV parser reported.
        message: String,
    },
    /// A CSV row with more or fewer fields than the header.
    #[error("{origin}: line {line}: expected {expected} fields, found {found}")]
    RaggedRow {
        /// The file's path, or `<reader>` for in-memory data.
        origin: String,
        /// The 1-based line of the row.
        line: u64,
        /// The header's field count.
        expected: usize,
        /// The row's field count.
        found: usize,
    },
    /// A column position past a table's last column.
    #[error("{op}: column {index} is out of range for a table of {ncols} columns")]
    ColumnOutOfRange {
        /// The operation.
        op: &'static str,
        /// The requested position.
        index: usize,
        /// The table's column count.
        ncols: usize,
    },
    /// A column that an operation needs as numbers holds strings.
    #[error("{op}: column '{column}' has dtype {dtype}, not a numeric dtype")]
    NonNumericColumn {
        /// The operation.
        op: &'static str,
        /// The column's name.
        column: String,
        /// The column's pandas dtype (`object`).
        dtype: &'static str,
    },
    /// A column name that a table does not have.
    #[error("{op}: no column named '{name}'")]
    UnknownColumn {
        /// The operation.
        op: &'static str,
        /// The requested name.
        name: String,
    },
    /// Columns of different lengths put into one table.
    #[error("Table: column '{column}' has {len} entries, expected {expected}")]
    ColumnLength {
        /// The column's name.
        column: String,
        /// Its length.
        len: usize,
        /// The first column's length.
        expected: usize,
    },
    /// A range of rows or columns that does not fit in a table.
    #[error("{op}: {axis} {start}..{end} are out of range for a table of {len} {axis}")]
    SliceOutOfRange {
        /// The operation.
        op: &'static str,
        /// `rows` or `columns`.
        axis: &'static str,
        /// The range's start.
        start: usize,
        /// The range's end.
        end: usize,
        /// How many rows or columns the table has.
        len: usize,
    },
    /// A malformed IDX file (MNIST's format): bad magic, truncated, trailing bytes, impossible size.
    #[error("{}: {source}", path.display())]
    Idx {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        source: crate::vision::IdxError,
    },
    /// An images file and its labels file hold different numbers of examples.
    #[error("{} holds {images} images but {} holds {labels} labels", images_path.display(), labels_path.display())]
    CountMismatch {
        /// The images file.
        images_path: PathBuf,
        /// Its image count.
        images: usize,
        /// The labels file.
        labels_path: PathBuf,
        /// Its label count.
        labels: usize,
    },
    /// A label outside `0..classes` in a labels file.
    #[error("{}: label {label} at index {index} is not a class of this dataset (0..{classes})", path.display())]
    BadLabel {
        /// The labels file.
        path: PathBuf,
        /// The example's index.
        index: usize,
        /// The label found.
        label: u8,
        /// The number of classes.
        classes: usize,
    },
    /// A class index without a name (`text_labels` of a label outside `0..classes`).
    #[error("{op}: label {label} is not a class index (0..{classes})")]
    UnknownClass {
        /// The operation.
        op: &'static str,
        /// The label given.
        label: i64,
        /// The number of classes.
        classes: usize,
    },
    /// A dataset's files are not on disk (and downloading them was not asked for, or failed).
    #[error(
        "{dataset}: {} not found in {}; {hint}{}",
        missing.join(", "), dir.display(),
        download.as_ref().map(|e| format!("; downloading failed: {e}")).unwrap_or_default()
    )]
    MissingFiles {
        /// The dataset's name.
        dataset: &'static str,
        /// The directory searched.
        dir: PathBuf,
        /// The file names not found there.
        missing: Vec<String>,
        /// How to point the dataset at a local copy or download it.
        hint: &'static str,
        /// The error of the download that was tried, if one was.
        download: Option<Box<Error>>,
    },
    /// A resize to or from an empty size.
    #[error("resize: cannot resize {}x{} images to {}x{}: sizes must be positive", input.0, input.1, output.0, output.1)]
    InvalidResize {
        /// The input (height, width).
        input: (usize, usize),
        /// The requested output (height, width).
        output: (usize, usize),
    },
    /// A download that failed: connection, HTTP status, or a read cut short.
    #[error("cannot download {url}: {source}")]
    Download {
        /// The URL.
        url: String,
        /// The underlying error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A downloaded file whose md5 is not the published one (it was not kept).
    #[error("{}: md5 of the download from {url} is {actual}, expected {expected}; the file was not kept", path.display())]
    Checksum {
        /// The file it would have become.
        path: PathBuf,
        /// Where it came from.
        url: String,
        /// The published md5.
        expected: String,
        /// The md5 of what arrived.
        actual: String,
    },
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
