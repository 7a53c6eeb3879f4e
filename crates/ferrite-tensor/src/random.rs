//! The global random-number generator behind every random op (PyTorch's default CPU generator):
//! seeding (`manual_seed`, `seed`, `initial_seed`) and checkpointable state (`get_rng_state`,
//! `set_rng_state`, [`RngState`]).
//!
//! One ChaCha8 generator behind a `Mutex` serves the whole process. It is seeded from OS entropy
//! on first use; after [`manual_seed`], every draw in a single-threaded program is reproducible.
//! Each random op holds the lock for all of its draws, so one tensor's values are a contiguous run
//! of the stream even when threads draw concurrently (the interleaving of whole ops across threads
//! is then up to the scheduler, as with PyTorch's generator).

use crate::{Error, Result};
use rand::{SeedableRng, TryRngCore};
use rand_chacha::ChaCha8Rng;
use std::sync::Mutex;

/// The generator and the `u64` it was last seeded with.
struct Global {
    rng: ChaCha8Rng,
    initial_seed: u64,
}

impl Global {
    fn seeded(seed: u64) -> Global {
        Global { rng: ChaCha8Rng::seed_from_u64(seed), initial_seed: seed }
    }
}

/// `None` until first use, so programs that never draw never touch OS entropy.
static GLOBAL: Mutex<Option<Global>> = Mutex::new(None);

/// Runs `f` with the global state locked, seeding it from OS entropy on first use. A poisoned lock
/// is recovered: a panic mid-draw leaves a valid generator, only further along its stream.
fn with_global<R>(f: impl FnOnce(&mut Global) -> R) -> R {
    let mut guard = GLOBAL.lock().unwrap_or_else(|e| e.into_inner());
    f(guard.get_or_insert_with(|| Global::seeded(entropy_seed())))
}

/// Runs `f` on the global generator under its lock; random ops draw all their values in one call.
pub(crate) fn with_rng<R>(f: impl FnOnce(&mut ChaCha8Rng) -> R) -> R {
    with_global(|g| f(&mut g.rng))
}

/// A `u64` from the OS. Should the OS refuse (a sandbox without `getrandom`), the clock and an
/// address stand in: such a seed is still fresh per run, which is all a default seed promises.
fn entropy_seed() -> u64 {
    rand::rngs::OsRng.try_next_u64().unwrap_or_else(|_| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let local = 0u8;
        nanos ^ (&local as *const u8 as u64).rotate_left(32)
    })
}

/// Seeds the global generator, so the random ops that follow repeat exactly (PyTorch's
/// `torch.manual_seed`).
///
/// ```
/// use ferrite_tensor::{Tensor, manual_seed};
/// manual_seed(42);
/// let a = Tensor::randn([3]).to_vec::<f32>()?;
/// manual_seed(42);
/// let b = Tensor::randn([3]).to_vec::<f32>()?;
/// assert_eq!(a, b);
/// # Ok::<(), ferrite_tensor::Error>(())
/// ```
pub fn manual_seed(seed: u64) {
    with_global(|g| *g = Global::seeded(seed));
}

/// Reseeds the global generator from OS entropy and returns the new seed (PyTorch's `torch.seed`).
///
/// ```
/// use ferrite_tensor::{initial_seed, seed};
/// let s = seed();
/// assert_eq!(initial_seed(), s);
/// ```
pub fn seed() -> u64 {
    let s = entropy_seed();
    manual_seed(s);
    s
}

/// The seed the global generator was last seeded with, by [`manual_seed`], [`seed`] or from
/// entropy at first use (PyTorch's `torch.initial_seed`); log it to rerun an unseeded run.
/// [`set_rng_state`] does not change it.
///
/// ```
/// use ferrite_tensor::{initial_seed, manual_seed};
/// manual_seed(7);
/// assert_eq!(initial_seed(), 7);
/// ```
pub fn initial_seed() -> u64 {
    with_global(|g| g.initial_seed)
}

/// A snapshot of the global generator (PyTorch's `torch.get_rng_state`): restore it with
/// [`set_rng_state`] to repeat the draws that followed it.
///
/// ```
/// use ferrite_tensor::{Tensor, get_rng_state, set_rng_state};
/// let state = get_rng_state();
/// let a = Tensor::rand([4]).to_vec::<f32>()?;
/// set_rng_state(&state);
/// let b = Tensor::rand([4]).to_vec::<f32>()?;
/// assert_eq!(a, b);
/// # Ok::<(), ferrite_tensor::Error>(())
/// ```
pub fn get_rng_state() -> RngState {
    with_rng(|rng| RngState { seed: rng.get_seed(), stream: rng.get_stream(), word_pos: rng.get_word_pos() })
}

/// Restores the global generator to a snapshot from [`get_rng_state`] (PyTorch's
/// `torch.set_rng_state`).
///
/// ```
/// use ferrite_tensor::{RngState, Tensor, get_rng_state, manual_seed, set_rng_state};
/// manual_seed(0);
/// let saved = get_rng_state().to_bytes(); // e.g. written into a checkpoint
/// let a = Tensor::randint(0, 10, [5])?.to_vec::<i64>()?;
/// set_rng_state(&RngState::from_bytes(&saved)?);
/// assert_eq!(Tensor::randint(0, 10, [5])?.to_vec::<i64>()?, a);
/// # Ok::<(), ferrite_tensor::Error>(())
/// ```
pub fn set_rng_state(state: &RngState) {
    with_rng(|rng| {
        let mut restored = ChaCha8Rng::from_seed(state.seed);
        restored.set_stream(state.stream);
        restored.set_word_pos(state.word_pos);
        *rng = restored;
    });
}

/// The state of a ChaCha8 generator: its 256-bit seed (key), stream number and word position
/// (how many 32-bit words of the stream have been used).
///
/// Unlike PyTorch's state (a `uint8` tensor), it is a plain value; [`RngState::to_bytes`] and
/// [`RngState::from_bytes`] turn it into bytes for a checkpoint file.
///
/// ```
/// use ferrite_tensor::{RngState, get_rng_state};
/// let state = get_rng_state();
/// let bytes = state.to_bytes();
/// assert_eq!(bytes.len(), RngState::BYTES);
/// assert_eq!(RngState::from_bytes(&bytes)?, state);
/// # Ok::<(), ferrite_tensor::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RngState {
    seed: [u8; 32],
    stream: u64,
    word_pos: u128,
}

/// Leads every serialized state, so a file of something else is refused rather than misread.
/// The last byte is the format version.
const MAGIC: [u8; 5] = *b"FRNG\x01";

/// ChaCha's block counter is 64 bits over 16-word blocks, so word positions have 68 bits.
const WORD_POS_LIMIT: u128 = 1 << 68;

impl RngState {
    /// Length of [`RngState::to_bytes`]: magic and version (5), seed (32), stream (8), word
    /// position (16).
    pub const BYTES: usize = MAGIC.len() + 32 + 8 + 16;

    /// The generator's 256-bit seed.
    ///
    /// ```
    /// use ferrite_tensor::get_rng_state;
    /// assert_eq!(get_rng_state().seed().len(), 32);
    /// ```
    pub fn seed(&self) -> [u8; 32] {
        self.seed
    }

    /// The stream number (always 0 for states made by [`crate::manual_seed`]).
    ///
    /// ```
    /// use ferrite_tensor::{get_rng_state, manual_seed};
    /// manual_seed(1);
    /// assert_eq!(get_rng_state().stream(), 0);
    /// ```
    pub fn stream(&self) -> u64 {
        self.stream
    }

    /// How many 32-bit words of the stream have been used.
    ///
    /// ```
    /// use ferrite_tensor::{Tensor, get_rng_state, manual_seed};
    /// manual_seed(1);
    /// let before = get_rng_state().word_pos();
    /// let _ = Tensor::rand([3]); // one word per f32
    /// // (another thread drawing at the same time could move it further)
    /// assert!(get_rng_state().word_pos() >= before + 3);
    /// ```
    pub fn word_pos(&self) -> u128 {
        self.word_pos
    }

    /// The state as [`RngState::BYTES`] bytes (little-endian numbers after a magic tag), for a
    /// checkpoint.
    ///
    /// ```
    /// use ferrite_tensor::{RngState, get_rng_state};
    /// assert_eq!(get_rng_state().to_bytes().len(), RngState::BYTES);
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(Self::BYTES);
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&self.seed);
        out.extend_from_slice(&self.stream.to_le_bytes());
        out.extend_from_slice(&self.word_pos.to_le_bytes());
        out
    }

    /// Reads bytes written by [`RngState::to_bytes`]; anything else (wrong length, another
    /// file's bytes, a word position past the generator's 68-bit counter) is an
    /// [`Error::InvalidArgument`].
    ///
    /// ```
    /// use ferrite_tensor::RngState;
    /// let err = RngState::from_bytes(b"not a state").unwrap_err();
    /// assert!(err.to_string().starts_with("RngState::from_bytes: expected 61 bytes"));
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<RngState> {
        let op = "RngState::from_bytes";
        if bytes.len() != Self::BYTES {
            let reason = format!("expected {} bytes, got {}", Self::BYTES, bytes.len());
            return Err(Error::InvalidArgument { op, reason });
        }
        let (magic, rest) = bytes.split_at(MAGIC.len());
        if magic != MAGIC {
            let reason =
                format!("bytes do not start with {MAGIC:?} (an RngState, format 1), found {magic:?}");
            return Err(Error::InvalidArgument { op, reason });
        }
        let (seed, rest) = rest.split_at(32);
        let (stream, word_pos) = rest.split_at(8);
        let seed: [u8; 32] = seed.try_into().expect("split at 32");
        let stream = u64::from_le_bytes(stream.try_into().expect("split at 8"));
        let word_pos = u128::from_le_bytes(word_pos.try_into().expect("16 bytes remain"));
        if word_pos >= WORD_POS_LIMIT {
            let reason = format!("word position {word_pos} exceeds the generator's 68-bit counter");
            return Err(Error::InvalidArgument { op, reason });
        }
        Ok(RngState { seed, stream, word_pos })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_state() -> RngState {
        RngState {
            seed: std::array::from_fn(|i| i as u8 * 7),
            stream: 0x0102_0304_0506_0708,
            word_pos: 12345,
        }
    }

    #[test]
    fn state_bytes_round_trip() {
        let s = sample_state();
        let bytes = s.to_bytes();
        assert_eq!(bytes.len(), RngState::BYTES);
        assert_eq!(&bytes[..5], b"FRNG\x01");
        assert_eq!(RngState::from_bytes(&bytes).unwrap(), s);
    }

    #[test]
    fn state_bytes_reject_bad_input() {
        let good = sample_state().to_bytes();
        let short = RngState::from_bytes(&good[..60]).unwrap_err();
        assert_eq!(short.to_string(), "RngState::from_bytes: expected 61 bytes, got 60");

        let mut wrong_magic = good.clone();
        wrong_magic[4] = 2;
        let err = RngState::from_bytes(&wrong_magic).unwrap_err();
        assert!(matches!(err, Error::InvalidArgument { op: "RngState::from_bytes", .. }), "{err}");

        let mut far = good;
        far[45..].copy_from_slice(&WORD_POS_LIMIT.to_le_bytes());
        let err = RngState::from_bytes(&far).unwrap_err();
        assert!(err.to_string().contains("68-bit"), "{err}");
    }

    #[test]
    fn restored_chacha_continues_the_stream() {
        // The property set_rng_state relies on: seed + stream + word position fix the output,
        // including mid-block positions.
        use rand::RngCore;
        let mut a = ChaCha8Rng::seed_from_u64(9);
        for _ in 0..19 {
            a.next_u32();
        }
        let mut b = ChaCha8Rng::from_seed(a.get_seed());
        b.set_stream(a.get_stream());
        b.set_word_pos(a.get_word_pos());
        let xs: Vec<u64> = (0..40).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..40).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
    }
}
