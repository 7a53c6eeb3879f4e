//! `cargo xtask kernels [--check]`: compiles the CUDA kernels, once the CUDA backend lands.

use crate::Result;

pub fn run(args: &[String]) -> Result<()> {
    match args {
        [flag] if flag == "--check" => {
            println!("kernels: the CUDA backend (crates/ferrite-cuda) has not landed yet: nothing to check");
            Ok(())
        }
        [] => Err("the CUDA backend (crates/ferrite-cuda) has not landed yet: no kernels to compile".into()),
        _ => Err(format!("unexpected arguments {args:?} (usage: cargo xtask kernels [--check])")),
    }
}
