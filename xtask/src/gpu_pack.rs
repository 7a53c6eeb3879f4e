//! `cargo xtask gpu-pack`: packs the GPU build, once the CUDA backend lands.

use crate::Result;

pub fn run(args: &[String]) -> Result<()> {
    if !args.is_empty() {
        return Err(format!("unexpected arguments {args:?} (usage: cargo xtask gpu-pack)"));
    }
    Err("the CUDA backend (crates/ferrite-cuda) has not landed yet: nothing to pack".into())
}
