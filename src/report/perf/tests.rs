use super::*;
use serde_json::json;

#[test]
fn rate_ratios_pair_rounds() {
    // Twice the work in the same time is twice the rate; rounds stay paired.
    let r = rate_ratios(2.0, &[1.0, 2.0], 1.0, &[1.0, 4.0]);
    assert_eq!(r, vec![2.0, 4.0]);
}

#[test]
fn fastest_peer_picks_the_fastest_matching_variant() {
    let records = vec![
        json!({"section": "optimizer", "case": "Adam", "n": 10, "variant": "foreach=False",
               "ms_median": 4.0, "ms_min": 3.0, "ms_max": 5.0}),
        json!({"section": "optimizer", "case": "Adam", "n": 10, "variant": "fused=True",
               "ms_median": 2.0, "ms_min": 1.5, "ms_max": 2.5}),
        json!({"section": "optimizer", "case": "Adam", "n": 10, "variant": "x",
               "unsupported": true}),
        json!({"section": "optimizer", "case": "Adam", "n": 99, "variant": "fast",
               "ms_median": 0.1, "ms_min": 0.1, "ms_max": 0.1}),
    ];
    let p = fastest_peer(
        &records,
        "optimizer",
        &[("case", json!("Adam")), ("n", json!(10))],
    )
    .unwrap();
    assert_eq!(p.variant, "fused=True");
    assert_eq!(
        p.seconds,
        Spread {
            median: 2e-3,
            min: 1.5e-3,
            max: 2.5e-3
        }
    );
    assert!(fastest_peer(&records, "optimizer", &[("case", json!("SGD"))]).is_none());
}
