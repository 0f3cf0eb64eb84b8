//! Where runs write and what: equal seeds, `--out`, quick runs, and the update-rule and second-order experiments' files.

use super::*;

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
    let visible = std::fs::read_dir(&out)
        .unwrap()
        .filter(|e| {
            !e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with('.')
        })
        .count();
    assert_eq!(visible, 1, "only momentum ran");
    let o = run(&["--quick", "--only", "nonsense"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("--only: unknown experiment \"nonsense\"; the experiments are activations, preprocess, init, batchnorm, momentum,")
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
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let dir = repo.join("target/quick/momentum");
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
                "0.001,1",
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
