//! Wall-clock timing for the experiments' speed sections (the benchmarks use criterion; CI gates
//! on instruction counts). A figure of speed shows the fastest repetition: the least disturbed by
//! the rest of the machine.

use std::time::Instant;

/// Runs `f` at least `repeats` times and, if `floor_seconds` have not passed by then, again until
/// they have (at most `max_repeats` runs in all); returns the fastest run in seconds.
pub fn fastest(repeats: usize, floor_seconds: f64, max_repeats: usize, mut f: impl FnMut()) -> f64 {
    let (mut best, mut spent, mut reps) = (f64::INFINITY, 0.0, 0);
    while reps < repeats.max(1) || (spent < floor_seconds && reps < max_repeats) {
        reps += 1;
        let t = Instant::now();
        f();
        let took = t.elapsed().as_secs_f64();
        (best, spent) = (best.min(took), spent + took);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_at_least_the_count_and_at_most_the_cap() {
        let mut calls = 0;
        let best = fastest(3, 0.0, 1_000, || calls += 1);
        assert_eq!(calls, 3);
        assert!(best >= 0.0 && best.is_finite());
        // A floor no run reaches stops at the cap.
        let mut calls = 0;
        fastest(1, 1e9, 7, || calls += 1);
        assert_eq!(calls, 7);
    }
}
