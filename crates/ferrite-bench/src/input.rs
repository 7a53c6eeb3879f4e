//! Deterministic benchmark inputs from a small PRNG of our own (the tensor core has no random API yet).

use ferrite::{Result, Tensor};

/// A float32 tensor of `shape` with values uniform in [-1, 1), the same for the same `seed`.
/// Only the values' spread matters here (relu takes both branches, sums do not overflow).
pub fn uniform(shape: &[usize], seed: u64) -> Result<Tensor> {
    let n = shape.iter().product();
    let mut state = seed;
    let data: Vec<f32> =
        (0..n).map(|_| (splitmix64(&mut state) >> 40) as f32 / (1u64 << 23) as f32 - 1.0).collect();
    Ok(Tensor::from_vec(data, shape.to_vec())?)
}

/// SplitMix64: one add and three xor-shift-multiplies per number; plenty for benchmark inputs.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_in_range_and_repeatable() -> Result<()> {
        let a = uniform(&[1000], 7)?.to_vec::<f32>()?;
        assert!(a.iter().all(|v| (-1.0..1.0).contains(v)));
        assert_eq!(a, uniform(&[1000], 7)?.to_vec::<f32>()?);
        assert_ne!(a, uniform(&[1000], 8)?.to_vec::<f32>()?);
        Ok(())
    }
}
