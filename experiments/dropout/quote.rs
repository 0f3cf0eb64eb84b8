//! What the chapter quotes, from the four parts' summaries: the expectation demo, the three
//! models, the scaling bug, Monte-Carlo averaging and the keep-probability sweep.

use nnlab::report::numbers::{Numbers, percent_of, percent_range};

use super::{compare, expectation, mc, sweep};

pub fn expectation(n: &mut Numbers, e: &expectation::Summary) {
    n.value("expected_a", e.enumerated)
        .value("formula_a", e.formula)
        .value("replicates", e.replicates)
        .fixed("slope", e.slope, 3);
}

/// `<model>_test` (mean and range), `_train`, `_val`, `_gap` (points), `_loss`; the table; the
/// gain of inverted dropout; the bug's accuracies, losses and activation ratios.
pub fn comparison(n: &mut Numbers, c: &compare::Summary) {
    let header = [
        "model",
        "test accuracy: mean (worst–best)",
        "training",
        "validation",
        "training − validation",
        "test cross-entropy",
    ];
    let label = |model: &str| match model {
        "no-dropout" => "no dropout".to_string(),
        m => format!("{m} dropout"),
    };
    let rows: Vec<Vec<String>> = c
        .models
        .iter()
        .map(|m| {
            vec![
                format!("{}, p = {}", label(m.model), m.keep),
                format!(
                    "{} ({}–{})",
                    percent_of(m.test_mean, 2),
                    percent_of(m.test_min, 2),
                    percent_of(m.test_max, 2)
                ),
                percent_of(m.train_accuracy, 2),
                percent_of(m.val_accuracy, 2),
                format!("{:.2} points", 100.0 * m.gap),
                format!("{:.3}", m.test_loss),
            ]
        })
        .collect();
    n.table("models", &header, &rows);
    for m in &c.models {
        let key = |what: &str| format!("{}_{what}", m.model.replace('-', "_"));
        n.value(&key("test"), percent_of(m.test_mean, 2))
            .value(&key("test_range"), percent_range(m.test_min, m.test_max, 2))
            .value(&key("train"), percent_of(m.train_accuracy, 2))
            .value(&key("val"), percent_of(m.val_accuracy, 2))
            .value(&key("gap"), format!("{:.2}", 100.0 * m.gap))
            .fixed(&key("loss"), m.test_loss, 3);
    }
    let beats = if c.gain_beats_spread {
        "every"
    } else {
        "not every"
    };
    n.value("gain", format!("{:+.2}", 100.0 * c.gain))
        .value("inverted_beats_every_run", beats)
        .value("unscaled_test", percent_of(c.unscaled_test_mean, 2))
        .value(
            "unscaled_test_range",
            percent_range(c.unscaled_test_min, c.unscaled_test_max, 2),
        )
        .fixed("unscaled_loss", c.unscaled_test_loss, 2);
    for (i, (u, s)) in c.unscaled_ratio.iter().zip(&c.scaled_ratio).enumerate() {
        n.fixed(&format!("unscaled_ratio_{}", i + 1), *u, 2)
            .fixed(&format!("scaled_ratio_{}", i + 1), *s, 2)
            .value(
                &format!("scaled_shortfall_{}", i + 1),
                format!("{:.0}%", 100.0 * (1.0 - s)),
            );
    }
    let rows: Vec<Vec<String>> = (c.first_seed_activations.iter().enumerate())
        .map(|(i, [train, scaled, unscaled])| {
            vec![
                format!("dropout {}", i + 1),
                format!("{train:.4}"),
                format!("{scaled:.4} (×{:.2})", scaled / train),
                format!("{unscaled:.4} (**×{:.2}**)", unscaled / train),
            ]
        })
        .collect();
    let header = [
        "after",
        "training mode (one mask)",
        "prediction with `* p`",
        "prediction without `* p`",
    ];
    n.table("activations", &header, &rows);
}

pub fn monte_carlo(n: &mut Numbers, m: &mc::Summary) {
    let counts = [1, 2, 5, 10, 20, 50, 100];
    let shown: Vec<usize> = counts
        .into_iter()
        .filter(|&k| k <= m.mean_by_samples.len())
        .collect();
    let mut header: Vec<String> = vec!["masks averaged".into()];
    header.extend(shown.iter().map(|k| k.to_string()));
    header.push("one scaled pass".into());
    let mut row = vec![format!(
        "test error (mean of {} networks)",
        m.counts_below_scaled.len()
    )];
    row.extend(
        shown
            .iter()
            .map(|&k| percent_of(m.mean_by_samples[k - 1], 2)),
    );
    row.push(format!("**{}**", percent_of(m.scaled_error, 2)));
    let best = m
        .mean_by_samples
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min);
    let below: Vec<String> = m
        .counts_below_scaled
        .iter()
        .map(|c| c.to_string())
        .collect();
    n.table("mc", &header, &[row])
        .value("mc_one", percent_of(m.mc_error_one, 2))
        .value("mc_all", percent_of(m.mc_error_all, 2))
        .value("mc_best", percent_of(best, 2))
        .value("mc_scaled", percent_of(m.scaled_error, 2))
        .value("mc_max_samples", m.max_samples)
        .value(
            "mc_matched",
            m.samples_to_match
                .map_or("never".into(), |k| format!("from {k} masks on")),
        )
        .value("mc_below_counts", below.join(", "));
}

pub fn sweep(n: &mut Numbers, s: &sweep::Summary) {
    let mut header = vec!["keep $p$".to_string()];
    header.extend(s.points.iter().map(|p| p.keep.to_string()));
    let line = |what: &str, f: fn(&sweep::Point) -> f64| {
        let mut row = vec![what.to_string()];
        row.extend(s.points.iter().map(|p| percent_of(f(p), 2)));
        row
    };
    let rows = [
        line("test error", |p| p.test_error),
        line("validation error", |p| p.val_error),
        line("training error", |p| p.train_error),
    ];
    n.table("sweep", &header, &rows)
        .value("sweep_best_keep", s.best_keep)
        .value("sweep_best_test", percent_of(s.best_test_error, 2))
        .value("sweep_hidden", s.hidden)
        .value(
            "sweep_train_images",
            nnlab::report::numbers::thousands(s.train_images),
        )
        .value("sweep_epochs", s.epochs);
    for p in &s.points {
        let key = format!("{}", p.keep).replace('.', "_");
        n.value(&format!("sweep_test_{key}"), percent_of(p.test_error, 2))
            .value(&format!("sweep_val_{key}"), percent_of(p.val_error, 2));
    }
}
