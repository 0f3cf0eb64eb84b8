//! Successive halving [Jamieson and Talwalkar, 2016], the building block of Hyperband [Li et al.,
//! 2018]: start many trials on a small budget, keep the best `1/eta`, give the survivors `eta`
//! times the budget, repeat until one is left.

/// One rung of the plan: how many trials run, on what budget each (e.g. epochs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RungPlan {
    pub trials: usize,
    pub budget: usize,
}

// ANCHOR: plan
/// The rungs of successive halving from `n` trials on `min_budget` each: rung `r` runs
/// `floor(n / eta^r)` trials (at least 1) on `min_budget * eta^r`, ending with the rung of one
/// trial or the last rung whose budget fits `max_budget`.
pub fn halving_plan(n: usize, eta: usize, min_budget: usize, max_budget: usize) -> Vec<RungPlan> {
    assert!(
        n >= 1 && eta >= 2 && min_budget >= 1,
        "halving needs n >= 1, eta >= 2, a budget"
    );
    let mut plan = Vec::new();
    let (mut trials, mut budget) = (n, min_budget);
    while budget <= max_budget {
        plan.push(RungPlan { trials, budget });
        if trials == 1 {
            break;
        }
        trials = (trials / eta).max(1);
        budget *= eta;
    }
    plan
}
// ANCHOR_END: plan

/// The trials of `scored` `(trial, score)` with the `keep` highest scores (NaN lowest; ties go to the
/// lower trial index), in that order.
pub fn keep_best(scored: &[(usize, f64)], keep: usize) -> Vec<usize> {
    let mut order: Vec<(usize, f64)> = scored.to_vec();
    let key = |s: f64| if s.is_nan() { f64::NEG_INFINITY } else { s };
    order.sort_by(|a, b| key(b.1).total_cmp(&key(a.1)).then(a.0.cmp(&b.0)));
    order.into_iter().take(keep).map(|(t, _)| t).collect()
}

/// One rung as it ran: its budget and every trial's score.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Rung {
    pub budget: usize,
    pub scored: Vec<(usize, f64)>,
}

// ANCHOR: halving
/// Runs the plan of [`halving_plan`] over trials `0..n`: `evaluate(trials, budget)` scores a rung's
/// trials (higher is better; all at once, so the caller can run them in parallel), and the best
/// [`RungPlan::trials`] of the next rung go on.
pub fn successive_halving(
    plan: &[RungPlan],
    mut evaluate: impl FnMut(&[usize], usize) -> Vec<f64>,
) -> Vec<Rung> {
    let mut alive: Vec<usize> = (0..plan.first().map_or(0, |r| r.trials)).collect();
    let mut rungs = Vec::with_capacity(plan.len());
    for (r, rung) in plan.iter().enumerate() {
        let scores = evaluate(&alive, rung.budget);
        assert_eq!(scores.len(), alive.len(), "one score per trial");
        let scored: Vec<(usize, f64)> = alive.iter().copied().zip(scores).collect();
        if let Some(next) = plan.get(r + 1) {
            alive = keep_best(&scored, next.trials);
            alive.sort_unstable();
        }
        rungs.push(Rung {
            budget: rung.budget,
            scored,
        });
    }
    rungs
}
// ANCHOR_END: halving

/// The total budget a run of `plan` spends (the sum over rungs of trials times budget; each rung
/// trains its trials from scratch).
pub fn plan_cost(plan: &[RungPlan]) -> usize {
    plan.iter().map(|r| r.trials * r.budget).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_divides_trials_and_multiplies_budgets_by_eta() {
        let plan = halving_plan(27, 3, 1, 100);
        let shape: Vec<(usize, usize)> = plan.iter().map(|r| (r.trials, r.budget)).collect();
        assert_eq!(shape, [(27, 1), (9, 3), (3, 9), (1, 27)]);
        assert_eq!(plan_cost(&plan), 27 + 27 + 27 + 27);
        // A budget cap ends the plan early; uneven counts round down.
        let capped = halving_plan(10, 2, 2, 8);
        let shape: Vec<(usize, usize)> = capped.iter().map(|r| (r.trials, r.budget)).collect();
        assert_eq!(shape, [(10, 2), (5, 4), (2, 8)]);
    }

    #[test]
    fn each_rung_keeps_the_best_fraction() {
        // Trial t's true quality is (t * 7) % 27; the score adds the budget (better with more
        // epochs), which leaves the order within a rung unchanged.
        let quality = |t: usize| ((t * 7) % 27) as f64;
        let plan = halving_plan(27, 3, 1, 27);
        let mut seen = Vec::new();
        let rungs = successive_halving(&plan, |trials, budget| {
            seen.push((trials.to_vec(), budget));
            trials.iter().map(|&t| quality(t) + budget as f64).collect()
        });
        assert_eq!(rungs.len(), 4);
        for (r, rung) in rungs.iter().enumerate() {
            assert_eq!(rung.scored.len(), plan[r].trials);
            if let Some(next) = rungs.get(r + 1) {
                // The survivors are exactly the top third of this rung.
                let mut top = keep_best(&rung.scored, next.scored.len());
                top.sort_unstable();
                let survivors: Vec<usize> = next.scored.iter().map(|s| s.0).collect();
                assert_eq!(survivors, top);
                let worst_kept = next
                    .scored
                    .iter()
                    .map(|s| quality(s.0))
                    .fold(f64::INFINITY, f64::min);
                let dropped = rung.scored.iter().filter(|s| !survivors.contains(&s.0));
                assert!(dropped.map(|s| quality(s.0)).all(|q| q < worst_kept));
            }
        }
        // The winner is the best trial overall: quality 26 is trial 23 (23 * 7 = 161 = 5 * 27 + 26).
        assert_eq!(rungs[3].scored[0].0, 23);
        assert_eq!(seen[1].1, 3);
    }

    #[test]
    fn ties_and_nan_in_keep_best() {
        let scored = [(0, 0.5), (1, f64::NAN), (2, 0.9), (3, 0.5)];
        assert_eq!(keep_best(&scored, 3), vec![2, 0, 3]);
        assert_eq!(keep_best(&scored, 10), vec![2, 0, 3, 1]);
    }
}
