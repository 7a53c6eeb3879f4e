//! `cargo +nightly fuzz run load_torch`: any bytes must give a state dict or an error, never a panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = ferrite_serialize::fuzzing::load_torch(data);
});
