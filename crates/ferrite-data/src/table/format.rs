//! pandas' text layout of a `DataFrame` and a `Series` (`pandas/io/formats/format.py` and
//! `string.py`): per-dtype value formatting, fixed-width columns, the row truncation of long
//! frames and the adjoining of columns.

use super::Values;

/// `display.precision`: digits after the decimal point before trailing zeros are trimmed.
const PRECISION: usize = 6;
/// `display.max_rows`: longer frames and series show only their head and tail.
pub(super) const MAX_ROWS: usize = 60;
/// `display.min_rows`: how many rows a truncated frame shows, half from each end.
const MIN_ROWS: usize = 10;
/// `display.max_colwidth`: longer cells end in `...`.
const MAX_COLWIDTH: usize = 50;

/// The rows to show: all of them, or the first and last `MIN_ROWS / 2` when there are more than
/// `MAX_ROWS`, with the position of the `...` row.
pub(super) fn shown_rows(n: usize) -> (Vec<usize>, Option<usize>) {
    if n <= MAX_ROWS {
        return ((0..n).collect(), None);
    }
    let half = MIN_ROWS / 2;
    ((0..half).chain(n - half..n).collect(), Some(half))
}

/// pandas' `format_array` with a leading space (the index is shown), before the fixed width:
/// the cells of `values` at `rows`.
pub(super) fn format_values(values: &Values, rows: &[usize]) -> Vec<String> {
    match values {
        // `f"{x: d}"`: a space where a minus sign would go.
        Values::Int64(v) => {
            rows.iter().map(|&r| if v[r] < 0 { v[r].to_string() } else { format!(" {}", v[r]) }).collect()
        }
        Values::UInt8(v) => rows.iter().map(|&r| format!(" {}", v[r])).collect(),
        Values::Bool(v) => rows.iter().map(|&r| if v[r] { " True" } else { " False" }.to_string()).collect(),
        Values::Float64(v) => format_floats(&rows.iter().map(|&r| v[r]).collect::<Vec<_>>()),
        Values::Object(v) => rows.iter().map(|&r| format!(" {}", v[r].as_deref().unwrap_or("NaN"))).collect(),
    }
}

/// pandas' `FloatArrayFormatter` in fixed-width mode: every value with 6 decimals and a sign
/// column, trailing zeros trimmed equally across the column; scientific notation for the whole
/// column when a value is nonzero below 1e-6, or above 1e6 and the fixed form is too long.
fn format_floats(values: &[f64]) -> Vec<String> {
    let fixed = trim_zeros(values.iter().map(|&v| float_cell(v, |v| format!("{v:.PRECISION$}"))).collect());
    let too_long = fixed.iter().map(|s| s.chars().count()).max().unwrap_or(0) > PRECISION + 6;
    let large = values.iter().any(|v| v.abs() > 1e6);
    let small = values.iter().any(|v| v.abs() < 10f64.powi(-(PRECISION as i32)) && v.abs() > 0.0);
    if small || (too_long && large) {
        return values.iter().map(|&v| float_cell(v, python_exponent)).collect();
    }
    fixed
}

/// One float as Python's `"{value: .6f}"` (or `e`) would format it, `NaN` for a missing one.
fn float_cell(v: f64, digits: impl Fn(f64) -> String) -> String {
    if v.is_nan() {
        return "NaN".to_string();
    }
    let text = if v.is_infinite() { "inf".to_string() } else { digits(v.abs()) };
    // The sign from the value, not from `abs`, so that -0.0 keeps its minus as in Python.
    if v.is_sign_negative() { format!("-{text}") } else { format!(" {text}") }
}

/// `"{:.6e}"` as Python writes it: a signed exponent of at least two digits (`1.500000e+07`).
fn python_exponent(v: f64) -> String {
    let rust = format!("{v:.PRECISION$e}");
    let (mantissa, exponent) = rust.split_once('e').expect("`{:e}` output has an exponent");
    let exponent: i32 = exponent.parse().expect("`{:e}` exponent is an integer");
    let sign = if exponent < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exponent.abs())
}

/// pandas' `_trim_zeros_float`: drops trailing zeros from every decimal number while all of them
/// end in `0`, leaving at least one digit after the point.
fn trim_zeros(mut cells: Vec<String>) -> Vec<String> {
    let is_decimal = |s: &str| {
        let s = s.trim_start().trim_start_matches(['+', '-']);
        match s.split_once('.') {
            Some((int, frac)) => {
                !int.is_empty()
                    && int.bytes().all(|b| b.is_ascii_digit())
                    && frac.bytes().all(|b| b.is_ascii_digit())
            }
            None => false,
        }
    };
    loop {
        let mut numbers = cells.iter().filter(|s| is_decimal(s)).peekable();
        if numbers.peek().is_none() || !numbers.all(|s| s.ends_with('0')) {
            break;
        }
        for cell in cells.iter_mut().filter(|s| is_decimal(s)) {
            cell.pop();
        }
    }
    for cell in cells.iter_mut().filter(|s| is_decimal(s) && s.ends_with('.')) {
        cell.push('0');
    }
    cells
}

/// How pandas justifies text in a cell.
#[derive(Clone, Copy)]
pub(super) enum Justify {
    Left,
    Right,
    /// Python's `str.center`.
    Center,
}

/// Pads `s` to `width` characters; longer text is left as it is, as in Python.
pub(super) fn justify(s: &str, width: usize, how: Justify) -> String {
    let len = s.chars().count();
    if len >= width {
        return s.to_string();
    }
    let margin = width - len;
    let left = match how {
        Justify::Left => 0,
        Justify::Right => margin,
        // CPython's `pad`: the odd space goes left only when both the margin and width are odd.
        Justify::Center => margin / 2 + (margin & width & 1),
    };
    format!("{}{s}{}", " ".repeat(left), " ".repeat(margin - left))
}

/// pandas' `_make_fixed_width`: cells over `display.max_colwidth` end in `...`, then all are
/// justified to the widest (at least `minimum`).
pub(super) fn fixed_width(cells: Vec<String>, how: Justify, minimum: usize) -> Vec<String> {
    let widest = cells.iter().map(|s| s.chars().count()).max().unwrap_or(0);
    let width = widest.max(minimum).min(MAX_COLWIDTH);
    cells
        .into_iter()
        .map(|s| {
            let s = if s.chars().count() > width {
                s.chars().take(width - 3).chain("...".chars()).collect()
            } else {
                s
            };
            justify(&s, width, how)
        })
        .collect()
}

/// pandas' `adjoin`: lays text columns side by side, each but the last padded to its widest cell
/// plus `space`.
pub(super) fn adjoin(space: usize, columns: &[Vec<String>]) -> String {
    let rows = columns.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let widest = c.iter().map(|s| s.chars().count()).max().unwrap_or(0);
            if i + 1 < columns.len() { widest + space } else { widest }
        })
        .collect();
    let mut lines = Vec::with_capacity(rows);
    for r in 0..rows {
        let line: String = columns
            .iter()
            .zip(&widths)
            .map(|(c, &w)| justify(c.get(r).map_or("", String::as_str), w, Justify::Left))
            .collect();
        lines.push(line);
    }
    lines.join("\n")
}

/// The `..`/`...` marker of a truncated column `width` wide.
pub(super) fn dots(width: usize) -> &'static str {
    if width > 3 { "..." } else { ".." }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn floats(v: &[f64]) -> Vec<String> {
        format_floats(v)
    }

    // Expected cells from pandas 3.1.1 (`str(pd.DataFrame({"w": values}))`).
    #[test]
    fn float_columns_trim_zeros_together() {
        assert_eq!(floats(&[3.0, f64::NAN, 2.0]), [" 3.0", "NaN", " 2.0"]);
        assert_eq!(floats(&[0.5, 0.25, 0.125]), [" 0.500", " 0.250", " 0.125"]);
        assert_eq!(floats(&[1.5, -2.25]), [" 1.50", "-2.25"]);
        assert_eq!(floats(&[0.0078125, 0.5]), [" 0.007812", " 0.500000"]);
        assert_eq!(floats(&[-0.0, 1.0]), ["-0.0", " 1.0"]);
        assert_eq!(floats(&[f64::INFINITY, 1.0]), [" inf", " 1.0"]);
        assert_eq!(floats(&[1234567.5, 2.0]), [" 1234567.5", " 2.0"]);
    }

    #[test]
    fn float_columns_switch_to_scientific() {
        assert_eq!(floats(&[1e13, 2.5]), [" 1.000000e+13", " 2.500000e+00"]);
        assert_eq!(floats(&[1e-7, 0.0, f64::NAN]), [" 1.000000e-07", " 0.000000e+00", "NaN"]);
        assert_eq!(floats(&[1.5e300, 1.0]), [" 1.500000e+300", " 1.000000e+00"]);
        assert_eq!(floats(&[123456789.125, 1.0]), [" 1.234568e+08", " 1.000000e+00"]);
    }

    #[test]
    fn center_matches_python() {
        assert_eq!(justify("...", 10, Justify::Center), "   ...    ");
        assert_eq!(justify("..", 3, Justify::Center), " ..");
        assert_eq!(justify("..", 5, Justify::Center), "  .. ");
    }
}
