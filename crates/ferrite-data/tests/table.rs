//! d2l's data-preprocessing session on `Table`, and pandas' printing of other frames.
//!
//! Every expected string was printed by pandas 3.1.1 (`str(df)` / `str(series)`) from the same
//! CSV text, except where a comment says otherwise: pandas 3 names text columns `str` where d2l's
//! pandas said `object`, and prints `get_dummies` indicators as `True`/`False` where d2l's printed
//! `uint8` 1/0 (the expected strings come from `get_dummies(..., dtype='uint8')`).

use ferrite_data::Error;
use ferrite_data::table::{Table, Values};
use ferrite_tensor::DType;

const HOUSE_TINY: &str = "NumRooms,Alley,Price\nNA,Pave,127500\n2,NA,106000\n4,NA,178100\nNA,NA,140000\n";

fn read(csv: &str) -> Table {
    Table::from_reader(csv.as_bytes()).expect("valid CSV")
}

#[test]
fn d2l_preprocessing_session() -> ferrite_data::Result<()> {
    let dir = std::env::temp_dir().join(format!("ferrite-data-table-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|source| Error::Io { path: dir.clone(), source })?;
    let data_file = dir.join("house_tiny.csv");
    std::fs::write(&data_file, HOUSE_TINY).map_err(|source| Error::Io { path: data_file.clone(), source })?;

    let data = Table::read_csv(&data_file)?;
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(
        data.to_string(),
        "   NumRooms Alley   Price\n\
         0       NaN  Pave  127500\n\
         1       2.0   NaN  106000\n\
         2       4.0   NaN  178100\n\
         3       NaN   NaN  140000"
    );
    let (inputs, outputs) = (data.iloc(.., 0..2)?, data.column(2)?);
    assert_eq!(
        outputs.to_string(),
        "0    127500\n1    106000\n2    178100\n3    140000\nName: Price, dtype: int64"
    );
    let inputs = inputs.fillna_mean();
    assert_eq!(
        inputs.to_string(),
        "   NumRooms Alley\n\
         0       3.0  Pave\n\
         1       2.0   NaN\n\
         2       4.0   NaN\n\
         3       3.0   NaN"
    );
    let inputs = inputs.get_dummies(true);
    assert_eq!(
        inputs.to_string(),
        "   NumRooms  Alley_Pave  Alley_nan\n\
         0       3.0           1          0\n\
         1       2.0           0          1\n\
         2       4.0           0          1\n\
         3       3.0           0          1"
    );
    let x = inputs.to_tensor(DType::F64)?;
    let y = outputs.to_tensor(DType::F64)?;
    assert_eq!((x.dims(), x.dtype()), (&[4, 3][..], DType::F64));
    assert_eq!(x.to_vec::<f64>()?, [3., 1., 0., 2., 0., 1., 4., 0., 1., 3., 0., 1.]);
    assert_eq!(y.to_vec::<f64>()?, [127500., 106000., 178100., 140000.]);
    assert_eq!(
        x.to_string(),
        "tensor([[3., 1., 0.],\n        [2., 0., 1.],\n        [4., 0., 1.],\n        [3., 0., 1.]], dtype=torch.float64)"
    );
    Ok(())
}

#[test]
fn text_column_left_is_an_error_naming_it() {
    let err = read(HOUSE_TINY).iloc(.., 0..2).unwrap().to_tensor(DType::F64).unwrap_err();
    assert!(matches!(&err, Error::NonNumericColumn { column, .. } if column == "Alley"));
    assert_eq!(err.to_string(), "to_tensor: column 'Alley' has dtype object, not a numeric dtype");
}

#[test]
fn ragged_rows_name_the_file_and_line() {
    let err = Table::from_reader("a,b\n1,2\n3,4,5\n".as_bytes()).unwrap_err();
    assert!(matches!(err, Error::RaggedRow { line: 3, expected: 2, found: 3, .. }));
    let short = Table::from_reader("a,b\n1,2\n\n3\n".as_bytes()).unwrap_err();
    assert_eq!(short.to_string(), "<reader>: line 4: expected 2 fields, found 1");
    let missing = Table::read_csv("/nonexistent/house_tiny.csv").unwrap_err();
    assert!(missing.to_string().starts_with("/nonexistent/house_tiny.csv: "), "{missing}");
}

#[test]
fn negative_and_mixed_width_values() {
    let t = read("Name,Score,Delta\nalice,91.5,-3\nbob,78.25,12\ncarol,NA,-150\n");
    assert_eq!(
        t.to_string(),
        "    Name  Score  Delta\n0  alice  91.50     -3\n1    bob  78.25     12\n2  carol    NaN   -150"
    );
    assert_eq!(
        t.column(1).unwrap().to_string(),
        "0    91.50\n1    78.25\n2      NaN\nName: Score, dtype: float64"
    );
    assert_eq!(t.iloc(1..3, 0..2).unwrap().to_string(), "    Name  Score\n1    bob  78.25\n2  carol    NaN");
    assert_eq!(
        read("a,b,c\n-5,1.5,x\n10,-2.25,longer text\n3,NA,\n").to_string(),
        "    a     b            c\n0  -5  1.50            x\n1  10 -2.25  longer text\n2   3   NaN          NaN"
    );
}

#[test]
fn float_notation_and_special_values() {
    assert_eq!(
        read("x,y\n1e7,0.1\n2.5,0.333333333\n").to_string(),
        "            x         y\n0  10000000.0  0.100000\n1         2.5  0.333333"
    );
    assert_eq!(
        read("x,y\n1e13,1e-7\n2.5,-3\n").to_string(),
        "              x             y\n0  1.000000e+13  1.000000e-07\n1  2.500000e+00 -3.000000e+00"
    );
    assert_eq!(read("x,y\ninf,-inf\n1,2\n").to_string(), "     x    y\n0  inf -inf\n1  1.0  2.0");
    assert_eq!(read("e,f\n,\n,\n").to_string(), "    e   f\n0 NaN NaN\n1 NaN NaN");
    assert_eq!(read("e,f\n 2 ,3\n4, 5.5\n").to_string(), "   e    f\n0  2  3.0\n1  4  5.5");
    assert_eq!(read("p\n0.5\n0.25\n0.125\n").to_string(), "       p\n0  0.500\n1  0.250\n2  0.125");
}

#[test]
fn bools_long_text_and_odd_headers() {
    assert_eq!(read("flag,n\nTrue,1\nFalse,2\n").to_string(), "    flag  n\n0   True  1\n1  False  2");
    assert_eq!(read("flag,n\nTrue,1\n,2\n").to_string(), "   flag  n\n0  True  1\n1   NaN  2");
    let long = format!("s\n{}\nb\n", "a".repeat(60));
    let expected = format!("{}s\n0  {}...\n1{}b", " ".repeat(51), "a".repeat(46), " ".repeat(50));
    assert_eq!(read(&long).to_string(), expected);
    assert_eq!(read("a,a,\n1,2,3\n").to_string(), "   a  a.1  Unnamed: 2\n0  1    2           3");
    assert_eq!(
        read("big\n123456789012345678901\n1\n").to_string(),
        "                     big\n0  123456789012345678901\n1                      1"
    );
}

#[test]
fn more_rows_widen_the_index_and_long_frames_are_truncated() {
    let squares: String = (0..12).map(|i| format!("{}\n", i * i)).collect();
    assert_eq!(
        read(&format!("a\n{squares}")).to_string(),
        "      a\n0     0\n1     1\n2     4\n3     9\n4    16\n5    25\n6    36\n7    49\n8    64\n9    81\n10  100\n11  121"
    );
    let rows: String = (0..75)
        .map(|i| {
            let tag = if i % 4 == 0 { String::new() } else { "abc"[i % 3..i % 3 + 1].to_string() };
            format!("{i},{},{tag}\n", ((i * 7919) % 1000) as f64 / 8.0)
        })
        .collect();
    let t = read(&format!("id,value,tag\n{rows}"));
    assert_eq!(
        t.to_string(),
        "    id    value  tag\n0    0    0.000  NaN\n1    1  114.875    b\n2    2  104.750    c\n3    3   94.625    a\n\
         4    4   84.500  NaN\n..  ..      ...  ...\n70  70   41.250    b\n71  71   31.125    c\n72  72   21.000  NaN\n\
         73  73   10.875    b\n74  74    0.750    c\n\n[75 rows x 3 columns]"
    );
    // pandas 3.1.1 ends this footer with `dtype: str`; d2l's pandas said `object`.
    assert_eq!(
        t.column(2).unwrap().to_string(),
        "0     NaN\n1       b\n2       c\n3       a\n4     NaN\n     ... \n70      b\n71      c\n72    NaN\n73      b\n\
         74      c\nName: tag, Length: 75, dtype: object"
    );
    assert_eq!(t.column(0).unwrap().mean(), Some(37.0));
    assert_eq!(t.column(1).unwrap().mean(), Some(60.375));
    assert_eq!(
        t.fillna_mean().get_dummies(true).iloc(0..3, ..).unwrap().to_string(),
        "   id    value  tag_a  tag_b  tag_c  tag_nan\n0   0    0.000      0      0      0        1\n\
         1   1  114.875      0      1      0        0\n2   2  104.750      0      0      1        0"
    );
    let thirds: String = (0..100).map(|i| format!("{i},{}\n", i as f64 / 3.0)).collect();
    let t = read(&format!("a,b\n{thirds}"));
    assert_eq!(
        t.to_string(),
        "     a          b\n0    0   0.000000\n1    1   0.333333\n2    2   0.666667\n3    3   1.000000\n4    4   1.333333\n\
         ..  ..        ...\n95  95  31.666667\n96  96  32.000000\n97  97  32.333333\n98  98  32.666667\n99  99  33.000000\n\
         \n[100 rows x 2 columns]"
    );
    assert_eq!(
        t.column(1).unwrap().to_string(),
        "0      0.000000\n1      0.333333\n2      0.666667\n3      1.000000\n4      1.333333\n        ...    \n\
         95    31.666667\n96    32.000000\n97    32.333333\n98    32.666667\n99    33.000000\nName: b, Length: 100, dtype: float64"
    );
    assert_eq!(
        t.iloc(0..61, 0..1).unwrap().column(0).unwrap().to_string(),
        "0      0\n1      1\n2      2\n3      3\n4      4\n      ..\n56    56\n57    57\n58    58\n59    59\n60    60\nName: a, Length: 61, dtype: int64"
    );
    assert!(!t.iloc(0..60, ..).unwrap().to_string().contains(".."));
}

#[test]
fn get_dummies_puts_other_columns_first_and_sorts_values() {
    let t = read("Alley,n,Kind\nPave,1,b\n,2,a\nGrvl,3,\n");
    assert_eq!(t.to_string(), "  Alley  n Kind\n0  Pave  1    b\n1   NaN  2    a\n2  Grvl  3  NaN");
    // pandas 3.1.1 with dtype='uint8'.
    assert_eq!(
        t.get_dummies(true).to_string(),
        "   n  Alley_Grvl  Alley_Pave  Alley_nan  Kind_a  Kind_b  Kind_nan\n\
         0  1           0           1          0       0       1         0\n\
         1  2           0           0          1       1       0         0\n\
         2  3           1           0          0       0       0         1"
    );
    assert_eq!(
        t.get_dummies(false).to_string(),
        "   n  Alley_Grvl  Alley_Pave  Kind_a  Kind_b\n0  1           0           1       0       1\n1  2           0           0       1       0\n2  3           1           0       0       0"
    );
    assert_eq!(t.get_dummies(true).column(1).unwrap().values(), &Values::UInt8(vec![0, 0, 1]));
}

#[test]
fn empty_frames_print_as_pandas() {
    assert_eq!(read("a,b\n").to_string(), "Empty DataFrame\nColumns: [a, b]\nIndex: []");
    assert_eq!(
        read("a,b\n1,2\n").iloc(0..0, ..).unwrap().to_string(),
        "Empty DataFrame\nColumns: [a, b]\nIndex: []"
    );
}
