//! Each experiment's files are the same at 1 and 2 threads and however its runs share the cores.

use super::*;

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
    assert!(
        err.contains("--speed-batches takes batch sizes from 1 to 1024"),
        "{err}"
    );
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
    same_numbers(&out, &tmp.path().join("t2"));
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
    let mut files: Vec<String> = std::fs::read_dir(&sharded)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    let parts: Vec<String> = (1..=4)
        .flat_map(|i| {
            [
                format!("trials.part-{i}-of-4.csv"),
                format!("trials.part-{i}-of-4.json"),
            ]
        })
        .chain(["meta.json".to_string()])
        .collect();
    let mut want = parts.clone();
    want.sort();
    assert_eq!(
        files, want,
        "each shard adds its part and its settings to the others'"
    );
    // Parts run with other settings are refused, naming the flag; the folder is untouched.
    let o = Command::new(exe)
        .args(SEARCH_FLAGS.split_whitespace())
        .args(["--merge", "--batch-size", "64", "--data-dir"])
        .arg(&data)
        .arg("--out")
        .arg(&sharded)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "error: --merge: part 1 of 4 was run with --batch-size 128, these flags say 64"
        ),
        "{stderr}"
    );
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
