//! The recap chapters' experiments (initialization, activations, preprocessing): their files are
//! the same at 1 and 2 threads, and their quick runs already show what the chapters claim.

use super::*;

/// The value `name` of the `numbers.md` in `dir`.
fn quoted(dir: &Path, name: &str) -> String {
    let text = std::fs::read_to_string(dir.join("numbers.md")).unwrap();
    let start = format!("<!-- ANCHOR: {name} -->\n");
    let from = text
        .find(&start)
        .unwrap_or_else(|| panic!("{name} not quoted"))
        + start.len();
    let to = text[from..].find("\n<!-- ANCHOR_END").unwrap();
    text[from..from + to].to_string()
}

/// `column` of every row of a CSV file whose first field is `key`, as numbers.
fn column(path: &Path, key: &str, column: usize) -> Vec<f64> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[0] == key)
        .map(|f| f[column].parse().unwrap())
        .collect()
}

/// The 10-layer statistics (and the training runs) are byte-identical at 1 and 2 threads, and
/// show the course's three behaviours: the spread of `0.01 randn` collapsing layer by layer,
/// `1.0 randn` saturating tanh, and He under ReLU keeping every layer's spread.
#[test]
fn init_is_identical_at_one_and_two_threads_and_shows_collapse_saturation_and_a_stable_spread() {
    let tmp = tempfile::tempdir().unwrap();
    let files = ["layers.csv", "histograms.csv", "epochs.csv"];
    let exe = env!("CARGO_BIN_EXE_exp_init");
    let a = identical_at_one_and_two_threads(tmp.path(), exe, "--quick --val 50", &files);
    same_numbers(&a, &tmp.path().join("t2"));
    // layers.csv: config,layer,mean,std,saturated,zero
    let layers = a.join("layers.csv");
    let small = column(&layers, "small_tanh", 3);
    assert_eq!(small.len(), 10);
    assert!((small[0] - 0.21).abs() < 0.02, "layer 1: {}", small[0]);
    assert!(small.windows(2).all(|w| w[1] < 0.3 * w[0]), "{small:?}");
    let saturated = column(&layers, "unit_tanh", 4);
    assert!(saturated.iter().all(|&s| s > 0.8), "{saturated:?}");
    let he = column(&layers, "he_relu", 3);
    assert!(he.iter().all(|&s| (0.5..1.5).contains(&s)), "{he:?}");
    let xavier_relu = column(&layers, "xavier_relu", 3);
    assert!(xavier_relu[9] < xavier_relu[0] / 8.0, "{xavier_relu:?}");
    for f in ["stack.png", "stack.svg", "training.png", "meta.json"] {
        assert!(a.join(f).is_file(), "{f} missing");
    }
}

/// One example's weight gradient after sigmoid units has every unit's column of one sign (the
/// inputs are all positive); after tanh it does not. Sigmoid's gradient shrinks toward the input.
#[test]
fn activations_are_identical_at_one_and_two_threads_and_show_the_sign_pattern() {
    let tmp = tempfile::tempdir().unwrap();
    let files = ["functions.csv", "gradient_norms.csv", "epochs.csv"];
    let exe = env!("CARGO_BIN_EXE_exp_activations");
    let a = identical_at_one_and_two_threads(tmp.path(), exe, "--quick --val 50", &files);
    same_numbers(&a, &tmp.path().join("t2"));
    assert_eq!(quoted(&a, "sigmoid_one_sign_1"), "100%");
    assert_eq!(quoted(&a, "tanh_one_sign_1"), "0%");
    assert_eq!(quoted(&a, "sigmoid_slope_0"), "0.250");
    let ratio: f64 = quoted(&a, "sigmoid_grad_ratio_init").parse().unwrap();
    assert!(
        ratio < 0.01,
        "sigmoid's first layer gets {ratio} of the last one's gradient"
    );
}

/// The 2-D panels: zero-centring leaves the covariance, decorrelating removes it, whitening makes
/// it the identity; the whitened Fashion-MNIST covariance is diag(λ / (λ + eps)) to rounding.
#[test]
fn preprocess_is_identical_at_one_and_two_threads_and_whitens() {
    let tmp = tempfile::tempdir().unwrap();
    let files = ["cloud.csv", "spectrum.csv", "rates.csv", "epochs.csv"];
    let exe = env!("CARGO_BIN_EXE_exp_preprocess");
    let a = identical_at_one_and_two_threads(tmp.path(), exe, "--quick --val 50", &files);
    same_numbers(&a, &tmp.path().join("t2"));
    let cov = |key| {
        quoted(&a, &format!("cloud_{key}_cov"))
            .parse::<f64>()
            .unwrap()
    };
    assert_eq!(cov("original"), cov("zero_centred"));
    assert!(cov("original") > 1.0);
    assert!(cov("decorrelated").abs() < 1e-12 && cov("whitened").abs() < 1e-12);
    let error: f64 = quoted(&a, "whitened_cov_error").parse().unwrap();
    assert!(error < 1e-10, "whitened covariance off by {error}");
    for f in [
        "cloud.png",
        "spectrum.png",
        "eigenvectors.png",
        "reconstructions.png",
        "whitened.png",
        "training.png",
    ] {
        assert!(a.join(f).is_file(), "{f} missing");
    }
}
