//! Where the PyTorch reference lives: its venv (`TORCH_VENV`) and its scripts (`FERRITE_REFERENCE`).

use crate::{Result, project_root};
use std::path::PathBuf;

/// The reference folder: `$FERRITE_REFERENCE` (the folder, or its `torch_bench.py`), else
/// `../shared/reference` beside the workspace root.
pub fn dir() -> PathBuf {
    match std::env::var_os("FERRITE_REFERENCE") {
        Some(path) => {
            let path = PathBuf::from(path);
            if path.is_file() { path.parent().map(PathBuf::from).unwrap_or_default() } else { path }
        }
        None => {
            let dir = project_root().join("../shared/reference");
            dir.canonicalize().unwrap_or(dir)
        }
    }
}

/// `torch_bench.py`, checked to exist.
pub fn torch_bench_script() -> Result<PathBuf> {
    let script = match std::env::var_os("FERRITE_REFERENCE").map(PathBuf::from) {
        Some(path) if path.is_file() => path,
        _ => dir().join("torch_bench.py"),
    };
    if script.is_file() {
        Ok(script)
    } else {
        Err(format!(
            "the PyTorch reference script {} does not exist; point FERRITE_REFERENCE at the folder that holds \
             torch_bench.py",
            script.display()
        ))
    }
}

/// The venv's python: `None` when `TORCH_VENV` is unset, an error (with install steps) when it is
/// set but holds no python.
pub fn torch_python() -> Result<Option<PathBuf>> {
    let Some(venv) = std::env::var_os("TORCH_VENV") else { return Ok(None) };
    let python = PathBuf::from(venv).join("bin/python");
    if python.is_file() {
        Ok(Some(python))
    } else {
        Err(format!("TORCH_VENV is set but {} does not exist.\n{}", python.display(), install_hint()))
    }
}

/// How to install the reference venv, for error messages.
pub fn install_hint() -> String {
    let dir = dir();
    format!(
        "Install the PyTorch reference (about 5 GB, a few minutes; CPU use works without a GPU) outside the \
         repository, then keep TORCH_VENV set:\n\
         \n    export TORCH_VENV=~/.venvs/torch\
         \n    python3 -m venv \"$TORCH_VENV\"\
         \n    \"$TORCH_VENV/bin/pip\" install -r {}\n\
         \nSee {} for details.",
        dir.join("requirements.txt").display(),
        dir.join("README.md").display()
    )
}
