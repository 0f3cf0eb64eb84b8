//! The experiment binaries as a user meets them: byte-identical outputs for equal seeds, and a
//! one-line error, a non-zero exit and no output folder for bad input. They read the committed
//! Fashion-MNIST (`data/fashion-mnist/`), or a small folder made from it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The committed full set.
fn committed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/fashion-mnist")
}

fn gunzip(path: &Path) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&std::fs::read(path).unwrap()[..])
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// Writes the first `n_train` training and `n_test` test images of the committed set to `dir` as
/// raw IDX files: a data folder of any size, for `--data-dir`.
fn small_data(dir: &Path, n_train: u32, n_test: u32) {
    std::fs::create_dir_all(dir).unwrap();
    for (stem, n) in [
        ("train-images-idx3-ubyte", n_train),
        ("train-labels-idx1-ubyte", n_train),
        ("t10k-images-idx3-ubyte", n_test),
        ("t10k-labels-idx1-ubyte", n_test),
    ] {
        let full = gunzip(&committed().join(format!("{stem}.gz")));
        let (header, item) = if stem.contains("images") {
            (16, 784)
        } else {
            (8, 1)
        };
        let mut bytes = full[..header].to_vec();
        bytes[4..8].copy_from_slice(&n.to_be_bytes());
        bytes.extend_from_slice(&full[header..header + n as usize * item]);
        std::fs::write(dir.join(stem), bytes).unwrap();
    }
}

/// Runs `exe` with `flags` (space-separated) at `threads` threads on the data in `data`, writing
/// to `out`; asserts it succeeded and returns `out`.
fn run_on(exe: &str, flags: &str, threads: &str, data: &Path, out: &Path) -> PathBuf {
    let o = Command::new(exe)
        .args(flags.split_whitespace())
        .args(["--threads", threads, "--data-dir"])
        .arg(data)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out.to_path_buf()
}

fn momentum(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_exp_momentum"))
        .args(args)
        .env_remove("NNLAB_DATA")
        .output()
        .expect("exp_momentum runs")
}

fn quick_run(out: &Path, seed: &str, threads: &str) -> Output {
    let o = momentum(&[
        "--quick",
        "--seed",
        seed,
        "--threads",
        threads,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        o.status.success(),
        "exp_momentum failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn csv_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn equal_seeds_write_identical_csv_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c, d) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
        tmp.path().join("d"),
    );
    let first = quick_run(&a, "5", "1");
    quick_run(&b, "5", "1");
    quick_run(&c, "6", "1");
    quick_run(&d, "5", "2");
    let (fa, fb, fc, fd) = (csv_files(&a), csv_files(&b), csv_files(&c), csv_files(&d));
    let names: Vec<&str> = fa.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "epochs.csv",
            "surface_summary.csv",
            "training.csv",
            "trajectory.csv"
        ]
    );
    assert_eq!(fa, fb, "same seed, same threads: byte-identical");
    assert_eq!(fa, fd, "the thread count does not change these results");
    let training =
        |f: &[(String, Vec<u8>)]| f.iter().find(|x| x.0 == "training.csv").unwrap().1.clone();
    assert_ne!(
        training(&fa),
        training(&fc),
        "another seed trains differently"
    );
    // Every figure and meta.json are there, and the data set was named.
    for f in [
        "trajectories.png",
        "trajectories.svg",
        "loss.png",
        "loss.svg",
        "mlp.png",
        "mlp.svg",
        "race.gif",
        "meta.json",
    ] {
        assert!(a.join(f).is_file(), "{f} missing");
    }
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(
        stderr.contains("data: Fashion-MNIST: 60000 train / 10000 test images"),
        "{stderr}"
    );
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(a.join("meta.json")).unwrap()).unwrap();
    assert_eq!(meta["data"]["kind"], "full");
    assert_eq!(
        meta["data"]["files"][0]["sha256"],
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"
    );
    assert_eq!(meta["git"]["commit"].as_str().map(str::len), Some(40));
    assert!(meta["git"]["modified"].is_boolean());
    assert_eq!(meta["seed"], 5);
    assert_eq!(meta["quick"], true);
    assert_eq!(meta["hyperparameters"]["learning_rate"], 0.035);
    // No temporary files are left behind.
    assert!(std::fs::read_dir(&a).unwrap().all(|e| {
        !e.unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with(".partial")
    }));
}

/// Runs `exe` with `args` (plus `--quick --out out`), expects exit status 1 and one stderr line,
/// `error: ...` containing `needle` (the data and note lines before it aside).
fn refused_by(exe: &str, args: &[&str], out: &Path, needle: &str) {
    let o = Command::new(exe)
        .args(args)
        .args(["--quick", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{args:?}: {stderr}");
    let said = |l: &&str| !l.starts_with("note:") && !l.starts_with("data:");
    let lines: Vec<&str> = stderr.lines().filter(said).collect();
    assert_eq!(lines.len(), 1, "{args:?}: expected one line, got {stderr}");
    assert!(
        lines[0].starts_with("error: ") && lines[0].contains(needle),
        "{args:?}: {stderr}"
    );
}

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
                "would {trains} on 250 images and validate on 50; nothing written"
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
        err.ends_with("error: --max-train must be at least 1, got 0\n"),
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
            "error: --decay-period must be >= 1, got 0",
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
            "error: --step-drops must be >= 1, got 0",
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
            "error: --hidden must be at least 1, got 0",
        ),
        (
            env!("CARGO_BIN_EXE_exp_dropout"),
            &["--mc-samples", "0"][..],
            "error: --mc-samples must be at least 1, got 0",
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
            "error: --steps-per-decade must be at least 1, got 0",
        ),
        (
            env!("CARGO_BIN_EXE_exp_babysit"),
            &["--rates", "1e-3,-1"][..],
            "error: --rates and --overfit-lr must be > 0 and finite, got -1",
        ),
        (
            env!("CARGO_BIN_EXE_exp_babysit"),
            &["--overfit-examples", "0"][..],
            "error: --overfit-examples must be at least 1, got 0",
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
    assert!(help.contains("(comma-separated)"), "{help}");
    assert!(help.contains("[default: 0.5,0.9,0.99]"), "{help}");
}

#[test]
fn reproduce_writes_under_out_and_refuses_unknown_experiments() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_reproduce"))
            .args(args)
            .env_remove("NNLAB_DATA")
            .output()
            .unwrap()
    };
    let out = tmp.path().join("all");
    let o = run(&[
        "--quick",
        "--only",
        "momentum",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.join("momentum").join("meta.json").is_file());
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        1,
        "only momentum ran"
    );
    let o = run(&["--quick", "--only", "nonsense"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("--only: unknown experiment \"nonsense\"; the experiments are momentum,")
    );
}

/// Without --out a quick run writes under target/quick/<experiment>/ and says so.
#[test]
fn quick_without_out_stays_out_of_results() {
    let o = Command::new(env!("CARGO_BIN_EXE_exp_momentum"))
        .args(["--quick", "--epochs", "1", "--iters", "10"])
        .env_remove("NNLAB_DATA")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/quick/momentum");
    assert!(
        err.contains(&format!("files to {} in", dir.display()))
            && err.contains("a quick run never writes into results/"),
        "{err}"
    );
    assert!(
        err.contains("exp_momentum: quick run, expected to take about 2 s on 2 cores"),
        "{err}"
    );
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("meta.json")).unwrap()).unwrap();
    assert_eq!(meta["hyperparameters"]["iters"], 10);
}

#[test]
fn update_rules_quick_is_deterministic_with_the_documented_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |out: &Path| {
        let o = Command::new(env!("CARGO_BIN_EXE_exp_update_rules"))
            .args(["--quick", "--seed", "3", "--out", out.to_str().unwrap()])
            .env_remove("NNLAB_DATA")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run(&a);
    run(&b);
    assert_eq!(csv_files(&a), csv_files(&b));
    let header = |f: &str| {
        std::fs::read_to_string(a.join(f))
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        header("trajectory.csv"),
        "surface,optimizer,learning_rate,mu,decay_rate,beta1,beta2,eps,iter,x,y,loss"
    );
    assert_eq!(
        header("training.csv"),
        "optimizer,learning_rate,epoch,iter,train_loss,val_accuracy"
    );
    // Every rule on every surface, each with exactly one chosen learning rate.
    let tuning = std::fs::read_to_string(a.join("tuning.csv")).unwrap();
    for surface in ["taco", "rosenbrock", "beale", "saddle"] {
        for rule in ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"] {
            let chosen = tuning
                .lines()
                .filter(|l| l.starts_with(&format!("{surface},{rule},")) && l.ends_with(",true"))
                .count();
            assert_eq!(chosen, 1, "{surface}/{rule}");
        }
    }
    for f in [
        "trajectories.png",
        "loss.png",
        "step_size.png",
        "mlp.png",
        "race.gif",
        "meta.json",
    ] {
        assert!(a.join(f).is_file(), "{f} missing");
    }
}

/// exp_second_order, cut to seconds: the same seed gives the same CSVs, except the columns that
/// are wall-clock measurements (`seconds`, `seconds_per_iter`); bad flags are refused up front.
#[test]
fn second_order_is_deterministic_apart_from_timings() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |dir: &Path| {
        let o = Command::new(env!("CARGO_BIN_EXE_exp_second_order"))
            .args([
                "--quick",
                "--threads",
                "2",
                "--iters",
                "4",
                "--tune-iters",
                "2",
                "--learning-rates",
                "0.1,1",
                "--rosenbrock-iters",
                "30",
                "--scaling-max-n",
                "10",
                "--batches",
                "50",
                "--pool",
                "7",
                "--history",
                "3",
                "--no-bfgs",
                "--out",
                dir.to_str().unwrap(),
            ])
            .env_remove("NNLAB_DATA")
            .output()
            .expect("exp_second_order runs");
        assert!(
            o.status.success(),
            "exp_second_order failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("data: Fashion-MNIST"),
            "names the data set"
        );
    };
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run(&a);
    run(&b);
    for name in ["trajectory.csv", "tuning.csv", "noise.csv"] {
        assert_eq!(
            std::fs::read(a.join(name)).unwrap(),
            std::fs::read(b.join(name)).unwrap(),
            "{name} differs"
        );
    }
    // convergence.csv: problem,method,m,iter,evals,seconds,loss,grad_norm — all but seconds equal.
    let ca = without_columns(&a.join("convergence.csv"), &[5]);
    assert_eq!(ca, without_columns(&b.join("convergence.csv"), &[5]));
    assert_eq!(ca[0], "problem,method,m,iter,evals,loss,grad_norm");
    assert!(
        ca.iter()
            .any(|l| l.starts_with("softmax_pooled,Newton (line search),"))
    );
    assert!(a.join("meta.json").is_file() && a.join("softmax_convergence.png").is_file());

    let bad = Command::new(env!("CARGO_BIN_EXE_exp_second_order"))
        .args([
            "--pool",
            "5",
            "--out",
            tmp.path().join("bad").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("--pool must divide 28"), "{err}");
    assert!(
        !tmp.path().join("bad").exists(),
        "no output folder for refused input"
    );
}

/// The lines of a CSV file (no quoted commas) without the columns `drop` (0-based).
fn without_columns(path: &Path, drop: &[usize]) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            l.split(',')
                .enumerate()
                .filter(|(i, _)| !drop.contains(i))
                .map(|(_, f)| f)
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect()
}

/// exp_cnn --quick: the same seed gives the same confusion matrix and training
/// numbers (all but the wall-clock columns), LeNet-5 learns something in one short epoch, and bad
/// flags are refused before any output.
#[test]
fn cnn_is_deterministic_apart_from_timings() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |dir: &Path| {
        let o = Command::new(env!("CARGO_BIN_EXE_exp_cnn"))
            .args(["--quick", "--threads", "2", "--out"])
            .arg(dir)
            .env_remove("NNLAB_DATA")
            .output()
            .expect("exp_cnn runs");
        assert!(
            o.status.success(),
            "exp_cnn failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(String::from_utf8_lossy(&o.stderr).contains("data: Fashion-MNIST"));
    };
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run(&a);
    run(&b);
    assert_eq!(
        std::fs::read(a.join("confusion.csv")).unwrap(),
        std::fs::read(b.join("confusion.csv")).unwrap()
    );
    // training.csv: epoch,iter,train_loss,train_accuracy,val_accuracy,seconds
    let ta = without_columns(&a.join("training.csv"), &[5]);
    assert_eq!(ta, without_columns(&b.join("training.csv"), &[5]));
    assert_eq!(ta[0], "epoch,iter,train_loss,train_accuracy,val_accuracy");
    let val: f64 = ta[1].split(',').nth(4).unwrap().parse().unwrap();
    assert!(val > 0.5, "validation accuracy {val} after one quick epoch");
    // The confusion matrix counts every one of the quick run's 1,000 test images once.
    let confusion = std::fs::read_to_string(a.join("confusion.csv")).unwrap();
    let total: usize = confusion
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().parse::<usize>().unwrap())
        .sum();
    assert_eq!((confusion.lines().count(), total), (101, 1_000));
    // conv_speed.csv: layer,algo,batch,threads,seconds,gflops — the same rows, timings aside.
    let sa = without_columns(&a.join("conv_speed.csv"), &[4, 5]);
    assert_eq!(sa, without_columns(&b.join("conv_speed.csv"), &[4, 5]));
    assert_eq!(
        sa.len(),
        1 + 2 * 4 * 2,
        "2 layers x 4 algorithms x 2 batch sizes"
    );
    for f in [
        "training.png",
        "filters.svg",
        "feature_maps.png",
        "confusion.png",
        "conv_speed.svg",
        "meta.json",
    ] {
        assert!(a.join(f).is_file(), "{f} missing");
    }

    let bad = Command::new(env!("CARGO_BIN_EXE_exp_cnn"))
        .args(["--speed-batches", "8,0", "--out"])
        .arg(tmp.path().join("bad"))
        .output()
        .unwrap();
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("--speed-batches must be positive"), "{err}");
    assert!(!tmp.path().join("bad").exists());
}

/// exp_lr has no timing columns: the same seed gives byte-identical CSV files at 1 and 2 threads.
#[test]
fn lr_quick_is_identical_at_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |threads: &str| {
        let out = tmp.path().join(format!("t{threads}"));
        let o = Command::new(env!("CARGO_BIN_EXE_exp_lr"))
            .args(["--quick", "--seed", "5", "--threads", threads, "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        csv_files(&out)
    };
    let (one, two) = (run("1"), run("2"));
    let names: Vec<&str> = one.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "convention.csv",
            "curves.csv",
            "epochs.csv",
            "grid.csv",
            "range_test.csv"
        ]
    );
    assert_eq!(one, two);
}

/// exp_lr_decay gives the same CSV files (the seconds columns aside) with the runs side by side,
/// one core each, and one after another on both cores; a warmup that fills the run is refused.
/// `reproduce --quick` (in CI) runs the default `--parallel auto` with its measurement.
/// (A small data folder: LeNet-5 in the test profile runs at a fraction of its release speed.)
#[test]
fn lr_decay_is_identical_side_by_side_and_one_at_a_time() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("small");
    small_data(&data, 300, 100);
    let run = |name: &str, parallel: &str, warmup: &str| {
        let out = tmp.path().join(name);
        let flags = "--quick --threads 2 --val 50 --batch-size 64 --seeds 1 --long-epochs 1 \
                     --schedules constant,warmup-cosine";
        let o = Command::new(env!("CARGO_BIN_EXE_exp_lr_decay"))
            .args(flags.split_whitespace())
            .args(["--parallel", parallel, "--warmup", warmup, "--data-dir"])
            .arg(&data)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        (out, o)
    };
    let (a, o) = run("seeds", "seeds", "0.25");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (b, o) = run("inside", "inside", "0.25");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // decay.csv and long.csv: schedule,optimizer,seed,epoch,train_loss,val_accuracy,test_accuracy,seconds
    for f in ["decay.csv", "long.csv"] {
        let rows = without_columns(&a.join(f), &[7]);
        assert_eq!(rows, without_columns(&b.join(f), &[7]), "{f}");
        assert_eq!(
            rows[0],
            "schedule,optimizer,seed,epoch,train_loss,val_accuracy,test_accuracy"
        );
    }
    // 2 schedules x 2 rules x 1 seed x 1 epoch; the long runs: constant and the best.
    assert_eq!(without_columns(&a.join("decay.csv"), &[]).len(), 1 + 4);
    assert_eq!(without_columns(&a.join("long.csv"), &[]).len(), 1 + 2);
    let schedule = std::fs::read(a.join("schedule.csv")).unwrap();
    assert_eq!(schedule, std::fs::read(b.join("schedule.csv")).unwrap());
    assert!(schedule.starts_with(b"schedule,optimizer,step,learning_rate\n"));
    // The parallel measurement runs only when --parallel leaves the choice to it (auto).
    assert!(!a.join("parallel.csv").exists());

    // 250 training images in batches of 64: 4 iterations, which a 90% warmup fills.
    let (bad, o) = run("bad", "auto", "0.9");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.trim_end().ends_with(
            "error: warmup + cosine over 4 iterations: --warmup must be shorter than the run, leaving at least one step of annealing, got 0.9"
        ),
        "{err}"
    );
    assert!(!bad.exists());
}

/// exp_dropout gives the same CSV files (the seconds columns aside) at 1 and 2 threads: the runs
/// share the cores differently, the masks do not change. (A small data folder, as above.)
#[test]
fn dropout_is_identical_at_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("small");
    small_data(&data, 300, 100);
    let run = |threads: &str| {
        let out = tmp.path().join(format!("t{threads}"));
        let flags = "--quick --val 50 --batch-size 50 --hidden 16 --sweep-hidden 8 --sweep-train 100 --sweep-seeds 1 --seeds 2 --sweep 0.5,1 \
                     --mc-samples 4 --demo-samples 100 --demo-replicates 3";
        run_on(
            env!("CARGO_BIN_EXE_exp_dropout"),
            flags,
            threads,
            &data,
            &out,
        )
    };
    let (a, b) = (run("1"), run("2"));
    // training.csv and sweep.csv: model,keep,hidden,train_images,seed,epoch,train_loss,
    // train_accuracy,val_accuracy,test_accuracy,seconds
    for f in ["training.csv", "sweep.csv"] {
        let rows = without_columns(&a.join(f), &[10]);
        assert_eq!(rows, without_columns(&b.join(f), &[10]), "{f}");
        assert_eq!(
            rows[0],
            "model,keep,hidden,train_images,seed,epoch,train_loss,train_accuracy,val_accuracy,test_accuracy"
        );
    }
    // 3 models x 2 seeds x 2 epochs; 2 keep probabilities x 1 seed x 1 epoch.
    assert_eq!(without_columns(&a.join("training.csv"), &[]).len(), 1 + 12);
    assert_eq!(without_columns(&a.join("sweep.csv"), &[]).len(), 1 + 2);
    for f in [
        "masks.csv",
        "expectation.csv",
        "accuracy.csv",
        "activations.csv",
        "mc.csv",
    ] {
        let bytes = std::fs::read(a.join(f)).unwrap();
        assert_eq!(bytes, std::fs::read(b.join(f)).unwrap(), "{f}");
    }
    let masks = std::fs::read_to_string(a.join("masks.csv")).unwrap();
    assert_eq!(
        masks,
        "x_kept,y_kept,probability,a\nfalse,false,0.25,0.0\nfalse,true,0.25,3.0\ntrue,false,0.25,0.5\ntrue,true,0.25,3.5\n"
    );
    // mc.csv: seed,samples,mc_error,scaled_error for the 2 inverted networks, 4 samples each.
    let mc = std::fs::read_to_string(a.join("mc.csv")).unwrap();
    assert!(
        mc.starts_with("seed,samples,mc_error,scaled_error\n"),
        "{mc}"
    );
    assert_eq!(mc.lines().count(), 1 + 8);
}

/// Runs `exe` with `flags` at 1 and 2 threads on a small data folder and asserts that `files` are
/// byte-identical; returns the 1-thread output folder (inside `tmp`).
fn identical_at_one_and_two_threads(tmp: &Path, exe: &str, flags: &str, files: &[&str]) -> PathBuf {
    let data = tmp.join("small");
    small_data(&data, 300, 100);
    let a = run_on(exe, flags, "1", &data, &tmp.join("t1"));
    let b = run_on(exe, flags, "2", &data, &tmp.join("t2"));
    for f in files {
        let bytes = std::fs::read(a.join(f)).unwrap();
        assert_eq!(bytes, std::fs::read(b.join(f)).unwrap(), "{exe} {f}");
    }
    a
}

/// exp_gradcheck writes the same files at 1 and 2 threads (it has no timing column).
#[test]
fn gradcheck_is_identical_at_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    identical_at_one_and_two_threads(
        tmp.path(),
        env!("CARGO_BIN_EXE_exp_gradcheck"),
        "--quick --lenet-entries 1 --steps-per-decade 1 --kink-batches 1,20 --hidden 8",
        &[
            "table.csv",
            "table.md",
            "step.csv",
            "scan.csv",
            "kinks.csv",
            "wrong.csv",
        ],
    );
}

/// exp_babysit writes the same files at 1 and 2 threads (it has no timing column), its table one
/// row per check.
#[test]
fn babysit_is_identical_at_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let out = identical_at_one_and_two_threads(
        tmp.path(),
        env!("CARGO_BIN_EXE_exp_babysit"),
        "--quick --val 50 --hidden 16 --overfit-iters 5 --probe-iters 3 --batch-size 20 --rates 1e-6,0.1,100",
        &[
            "initial.csv",
            "overfit.csv",
            "rates.csv",
            "ladder.csv",
            "ladder.md",
            "checks.csv",
            "checks.md",
        ],
    );
    let checks = std::fs::read_to_string(out.join("checks.csv")).unwrap();
    assert_eq!(checks.lines().count(), 1 + 12, "{checks}");
}

/// The search's tiny settings for the tests: 4 random trials per search, one 1-value grid,
/// halving 2 trials at 1 epoch then 1 at 3.
const SEARCH_FLAGS: &str = "--quick --val 50 --train 200 --searches 1 --trials 4 --grids 1 \
     --keep-best 1 --halving-max 3 --speed-trials 2 --speed-rounds 1 --layout-searches 10";

/// exp_search's results are the same at 1 and 2 threads, with trials side by side or one at a
/// time, and from 4 shards merged: every CSV byte for byte but for the seconds column.
#[test]
fn search_is_identical_at_any_thread_count_and_from_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let exe = env!("CARGO_BIN_EXE_exp_search");
    let data = tmp.path().join("small");
    small_data(&data, 300, 100);
    let one = run_on(exe, SEARCH_FLAGS, "1", &data, &tmp.path().join("t1"));
    let inside = format!("{SEARCH_FLAGS} --parallel inside");
    let two = run_on(exe, &inside, "2", &data, &tmp.path().join("t2"));
    let sharded = tmp.path().join("shards");
    for i in 1..=4 {
        run_on(
            exe,
            &format!("{SEARCH_FLAGS} --shard {i}/4"),
            "2",
            &data,
            &sharded,
        );
    }
    let parts = std::fs::read_dir(&sharded).unwrap().count();
    assert_eq!(parts, 4, "a shard writes its part file and nothing else");
    run_on(
        exe,
        &format!("{SEARCH_FLAGS} --merge"),
        "2",
        &data,
        &sharded,
    );
    let seconds = 13; // trials.csv's last column
    let trials = without_columns(&one.join("trials.csv"), &[seconds]);
    assert_eq!(
        trials[0],
        "id,method,search,grid,stage,trial,learning_rate,l2,hidden,keep,epochs,val_accuracy,diverged"
    );
    // 1 grid + 4 random + 2 halving independent trials; 2 fine trials, 1 halving trial after.
    assert_eq!(trials.len(), 1 + 7 + 3, "{trials:#?}");
    for other in [&two, &sharded] {
        assert_eq!(
            without_columns(&other.join("trials.csv"), &[seconds]),
            trials
        );
        for f in [
            "methods.csv",
            "methods.md",
            "layout.csv",
            "layout_summary.csv",
        ] {
            let want = std::fs::read(one.join(f)).unwrap();
            assert_eq!(std::fs::read(other.join(f)).unwrap(), want, "{f}");
        }
    }
}

/// Bad --shard values, and a merge with a part missing, give one line and exit 1, writing
/// nothing.
#[test]
fn search_refuses_bad_shards_and_incomplete_merges() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let refused = |args: &[&str], needle: &str| {
        refused_by(env!("CARGO_BIN_EXE_exp_search"), args, &out, needle)
    };
    refused(
        &["--shard", "3/2"],
        "--shard 3/2: i must be between 1 and 2",
    );
    refused(&["--shard", "0/0"], "--shard 0/0: n must be at least 1");
    refused(&["--shard", "x"], "--shard takes i/n");
    refused(
        &["--coarse", "16"],
        "--coarse 16 leaves no fine trials of --trials 16",
    );
    refused(
        &["--grids", "7"],
        "--grids takes values per axis from 1 to 6",
    );
    assert!(!out.exists(), "nothing written");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("trials.part-1-of-3.csv"), "id\n").unwrap();
    refused(&["--merge"], "--merge: part 2 of 3 is missing");
}

/// exp_ensemble's ensembles are the same at 1 and 2 threads; the members' rows too, but for the
/// seconds column.
#[test]
fn ensemble_is_identical_at_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let exe = env!("CARGO_BIN_EXE_exp_ensemble");
    let flags = "--quick --val 50 --members 2 --search-trials 2 --snapshot-runs 1 --snapshots 2 \
                 --max-size 2 --speed-rounds 1";
    let one = identical_at_one_and_two_threads(
        tmp.path(),
        exe,
        flags,
        &["ensembles.csv", "ensembles.md"],
    );
    let two = tmp.path().join("t2");
    let members = |dir: &Path| without_columns(&dir.join("members.csv"), &[7]);
    assert_eq!(members(&one), members(&two));
    assert_eq!(
        members(&one)[0],
        "kind,index,learning_rate,reg,epoch,val_accuracy,test_accuracy"
    );
    // 2 independent and 2 search runs of 2 epochs, one snapshot run of 2.
    assert_eq!(members(&one).len(), 1 + 10);
    let ensembles = std::fs::read_to_string(one.join("ensembles.csv")).unwrap();
    for method in [
        "independent",
        "top-k of a search",
        "checkpoints",
        "snapshots",
        "Polyak average",
        "moving average",
    ] {
        assert!(ensembles.contains(method), "{method}: {ensembles}");
    }
}

/// bench_report --quick writes a report with every case and ratio at both thread counts, the
/// table from the peers' files beside it, and the history figure; bad thread counts are refused.
#[test]
fn bench_report_writes_a_report_the_table_and_the_history() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("bench");
    std::fs::create_dir_all(&out).unwrap();
    // A peers file with one record: the table has a peer for that row only.
    let peer = r#"[{"section": "gemm", "case": "sgemm_1024", "impl": "torch",
                    "ms_median": 1.0, "ms_min": 0.9, "ms_max": 1.1}]"#;
    std::fs::write(out.join("peers-1t.json"), peer).unwrap();
    let exe = env!("CARGO_BIN_EXE_bench_report");
    let o = Command::new(exe)
        .args(["--quick", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let reports = nnlab::report::perf::read_reports(&out).unwrap();
    assert_eq!(reports.len(), 1);
    let r = &reports[0];
    assert_eq!(r.cases.len(), 2 * 15, "{:?}", r.cases);
    assert_eq!(r.ratios.len(), 2 * 11);
    assert!(r.ratio("conv_mid/gemm", 2).unwrap().value.median > 0.0);
    let table = std::fs::read_to_string(out.join("performance.md")).unwrap();
    // The machine line, then one thread count in the peers' files: 15 rows, the GEMM's with its
    // peer.
    assert!(table.starts_with("Measured on "), "{table}");
    assert_eq!(table.lines().count(), 2 + 2 + 15, "{table}");
    assert!(table.contains("| GEMM 1024³ f32 (faer) | 1 |"), "{table}");
    assert!(
        table.contains("| 1.000 (0.900–1.100) ms | torch |"),
        "{table}"
    );
    assert!(out.join("history.png").is_file() && out.join("meta.json").is_file());
    refused_by(
        exe,
        &["--thread-counts", "0"],
        &tmp.path().join("none"),
        "--thread-counts",
    );
    refused_by(
        exe,
        &["--rounds", "0"],
        &tmp.path().join("none"),
        "--rounds",
    );
}
