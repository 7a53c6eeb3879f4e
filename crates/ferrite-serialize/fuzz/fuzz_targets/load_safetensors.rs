//! `cargo +nightly fuzz run load_safetensors`: any bytes must give a tensor or an error, never a panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = ferrite_serialize::fuzzing::load_safetensors(data);
});
