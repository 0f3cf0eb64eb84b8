//! A counter-based generator [Salmon et al., 2011]: draw `i` of the stream `(key, step)` is a pure
//! function of the three numbers, so any thread can draw any unit in any order and get the same
//! number (dropout's masks: [`crate::nn::layers::dropout`]).

/// The golden-ratio increment of SplitMix64.
const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// SplitMix64's output function [Steele, Lea and Flood, 2014]: a bijective mix of 64 bits.
#[inline(always)]
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

// ANCHOR: mask
/// The stream of pass `step` of the user `key` (a dropout layer): two 32-bit keys from one
/// SplitMix64 output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CounterStream(u32, u32);

impl CounterStream {
    #[inline(always)]
    pub fn new(key: u64, step: u64) -> Self {
        let z = mix64(key ^ step.wrapping_mul(GOLDEN));
        CounterStream(z as u32, (z >> 32) as u32)
    }

    /// Draw `i`, uniform on `0..2^32`: `i` through two rounds of the lowbias32 hash, each after
    /// a key. (32-bit arithmetic vectorizes 16 draws to a 512-bit register; a 64-bit multiply
    /// does not.)
    #[inline(always)]
    pub fn draw(self, i: u32) -> u32 {
        lowbias32(lowbias32(i ^ self.0) ^ self.1)
    }
}

/// Wellons' lowbias32 [nullprogram.com, 2018]: a bijective 32-bit mix with low avalanche bias.
#[inline(always)]
fn lowbias32(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^ (x >> 16)
}
// ANCHOR_END: mask

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbouring_draws_and_consecutive_steps_are_uncorrelated() {
        // The counter-based draws must look independent where a weak hash would not: draw i and
        // draw i + 1 of one stream, and draw i of step s and of step s + 1 (keys differing in one
        // step). Each correlation of the indicators `draw < 2^31` is within 5 standard errors of 0.
        let n = 1u32 << 20;
        let kept = |step: u64| -> Vec<f64> {
            let s = CounterStream::new(3, step);
            (0..n)
                .map(|i| f64::from(u8::from(s.draw(i) < 1 << 31)))
                .collect()
        };
        let correlation = |a: &[f64], b: &[f64]| {
            let m = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
            let (ma, mb) = (m(a), m(b));
            let cov = a
                .iter()
                .zip(b)
                .map(|(x, y)| (x - ma) * (y - mb))
                .sum::<f64>();
            let var = |v: &[f64], mv: f64| v.iter().map(|x| (x - mv).powi(2)).sum::<f64>();
            cov / (var(a, ma) * var(b, mb)).sqrt()
        };
        let limit = 5.0 / f64::from(n).sqrt();
        let (first, second) = (kept(0), kept(1));
        let last = n as usize - 1;
        let pairs = [
            ("neighbours", correlation(&first[..last], &first[1..])),
            ("steps", correlation(&first, &second)),
            ("shifted steps", correlation(&first[1..], &second[..last])),
        ];
        for (what, r) in pairs {
            assert!(r.abs() < limit, "{what}: correlation {r}");
        }
    }

    #[test]
    fn the_stream_is_pinned() {
        // A change to the hash or the key schedule changes every committed dropout result.
        // (Values from an independent Python transcription of the three functions.)
        let s = CounterStream::new(7, 2);
        let draws: Vec<u32> = (0..3).map(|i| s.draw(i)).collect();
        assert_eq!(draws, [2976573221, 3707513694, 2977548308]);
    }
}
