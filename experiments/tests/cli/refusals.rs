//! Bad input: a one-line error, exit status 1, nothing written; `--help` documents every flag.

use super::*;

/// exp_momentum with `args` is refused (see [`refused_by`]) and writes nothing.
fn assert_refused(args: &[&str], out: &Path, needle: &str) {
    refused_by(env!("CARGO_BIN_EXE_exp_momentum"), args, out, needle);
    assert!(!out.exists(), "{args:?}: output folder was created");
}

#[test]
fn bad_input_is_refused_with_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    assert_refused(
        &["--learning-rate", "-0.1"],
        &out,
        "--learning-rate must be > 0 and finite, got -0.1",
    );
    assert_refused(
        &["--mu", "0.9,1.5"],
        &out,
        "--mu must be in [0, 1), got 1.5",
    );
    assert_refused(&["--mu", "-0.5"], &out, "--mu must be in [0, 1), got -0.5");
    assert_refused(
        &["--mlp-mu", "1"],
        &out,
        "--mlp-mu must be in [0, 1), got 1",
    );
    assert_refused(
        &["--data-dir", "/no/such/folder"],
        &out,
        "data directory /no/such/folder does not exist",
    );

    // A small data folder with one file truncated, then one with a corrupt magic number.
    let data = tmp.path().join("data");
    small_data(&data, 1000, 1000);
    let raw_path = data.join("t10k-labels-idx1-ubyte");
    let raw = std::fs::read(&raw_path).unwrap();
    std::fs::write(&raw_path, &raw[..raw.len() - 10]).unwrap();
    let d = data.to_str().unwrap();
    assert_refused(
        &["--data-dir", d],
        &out,
        "truncated: header promises 1000 data bytes, file holds 990",
    );
    let mut bad = raw.clone();
    bad[2] = 0x0b;
    std::fs::write(&raw_path, &bad).unwrap();
    assert_refused(
        &["--data-dir", d],
        &out,
        "element type 0x0b is not unsigned byte",
    );
    std::fs::write(&raw_path, &raw).unwrap(); // labels intact again: only the images are at fault
    let images = data.join("t10k-images-idx3-ubyte");
    std::fs::remove_file(&images).unwrap();
    let gz = std::fs::read(committed().join("t10k-images-idx3-ubyte.gz")).unwrap();
    std::fs::write(data.join("t10k-images-idx3-ubyte.gz"), &gz[..gz.len() / 3]).unwrap();
    assert_refused(&["--data-dir", d], &out, "corrupt or truncated gzip stream");
}

/// Each experiment's full-mode data preparation (no --quick) on a folder of 300 training images:
/// the default validation size is refused with a one-line error naming the flag, a fitting one is
/// accepted, and --check writes nothing either way.
#[test]
fn full_mode_data_preparation_on_a_small_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("small");
    small_data(&data, 300, 100);
    let out = tmp.path().join("out");
    let run = |exe: &str, extra: &[&str]| {
        let o = Command::new(exe)
            .args(["--check", "--threads", "1", "--data-dir"])
            .arg(&data)
            .arg("--out")
            .arg(&out)
            .args(extra)
            .output()
            .unwrap();
        assert!(!out.exists(), "{exe} {extra:?} wrote {}", out.display());
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    for (exe, trains) in [
        (env!("CARGO_BIN_EXE_exp_momentum"), "train the MLP"),
        (env!("CARGO_BIN_EXE_exp_update_rules"), "train the MLP"),
        (env!("CARGO_BIN_EXE_exp_cnn"), "train LeNet-5"),
        (env!("CARGO_BIN_EXE_exp_lr"), "train the MLP"),
        (env!("CARGO_BIN_EXE_exp_lr_decay"), "train LeNet-5"),
        (
            env!("CARGO_BIN_EXE_exp_dropout"),
            "train the 3-layer dropout MLP",
        ),
        (
            env!("CARGO_BIN_EXE_exp_babysit"),
            "train the MLP and LeNet-5",
        ),
        (
            env!("CARGO_BIN_EXE_exp_init"),
            "train 15 MLPs of 10 hidden layers",
        ),
        (
            env!("CARGO_BIN_EXE_exp_activations"),
            "train 18 MLPs of 8 hidden layers",
        ),
        (
            env!("CARGO_BIN_EXE_exp_preprocess"),
            "train the MLP on 5 preprocessings",
        ),
    ] {
        let (code, err) = run(exe, &[]);
        assert_eq!(code, Some(1), "{exe}: {err}");
        assert!(
            err.contains("note: using IDX files other than the original"),
            "{err}"
        );
        assert!(
            err.lines().last().unwrap()
                == "error: --val 5000 leaves no training images: 300 available",
            "{exe}: {err}"
        );
        let (code, err) = run(exe, &["--val", "50"]);
        assert_eq!(code, Some(0), "{exe}: {err}");
        assert!(
            err.contains(&format!(
                "would {trains} on 250 images and validate on 50, taking about"
            )),
            "{exe}: {err}"
        );
    }
    let (code, err) = run(env!("CARGO_BIN_EXE_exp_second_order"), &[]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("fit softmax regression to 300 images and test on 100"),
        "{err}"
    );
    let (code, err) = run(
        env!("CARGO_BIN_EXE_exp_second_order"),
        &["--max-train", "0"],
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.ends_with(
            "error: invalid value '0' for '--max-train <MAX_TRAIN>': 0 is not in 1..=60000; see --help\n"
        ),
        "{err}"
    );
}

/// Negative numbers reach each binary's validation (not clap's "unexpected argument '-0'"), and
/// the messages name the flag the same way.
#[test]
fn every_experiment_refuses_negative_numbers_by_value() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    for (exe, args, message) in [
        (
            env!("CARGO_BIN_EXE_exp_cnn"),
            &["--learning-rate", "-0.001"][..],
            "error: --learning-rate must be > 0 and finite, got -0.001",
        ),
        (
            env!("CARGO_BIN_EXE_exp_update_rules"),
            &["--step-learning-rate", "-1"][..],
            "error: --step-learning-rate must be > 0 and finite, got -1",
        ),
        (
            env!("CARGO_BIN_EXE_exp_second_order"),
            &["--learning-rates", "0.1,-1"][..],
            "error: --learning-rates must be > 0 and finite, got -1",
        ),
        (
            env!("CARGO_BIN_EXE_exp_init"),
            &["--learning-rate", "-0.01"][..],
            "error: --learning-rate must be > 0 and finite, got -0.01",
        ),
        (
            env!("CARGO_BIN_EXE_exp_activations"),
            &["--high-learning-rate", "-1"][..],
            "error: --high-learning-rate must be > 0 and finite, got -1",
        ),
        (
            env!("CARGO_BIN_EXE_exp_preprocess"),
            &["--eps", "-1e-5"][..],
            "error: --eps must be > 0 and finite, got -0.00001",
        ),
        (
            env!("CARGO_BIN_EXE_exp_preprocess"),
            &["--rates", "1e-3,-1"][..],
            "error: --rates must be > 0 and finite, got -1",
        ),
        (
            env!("CARGO_BIN_EXE_exp_preprocess"),
            &["--rates", "1e-3,1e-3"][..],
            "error: --rates lists 0.001 twice; each value runs once",
        ),
        (
            env!("CARGO_BIN_EXE_exp_cnn"),
            &["--reg", "-1"][..],
            "error: --reg must be non-negative, got -1",
        ),
        (
            env!("CARGO_BIN_EXE_exp_lr"),
            &["--rates", "3,0.01,-1,0.001"][..],
            "error: --rates and --grid must be > 0 and finite, got -1",
        ),
        (
            env!("CARGO_BIN_EXE_exp_lr"),
            &["--rates", "3,0.01"][..],
            "error: --rates takes four learning rates (very high, high, low, good), got 2",
        ),
        (
            env!("CARGO_BIN_EXE_exp_lr"),
            &["--decay-period", "0"][..],
            "error: invalid value '0' for '--decay-period <DECAY_PERIOD>': 0 is not in 1..=1000; see --help",
        ),
        (
            env!("CARGO_BIN_EXE_exp_lr"),
            &["--decay-factor", "-0.5"][..],
            "error: --decay-factor must be in (0, 1], got -0.5",
        ),
        (
            env!("CARGO_BIN_EXE_exp_lr"),
            &["--range-start", "1", "--range-end", "0.1"][..],
            "error: --range-end must be > the start rate, got 0.1",
        ),
        (
            env!("CARGO_BIN_EXE_exp_lr_decay"),
            &["--exp-final", "-0.5"][..],
            "error: --exp-final must be in (0, 1], got -0.5",
        ),
        (
            env!("CARGO_BIN_EXE_exp_lr_decay"),
            &["--step-drops", "0"][..],
            "error: invalid value '0' for '--step-drops <STEP_DROPS>': 0 is not in 1..=1000; see --help",
        ),
        (
            env!("CARGO_BIN_EXE_exp_lr_decay"),
            &["--step-factor", "1.5"][..],
            "error: --step-factor must be in (0, 1], got 1.5",
        ),
        (
            env!("CARGO_BIN_EXE_exp_lr_decay"),
            &["--warmup", "1.5"][..],
            "error: --warmup must be in (0, 1), a fraction of the run (a warmup cannot be as long as the run), got 1.5",
        ),
        (
            env!("CARGO_BIN_EXE_exp_lr_decay"),
            &["--rates", "0.004"][..],
            "error: --rates takes one learning rate per rule in --rules (2), got 1",
        ),
        (
            env!("CARGO_BIN_EXE_exp_lr_decay"),
            &["--rates", "0.004,-0.05"][..],
            "error: --rates must be > 0 and finite, got -0.05",
        ),
        (
            env!("CARGO_BIN_EXE_exp_dropout"),
            &["--keep", "0"][..],
            "error: --keep must be in (0, 1], got 0",
        ),
        (
            env!("CARGO_BIN_EXE_exp_dropout"),
            &["--keep", "1.5"][..],
            "error: --keep must be in (0, 1], got 1.5",
        ),
        (
            env!("CARGO_BIN_EXE_exp_dropout"),
            &["--sweep", "0.5,-0.2"][..],
            "error: --sweep must be in (0, 1], got -0.2",
        ),
        (
            env!("CARGO_BIN_EXE_exp_dropout"),
            &["--hidden", "0"][..],
            "error: invalid value '0' for '--hidden <HIDDEN>': 0 is not in 1..=4096; see --help",
        ),
        (
            env!("CARGO_BIN_EXE_exp_dropout"),
            &["--mc-samples", "0"][..],
            "error: invalid value '0' for '--mc-samples <MC_SAMPLES>': 0 is not in 1..=10000; see --help",
        ),
        (
            env!("CARGO_BIN_EXE_exp_gradcheck"),
            &["--h64", "0"][..],
            "error: --h64 must be in (0, 1), got 0",
        ),
        (
            env!("CARGO_BIN_EXE_exp_gradcheck"),
            &["--floor", "-1"][..],
            "error: --floor must be >= 0 and finite, got -1",
        ),
        (
            env!("CARGO_BIN_EXE_exp_gradcheck"),
            &["--kink-batches", "10,0"][..],
            "error: --kink-batches needs batch sizes of at least 1, got [10, 0]",
        ),
        (
            env!("CARGO_BIN_EXE_exp_gradcheck"),
            &["--steps-per-decade", "0"][..],
            "error: invalid value '0' for '--steps-per-decade <STEPS_PER_DECADE>': 0 is not in 1..=1000; see --help",
        ),
        (
            env!("CARGO_BIN_EXE_exp_babysit"),
            &["--rates", "1e-3,-1"][..],
            "error: --rates and --overfit-lr must be > 0 and finite, got -1",
        ),
        (
            env!("CARGO_BIN_EXE_exp_babysit"),
            &["--overfit-examples", "0"][..],
            "error: invalid value '0' for '--overfit-examples <OVERFIT_EXAMPLES>': 0 is not in 1..=10000; see --help",
        ),
        (
            env!("CARGO_BIN_EXE_exp_babysit"),
            &["--small", "0"][..],
            "error: --small must be > 0 and finite, got 0",
        ),
    ] {
        let o = Command::new(exe)
            .args(args)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{exe} {args:?}: {err}");
        assert_eq!(err.trim_end(), message, "{exe} {args:?}");
        assert!(!out.exists());
    }
}

#[test]
fn help_documents_every_flag() {
    let o = momentum(&["--help"]);
    assert!(o.status.success());
    let help = String::from_utf8_lossy(&o.stdout);
    for flag in [
        "--quick",
        "--seed",
        "--out",
        "--data-dir",
        "--threads",
        "--learning-rate",
        "--iters",
        "--mu",
        "--mlp-learning-rate",
        "--mlp-mu",
        "--nesterov-mu",
        "--epochs",
        "--batch-size",
        "--hidden",
        "--init",
        "--val",
        "--check",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}");
    }
    // The one-line description is the experiment's own, not the crate's.
    assert!(help.starts_with("SGD vs Momentum"), "{help}");
    // A list's default is shown in the form the flag accepts.
    assert!(help.contains("(comma-separated, distinct"), "{help}");
    assert!(help.contains("[default: 0.5,0.9,0.99]"), "{help}");
}
