//! `Series`: one named column of a table with its row labels (pandas' `Series`), and `Values`,
//! a column's typed data.

use super::format::{self, Justify};
use crate::{Error, Result};
use ferrite_tensor::{DType, Tensor};
use std::fmt;

/// A column's data, typed as pandas would infer it from a CSV file.
///
/// Missing numbers are `NaN` in a `Float64` column; missing text is `None` in an `Object`
/// column. Integer and boolean columns have no missing values (pandas makes such columns
/// `float64` or `object`).
///
/// ```
/// use ferrite_data::table::{Table, Values};
/// let t = Table::from_reader("a,b\n1,x\n2,\n".as_bytes())?;
/// assert_eq!(t.column(0)?.values(), &Values::Int64(vec![1, 2]));
/// assert_eq!(t.column(1)?.values(), &Values::Object(vec![Some("x".into()), None]));
/// # Ok::<(), ferrite_data::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Values {
    /// `int64`: whole numbers, none missing.
    Int64(Vec<i64>),
    /// `float64`: numbers, missing ones as `NaN`.
    Float64(Vec<f64>),
    /// `bool`: `True`/`False`, none missing.
    Bool(Vec<bool>),
    /// `uint8`: the 0/1 indicator columns of [`Table::get_dummies`](super::Table::get_dummies).
    UInt8(Vec<u8>),
    /// `object`: text, missing entries as `None`.
    Object(Vec<Option<String>>),
}

impl Values {
    /// The number of entries.
    ///
    /// ```
    /// use ferrite_data::table::Values;
    /// assert_eq!(Values::Float64(vec![1.0, f64::NAN]).len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        match self {
            Values::Int64(v) => v.len(),
            Values::Float64(v) => v.len(),
            Values::Bool(v) => v.len(),
            Values::UInt8(v) => v.len(),
            Values::Object(v) => v.len(),
        }
    }

    /// Whether there is no entry.
    ///
    /// ```
    /// use ferrite_data::table::Values;
    /// assert!(Values::Int64(vec![]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// pandas' name of the dtype: `int64`, `float64`, `bool`, `uint8` or `object`.
    ///
    /// ```
    /// use ferrite_data::table::Values;
    /// assert_eq!(Values::UInt8(vec![1]).dtype(), "uint8");
    /// ```
    pub fn dtype(&self) -> &'static str {
        match self {
            Values::Int64(_) => "int64",
            Values::Float64(_) => "float64",
            Values::Bool(_) => "bool",
            Values::UInt8(_) => "uint8",
            Values::Object(_) => "object",
        }
    }

    /// Whether the entries are numbers (pandas' `is_numeric_dtype`: every dtype but `object`).
    ///
    /// ```
    /// use ferrite_data::table::Values;
    /// assert!(Values::Bool(vec![true]).is_numeric());
    /// assert!(!Values::Object(vec![None]).is_numeric());
    /// ```
    pub fn is_numeric(&self) -> bool {
        !matches!(self, Values::Object(_))
    }

    /// Whether every entry is a whole number (`int64`, `bool`, `uint8`).
    pub(super) fn is_integer(&self) -> bool {
        matches!(self, Values::Int64(_) | Values::Bool(_) | Values::UInt8(_))
    }

    /// Entry `i` as `f64` (`NaN` when missing), or `None` for text.
    pub(super) fn f64_at(&self, i: usize) -> Option<f64> {
        match self {
            Values::Int64(v) => Some(v[i] as f64),
            Values::Float64(v) => Some(v[i]),
            Values::Bool(v) => Some(f64::from(u8::from(v[i]))),
            Values::UInt8(v) => Some(f64::from(v[i])),
            Values::Object(_) => None,
        }
    }

    /// Entry `i` as `i64`, for integer-valued dtypes only.
    pub(super) fn i64_at(&self, i: usize) -> Option<i64> {
        match self {
            Values::Int64(v) => Some(v[i]),
            Values::Bool(v) => Some(i64::from(v[i])),
            Values::UInt8(v) => Some(i64::from(v[i])),
            Values::Float64(_) | Values::Object(_) => None,
        }
    }

    /// The entries at `rows`, in that order.
    pub(super) fn take(&self, rows: &[usize]) -> Values {
        fn pick<T: Clone>(v: &[T], rows: &[usize]) -> Vec<T> {
            rows.iter().map(|&r| v[r].clone()).collect()
        }
        match self {
            Values::Int64(v) => Values::Int64(pick(v, rows)),
            Values::Float64(v) => Values::Float64(pick(v, rows)),
            Values::Bool(v) => Values::Bool(pick(v, rows)),
            Values::UInt8(v) => Values::UInt8(pick(v, rows)),
            Values::Object(v) => Values::Object(pick(v, rows)),
        }
    }

    /// The mean of the present numbers (pandas' `mean()`, which skips `NaN`), summed pairwise
    /// as numpy does so the result matches pandas to the last bit; `None` for text.
    pub(super) fn mean(&self) -> Option<f64> {
        let values: Vec<f64> = (0..self.len()).map(|i| self.f64_at(i)).collect::<Option<_>>()?;
        let count = values.iter().filter(|v| !v.is_nan()).count();
        // pandas fills the missing entries with 0 and sums all of them.
        let filled: Vec<f64> = values.iter().map(|&v| if v.is_nan() { 0.0 } else { v }).collect();
        Some(pairwise_sum(&filled) / count as f64)
    }
}

/// numpy's `pairwise_sum` for float64: a plain loop below 8 values, 8 accumulators up to 128,
/// halves (at a multiple of 8) above.
fn pairwise_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        return a.iter().fold(0.0, |acc, &v| acc + v);
    }
    if n <= 128 {
        let mut r = [0.0; 8];
        r.copy_from_slice(&a[..8]);
        let whole = n - n % 8;
        for chunk in a[8..whole].chunks_exact(8) {
            for (acc, &v) in r.iter_mut().zip(chunk) {
                *acc += v;
            }
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &a[whole..] {
            res += v;
        }
        return res;
    }
    let half = n / 2;
    let half = half - half % 8;
    pairwise_sum(&a[..half]) + pairwise_sum(&a[half..])
}

/// One named column with its row labels (pandas' `Series`), e.g. a table's target column.
///
/// It prints as pandas prints a `Series`: the index, the values and a
/// `Name: ..., dtype: ...` footer.
///
/// ```
/// use ferrite_data::table::Table;
/// let data = Table::from_reader("NumRooms,Price\n2,127500\n4,106000\n".as_bytes())?;
/// let price = data.column(1)?;
/// assert_eq!(price.to_string(), "0    127500\n1    106000\nName: Price, dtype: int64");
/// # Ok::<(), ferrite_data::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    name: String,
    index: Vec<usize>,
    values: Values,
}

impl Series {
    /// A series named `name` labelled `0..len`.
    ///
    /// ```
    /// use ferrite_data::table::{Series, Values};
    /// let s = Series::new("y", Values::Float64(vec![1.0, 2.5]));
    /// assert_eq!(s.to_string(), "0    1.0\n1    2.5\nName: y, dtype: float64");
    /// ```
    pub fn new(name: impl Into<String>, values: Values) -> Series {
        let index = (0..values.len()).collect();
        Series { name: name.into(), index, values }
    }

    pub(super) fn with_index(name: String, index: Vec<usize>, values: Values) -> Series {
        debug_assert_eq!(index.len(), values.len());
        Series { name, index, values }
    }

    /// The column's name.
    ///
    /// ```
    /// use ferrite_data::table::{Series, Values};
    /// assert_eq!(Series::new("y", Values::Int64(vec![1])).name(), "y");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The entries.
    ///
    /// ```
    /// use ferrite_data::table::{Series, Values};
    /// let s = Series::new("y", Values::Int64(vec![1]));
    /// assert_eq!(s.values(), &Values::Int64(vec![1]));
    /// ```
    pub fn values(&self) -> &Values {
        &self.values
    }

    /// The row labels (`0..len` unless rows were selected).
    ///
    /// ```
    /// use ferrite_data::table::Table;
    /// let t = Table::from_reader("x\n1\n2\n3\n".as_bytes())?;
    /// assert_eq!(t.iloc(1..3, ..)?.column(0)?.index(), &[1, 2]);
    /// # Ok::<(), ferrite_data::Error>(())
    /// ```
    pub fn index(&self) -> &[usize] {
        &self.index
    }

    /// pandas' dtype name (see [`Values::dtype`]).
    ///
    /// ```
    /// use ferrite_data::table::{Series, Values};
    /// assert_eq!(Series::new("y", Values::Float64(vec![])).dtype(), "float64");
    /// ```
    pub fn dtype(&self) -> &'static str {
        self.values.dtype()
    }

    /// The number of entries.
    ///
    /// ```
    /// use ferrite_data::table::{Series, Values};
    /// assert_eq!(Series::new("y", Values::Float64(vec![1.0])).len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether there is no entry.
    ///
    /// ```
    /// use ferrite_data::table::{Series, Values};
    /// assert!(Series::new("y", Values::Float64(vec![])).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The mean of the present entries (pandas' `mean()`, skipping `NaN`); `None` for text.
    ///
    /// ```
    /// use ferrite_data::table::{Series, Values};
    /// let s = Series::new("x", Values::Float64(vec![f64::NAN, 2.0, 4.0, f64::NAN]));
    /// assert_eq!(s.mean(), Some(3.0));
    /// assert_eq!(Series::new("s", Values::Object(vec![None])).mean(), None);
    /// ```
    pub fn mean(&self) -> Option<f64> {
        self.values.mean()
    }

    /// A 1-D tensor of the entries (`torch.tensor(series.to_numpy(dtype=float))` for
    /// `DType::F64`); a text column is an error naming it.
    ///
    /// ```
    /// use ferrite_data::table::{Series, Values};
    /// use ferrite_tensor::DType;
    /// let y = Series::new("Price", Values::Int64(vec![127500, 106000])).to_tensor(DType::F64)?;
    /// assert_eq!(y.to_vec::<f64>()?, [127500.0, 106000.0]);
    /// # Ok::<(), ferrite_data::Error>(())
    /// ```
    pub fn to_tensor(&self, dtype: DType) -> Result<Tensor> {
        super::frame::columns_to_tensor(&[(&self.name, &self.values)], self.len(), dtype, true)
    }

    /// Errors unless the entries are numbers.
    pub(super) fn check_numeric(name: &str, values: &Values, op: &'static str) -> Result<()> {
        if values.is_numeric() {
            return Ok(());
        }
        Err(Error::NonNumericColumn { op, column: name.to_string(), dtype: values.dtype() })
    }
}

impl fmt::Display for Series {
    /// pandas' `SeriesFormatter.to_string`: the index and the values three spaces apart, then the
    /// footer; the middle rows of a series longer than 60 become one `...` row.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.len();
        if n == 0 {
            return write!(f, "Series([], Name: {}, dtype: {})", self.name, self.dtype());
        }
        let (rows, cut) = format::shown_rows(n);
        let mut labels: Vec<String> = rows.iter().map(|&r| self.index[r].to_string()).collect();
        let mut cells = format::fixed_width(format::format_values(&self.values, &rows), Justify::Right, 0);
        if let Some(at) = cut {
            let width = cells[at - 1].chars().count();
            cells.insert(at, format::justify(format::dots(width), width, Justify::Center));
            labels.insert(at, String::new());
        }
        f.write_str(&format::adjoin(3, &[labels, cells]))?;
        let length = if cut.is_some() { format!("Length: {n}, ") } else { String::new() };
        write!(f, "\nName: {}, {length}dtype: {}", self.name, self.dtype())
    }
}
