//! Reading CSV into a table with pandas' `read_csv` defaults: a header row, pandas' missing-value
//! markers, and per-column dtype inference.

use super::{Table, Values};
use crate::{Error, Result};

/// pandas' default `na_values`: fields that mean "missing" (matched exactly, before any trim).
const NA_VALUES: [&str; 19] = [
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A",
    "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
];

/// Reads CSV with a header row from `data`; `origin` names it in errors.
pub(super) fn read(data: &[u8], origin: &str) -> Result<Table> {
    let mut csv = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(data);
    // The csv crate's line numbers do not count blank lines, and a record's position is where
    // parsing resumed, before any blank lines it skipped; count newlines up to the record.
    let line_at = |position: Option<&csv::Position>| {
        position.map_or(0, |p| {
            let mut start = (p.byte() as usize).min(data.len());
            while start < data.len() && matches!(data[start], b'\n' | b'\r') {
                start += 1;
            }
            1 + data[..start].iter().filter(|&&b| b == b'\n').count() as u64
        })
    };
    let csv_error = |e: csv::Error| Error::Csv {
        origin: origin.to_string(),
        line: line_at(e.position()),
        message: e.to_string(),
    };
    let header = csv.headers().map_err(csv_error)?.clone();
    let names = column_names(header.iter());
    let mut fields: Vec<Vec<String>> = vec![Vec::new(); names.len()];
    for record in csv.records() {
        let record = record.map_err(csv_error)?;
        if record.len() != names.len() {
            return Err(Error::RaggedRow {
                origin: origin.to_string(),
                line: line_at(record.position()),
                expected: names.len(),
                found: record.len(),
            });
        }
        for (column, field) in fields.iter_mut().zip(record.iter()) {
            column.push(field.to_string());
        }
    }
    Table::from_columns(names.into_iter().zip(fields.into_iter().map(infer)))
}

/// pandas' column names: an empty header is `Unnamed: {i}`, and a repeated name gets `.1`,
/// `.2`, ... appended.
fn column_names<'a>(header: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (i, name) in header.enumerate() {
        let base = if name.is_empty() { format!("Unnamed: {i}") } else { name.to_string() };
        let mut candidate = base.clone();
        let mut k = 0;
        while names.contains(&candidate) {
            k += 1;
            candidate = format!("{base}.{k}");
        }
        names.push(candidate);
    }
    names
}

/// The dtype pandas' C parser gives a column: `int64` if every field is an integer, `float64` if
/// every present field is a number (missing ones become `NaN`), `bool` if every field is
/// `True`/`False`, text otherwise. An all-missing column is `float64`; an empty one is text.
fn infer(fields: Vec<String>) -> Values {
    if fields.is_empty() {
        return Values::Object(Vec::new());
    }
    let missing = |f: &str| NA_VALUES.contains(&f);
    if let Some(ints) = fields.iter().map(|f| parse_int(f)).collect::<Option<Vec<i64>>>() {
        return Values::Int64(ints);
    }
    let floats = fields
        .iter()
        .map(|f| if missing(f) { Some(f64::NAN) } else { parse_float(f) })
        .collect::<Option<Vec<f64>>>();
    if let Some(floats) = floats {
        return Values::Float64(floats);
    }
    if let Some(bools) = fields.iter().map(|f| parse_bool(f)).collect::<Option<Vec<bool>>>() {
        return Values::Bool(bools);
    }
    Values::Object(fields.into_iter().map(|f| if missing(&f) { None } else { Some(f) }).collect())
}

/// An integer field; pandas allows surrounding spaces. One too large for `i64` makes the column
/// text, as in pandas (which would first try `uint64`).
fn parse_int(field: &str) -> Option<i64> {
    field.trim().parse().ok()
}

/// A float field (`1.5`, `-2e3`, `inf`); not an integer too large for `i64`, which pandas keeps
/// as text.
fn parse_float(field: &str) -> Option<f64> {
    let field = field.trim();
    let digits = field.strip_prefix(['+', '-']).unwrap_or(field);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return field.parse::<i64>().ok().map(|v| v as f64);
    }
    // Rust also reads `NaN` spellings that pandas does not (those it does are missing markers).
    field.parse().ok().filter(|v: &f64| !v.is_nan())
}

/// pandas' default `true_values`/`false_values`.
fn parse_bool(field: &str) -> Option<bool> {
    match field {
        "True" | "TRUE" | "true" => Some(true),
        "False" | "FALSE" | "false" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(fields: &[&str]) -> Values {
        infer(fields.iter().map(|s| s.to_string()).collect())
    }

    // dtypes from pandas 3.1.1's `read_csv` on the same fields.
    #[test]
    fn dtypes_are_inferred_as_pandas_does() {
        assert_eq!(column(&["1", "-2", " 3 "]), Values::Int64(vec![1, -2, 3]));
        assert!(matches!(column(&["1", "NA"]), Values::Float64(v) if v[0] == 1.0 && v[1].is_nan()));
        assert_eq!(column(&["1", "2.5"]), Values::Float64(vec![1.0, 2.5]));
        assert!(matches!(column(&["", "NaN"]), Values::Float64(v) if v.iter().all(|x| x.is_nan())));
        assert_eq!(column(&["True", "false"]), Values::Bool(vec![true, false]));
        assert_eq!(column(&["True", ""]), Values::Object(vec![Some("True".into()), None]));
        assert_eq!(column(&["123456789012345678901", "1"]).dtype(), "object");
        assert_eq!(column(&["Pave", "N/A", "null"]), Values::Object(vec![Some("Pave".into()), None, None]));
    }

    #[test]
    fn names_are_deduplicated_and_filled() {
        assert_eq!(column_names(["a", "a", ""].into_iter()), ["a", "a.1", "Unnamed: 2"]);
    }
}
