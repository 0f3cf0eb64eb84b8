//! The instruction-set tier the hot kernels run at, chosen at run time from the CPU: `avx512`
//! (AVX-512F, 512-bit vectors), `avx2` (AVX2 and FMA, 256-bit) or `baseline` (any x86-64, or any
//! other architecture: plain Rust, a fused multiply-add in software where the CPU has none). A
//! program may force a lower tier ([`force`]; the experiment binaries read `NNLAB_TIER`), to compare
//! the tiers on one machine; every tier gives the same bits. Nothing here changes a result, only
//! which instructions compute it.

use std::sync::atomic::{AtomicU8, Ordering};

/// One instruction-set level, lowest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Baseline,
    Avx2,
    Avx512,
}

impl Tier {
    /// Every tier, lowest first.
    pub const ALL: [Tier; 3] = [Tier::Baseline, Tier::Avx2, Tier::Avx512];

    /// The name `NNLAB_TIER` and `meta.json` use: `baseline`, `avx2`, `avx512`.
    pub fn name(self) -> &'static str {
        match self {
            Tier::Baseline => "baseline",
            Tier::Avx2 => "avx2",
            Tier::Avx512 => "avx512",
        }
    }

    /// The tier named `name`, or an error listing the names.
    pub fn parse(name: &str) -> Result<Tier, TierError> {
        Tier::ALL
            .into_iter()
            .find(|t| t.name() == name)
            .ok_or_else(|| TierError::Unknown(name.to_string()))
    }

    /// The width of its vector registers in bits (the baseline's kernels are scalar loops).
    pub fn vector_bits(self) -> u32 {
        match self {
            Tier::Baseline => 64,
            Tier::Avx2 => 256,
            Tier::Avx512 => 512,
        }
    }

    /// Whether this CPU can run the tier's instructions.
    pub fn supported(self) -> bool {
        match self {
            Tier::Baseline => true,
            #[cfg(target_arch = "x86_64")]
            Tier::Avx2 => is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"),
            #[cfg(target_arch = "x86_64")]
            Tier::Avx512 => Tier::Avx2.supported() && is_x86_feature_detected!("avx512f"),
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// The highest tier this CPU supports (the tiers are nested: it supports every lower one).
    /// Read from the CPU once, then cached: every dispatched kernel call asks.
    pub fn detected() -> Tier {
        match DETECTED.load(Ordering::Relaxed) {
            0 => {
                let index = Tier::ALL.iter().rposition(|t| t.supported());
                let index = index.expect("the baseline is always supported");
                DETECTED.store(1 + index as u8, Ordering::Relaxed);
                Tier::ALL[index]
            }
            k => Tier::ALL[usize::from(k) - 1],
        }
    }
}

/// Why a tier cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TierError {
    #[error("no tier named {0:?}: the tiers are baseline, avx2 and avx512")]
    Unknown(String),
    #[error("this CPU cannot run the {} tier (it supports up to {})", .0.name(), .1.name())]
    Unsupported(Tier, Tier),
}

/// 0: not read yet; otherwise 1 + the index in [`Tier::ALL`] of [`Tier::detected`].
static DETECTED: AtomicU8 = AtomicU8::new(0);

/// 0: not forced; otherwise 1 + the forced tier's index in [`Tier::ALL`].
static FORCED: AtomicU8 = AtomicU8::new(0);

/// Runs the hot kernels at `tier` from now on (for comparing tiers on one machine); refuses a tier
/// the CPU cannot run.
pub fn force(tier: Tier) -> Result<(), TierError> {
    if !tier.supported() {
        return Err(TierError::Unsupported(tier, Tier::detected()));
    }
    let index = Tier::ALL.iter().position(|&t| t == tier).expect("listed");
    FORCED.store(1 + index as u8, Ordering::Relaxed);
    Ok(())
}

/// The tier the hot kernels run at: the forced one, else the highest this CPU supports.
pub fn current() -> Tier {
    match FORCED.load(Ordering::Relaxed) {
        0 => Tier::detected(),
        k => Tier::ALL[usize::from(k) - 1],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for t in Tier::ALL {
            assert_eq!(Tier::parse(t.name()), Ok(t));
        }
        let err = Tier::parse("sse9").unwrap_err();
        assert!(
            err.to_string().contains("baseline, avx2 and avx512"),
            "{err}"
        );
    }

    #[test]
    fn the_detected_tier_is_supported_and_every_tier_above_it_is_not() {
        let d = Tier::detected();
        assert!(d.supported());
        for t in Tier::ALL.into_iter().filter(|&t| t > d) {
            assert!(!t.supported());
            assert_eq!(force(t), Err(TierError::Unsupported(t, d)));
        }
        assert!(Tier::Baseline.supported());
    }
}
