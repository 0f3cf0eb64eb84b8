//! The flag table: every count flag of every binary states its bound in `--help`, and `--check`
//! with 0, the bound and one past it gives a one-line answer — 0 and past the bound refused naming
//! the flag, the bound accepted or refused as more work or memory than a run may take — never a
//! panic or an abort. Bad flags of every kind get the same one-line `error:` and exit 1.

use super::*;

/// Every experiment binary (bench_report is in the root crate's tests).
const BINARIES: &[(&str, &str)] = &[
    ("exp_activations", env!("CARGO_BIN_EXE_exp_activations")),
    ("exp_init", env!("CARGO_BIN_EXE_exp_init")),
    ("exp_batchnorm", env!("CARGO_BIN_EXE_exp_batchnorm")),
    ("exp_preprocess", env!("CARGO_BIN_EXE_exp_preprocess")),
    ("exp_babysit", env!("CARGO_BIN_EXE_exp_babysit")),
    ("exp_cnn", env!("CARGO_BIN_EXE_exp_cnn")),
    ("exp_dropout", env!("CARGO_BIN_EXE_exp_dropout")),
    ("exp_ensemble", env!("CARGO_BIN_EXE_exp_ensemble")),
    ("exp_gradcheck", env!("CARGO_BIN_EXE_exp_gradcheck")),
    ("exp_lr", env!("CARGO_BIN_EXE_exp_lr")),
    ("exp_lr_decay", env!("CARGO_BIN_EXE_exp_lr_decay")),
    ("exp_momentum", env!("CARGO_BIN_EXE_exp_momentum")),
    ("exp_search", env!("CARGO_BIN_EXE_exp_search")),
    ("exp_second_order", env!("CARGO_BIN_EXE_exp_second_order")),
    ("exp_update_rules", env!("CARGO_BIN_EXE_exp_update_rules")),
    ("reproduce", env!("CARGO_BIN_EXE_reproduce")),
];

/// The `(flag, bound)` of every option whose help says `1 to N`.
fn bounded_flags(exe: &str) -> Vec<(String, u64)> {
    let o = Command::new(exe).arg("--help").output().unwrap();
    assert!(o.status.success());
    let help = String::from_utf8(o.stdout).unwrap();
    let mut out = Vec::new();
    // An option's block: from its `--flag <VALUE>` line to the next option.
    let mut blocks: Vec<String> = Vec::new();
    for line in help.lines() {
        let t = line.trim_start();
        if t.starts_with("--") || (t.starts_with('-') && t.chars().nth(2) == Some(',')) {
            blocks.push(String::new());
        }
        if let Some(b) = blocks.last_mut() {
            b.push_str(t);
            b.push(' ');
        }
    }
    // `1 to N)` or `1 to N:` after a space or parenthesis: the bound.
    let bound = |b: &str| {
        b.match_indices("1 to ").find_map(|(i, _)| {
            let before = b[..i].chars().last();
            let digits: String = b[i + 5..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            let after = b[i + 5 + digits.len()..].chars().next();
            (matches!(before, Some('(' | ' '))
                && !digits.is_empty()
                && matches!(after, Some(')' | ':')))
            .then(|| digits.parse::<u64>().unwrap())
        })
    };
    for b in blocks {
        let flag = b
            .split_whitespace()
            .find(|w| w.starts_with("--"))
            .unwrap()
            .trim_end_matches(',')
            .to_string();
        if b.contains('<')
            && let Some(max) = bound(&b)
        {
            out.push((flag, max));
        }
    }
    out
}

/// Runs `exe --check --quick` with `args` on `data`; returns the exit code and the stderr lines
/// that are not notes.
fn check(exe: &str, args: &[String], data: &Path, out: &Path) -> (Option<i32>, Vec<String>) {
    let o = Command::new(exe)
        .args(args)
        .args(["--check", "--quick", "--threads", "1", "--data-dir"])
        .arg(data)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&o.stderr);
    let lines = said
        .lines()
        .filter(|l| !l.starts_with("note:") && !l.starts_with("data:") && !l.starts_with("check:"))
        .map(str::to_string)
        .collect();
    (o.status.code(), lines)
}

fn one_error(what: &str, (code, lines): &(Option<i32>, Vec<String>), needle: &str) {
    assert_eq!(*code, Some(1), "{what}: {lines:?}");
    assert_eq!(lines.len(), 1, "{what}: one line, got {lines:?}");
    assert!(
        lines[0].starts_with("error: ") && lines[0].contains(needle),
        "{what}: {lines:?} does not say {needle:?}"
    );
}

#[test]
fn every_count_flag_is_bounded_and_checked_at_its_bounds() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("small");
    small_data(&data, 600, 100);
    let out = tmp.path().join("out");
    let mut table = Vec::new();
    for (name, exe) in BINARIES {
        let flags = bounded_flags(exe);
        if *name != "reproduce" {
            assert!(flags.len() >= 3, "{name} states bounds for {flags:?}");
        }
        for (flag, max) in flags {
            for bad in [0, max + 1] {
                let r = check(exe, &[flag.clone(), bad.to_string()], &data, &out);
                one_error(&format!("{name} {flag} {bad}"), &r, &flag);
            }
            let r = check(exe, &[flag.clone(), max.to_string()], &data, &out);
            let what = format!("{name} {flag} {max}");
            match r.0 {
                Some(0) => assert!(
                    r.1.is_empty() || r.1.iter().all(|l| !l.starts_with("error")),
                    "{what}: {:?}",
                    r.1
                ),
                _ => one_error(&what, &r, ""),
            }
            table.push(format!("{name} {flag} {max}: exit {:?}", r.0));
        }
    }
    assert!(!out.exists(), "--check writes nothing");
    eprintln!("{}", table.join("\n"));
}

#[test]
fn bad_flags_of_every_kind_are_one_line_and_exit_1() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("small");
    small_data(&data, 600, 100);
    let out = tmp.path().join("out");
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    for (name, exe) in BINARIES {
        for (args, needle) in [
            (s(&["--bogus"]), "unexpected argument '--bogus'"),
            (s(&["--sed", "1"]), "a similar argument exists: '--seed'"),
            (s(&["--seed", "-1"]), "--seed"),
            (s(&["--seed", "x"]), "--seed"),
            (s(&["--threads", "0"]), "--threads"),
        ] {
            let r = check(exe, &args, &data, &out);
            one_error(&format!("{name} {args:?}"), &r, needle);
        }
    }
    // Negative numbers parse where a value may be negative, exponents included.
    let gradcheck = env!("CARGO_BIN_EXE_exp_gradcheck");
    let r = check(gradcheck, &s(&["--h64", "-1e-5"]), &data, &out);
    one_error(
        "exp_gradcheck --h64 -1e-5",
        &r,
        "--h64 must be in (0, 1), got -1e-5",
    );
    let momentum = env!("CARGO_BIN_EXE_exp_momentum");
    let r = check(momentum, &s(&["--mu", "0.5,0.5"]), &data, &out);
    one_error("exp_momentum --mu 0.5,0.5", &r, "--mu lists 0.5 twice");
    let dropout = env!("CARGO_BIN_EXE_exp_dropout");
    let r = check(dropout, &s(&["--keep", "1e-300"]), &data, &out);
    one_error(
        "exp_dropout --keep 1e-300",
        &r,
        "from 0.01 to 1, got 1e-300",
    );
    let r = check(
        dropout,
        &s(&["--seeds", "100", "--epochs", "1000", "--hidden", "4096"]),
        &data,
        &out,
    );
    one_error("exp_dropout huge", &r, "times the default run's work");
    // An --out nothing can be written to is refused by --check already.
    let r = check(momentum, &[], &data, Path::new("/proc/version/x"));
    one_error("--out /proc/version/x", &r, "--out /proc/version/x");
}

/// A run whose numbers would not be finite stops with one line, and its folder is not replaced.
#[test]
fn a_diverged_run_is_an_error_not_a_result() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("momentum");
    let o = momentum(&[
        "--quick",
        "--learning-rate",
        "1e308",
        "--out",
        out.to_str().unwrap(),
    ]);
    let said = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{said}");
    let last = said.lines().last().unwrap();
    assert!(
        last.starts_with("error: exp_momentum: under these flags the chapter's value")
            && last.contains("is not finite (inf)"),
        "{said}"
    );
    assert!(!out.exists(), "nothing written");
}

/// With default flags the expected time a run prints is its `EXPECTED` one: the shares of each
/// experiment's work bound sum to the default run.
#[test]
fn default_flags_expect_the_default_time() {
    use nnlab_experiments::*;
    let data = committed();
    for (name, expected) in [
        ("exp_activations", activations::EXPECTED),
        ("exp_init", init::EXPECTED),
        ("exp_batchnorm", batchnorm::EXPECTED),
        ("exp_preprocess", preprocess::EXPECTED),
        ("exp_babysit", babysit::EXPECTED),
        ("exp_cnn", cnn::EXPECTED),
        ("exp_dropout", dropout::EXPECTED),
        ("exp_ensemble", ensemble::EXPECTED),
        ("exp_gradcheck", gradcheck::EXPECTED),
        ("exp_lr", lr::EXPECTED),
        ("exp_lr_decay", lr_decay::EXPECTED),
        ("exp_momentum", momentum::EXPECTED),
        ("exp_search", search::EXPECTED),
        ("exp_second_order", second_order::EXPECTED),
        ("exp_update_rules", update_rules::EXPECTED),
    ] {
        let exe = BINARIES.iter().find(|(n, _)| *n == name).unwrap().1;
        let o = Command::new(exe)
            .args(["--check", "--quick", "--data-dir"])
            .arg(&data)
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&o.stderr);
        let want = format!("taking about {} on 2 cores", expected.describe(true));
        assert!(said.contains(&want), "{name}: {said} lacks {want:?}");
    }
}
