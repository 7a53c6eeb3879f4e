//! `cargo xtask ci`: the checks a change must pass, in order, failing fast and timing each step.

use crate::{Result, cargo, display, run_checked};
use std::process::Command;
use std::time::{Duration, Instant};

/// Release-mode examples that CI runs, as `(package, example)`: the hook for the examples step.
/// Each must take a few seconds with [`EXAMPLE_ENV`] set (the d2l training examples then train on
/// a subset and relax their accuracy checks) and exit non-zero when its check fails.
const RELEASE_EXAMPLES: &[(&str, &str)] = &[
    ("ferrite", "quickstart"),
    ("ferrite", "linear_regression"),
    ("ferrite", "softmax_regression"),
    ("ferrite", "mlp"),
    ("ferrite", "weight_decay"),
    ("ferrite", "dropout"),
];

/// The examples' environment in CI: their short mode, and a folder under `target/` for their plots
/// (relative to the workspace root, where cargo runs them), so a CI run leaves no files in the tree.
const EXAMPLE_ENV: &[(&str, &str)] =
    &[("FERRITE_EXAMPLE_QUICK", "1"), ("FERRITE_PLOT_DIR", "target/example-plots")];

/// What one CI step does.
enum Action {
    /// `cargo <args>` with extra environment variables.
    Cargo { args: &'static [&'static str], env: &'static [(&'static str, &'static str)] },
    /// `cargo build --release -p <package> --examples` once per package (the examples build in
    /// parallel), then `cargo run --release -p <package> --example <example>` for each of
    /// [`RELEASE_EXAMPLES`] with [`EXAMPLE_ENV`].
    Examples,
    /// `cargo xtask tidy`, run in this process (xtask is already built).
    Tidy,
    /// `cargo xtask kernels --check`, run in this process.
    KernelsCheck,
}

struct Step {
    name: &'static str,
    action: Action,
}

const STEPS: &[Step] = &[
    Step { name: "fmt", action: Action::Cargo { args: &["fmt", "--all", "--", "--check"], env: &[] } },
    Step {
        name: "clippy",
        action: Action::Cargo {
            args: &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"],
            env: &[],
        },
    },
    // The cuda feature must compile and be clippy-clean on a machine without a GPU or CUDA (the
    // backend loads the driver at run time). Only the facade and ferrite-cuda are checked again.
    Step {
        name: "clippy-cuda",
        action: Action::Cargo {
            args: &[
                "clippy",
                "--package",
                "ferrite",
                "--features",
                "cuda",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
            env: &[],
        },
    },
    // The committed PTX must match the kernels' sources (python3 only; ptxas too when found).
    Step { name: "kernels", action: Action::KernelsCheck },
    // The README's test command; it runs the doctests too.
    Step { name: "test", action: Action::Cargo { args: &["test", "--workspace"], env: &[] } },
    Step {
        name: "doc",
        action: Action::Cargo {
            args: &["doc", "--workspace", "--no-deps"],
            env: &[("RUSTDOCFLAGS", "-D warnings")],
        },
    },
    Step { name: "tidy", action: Action::Tidy },
    Step { name: "examples", action: Action::Examples },
];

pub fn run(args: &[String]) -> Result<()> {
    let dry_run = match args {
        [] => false,
        [flag] if flag == "--dry-run" => true,
        _ => return Err(format!("unexpected arguments {args:?} (usage: cargo xtask ci [--dry-run])")),
    };
    let mut timings = Vec::new();
    let total = STEPS.len();
    for (i, step) in STEPS.iter().enumerate() {
        println!("\n==> ci step {}/{total}: {} ({})", i + 1, step.name, describe(&step.action));
        if dry_run {
            continue;
        }
        let start = Instant::now();
        let result = execute(&step.action);
        let took = start.elapsed();
        if let Err(e) = result {
            return Err(format!("step {}/{total} `{}` failed after {}: {e}", i + 1, step.name, secs(took)));
        }
        println!("==> ci step {}/{total}: {} ok in {}", i + 1, step.name, secs(took));
        timings.push((step.name, took));
    }
    if !dry_run {
        println!("\nci passed:");
        for (name, took) in &timings {
            println!("  {name:<10} {:>9}", secs(*took));
        }
        println!("  {:<10} {:>9}", "total", secs(timings.iter().map(|t| t.1).sum()));
    }
    Ok(())
}

fn execute(action: &Action) -> Result<()> {
    match action {
        Action::Cargo { args, env } => run_checked(&mut cargo_command(args, env)),
        Action::Tidy => crate::tidy::run(&[]),
        Action::KernelsCheck => crate::kernels::run(&["--check".to_string()]),
        Action::Examples => {
            if RELEASE_EXAMPLES.is_empty() {
                println!("skipped: no examples listed in ci::RELEASE_EXAMPLES yet");
            }
            let mut packages: Vec<&str> = RELEASE_EXAMPLES.iter().map(|(package, _)| *package).collect();
            packages.sort_unstable();
            packages.dedup();
            for package in packages {
                run_checked(cargo().args(["build", "--release", "--package", package, "--examples"]))?;
            }
            for (package, example) in RELEASE_EXAMPLES {
                let start = Instant::now();
                let mut command = cargo_command(
                    &["run", "--release", "--package", package, "--example", example],
                    EXAMPLE_ENV,
                );
                run_checked(&mut command)?;
                println!("==> example {example} ok in {}", secs(start.elapsed()));
            }
            Ok(())
        }
    }
}

fn cargo_command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = cargo();
    command.args(args).envs(env.iter().copied());
    command
}

fn describe(action: &Action) -> String {
    match action {
        Action::Cargo { args, env } => display(&cargo_command(args, env)),
        Action::Tidy => "cargo xtask tidy".to_string(),
        Action::KernelsCheck => "cargo xtask kernels --check".to_string(),
        Action::Examples => format!(
            "build the examples in release, then run {} of them with {}",
            RELEASE_EXAMPLES.len(),
            EXAMPLE_ENV.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ")
        ),
    }
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}
