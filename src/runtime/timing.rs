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

/// Runs every one of `ways` once per round, in turn, for `rounds` rounds (a slow drift of the
/// machine then hits every way alike); returns each way's seconds and results, round by round.
pub fn interleaved<T>(rounds: usize, ways: &[&dyn Fn(usize) -> T]) -> (Vec<Vec<f64>>, Vec<Vec<T>>) {
    let mut seconds: Vec<Vec<f64>> = ways.iter().map(|_| Vec::new()).collect();
    let mut results: Vec<Vec<T>> = ways.iter().map(|_| Vec::new()).collect();
    for round in 1..=rounds {
        for (i, way) in ways.iter().enumerate() {
            let t = Instant::now();
            let r = way(round);
            seconds[i].push(t.elapsed().as_secs_f64());
            results[i].push(r);
        }
    }
    (seconds, results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interleaves_the_ways_round_by_round() {
        let order = std::sync::Mutex::new(Vec::new());
        let order_ref = &order;
        let log =
            |name: &'static str| move |round: usize| order_ref.lock().unwrap().push((name, round));
        let (a, b) = (log("a"), log("b"));
        let (seconds, results) = interleaved(2, &[&a, &b]);
        assert_eq!(seconds.len(), 2);
        assert_eq!(results[0].len(), 2);
        let order = order.into_inner().unwrap();
        assert_eq!(order, vec![("a", 1), ("b", 1), ("a", 2), ("b", 2)]);
    }

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
