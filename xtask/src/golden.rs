//! `cargo xtask golden`: regenerates the PyTorch golden fixtures by running every
//! `tests/golden/gen*.py` script (tensor ops and gradients, modules, serialized files).

use crate::{Result, project_root, reference, run_checked};
use std::process::Command;

const DIR: &str = "tests/golden";

pub fn run(args: &[String]) -> Result<()> {
    if !args.is_empty() {
        return Err(format!("unexpected arguments {args:?} (usage: cargo xtask golden)"));
    }
    let Some(python) = reference::torch_python()? else {
        return Err(format!(
            "TORCH_VENV is not set, so there is no PyTorch to run.\n{}",
            reference::install_hint()
        ));
    };
    let root = project_root();
    let mut scripts: Vec<String> = std::fs::read_dir(root.join(DIR))
        .map_err(|e| format!("cannot list {DIR}: {e}"))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("gen") && n.ends_with(".py"))
        .map(|n| format!("{DIR}/{n}"))
        .collect();
    scripts.sort();
    if scripts.is_empty() {
        return Err(format!("no {DIR}/gen*.py script: nothing generates the golden fixtures"));
    }
    for script in &scripts {
        run_checked(Command::new(&python).arg(script).current_dir(&root))?;
        println!("golden: {script} finished");
    }
    println!("golden: changed fixtures (commit them with the change that needs them):");
    // Best effort: the report is a convenience, the fixtures are already written.
    let _ = Command::new("git").args(["status", "--short", "--", "tests/golden"]).current_dir(&root).status();
    Ok(())
}
