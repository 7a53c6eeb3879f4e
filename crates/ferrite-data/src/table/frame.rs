//! `Table`: named columns over shared row labels (pandas' `DataFrame`), with the selection,
//! missing-value filling, one-hot encoding and tensor conversion of d2l's preprocessing.

use super::format::{self, Justify};
use super::{Series, Values};
use crate::{Error, Result};
use ferrite_tensor::{DType, Tensor};
use std::fmt;
use std::ops::{Bound, Range, RangeBounds};
use std::path::Path;

/// A column table read from CSV, the part of pandas' `DataFrame` that d2l's data
/// preprocessing uses; it prints exactly as pandas prints a frame.
///
/// ```
/// use ferrite_data::table::Table;
/// use ferrite_tensor::DType;
/// let csv = "NumRooms,Alley,Price\nNA,Pave,127500\n2,NA,106000\n4,NA,178100\nNA,NA,140000\n";
/// let data = Table::from_reader(csv.as_bytes())?;
/// let (inputs, outputs) = (data.iloc(.., 0..2)?, data.column(2)?);
/// let inputs = inputs.fillna_mean().get_dummies(true);
/// let printed = [
///     "   NumRooms  Alley_Pave  Alley_nan",
///     "0       3.0           1          0",
///     "1       2.0           0          1",
///     "2       4.0           0          1",
///     "3       3.0           0          1",
/// ];
/// assert_eq!(inputs.to_string(), printed.join("\n"));
/// let x = inputs.to_tensor(DType::F64)?;
/// assert_eq!(x.to_vec::<f64>()?, [3., 1., 0., 2., 0., 1., 4., 0., 1., 3., 0., 1.]);
/// assert_eq!(outputs.to_tensor(DType::F64)?.dims(), &[4]);
/// # Ok::<(), ferrite_data::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    index: Vec<usize>,
    names: Vec<String>,
    columns: Vec<Values>,
}

impl Table {
    /// Reads a CSV file with a header row (pandas' `read_csv` with its defaults), inferring each
    /// column's dtype as pandas does: `int64` when every entry is an integer, `float64` for
    /// numbers with missing entries, `bool` for `True`/`False`, `object` (text) otherwise.
    /// pandas' default missing markers (`NA`, `""`, `NaN`, `N/A`, `null`, ...) mark a missing
    /// entry. A row whose field count differs from the header's is an error naming the file
    /// and line.
    ///
    /// ```no_run
    /// use ferrite_data::table::Table;
    /// let data = Table::read_csv("../data/house_tiny.csv")?;
    /// println!("{data}");
    /// # Ok::<(), ferrite_data::Error>(())
    /// ```
    pub fn read_csv(path: impl AsRef<Path>) -> Result<Table> {
        let path = path.as_ref();
        let data = std::fs::read(path).map_err(|source| Error::Io { path: path.to_path_buf(), source })?;
        super::csv_reader::read(&data, &path.display().to_string())
    }

    /// [`read_csv`](Table::read_csv) from any reader, e.g. CSV text in memory; errors name the
    /// source `<reader>`.
    ///
    /// ```
    /// use ferrite_data::table::Table;
    /// let t = Table::from_reader("a,b\n1,2\n3,4\n".as_bytes())?;
    /// assert_eq!((t.nrows(), t.ncols()), (2, 2));
    /// let err = Table::from_reader("a,b\n1,2\n3,4,5\n".as_bytes()).unwrap_err();
    /// assert_eq!(err.to_string(), "<reader>: line 3: expected 2 fields, found 3");
    /// # Ok::<(), ferrite_data::Error>(())
    /// ```
    pub fn from_reader(mut reader: impl std::io::Read) -> Result<Table> {
        let mut data = Vec::new();
        reader.read_to_end(&mut data).map_err(|source| Error::Io { path: "<reader>".into(), source })?;
        super::csv_reader::read(&data, "<reader>")
    }

    /// A table of named columns of one length, labelled `0..len`.
    ///
    /// ```
    /// use ferrite_data::table::{Table, Values};
    /// let t = Table::from_columns([("x", Values::Int64(vec![1, 2])), ("y", Values::Float64(vec![0.5, 1.5]))])?;
    /// assert_eq!(t.to_string(), "   x    y\n0  1  0.5\n1  2  1.5");
    /// assert!(Table::from_columns([("x", Values::Int64(vec![1])), ("y", Values::Int64(vec![]))]).is_err());
    /// # Ok::<(), ferrite_data::Error>(())
    /// ```
    pub fn from_columns(columns: impl IntoIterator<Item = (impl Into<String>, Values)>) -> Result<Table> {
        let (names, columns): (Vec<String>, Vec<Values>) =
            columns.into_iter().map(|(n, v)| (n.into(), v)).unzip();
        let expected = columns.first().map_or(0, Values::len);
        for (name, values) in names.iter().zip(&columns) {
            if values.len() != expected {
                return Err(Error::ColumnLength { column: name.clone(), len: values.len(), expected });
            }
        }
        Ok(Table { index: (0..expected).collect(), names, columns })
    }

    /// The number of rows.
    ///
    /// ```
    /// use ferrite_data::table::Table;
    /// assert_eq!(Table::from_reader("a\n1\n2\n".as_bytes())?.nrows(), 2);
    /// # Ok::<(), ferrite_data::Error>(())
    /// ```
    pub fn nrows(&self) -> usize {
        self.index.len()
    }

    /// The number of columns.
    ///
    /// ```
    /// use ferrite_data::table::Table;
    /// assert_eq!(Table::from_reader("a,b\n1,2\n".as_bytes())?.ncols(), 2);
    /// # Ok::<(), ferrite_data::Error>(())
    /// ```
    pub fn ncols(&self) -> usize {
        self.columns.len()
    }

    /// The column names, in order.
    ///
    /// ```
    /// use ferrite_data::table::Table;
    /// assert_eq!(Table::from_reader("a,b\n1,2\n".as_bytes())?.names(), ["a", "b"]);
    /// # Ok::<(), ferrite_data::Error>(())
    /// ```
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The row labels (`0..nrows` unless rows were selected).
    ///
    /// ```
    /// use ferrite_data::table::Table;
    /// let t = Table::from_reader("a\n1\n2\n3\n".as_bytes())?;
    /// assert_eq!(t.iloc(1.., ..)?.index(), &[1, 2]);
    /// # Ok::<(), ferrite_data::Error>(())
    /// ```
    pub fn index(&self) -> &[usize] {
        &self.index
    }

    /// Rows and columns by position (pandas' `df.iloc[rows, cols]` with slices): the rows keep
    /// their labels. Unlike Python's slicing, a range past the end is an error, not clamped.
    ///
    /// ```
    /// use ferrite_data::table::Table;
    /// let t = Table::from_reader("a,b,c\n1,2,3\n4,5,6\n".as_bytes())?;
    /// let inputs = t.iloc(.., 0..2)?;
    /// assert_eq!(inputs.names(), ["a", "b"]);
    /// assert!(t.iloc(.., 0..4).is_err());
    /// # Ok::<(), ferrite_data::Error>(())
    /// ```
    pub fn iloc(&self, rows: impl RangeBounds<usize>, cols: impl RangeBounds<usize>) -> Result<Table> {
        let rows = resolve(rows, self.nrows(), "rows")?;
        let cols = resolve(cols, self.ncols(), "columns")?;
        let picked: Vec<usize> = rows.collect();
        Ok(Table {
            index: picked.iter().map(|&r| self.index[r]).collect(),
            names: self.names[cols.clone()].to_vec(),
            columns: self.columns[cols].iter().map(|c| c.take(&picked)).collect(),
        })
    }

    /// Column `i` as a [`Series`] (pandas' `df.iloc[:, i]`).
    ///
    /// ```
    /// use ferrite_data::table::Table;
    /// let t = Table::from_reader("a,b\n1,2\n".as_bytes())?;
    /// assert_eq!(t.column(1)?.name(), "b");
    /// assert!(t.column(2).is_err());
    /// # Ok::<(), ferrite_data::Error>(())
    /// ```
    pub fn column(&self, i: usize) -> Result<Series> {
        let values = self.columns.get(i).ok_or(Error::ColumnOutOfRange {
            op: "column",
            index: i,
            ncols: self.ncols(),
        })?;
        Ok(Series::with_index(self.names[i].clone(), self.index.clone(), values.clone()))
    }

    /// The column called `name` (pandas' `df[name]`).
    ///
    /// ```
    /// use ferrite_data::table::Table;
    /// let t = Table::from_reader("a,b\n1,2\n".as_bytes())?;
    /// assert_eq!(t.column_named("b")?.dtype(), "int64");
    /// assert_eq!(t.column_named("z").unwrap_err().to_string(), "column_named: no column named 'z'");
    /// # Ok::<(), ferrite_data::Error>(())
    /// ```
    pub fn column_named(&self, name: &str) -> Result<Series> {
        match self.names.iter().position(|n| n == name) {
            Some(i) => self.column(i),
            None => Err(Error::UnknownColumn { op: "column_named", name: name.to_string() }),
        }
    }

    /// Fills the missing entries of each numeric column with the mean of its present ones
    /// (d2l's `inputs.fillna(inputs.mean())`); text columns are left as they are.
    ///
    /// ```
    /// use ferrite_data::table::{Table, Values};
    /// let t = Table::from_reader("x,s\nNA,a\n2,NA\n4,b\n".as_bytes())?.fillna_mean();
    /// assert_eq!(t.column(0)?.values(), &Values::Float64(vec![3.0, 2.0, 4.0]));
    /// assert_eq!(t.column(1)?.values(), &Values::Object(vec![Some("a".into()), None, Some("b".into())]));
    /// # Ok::<(), ferrite_data::Error>(())
    /// ```
    pub fn fillna_mean(&self) -> Table {
        let columns = self
            .columns
            .iter()
            .map(|values| match (values, values.mean()) {
                (Values::Float64(v), Some(mean)) => {
                    Values::Float64(v.iter().map(|&x| if x.is_nan() { mean } else { x }).collect())
                }
                _ => values.clone(),
            })
            .collect();
        Table { index: self.index.clone(), names: self.names.clone(), columns }
    }

    /// One-hot encodes the text columns (pandas' `get_dummies`): each becomes one `uint8`
    /// column per distinct value, named `{column}_{value}` in sorted order, plus
    /// `{column}_nan` for missing entries when `dummy_na`. The other columns come first, as in
    /// pandas.
    ///
    /// The indicators are `uint8` 1/0, as d2l's pandas (1.x) printed them; pandas 2 and later
    /// make them `bool` and print `True`/`False`.
    ///
    /// ```
    /// use ferrite_data::table::Table;
    /// let t = Table::from_reader("Alley,n\nPave,1\nNA,2\n".as_bytes())?.get_dummies(true);
    /// assert_eq!(t.names(), ["n", "Alley_Pave", "Alley_nan"]);
    /// # Ok::<(), ferrite_data::Error>(())
    /// ```
    pub fn get_dummies(&self, dummy_na: bool) -> Table {
        let mut names = Vec::new();
        let mut columns = Vec::new();
        for (name, values) in self.names.iter().zip(&self.columns) {
            if values.is_numeric() {
                names.push(name.clone());
                columns.push(values.clone());
            }
        }
        for (name, values) in self.names.iter().zip(&self.columns) {
            let Values::Object(entries) = values else { continue };
            let mut categories: Vec<&str> = entries.iter().flatten().map(String::as_str).collect();
            categories.sort_unstable();
            categories.dedup();
            for category in categories {
                names.push(format!("{name}_{category}"));
                let hot = entries.iter().map(|e| u8::from(e.as_deref() == Some(category))).collect();
                columns.push(Values::UInt8(hot));
            }
            if dummy_na {
                names.push(format!("{name}_nan"));
                columns.push(Values::UInt8(entries.iter().map(|e| u8::from(e.is_none())).collect()));
            }
        }
        Table { index: self.index.clone(), names, columns }
    }

    /// A `[nrows, ncols]` tensor of the entries, row by row (d2l's
    /// `torch.tensor(inputs.to_numpy(dtype=float))` for `DType::F64`); a text column left in the
    /// table is an error naming it.
    ///
    /// ```
    /// use ferrite_data::table::Table;
    /// use ferrite_tensor::DType;
    /// let t = Table::from_reader("a,b\n1,0.5\n2,NA\n".as_bytes())?;
    /// let x = t.to_tensor(DType::F32)?;
    /// assert_eq!(x.dims(), &[2, 2]);
    /// let err = Table::from_reader("a,s\n1,x\n".as_bytes())?.to_tensor(DType::F64).unwrap_err();
    /// assert_eq!(err.to_string(), "to_tensor: column 's' has dtype object, not a numeric dtype");
    /// # Ok::<(), ferrite_data::Error>(())
    /// ```
    pub fn to_tensor(&self, dtype: DType) -> Result<Tensor> {
        let columns: Vec<(&String, &Values)> = self.names.iter().zip(&self.columns).collect();
        columns_to_tensor(&columns, self.nrows(), dtype, false)
    }
}

/// A range of `0..len` from any range syntax, or an error naming the axis.
fn resolve(range: impl RangeBounds<usize>, len: usize, axis: &'static str) -> Result<Range<usize>> {
    let start = match range.start_bound() {
        Bound::Included(&s) => s,
        Bound::Excluded(&s) => s.saturating_add(1),
        Bound::Unbounded => 0,
    };
    let end = match range.end_bound() {
        Bound::Included(&e) => e.saturating_add(1),
        Bound::Excluded(&e) => e,
        Bound::Unbounded => len,
    };
    if start > end || end > len {
        return Err(Error::SliceOutOfRange { op: "iloc", axis, start, end, len });
    }
    Ok(start..end)
}

/// The entries of `columns` as one tensor, `[nrows, ncols]` row by row (or `[nrows]` for
/// `one_d`): built as i64 when an integer dtype is asked of integer columns, so large integers
/// stay exact, as f64 otherwise, then cast.
pub(super) fn columns_to_tensor(
    columns: &[(&String, &Values)],
    nrows: usize,
    dtype: DType,
    one_d: bool,
) -> Result<Tensor> {
    for (name, values) in columns {
        Series::check_numeric(name, values, "to_tensor")?;
    }
    let shape: Vec<usize> = if one_d { vec![nrows] } else { vec![nrows, columns.len()] };
    let all_int = columns.iter().all(|(_, v)| v.is_integer());
    let tensor = if !dtype.is_float() && all_int {
        let data = (0..nrows).flat_map(|r| columns.iter().map(move |(_, v)| v.i64_at(r).unwrap_or_default()));
        Tensor::from_vec(data.collect::<Vec<i64>>(), shape)?
    } else {
        let data = (0..nrows).flat_map(|r| columns.iter().map(move |(_, v)| v.f64_at(r).unwrap_or(f64::NAN)));
        Tensor::from_vec(data.collect::<Vec<f64>>(), shape)?
    };
    Ok(tensor.to_dtype(dtype)?)
}

impl fmt::Display for Table {
    /// pandas' `DataFrame.to_string`: the index left-justified, each column right-justified
    /// under its header (numeric headers get a sign column), one space apart. A frame longer
    /// than 60 rows shows its first and last 5 with a `...` row and a `[n rows x m columns]`
    /// footer. Wide frames print whole (pandas would wrap or elide columns past 80 characters).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.nrows() == 0 || self.ncols() == 0 {
            let list = |items: Vec<String>| items.join(", ");
            let labels = self.index.iter().map(usize::to_string).collect();
            return write!(
                f,
                "Empty DataFrame\nColumns: [{}]\nIndex: [{}]",
                list(self.names.clone()),
                list(labels)
            );
        }
        let (rows, cut) = format::shown_rows(self.nrows());
        let labels = rows.iter().map(|&r| self.index[r].to_string()).collect();
        let mut strcols = vec![[vec![String::new()], format::fixed_width(labels, Justify::Left, 0)].concat()];
        for (name, values) in self.names.iter().zip(&self.columns) {
            let header = if values.is_numeric() { format!(" {name}") } else { name.clone() };
            let header_width = header.chars().count();
            let cells = format::fixed_width(format::format_values(values, &rows), Justify::Right, 0);
            let cells = format::fixed_width(cells, Justify::Right, header_width);
            let width = cells.iter().map(|s| s.chars().count()).max().unwrap_or(0).max(header_width);
            strcols.push([vec![format::justify(&header, width, Justify::Right)], cells].concat());
        }
        if let Some(at) = cut {
            for (i, col) in strcols.iter_mut().enumerate() {
                let width = col[at].chars().count();
                let how = if i == 0 { Justify::Left } else { Justify::Right };
                // The header row comes first, so the data row `at` sits at `at + 1`.
                col.insert(at + 1, format::justify(format::dots(width), width, how));
            }
        }
        f.write_str(&format::adjoin(1, &strcols))?;
        if cut.is_some() {
            write!(f, "\n\n[{} rows x {} columns]", self.nrows(), self.ncols())?;
        }
        Ok(())
    }
}
