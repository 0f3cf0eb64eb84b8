//! The experiment binaries as a user meets them: byte-identical outputs for equal seeds, and a
//! one-line error, a non-zero exit and no output folder for bad input. They read the committed
//! Fashion-MNIST (`data/fashion-mnist/`), or a small folder made from it.

use nnlab::report::numbers::{TIMING_MARK, without_timing};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "../../../tests/common/refused.rs"]
mod refused;
use refused::refused_by;

mod batchnorm;
mod determinism;
mod flags;
mod folders;
mod recaps;
mod refusals;
mod runs;
mod tiers;

/// The committed full set.
fn committed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("data/fashion-mnist")
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

/// Runs `exe` with `flags` at 1 and 2 threads on a small data folder and asserts that `files` are
/// byte-identical; returns the 1-thread output folder (inside `tmp`).
/// The two folders' `numbers.md` are the same but for their timing part (the machine, the wall
/// time), and that part is there.
fn same_numbers(a: &Path, b: &Path) {
    let read = |dir: &Path| std::fs::read_to_string(dir.join("numbers.md")).unwrap();
    let (a, b) = (read(a), read(b));
    assert_eq!(without_timing(&a), without_timing(&b));
    assert!(
        a.contains(TIMING_MARK) && a.contains("ANCHOR: machine"),
        "{a}"
    );
}

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
