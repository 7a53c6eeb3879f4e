//! `cargo xtask golden`: regenerates the PyTorch golden fixtures with `tests/golden/gen.py`.

use crate::{Result, project_root, reference, run_checked};
use std::process::Command;

const SCRIPT: &str = "tests/golden/gen.py";

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
    if !root.join(SCRIPT).is_file() {
        return Err(format!("{SCRIPT} does not exist yet: nothing generates the golden fixtures"));
    }
    run_checked(Command::new(&python).arg(SCRIPT).current_dir(&root))?;
    println!("golden: {SCRIPT} finished; changed fixtures (commit them with the change that needs them):");
    // Best effort: the report is a convenience, the fixtures are already written.
    let _ = Command::new("git").args(["status", "--short", "--", "tests/golden"]).current_dir(&root).status();
    Ok(())
}
