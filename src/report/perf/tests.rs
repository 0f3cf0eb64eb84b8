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

fn report_on(cpu: &str, family: &str, model: &str) -> Report {
    let machine = crate::runtime::machine::Machine::from_cpuinfo(
        &format!("model name\t: {cpu}\ncpu family\t: {family}\nmodel\t\t: {model}\n"),
        2,
    );
    let seconds = Spread {
        median: 2e-3,
        min: 1e-3,
        max: 3e-3,
    };
    let case = |case: &str| CaseTime {
        case: case.into(),
        threads: 1,
        work: None,
        unit: "bytes".into(),
        seconds,
    };
    Report {
        date: "2026-12-07T00:00:00Z".into(),
        commit: None,
        modified: false,
        machine,
        rounds: 1,
        cases: vec![case("adam")],
        ratios: vec![],
    }
}

#[test]
fn a_peer_stands_beside_ours_only_from_the_same_cpu() {
    let peers = |family: &str| {
        vec![
            json!({"section": "env", "cpu": {"model name": "AMD EPYC", "cpu family": family, "model": "17"},
                   "torch": "2", "numpy": "2", "scipy": "1", "date": "d"}),
            json!({"section": "optimizer", "case": "Adam", "n": 10_000_000, "variant": "fused=True",
                   "ms_median": 4.0, "ms_min": 3.0, "ms_max": 5.0}),
        ]
    };
    let report = report_on("AMD EPYC", "25", "17");
    let same = vec![(1, peers("25"))];
    assert!(same_machine(&report, &same[0].1));
    let table = performance_table(&report, &same);
    assert!(table.contains("| 0.50 |"), "{table}");
    let numbers = performance_numbers(&report, &same);
    assert_eq!(numbers.get("adam_1t_ratio"), Some("0.50"));
    assert_eq!(numbers.get("adam_1t"), Some("2.00 ms"));

    let other = vec![(1, peers("26"))];
    assert!(!same_machine(&report, &other[0].1));
    let table = performance_table(&report, &other);
    assert!(
        !table.contains("0.50") && table.contains("not this report's CPU"),
        "{table}"
    );
    let numbers = performance_numbers(&report, &other);
    assert_eq!(numbers.get("adam_1t_ratio"), None);
    assert_eq!(numbers.get("peers_1t_same_machine"), Some("another"));
}
