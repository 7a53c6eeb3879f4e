//! `cargo xtask gpu-pack [--all]`: builds the test binaries, the examples and ferrite-bench with
//! the `cuda` feature and packs them, with a `run.sh` that runs the tests and examples and a
//! `bench.sh` that runs the GPU benchmark beside PyTorch, into `target/gpu-pack/`: the folder a
//! session with a GPU machine (CUDA, no Rust) carries there and runs as
//! `bash target/gpu-pack/run.sh` (then `bash target/gpu-pack/bench.sh`, whose records
//! `cargo xtask bench --device cuda --from DIR` turns into the report here).
//!
//! Every crate's tests are built with the feature, but only those of crates that link ferrite-cuda
//! are packed (all of them with `--all`), as one `bin.tar.xz` that `run.sh` unpacks: each test
//! binary links the whole stack, and the device tool carries 64 MiB at most. The tests read their
//! fixtures from the working tree, which the GPU machine gets as a copy; tests that name a fixture
//! by its compile-time path (`env!("CARGO_MANIFEST_DIR")`) find it through a link from this
//! machine's workspace path to the copy's, which `run.sh` makes when that path is free there.

use crate::{Result, cargo, display, project_root};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The pack's folder, relative to the workspace root (under `target/`, so git ignores it).
const PACK_DIR: &str = "target/gpu-pack";

/// What the device tool carries at most, all paths together.
const CARRY_LIMIT: u64 = 64 << 20;

/// Debug info makes the binaries several times larger and is of no use on the GPU machine, where
/// a failure is read from its message (symbol names are kept for backtraces).
const LEAN_PROFILE: &[(&str, &str)] = &[
    ("CARGO_PROFILE_DEV_DEBUG", "0"),
    ("CARGO_PROFILE_TEST_DEBUG", "0"),
    ("CARGO_PROFILE_DEV_STRIP", "debuginfo"),
    ("CARGO_PROFILE_TEST_STRIP", "debuginfo"),
    ("CARGO_PROFILE_RELEASE_STRIP", "debuginfo"),
];

/// The examples' environment in the pack: CI's short mode, plots under the logs folder.
const EXAMPLE_ENV: &str = "FERRITE_EXAMPLE_QUICK=1";

/// One packed executable.
struct Packed {
    /// The file name under `bin/`: `<package dir>.<kind>.<target>`.
    name: String,
    /// The package's folder relative to the workspace root, where cargo would run it.
    package_dir: String,
    /// What cargo built: a test binary, an example or a binary target.
    kind: Kind,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Test,
    Example,
    Bin,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Test => "test",
            Kind::Example => "example",
            Kind::Bin => "bin",
        }
    }
}

pub fn run(args: &[String]) -> Result<()> {
    let all = match args {
        [] => false,
        [flag] if flag == "--all" => true,
        _ => return Err(format!("unexpected arguments {args:?} (usage: cargo xtask gpu-pack [--all])")),
    };
    let root = project_root();
    if !root.join("crates/ferrite-cuda/Cargo.toml").is_file() {
        return Err(
            "the `cuda` feature cannot build: the CUDA backend (crates/ferrite-cuda) has not landed \
                    yet, so there is nothing to pack"
                .into(),
        );
    }
    let pack = root.join(PACK_DIR);
    if pack.exists() {
        std::fs::remove_dir_all(&pack).map_err(|e| format!("could not clear {}: {e}", pack.display()))?;
    }
    let staging = pack.join("bin");
    std::fs::create_dir_all(&staging).map_err(|e| format!("could not create {}: {e}", staging.display()))?;

    // Every crate's tests build with the feature (that alone checks it compiles everywhere); xtask's
    // are about chores. `cargo test` builds the examples too: the release ones are packed instead.
    let tests = build(
        &["test", "--workspace", "--exclude", "xtask", "--features", "ferrite/cuda", "--no-run"],
        Kind::Test,
    )?;
    let examples = build(
        &["build", "--release", "--package", "ferrite", "--features", "cuda", "--examples"],
        Kind::Example,
    )?;
    let bench =
        build(&["build", "--release", "--package", "ferrite-bench", "--features", "cuda"], Kind::Bin)?;
    let bench_name = match bench.as_slice() {
        [one] => one.packed.name.clone(),
        _ => return Err(format!("expected one ferrite-bench executable, cargo built {}", bench.len())),
    };
    // A test binary of a crate that does not link ferrite-cuda can only do on the GPU machine what
    // it does here, and would spend that machine's scarce time (and the pack's room) for nothing.
    let linked = if all { None } else { Some(packages_linking_cuda()?) };
    let mut tests: Vec<&Artifact> =
        tests.iter().filter(|a| linked.as_ref().is_none_or(|l| l.contains(&a.packed.package_dir))).collect();
    // The backend's own tests first, then the device tests, so that a run cut short by the GPU
    // machine's time limit has done the most telling ones.
    tests.sort_by_key(|a| {
        let p = &a.packed;
        (
            p.package_dir != "crates/ferrite-cuda",
            !(p.name.contains("gpu") || p.name.contains("device")),
            p.name.clone(),
        )
    });
    let mut packed = Vec::new();
    for artifact in tests.iter().copied().chain(&examples).chain(&bench) {
        let file = staging.join(&artifact.packed.name);
        std::fs::copy(&artifact.executable, &file).map_err(|e| {
            format!("could not copy {} to {}: {e}", artifact.executable.display(), file.display())
        })?;
        packed.push(&artifact.packed);
    }
    let unpacked = folder_size(&staging)?;
    compress(&pack)?;
    let runnable: Vec<&Packed> = packed.into_iter().filter(|p| p.kind != Kind::Bin).collect();
    for (name, script) in
        [("run.sh", run_script(&root, &runnable)), ("bench.sh", bench_script(&root, &bench_name))]
    {
        let path = pack.join(name);
        std::fs::write(&path, script).map_err(|e| format!("could not write {}: {e}", path.display()))?;
    }

    let size = folder_size(&pack)?;
    let mib = |bytes: u64| bytes as f64 / f64::from(1 << 20);
    println!(
        "\npacked {} test binaries{}, {} examples and ferrite-bench into {PACK_DIR}: {:.1} MiB ({:.1} MiB unpacked)",
        tests.len(),
        if all { "" } else { " (of the crates that link ferrite-cuda; --all for every crate's)" },
        examples.len(),
        mib(size),
        mib(unpacked)
    );
    if size > CARRY_LIMIT {
        return Err(format!(
            "the pack is {:.1} MiB, over the device tool's carry limit of {} MiB",
            mib(size),
            CARRY_LIMIT >> 20
        ));
    }
    println!("on the GPU machine: carry [\"{PACK_DIR}\"] and run `bash {PACK_DIR}/run.sh` (logs go to $OUT)");
    println!(
        "the benchmark: `bash {PACK_DIR}/bench.sh` there (records go to $OUT/bench), then here \
         `cargo xtask bench --device cuda --from <that bench folder>`"
    );
    Ok(())
}

/// Replaces `pack/bin/` by `pack/bin.tar.xz`. The test binaries each link the whole stack, so one
/// solid archive with a large window stores the shared code about once: about a sixth of the size.
fn compress(pack: &Path) -> Result<()> {
    let mut command = Command::new("tar");
    command.args(["-cJf", "bin.tar.xz", "bin"]).current_dir(pack).env("XZ_OPT", "-9");
    crate::run_checked(&mut command)?;
    let staging = pack.join("bin");
    std::fs::remove_dir_all(&staging).map_err(|e| format!("could not remove {}: {e}", staging.display()))
}

/// The folders (relative to the workspace root) of the workspace packages that depend on
/// ferrite-cuda, directly or not, once the facade's `cuda` feature is on.
fn packages_linking_cuda() -> Result<Vec<String>> {
    let mut command = cargo();
    command.args(["metadata", "--format-version", "1", "--features", "ferrite/cuda"]);
    let shown = display(&command);
    let output = command.output().map_err(|e| format!("could not start `{shown}`: {e}"))?;
    if !output.status.success() {
        return Err(format!("`{shown}` failed: {}", String::from_utf8_lossy(&output.stderr)));
    }
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).map_err(|e| format!("`{shown}` printed no JSON: {e}"))?;
    Ok(dependents_of(&metadata, "ferrite-cuda"))
}

/// The folders of the workspace members that reach the package `name` in the resolved graph
/// (the package itself included).
fn dependents_of(metadata: &serde_json::Value, name: &str) -> Vec<String> {
    let none = Vec::new();
    let packages = metadata["packages"].as_array().unwrap_or(&none);
    let id_of = |n: &str| packages.iter().find(|p| p["name"] == n).and_then(|p| p["id"].as_str());
    let Some(target) = id_of(name) else { return Vec::new() };
    let nodes = metadata["resolve"]["nodes"].as_array().unwrap_or(&none);
    let deps_of = |id: &str| -> Vec<&str> {
        let node = nodes.iter().find(|n| n["id"] == id);
        let deps = node.and_then(|n| n["dependencies"].as_array());
        deps.map(|d| d.iter().filter_map(|v| v.as_str()).collect()).unwrap_or_default()
    };
    let reaches = |from: &str| {
        let mut stack = vec![from];
        let mut seen = std::collections::HashSet::new();
        while let Some(id) = stack.pop() {
            if id == target {
                return true;
            }
            if seen.insert(id) {
                stack.extend(deps_of(id));
            }
        }
        false
    };
    let root = project_root();
    let members = metadata["workspace_members"].as_array().unwrap_or(&none);
    members
        .iter()
        .filter_map(|m| m.as_str())
        .filter(|id| reaches(id))
        .filter_map(|id| packages.iter().find(|p| p["id"] == *id))
        .filter_map(|p| {
            Path::new(p["manifest_path"].as_str()?).parent()?.strip_prefix(&root).ok().map(Path::to_path_buf)
        })
        .filter_map(|dir| dir.to_str().map(String::from))
        .collect()
}

/// An executable that cargo built.
struct Artifact {
    executable: PathBuf,
    packed: Packed,
}

/// Runs `cargo <args> --message-format=json-render-diagnostics` with the lean profile, showing
/// the compiler's messages as usual, and returns the executables of `kind` it built.
fn build(args: &[&str], kind: Kind) -> Result<Vec<Artifact>> {
    let mut command = cargo();
    command.args(args).arg("--message-format=json-render-diagnostics").envs(LEAN_PROFILE.iter().copied());
    let shown = display(&command);
    println!("$ {shown}");
    let mut child =
        command.stdout(Stdio::piped()).spawn().map_err(|e| format!("could not start `{shown}`: {e}"))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut artifacts = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| format!("reading the output of `{shown}`: {e}"))?;
        if let Some(artifact) = parse_artifact(&line).filter(|a| a.packed.kind == kind) {
            artifacts.push(artifact);
        }
    }
    let status = child.wait().map_err(|e| format!("waiting for `{shown}`: {e}"))?;
    if !status.success() {
        return Err(format!(
            "the `cuda` feature could not build: `{shown}` failed ({status}); see the compiler's messages above"
        ));
    }
    Ok(artifacts)
}

/// The executable of a `compiler-artifact` message of a test, an example or a binary target,
/// named for the pack.
fn parse_artifact(line: &str) -> Option<Artifact> {
    let message: serde_json::Value = serde_json::from_str(line).ok()?;
    if message["reason"] != "compiler-artifact" {
        return None;
    }
    let executable = PathBuf::from(message["executable"].as_str()?);
    let target = &message["target"];
    let kind = target["kind"].get(0)?.as_str()?;
    let kind = match (message["profile"]["test"].as_bool().unwrap_or(false), kind) {
        (true, _) => Kind::Test,
        (false, "example") => Kind::Example,
        (false, "bin") => Kind::Bin,
        _ => return None,
    };
    let manifest = Path::new(message["manifest_path"].as_str()?);
    let package_dir = manifest.parent()?.strip_prefix(project_root()).ok()?.to_str()?.to_string();
    let dir_name = if package_dir.is_empty() { "root".to_string() } else { package_dir.replace('/', "_") };
    let name = format!("{dir_name}.{}.{}", kind.name(), target["name"].as_str()?);
    Some(Artifact { executable, packed: Packed { name, package_dir, kind } })
}

/// The script that runs every packed executable from its package's folder (as `cargo test` and
/// `cargo run` do), each under a time limit, and writes one log per executable and a summary.
fn run_script(root: &Path, packed: &[&Packed]) -> String {
    let mut runs = String::new();
    for p in packed {
        let dir = if p.package_dir.is_empty() { ".".to_string() } else { p.package_dir.clone() };
        writeln!(runs, "run {} {} {dir}", p.kind.name(), p.name).expect("writing to a String");
    }
    SCRIPT
        .replace("@UNPACK@", UNPACK)
        .replace("@REVISION@", &revision(root))
        .replace("@BUILD_ROOT@", &root.display().to_string())
        .replace("@EXAMPLE_ENV@", EXAMPLE_ENV)
        .replace("@RUNS@", runs.trim_end())
}

/// The script that runs the packed ferrite-bench (`--device cuda`) and `torch_gpu.py` on the GPU.
fn bench_script(root: &Path, bench: &str) -> String {
    BENCH_SCRIPT.replace("@UNPACK@", UNPACK).replace("@REVISION@", &revision(root)).replace("@BENCH@", bench)
}

/// The short git revision of the build, or "unknown".
fn revision(root: &Path) -> String {
    Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(root)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// `run.sh`, with `@...@` filled in by [`run_script`].
const SCRIPT: &str = r#"#!/usr/bin/env bash
# Written by `cargo xtask gpu-pack` at revision @REVISION@: runs every test binary and example built
# with the `cuda` feature, each from its package's folder, and writes a summary.
#
# usage: bash target/gpu-pack/run.sh [PATTERN]   (only the executables whose name contains PATTERN)
# env:   GPU_PACK_TIMEOUT (seconds per executable, default 300), TEST_ARGS (passed to test binaries,
#        e.g. "--test-threads 1"), GPU_PACK_BIN (where to unpack, default $TMPDIR/ferrite-gpu-pack/bin);
#        logs go to $OUT/gpu-pack-logs when OUT is set, else next to this file.
set -u
PACK="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$PACK/../.." && pwd)"
BUILD_ROOT="@BUILD_ROOT@"
LOGS="${OUT:-$PACK}/gpu-pack-logs"
PATTERN="${1:-}"
mkdir -p "$LOGS"
SUMMARY="$LOGS/summary.txt"
: > "$SUMMARY"

# Tests that read fixtures through env!("CARGO_MANIFEST_DIR") look under the build machine's path.
if [ "$REPO" != "$BUILD_ROOT" ] && [ ! -e "$BUILD_ROOT" ]; then
    if mkdir -p "$(dirname "$BUILD_ROOT")" 2>/dev/null && ln -s "$REPO" "$BUILD_ROOT" 2>/dev/null; then
        echo "linked $BUILD_ROOT -> $REPO for the tests' fixture paths"
    else
        echo "note: could not link $BUILD_ROOT -> $REPO; tests that read fixtures may fail"
    fi
fi

@UNPACK@

{ nvidia-smi -L 2>&1 || echo "nvidia-smi: not available"; } | tee "$LOGS/gpus.txt"
echo "revision @REVISION@, $(date -u)" | tee -a "$SUMMARY"

passed=0
failed=0
run() {
    local kind=$1 name=$2 dir=$3
    case "$name" in *"$PATTERN"*) ;; *) return ;; esac
    local start end status args=()
    if [ "$kind" = test ]; then read -r -a args <<< "${TEST_ARGS:-}"; fi
    start=$(date +%s%N)
    ( cd "$REPO/$dir" && export CARGO_MANIFEST_DIR="$REPO/$dir" FERRITE_PLOT_DIR="$LOGS/plots" \
        && if [ "$kind" = example ]; then export @EXAMPLE_ENV@; fi \
        && exec timeout "${GPU_PACK_TIMEOUT:-300}" "$BIN/$name" ${args[@]+"${args[@]}"} ) > "$LOGS/$name.log" 2>&1
    status=$?
    end=$(date +%s%N)
    local ms=$(( (end - start) / 1000000 )) verdict=ok
    if [ "$status" -eq 0 ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        verdict="FAILED (exit $status$([ "$status" -eq 124 ] && echo ", timed out"))"
    fi
    printf '%-8s %-60s %5d.%d s  %s\n' "$kind" "$name" $((ms / 1000)) $((ms % 1000 / 100)) "$verdict" \
        | tee -a "$SUMMARY"
    if [ "$status" -ne 0 ]; then tail -n 30 "$LOGS/$name.log" | sed 's/^/    | /'; fi
}

@RUNS@

echo "passed: $passed, failed: $failed (logs in $LOGS)" | tee -a "$SUMMARY"
[ "$failed" -eq 0 ]
"#;

/// Unpacks `$PACK/bin.tar.xz` into `$BIN` (both scripts).
const UNPACK: &str = r#"# The executables travel compressed; unpack them outside the (possibly read-only) pack.
BIN="${GPU_PACK_BIN:-${TMPDIR:-/tmp}/ferrite-gpu-pack}/bin"
rm -rf "$BIN" && mkdir -p "$BIN"
if command -v xz > /dev/null; then
    tar -xJf "$PACK/bin.tar.xz" -C "$(dirname "$BIN")"
else
    python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$PACK/bin.tar.xz" "$(dirname "$BIN")"
fi || { echo "could not unpack $PACK/bin.tar.xz"; exit 1; }"#;

/// `bench.sh`, with `@...@` filled in by [`bench_script`].
const BENCH_SCRIPT: &str = r#"#!/usr/bin/env bash
# Written by `cargo xtask gpu-pack` at revision @REVISION@: the GPU benchmark, ferrite-bench
# --device cuda then crates/ferrite-bench/torch_gpu.py (PyTorch on the same GPU), one after the other.
#
# usage: bash target/gpu-pack/bench.sh [--quick] [--only G1,G3]
# The records go to $OUT/bench when OUT is set, else next to this file; then, on the build machine:
#   cargo xtask bench --device cuda --from <that folder>
set -u
PACK="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$PACK/../.." && pwd)"
RECORDS="${OUT:-$PACK}/bench"
mkdir -p "$RECORDS"

@UNPACK@

{ nvidia-smi -L 2>&1 || echo "nvidia-smi: not available"; } | tee "$RECORDS/gpus.txt"
status=0
"$BIN/@BENCH@" --device cuda --threads "${BENCH_THREADS:-1}" --out "$RECORDS/ferrite-cuda.json" "$@" || status=1
PYTHONUNBUFFERED=1 python3 "$REPO/crates/ferrite-bench/torch_gpu.py" --out "$RECORDS/torch-cuda.json" "$@" || status=1
echo "records in $RECORDS (revision @REVISION@)"
exit $status
"#;

/// The total size of the files under `dir`.
fn folder_size(dir: &Path) -> Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).map_err(|e| format!("could not list {}: {e}", dir.display()))? {
        let entry = entry.map_err(|e| format!("could not list {}: {e}", dir.display()))?;
        let meta = entry.metadata().map_err(|e| format!("{}: {e}", entry.path().display()))?;
        total += if meta.is_dir() { folder_size(&entry.path())? } else { meta.len() };
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifacts_are_named_by_package_kind_and_target() {
        let root = project_root();
        let line = format!(
            r#"{{"reason":"compiler-artifact","manifest_path":"{}/tests/Cargo.toml","target":{{"kind":["test"],"name":"d2l_gpus"}},"profile":{{"test":true}},"executable":"/t/d2l_gpus-abc"}}"#,
            root.display()
        );
        let a = parse_artifact(&line).expect("a test artifact");
        assert_eq!(a.packed.name, "tests.test.d2l_gpus");
        assert_eq!(a.packed.package_dir, "tests");
        assert_eq!(a.packed.kind, Kind::Test);
        assert_eq!(a.executable, PathBuf::from("/t/d2l_gpus-abc"));
        let bin = format!(
            r#"{{"reason":"compiler-artifact","manifest_path":"{}/crates/ferrite-bench/Cargo.toml","target":{{"kind":["bin"],"name":"ferrite-bench"}},"profile":{{"test":false}},"executable":"/t/ferrite-bench"}}"#,
            root.display()
        );
        let b = parse_artifact(&bin).expect("a binary artifact");
        assert_eq!(
            (b.packed.name.as_str(), b.packed.kind),
            ("crates_ferrite-bench.bin.ferrite-bench", Kind::Bin)
        );
    }

    #[test]
    fn libraries_and_build_scripts_are_not_packed() {
        let root = project_root();
        let lib = format!(
            r#"{{"reason":"compiler-artifact","manifest_path":"{}/crates/ferrite/Cargo.toml","target":{{"kind":["lib"],"name":"ferrite"}},"profile":{{"test":false}},"executable":null}}"#,
            root.display()
        );
        assert!(parse_artifact(&lib).is_none());
        assert!(parse_artifact(r#"{"reason":"build-finished","success":true}"#).is_none());
        assert!(parse_artifact("not json").is_none());
    }

    #[test]
    fn dependents_are_the_members_that_reach_the_package() {
        let root = project_root();
        let package = |name: &str, dir: &str| serde_json::json!({"name": name, "id": format!("{name}-id"), "manifest_path": format!("{}/{dir}/Cargo.toml", root.display())});
        let node = |name: &str, deps: &[&str]| {
            let deps: Vec<String> = deps.iter().map(|d| format!("{d}-id")).collect();
            serde_json::json!({"id": format!("{name}-id"), "dependencies": deps})
        };
        let metadata = serde_json::json!({
            "packages": [package("ferrite-cuda", "crates/ferrite-cuda"), package("ferrite", "crates/ferrite"),
                         package("ferrite-nn", "crates/ferrite-nn"), package("ferrite-tests", "tests")],
            "workspace_members": ["ferrite-cuda-id", "ferrite-id", "ferrite-nn-id", "ferrite-tests-id"],
            "resolve": {"nodes": [node("ferrite-cuda", &[]), node("ferrite", &["ferrite-nn", "ferrite-cuda"]),
                                  node("ferrite-nn", &[]), node("ferrite-tests", &["ferrite"])]},
        });
        assert_eq!(
            dependents_of(&metadata, "ferrite-cuda"),
            ["crates/ferrite-cuda", "crates/ferrite", "tests"]
        );
        assert!(dependents_of(&metadata, "absent").is_empty());
    }

    #[test]
    fn the_script_runs_each_executable_from_its_package() {
        let packed = Packed {
            name: "crates_ferrite.example.mlp".into(),
            package_dir: "crates/ferrite".into(),
            kind: Kind::Example,
        };
        let script = run_script(&project_root(), &[&packed]);
        assert!(script.contains("\nrun example crates_ferrite.example.mlp crates/ferrite\n"), "{script}");
        let bench = bench_script(&project_root(), "crates_ferrite-bench.bin.ferrite-bench");
        assert!(bench.contains("\"$BIN/crates_ferrite-bench.bin.ferrite-bench\" --device cuda"), "{bench}");
        for script in [&script, &bench] {
            for placeholder in
                ["@UNPACK@", "@REVISION@", "@BUILD_ROOT@", "@EXAMPLE_ENV@", "@RUNS@", "@BENCH@"]
            {
                assert!(!script.contains(placeholder), "{placeholder} is left: {script}");
            }
            assert!(script.contains("tar -xJf"), "{script}");
        }
    }
}
