//! `cargo xtask tidy`: keeps the tree honest: file headers, file sizes, and dependency direction.

use crate::{Result, project_root};
use std::fs;
use std::path::{Path, PathBuf};

/// Folders whose `.rs` files are checked.
const SOURCE_DIRS: &[&str] = &["crates", "xtask", "tests"];
/// A file above this many lines must be split.
const MAX_LINES: usize = 1500;
/// A file above this many lines gets a warning: think about splitting it.
const WARN_LINES: usize = 800;
/// Manifests that may name `cudarc` (the root only in `[workspace.dependencies]`).
const CUDARC_ALLOWED: &[&str] = &["crates/ferrite-cuda/Cargo.toml"];
/// Source paths that may use `cudarc` (this file only names the pattern it looks for).
const CUDARC_SOURCES_ALLOWED: &[&str] = &["crates/ferrite-cuda/", "xtask/src/tidy.rs"];
/// Manifests that must depend on no ferrite crate, and why.
const NO_FERRITE_DEPS: &[(&str, &str)] = &[
    ("crates/ferrite-tensor/Cargo.toml", "the core knows nothing of autograd, modules or CUDA"),
    ("xtask/Cargo.toml", "xtask must build while the library does not"),
];

pub fn run(args: &[String]) -> Result<()> {
    if !args.is_empty() {
        return Err(format!("unexpected arguments {args:?} (usage: cargo xtask tidy)"));
    }
    let root = project_root();
    let mut report = Report::default();
    let mut files = Vec::new();
    for dir in SOURCE_DIRS {
        collect_rs_files(&root.join(dir), &mut files)?;
    }
    files.sort();
    for path in &files {
        let text = fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        check_source(&relative(&root, path), &text, &mut report);
    }
    check_manifests(&root, &mut report)?;

    for warning in &report.warnings {
        println!("tidy: warning: {warning}");
    }
    for violation in &report.violations {
        println!("tidy: error: {violation}");
    }
    match report.violations.len() {
        0 => {
            println!("tidy: ok ({} .rs files, {} warning(s))", files.len(), report.warnings.len());
            Ok(())
        }
        n => Err(format!("{n} violation(s), listed above")),
    }
}

#[derive(Default)]
struct Report {
    violations: Vec<String>,
    warnings: Vec<String>,
}

fn check_source(path: &str, text: &str, report: &mut Report) {
    if !text.lines().next().is_some_and(|line| line.starts_with("//!")) {
        report.violations.push(format!("{path}:1: must start with a `//!` line saying what the file holds"));
    }
    let lines = text.lines().count();
    if lines > MAX_LINES {
        report.violations.push(format!("{path}: {lines} lines, over the limit of {MAX_LINES}: split it"));
    } else if lines > WARN_LINES {
        report.warnings.push(format!("{path}: {lines} lines, over {WARN_LINES}: think about splitting it"));
    }
    if !CUDARC_SOURCES_ALLOWED.iter().any(|dir| path.starts_with(dir)) {
        for (i, line) in text.lines().enumerate() {
            if line.contains("cudarc::") || line.contains("extern crate cudarc") {
                report.violations.push(format!(
                    "{path}:{}: uses cudarc; only crates/ferrite-cuda may (the CUDA backend lives in its own crate)",
                    i + 1
                ));
            }
        }
    }
}

fn check_manifests(root: &Path, report: &mut Report) -> Result<()> {
    for (manifest, why) in NO_FERRITE_DEPS {
        let Some(text) = read_if_exists(&root.join(manifest))? else { continue };
        for dep in dependencies(&text) {
            if dep.name == "ferrite" || dep.name.starts_with("ferrite-") {
                report.violations.push(format!(
                    "{manifest}:{}: depends on `{}` in [{}]; it must depend on no ferrite crate ({why})",
                    dep.line, dep.name, dep.table
                ));
            }
        }
    }
    for manifest in manifests(root)? {
        let Some(text) = read_if_exists(&root.join(&manifest))? else { continue };
        for dep in dependencies(&text) {
            let declared_for_workspace = manifest == "Cargo.toml" && dep.table == "workspace.dependencies";
            if dep.name == "cudarc" && !declared_for_workspace && !CUDARC_ALLOWED.contains(&manifest.as_str())
            {
                report.violations.push(format!(
                    "{manifest}:{}: names cudarc in [{}]; only {} may",
                    dep.line,
                    dep.table,
                    CUDARC_ALLOWED.join(", ")
                ));
            }
        }
    }
    Ok(())
}

/// The workspace's manifests, relative to the root: the root's, each crate's, xtask's, tests'.
fn manifests(root: &Path) -> Result<Vec<String>> {
    let mut out =
        vec!["Cargo.toml".to_string(), "xtask/Cargo.toml".to_string(), "tests/Cargo.toml".to_string()];
    let crates = root.join("crates");
    let entries = fs::read_dir(&crates).map_err(|e| format!("cannot list {}: {e}", crates.display()))?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("Cargo.toml").is_file())
        .map(|e| format!("crates/{}/Cargo.toml", e.file_name().to_string_lossy()))
        .collect();
    names.sort();
    out.extend(names);
    Ok(out)
}

/// One dependency a manifest declares.
struct Dependency {
    /// The table it sits in, e.g. `dependencies`, `dev-dependencies`, `workspace.dependencies`.
    table: String,
    /// The crate's name (its `package = "..."` when renamed).
    name: String,
    line: usize,
}

/// The dependencies a Cargo.toml declares, found line by line. This covers the forms this workspace
/// uses (`name = ...` inside a `[*dependencies]` table, `[dependencies.name]`, `package = "..."`
/// renames in inline tables) without a TOML parser.
fn dependencies(text: &str) -> Vec<Dependency> {
    let mut out = Vec::new();
    let mut table: Option<String> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let header = header.trim_matches(|c| c == '[' || c == ']').trim();
            table = None;
            if header.ends_with("dependencies") {
                table = Some(header.to_string());
            } else if let Some((parent, name)) = header.rsplit_once('.')
                && parent.ends_with("dependencies")
            {
                out.push(Dependency { table: parent.to_string(), name: unquote(name), line: i + 1 });
            }
            continue;
        }
        let (Some(table), Some((key, value))) = (&table, line.split_once('=')) else { continue };
        // `gemm.workspace = true` is a dotted key: the name is its first part.
        let name = package_rename(value).unwrap_or_else(|| unquote(key.split('.').next().unwrap_or(key)));
        out.push(Dependency { table: table.clone(), name, line: i + 1 });
    }
    out
}

/// The `package = "..."` of an inline dependency table, if it has one.
fn package_rename(value: &str) -> Option<String> {
    let after = value.split_once("package")?.1.trim_start().strip_prefix('=')?;
    Some(after.trim_start().strip_prefix('"')?.split('"').next()?.to_string())
}

fn unquote(s: &str) -> String {
    s.trim().trim_matches('"').trim_matches('\'').to_string()
}

fn read_if_exists(path: &Path) -> Result<Option<String>> {
    if !path.exists() {
        return Ok(None);
    }
    fs::read_to_string(path).map(Some).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Every `.rs` file under `dir`, skipping build output and hidden folders.
fn collect_rs_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    if !dir.is_dir() {
        return Ok(());
    }
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path.is_dir() {
            if name != "target" && !name.starts_with('.') {
                collect_rs_files(&path, out)?;
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
    Ok(())
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).to_string_lossy().replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_dependencies_in_every_form() {
        let toml = r#"
[package]
name = "x"
[dependencies]
gemm.workspace = true
ferrite-tensor = { path = "../t" }
core2 = { package = "ferrite-autograd", version = "1" } # renamed
[dev-dependencies]
proptest = "1"
[target.'cfg(unix)'.dependencies.cudarc]
version = "0.16"
"#;
        let deps: Vec<(String, String)> = dependencies(toml).into_iter().map(|d| (d.table, d.name)).collect();
        let want = [
            ("dependencies", "gemm"),
            ("dependencies", "ferrite-tensor"),
            ("dependencies", "ferrite-autograd"),
            ("dev-dependencies", "proptest"),
            ("target.'cfg(unix)'.dependencies", "cudarc"),
        ];
        let want: Vec<(String, String)> = want.iter().map(|(t, n)| (t.to_string(), n.to_string())).collect();
        assert_eq!(deps, want);
    }

    #[test]
    fn flags_missing_header_and_long_files() {
        let mut report = Report::default();
        check_source("crates/a/src/x.rs", "fn main() {}\n", &mut report);
        check_source("crates/a/src/y.rs", &"//! y\n".repeat(MAX_LINES + 1), &mut report);
        check_source("crates/a/src/z.rs", &"//! z\n".repeat(WARN_LINES + 1), &mut report);
        assert_eq!(report.violations.len(), 2);
        assert_eq!(report.warnings.len(), 1);
    }

    #[test]
    fn flags_wrong_dependency_direction() {
        let root = std::env::temp_dir().join(format!("xtask-tidy-{}", std::process::id()));
        let write = |path: &str, text: &str| {
            let path = root.join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        };
        write("Cargo.toml", "[workspace.dependencies]\ncudarc = \"0.16\"\n");
        write("xtask/Cargo.toml", "[dependencies]\nserde_json.workspace = true\n");
        write("crates/ferrite-tensor/Cargo.toml", "[dependencies]\nferrite-autograd.workspace = true\n");
        write("crates/ferrite-nn/Cargo.toml", "[dependencies]\ncudarc.workspace = true\n");
        write("crates/ferrite-cuda/Cargo.toml", "[dependencies]\ncudarc.workspace = true\n");
        let mut report = Report::default();
        check_manifests(&root, &mut report).unwrap();
        fs::remove_dir_all(&root).unwrap();
        assert_eq!(report.violations.len(), 2, "{:?}", report.violations);
        assert!(
            report.violations[0]
                .starts_with("crates/ferrite-tensor/Cargo.toml:2: depends on `ferrite-autograd`")
        );
        assert!(report.violations[1].starts_with("crates/ferrite-nn/Cargo.toml:2: names cudarc"));
    }
}
