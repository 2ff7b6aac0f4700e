//! A small seeded generator (SplitMix64: Steele, Lea and Flood 2014) for the seeded random tests and the bootstrap.

/// SplitMix64: the same sequence for the same seed, on every platform.
///
/// ```
/// let mut a = footprint_index::SplitMix64(7);
/// let mut b = footprint_index::SplitMix64(7);
/// assert_eq!(a.next_u64(), b.next_u64());
/// assert!(a.below(3) < 3);
/// ```
#[derive(Clone, Debug)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in 0..n, n > 0 (Lemire's multiply-and-reject: unbiased).
    pub fn below(&mut self, n: u64) -> u64 {
        Below::new(n).draw(self)
    }

    /// The generator of stream `stream` of `seed`: streams of one seed, and seeds, do not share draws.
    #[must_use]
    pub fn stream(seed: u64, stream: u64) -> Self {
        let mut mix = SplitMix64(seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
        SplitMix64(mix.next_u64())
    }
}

/// Draws uniform in 0..n, n > 0, with the rejection threshold worked out once: the same draws as
/// [`SplitMix64::below`], without a division per draw.
///
/// ```
/// use footprint_index::{Below, SplitMix64};
/// let (mut a, mut b) = (SplitMix64(3), SplitMix64(3));
/// let six = Below::new(6);
/// assert!((0..100).all(|_| six.draw(&mut a) == b.below(6)));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Below {
    n: u64,
    threshold: u64,
}

impl Below {
    /// Draws in 0..n (n > 0).
    #[must_use]
    pub fn new(n: u64) -> Self {
        Self { n, threshold: n.wrapping_neg() % n }
    }

    /// The next draw from `rng` (Lemire's multiply-and-reject: unbiased).
    pub fn draw(self, rng: &mut SplitMix64) -> u64 {
        loop {
            let m = u128::from(rng.next_u64()) * u128::from(self.n);
            if (m as u64) >= self.threshold {
                return (m >> 64) as u64;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SplitMix64;

    #[test]
    fn unbiased_draws_cover_the_range() {
        let mut rng = SplitMix64(1);
        let mut seen = [0u32; 3];
        for _ in 0..3000 {
            seen[rng.below(3) as usize] += 1;
        }
        assert!(seen.iter().all(|&c| (900..1100).contains(&c)), "{seen:?}");
    }
}
