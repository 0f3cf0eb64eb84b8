//! exp_batchnorm: every CSV the same at 1 and 2 threads (timing columns aside), every figure and
//! quoted value written, and the quick run already showing batch normalization's train/eval
//! discrepancy at batch 2.

use super::*;

/// The lines of a CSV file with its last column (a timing column) removed.
fn without_last_column(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let lines = text.lines();
    lines
        .map(|l| l.rsplit_once(',').unwrap().0.to_string())
        .collect()
}

#[test]
fn batchnorm_is_identical_at_one_and_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let files = [
        "flow.csv",
        "flow_grads.csv",
        "rates.csv",
        "scales.csv",
        "regularization.csv",
        "batch_sizes.csv",
        "lenet_rates.csv",
    ];
    let exe = env!("CARGO_BIN_EXE_exp_batchnorm");
    let a = identical_at_one_and_two_threads(tmp.path(), exe, "--quick --val 50", &files);
    let b = tmp.path().join("t2");
    same_numbers(&a, &b);
    let lenet = without_last_column(&a.join("lenet.csv"));
    assert_eq!(lenet, without_last_column(&b.join("lenet.csv")));
    assert!(lenet[0].ends_with("test_accuracy"), "{}", lenet[0]);
    for stem in [
        "flow",
        "flow_grads",
        "rates",
        "scales",
        "regularization",
        "batch_sizes",
        "lenet",
    ] {
        assert!(
            a.join(format!("{stem}.png")).is_file(),
            "{stem}.png missing"
        );
    }
    // batch_sizes.csv: variant,batch_size,seed,val_accuracy,val_accuracy_batch_stats. Layer
    // normalization is the same function in both modes; batch normalization is not.
    let text = std::fs::read_to_string(a.join("batch_sizes.csv")).unwrap();
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert!(
        rows.iter().filter(|r| r[0] == "ln").all(|r| r[3] == r[4]),
        "{text}"
    );
    assert!(
        rows.iter()
            .any(|r| r[0] == "bn" && r[1] == "2" && r[3] != r[4]),
        "{text}"
    );
}
