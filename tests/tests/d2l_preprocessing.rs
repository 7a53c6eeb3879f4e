//! d2l "data preprocessing" (数据预处理), cell by cell (`/work/shared/d2l-notes/003_076f5b4c44150bc0.txt`,
//! section "2 数据预处理"): `house_tiny.csv` written to a scratch directory, read with
//! `Table::read_csv` (pandas' `read_csv`), split with `iloc`, the missing numbers filled with the
//! column mean, the text column one-hot encoded with `get_dummies(dummy_na=True)`, and both parts
//! turned into f64 tensors. Every printed frame, series and tensor is checked character for
//! character against what pandas and PyTorch print.
//!
//! The notes' printout of `outputs` (five rows, the last `NaN`, dtype float64) does not come from
//! this CSV: pandas prints the four prices as `int64`, and so does ferrite; the test keeps
//! pandas' text (checked with pandas 3.1 and `dtype='uint8'` indicators, which d2l's pandas 1.x
//! made by default).

use ferrite::data::table::{Table, Values};
use ferrite::prelude::*;
use ferrite_tests::assert_tuple_prints;
use std::path::PathBuf;

/// d2l's `os.makedirs(os.path.join('..', 'data'), exist_ok=True)`, in a scratch directory of
/// this test.
fn data_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ferrite-d2l-preprocessing-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// d2l's cell that writes `house_tiny.csv`, line by line as the notes do.
fn write_house_tiny(dir: &std::path::Path) -> PathBuf {
    use std::io::Write;
    let data_file = dir.join("house_tiny.csv");
    let mut f = std::fs::File::create(&data_file).expect("create house_tiny.csv");
    f.write_all(b"NumRooms,Alley,Price\n").expect("write"); // 列名
    f.write_all(b"NA,Pave,127500\n").expect("write"); // 每行表示一个数据样本
    f.write_all(b"2,NA,106000\n").expect("write");
    f.write_all(b"4,NA,178100\n").expect("write");
    f.write_all(b"NA,NA,140000\n").expect("write");
    data_file
}

#[test]
fn cell_read_csv() -> Result<()> {
    let dir = data_dir("read");
    let data_file = write_house_tiny(&dir);
    // data = pd.read_csv(data_file); print(data)
    let data = Table::read_csv(&data_file)?;
    let printed = [
        "   NumRooms Alley   Price",
        "0       NaN  Pave  127500",
        "1       2.0   NaN  106000",
        "2       4.0   NaN  178100",
        "3       NaN   NaN  140000",
    ];
    assert_eq!(data.to_string(), printed.join("\n"));
    // pandas' dtypes: NumRooms has missing numbers (float64), Alley is text, Price whole numbers.
    let dtypes: Vec<&str> =
        (0..data.ncols()).map(|i| data.column(i).map(|c| c.dtype())).collect::<Result<_, _>>()?;
    assert_eq!(dtypes, ["float64", "object", "int64"]);
    assert_eq!((data.nrows(), data.ncols()), (4, 3));
    std::fs::remove_dir_all(dir).expect("cleanup");
    Ok(())
}

#[test]
fn cell_iloc_split() -> Result<()> {
    let dir = data_dir("iloc");
    let data = Table::read_csv(write_house_tiny(&dir))?;
    // inputs, outputs = data.iloc[:, 0:2], data.iloc[:, 2]
    let (inputs, outputs) = (data.iloc(.., 0..2)?, data.column(2)?);
    let printed = [
        "   NumRooms Alley",
        "0       NaN  Pave",
        "1       2.0   NaN",
        "2       4.0   NaN",
        "3       NaN   NaN",
    ];
    assert_eq!(inputs.to_string(), printed.join("\n"));
    // pandas prints the CSV's four prices as int64 (the notes show another run's five floats).
    assert_eq!(
        outputs.to_string(),
        "0    127500\n1    106000\n2    178100\n3    140000\nName: Price, dtype: int64"
    );
    assert_eq!(outputs.values(), &Values::Int64(vec![127500, 106000, 178100, 140000]));
    std::fs::remove_dir_all(dir).expect("cleanup");
    Ok(())
}

#[test]
fn cell_fillna_mean() -> Result<()> {
    let dir = data_dir("fillna");
    let data = Table::read_csv(write_house_tiny(&dir))?;
    let inputs = data.iloc(.., 0..2)?;
    // inputs = inputs.fillna(inputs.mean()); print(inputs)
    let inputs = inputs.fillna_mean();
    let printed = [
        "   NumRooms Alley",
        "0       3.0  Pave",
        "1       2.0   NaN",
        "2       4.0   NaN",
        "3       3.0   NaN",
    ];
    assert_eq!(inputs.to_string(), printed.join("\n"));
    assert_eq!(inputs.column(0)?.values(), &Values::Float64(vec![3.0, 2.0, 4.0, 3.0]));
    // The text column keeps its missing entries: they become a category next.
    assert_eq!(inputs.column(1)?.values(), &Values::Object(vec![Some("Pave".into()), None, None, None]));
    std::fs::remove_dir_all(dir).expect("cleanup");
    Ok(())
}

#[test]
fn cell_get_dummies() -> Result<()> {
    let dir = data_dir("dummies");
    let data = Table::read_csv(write_house_tiny(&dir))?;
    let inputs = data.iloc(.., 0..2)?.fillna_mean();
    // inputs = pd.get_dummies(inputs, dummy_na=True); print(inputs)
    let inputs = inputs.get_dummies(true);
    let printed = [
        "   NumRooms  Alley_Pave  Alley_nan",
        "0       3.0           1          0",
        "1       2.0           0          1",
        "2       4.0           0          1",
        "3       3.0           0          1",
    ];
    assert_eq!(inputs.to_string(), printed.join("\n"));
    assert_eq!(inputs.names(), ["NumRooms", "Alley_Pave", "Alley_nan"]);
    assert_eq!(inputs.column_named("Alley_nan")?.dtype(), "uint8");
    std::fs::remove_dir_all(dir).expect("cleanup");
    Ok(())
}

#[test]
fn cell_to_tensors() -> Result<()> {
    let dir = data_dir("tensors");
    let data = Table::read_csv(write_house_tiny(&dir))?;
    let (inputs, outputs) = (data.iloc(.., 0..2)?, data.column(2)?);
    let inputs = inputs.fillna_mean().get_dummies(true);
    // X = torch.tensor(inputs.to_numpy(dtype=float)); y = torch.tensor(outputs.to_numpy(dtype=float)); X, y
    let x = inputs.to_tensor(DType::F64)?;
    let y = outputs.to_tensor(DType::F64)?;
    ferrite_tests::assert_values(&x, DType::F64, &[4, 3], &[3., 1., 0., 2., 0., 1., 4., 0., 1., 3., 0., 1.]);
    ferrite_tests::assert_values(&y, DType::F64, &[4], &[127500., 106000., 178100., 140000.]);
    assert_tuple_prints(
        &[&x, &y],
        "(tensor([[3., 1., 0.],\n         [2., 0., 1.],\n         [4., 0., 1.],\n         [3., 0., 1.]], \
         dtype=torch.float64),\n tensor([127500., 106000., 178100., 140000.], dtype=torch.float64))",
    );
    // The tensors are ordinary ones: the usual ops apply (the section's "further operate").
    assert_eq!(x.sum_all()?.item::<f64>()?, 16.0);
    std::fs::remove_dir_all(dir).expect("cleanup");
    Ok(())
}
