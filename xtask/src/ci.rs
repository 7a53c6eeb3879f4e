//! `cargo xtask ci`: the checks a change must pass, in order, failing fast and timing each step.

use crate::{Result, cargo, display, run_checked};
use std::process::Command;
use std::time::{Duration, Instant};

/// Release-mode examples that CI runs, as `(package, example)`: the hook for the examples step.
/// Add a short example here once it exists; the step is skipped while the list is empty.
const RELEASE_EXAMPLES: &[(&str, &str)] = &[];

/// What one CI step does.
enum Action {
    /// `cargo <args>` with extra environment variables.
    Cargo { args: &'static [&'static str], env: &'static [(&'static str, &'static str)] },
    /// `cargo run --release -p <package> --example <example>` for each of [`RELEASE_EXAMPLES`].
    Examples,
    /// `cargo xtask tidy`, run in this process (xtask is already built).
    Tidy,
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
        Action::Examples => {
            if RELEASE_EXAMPLES.is_empty() {
                println!("skipped: no examples listed in ci::RELEASE_EXAMPLES yet");
            }
            for (package, example) in RELEASE_EXAMPLES {
                run_checked(cargo().args(["run", "--release", "--package", package, "--example", example]))?;
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
        Action::Examples => format!("{} release example(s)", RELEASE_EXAMPLES.len()),
    }
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}
