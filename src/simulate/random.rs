//! The simulation's source of chance: a small seeded generator (SplitMix64), so the same
//! `--seed` always gives the same simulation, on any machine, with no dependency.

/// A deterministic stream of pseudo-random numbers.
#[derive(Clone, Debug)]
pub struct Random {
    state: u64,
}

impl Random {
    /// The stream for `seed`, one of several told apart by `stream`, so that adding one model
    /// (latency, say) does not reshuffle the draws of another (the runs' jitter).
    pub fn new(seed: u64, stream: u64) -> Random {
        let mut r = Random {
            state: seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F),
        };
        // Mix once, so neighbouring seeds do not start on neighbouring states.
        r.next_u64();
        r
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A whole number from 0 to `max` inclusive, each about equally likely (0 when `max` is 0
    /// or less, without a draw).
    pub fn up_to(&mut self, max: i64) -> i64 {
        let Ok(span) = u64::try_from(max) else {
            return 0;
        };
        if span == 0 {
            return 0;
        }
        // The high half of a 128-bit product: no modulo bias worth the name for spans this small.
        let wide = u128::from(self.next_u64()) * u128::from(span + 1);
        (wide >> 64) as i64
    }

    /// True with probability `p` (never for 0, without a draw; always for 1).
    pub fn chance(&mut self, p: f64) -> bool {
        if p <= 0.0 {
            return false;
        }
        // 53 random bits make a float in [0, 1).
        let unit = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        unit < p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_stream_and_streams_differ() {
        let draw = |seed, stream| {
            let mut r = Random::new(seed, stream);
            (0..5).map(|_| r.next_u64()).collect::<Vec<_>>()
        };
        assert_eq!(draw(7, 1), draw(7, 1));
        assert_ne!(draw(7, 1), draw(8, 1));
        assert_ne!(draw(7, 1), draw(7, 2));
    }

    #[test]
    fn up_to_stays_in_range_and_covers_it() {
        let mut r = Random::new(1, 0);
        let mut seen = [0u32; 4];
        for _ in 0..4_000 {
            let v = r.up_to(3);
            assert!((0..=3).contains(&v));
            seen[v as usize] += 1;
        }
        // Each of the four values about a quarter of the time.
        assert!(seen.iter().all(|&n| (850..1_150).contains(&n)), "{seen:?}");
        assert_eq!(r.up_to(0), 0);
        assert_eq!(r.up_to(-5), 0);
    }

    #[test]
    fn chance_follows_the_probability() {
        let mut r = Random::new(3, 0);
        let hits = (0..10_000).filter(|_| r.chance(0.2)).count();
        assert!((1_850..2_150).contains(&hits), "{hits}");
        assert!(!(0..100).any(|_| r.chance(0.0)));
        assert!((0..100).all(|_| r.chance(1.0)));
    }
}
