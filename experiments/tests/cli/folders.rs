//! Run folders are complete or untouched: a run killed at any moment leaves the previous complete
//! run byte for byte (or, once it committed, its own complete one), and a second run into a folder
//! a live run holds is refused.

use super::*;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// Every file of `dir` and its bytes, sorted by name.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().into_string().unwrap(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// Whether `dir` holds one complete run of seed `seed`: its meta.json lists exactly the files
/// beside it.
fn complete_run_of(dir: &Path, seed: u64) -> bool {
    let Ok(text) = std::fs::read_to_string(dir.join("meta.json")) else {
        return false;
    };
    let meta: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut listed: Vec<String> = meta["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    listed.sort();
    let names: Vec<String> = snapshot(dir).into_iter().map(|(n, _)| n).collect();
    meta["seed"] == seed && listed == names
}

fn start(seed: &str, out: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_exp_momentum"))
        .args(["--quick", "--threads", "2", "--seed", seed, "--out"])
        .arg(out)
        .env_remove("NNLAB_DATA")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// What `.<name>.*` siblings of `out` exist besides the lock.
fn leftovers(out: &Path) -> Vec<String> {
    let name = out.file_name().unwrap().to_string_lossy().into_owned();
    std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with(&format!(".{name}.")) && !n.ends_with(".lock"))
        .collect()
}

#[test]
fn a_run_killed_at_any_moment_leaves_a_complete_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("momentum");
    quick_run(&out, "1", "2");
    let mut previous = snapshot(&out);
    // How long the new run takes, so the interruptions fall anywhere inside it.
    let reference = tmp.path().join("reference");
    let t0 = Instant::now();
    quick_run(&reference, "2", "2");
    let span = t0.elapsed().as_secs_f64() * 1.2;
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let (mut old, mut new) = (0, 0);
    for trial in 0..20 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let delay = span * (state % 1_000) as f64 / 1_000.0;
        let mut child = start("2", &out);
        std::thread::sleep(Duration::from_secs_f64(delay));
        if trial % 2 == 0 {
            child.kill().unwrap(); // SIGKILL: nothing runs after it
        } else {
            let pid = child.id().to_string();
            Command::new("kill").args(["-INT", &pid]).status().unwrap();
        }
        let o = child.wait_with_output().unwrap();
        let now = snapshot(&out);
        if now == previous {
            old += 1;
            if trial % 2 == 1 && o.status.code() == Some(130) {
                let said = String::from_utf8_lossy(&o.stderr);
                assert!(said.contains("interrupted"), "{said}");
            }
        } else {
            assert!(
                complete_run_of(&out, 2),
                "trial {trial} (after {delay:.3} s): neither the previous run nor a complete new one"
            );
            new += 1;
            previous = now;
        }
    }
    eprintln!("20 interruptions: {old} left the previous run, {new} found the new one complete");
    // The next run removes what the killed ones left beside the folder.
    quick_run(&out, "3", "2");
    assert!(complete_run_of(&out, 3));
    assert_eq!(leftovers(&out), Vec::<String>::new());
}

#[test]
fn a_second_run_into_a_held_folder_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("momentum");
    quick_run(&out, "1", "2");
    let before = snapshot(&out);
    let first = start("2", &out);
    // Wait until the first run holds the folder: the lock file names it.
    let (t0, lock) = (Instant::now(), tmp.path().join(".momentum.lock"));
    let pid = format!("pid {}:", first.id());
    while !std::fs::read_to_string(&lock).is_ok_and(|l| l.starts_with(&pid)) {
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "the first run never locked"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    let second = momentum(&["--quick", "--seed", "3", "--out", out.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(1), "{said}");
    assert!(
        said.contains(&format!(
            "is being written by another run (pid {}",
            first.id()
        )),
        "{said}"
    );
    let o = first.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(complete_run_of(&out, 2), "the first run committed");
    assert_ne!(snapshot(&out), before);
}

/// A folder that holds files but no meta.json is not a run's: replacing it would delete them.
#[test]
fn a_folder_no_run_wrote_is_not_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("mine");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("thesis.tex"), "keep me").unwrap();
    let o = momentum(&["--quick", "--out", out.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{said}");
    assert!(
        said.contains("holds files no run of this project wrote"),
        "{said}"
    );
    assert_eq!(
        snapshot(&out),
        vec![("thesis.tex".into(), b"keep me".to_vec())]
    );
    assert_eq!(leftovers(&out), Vec::<String>::new());
}
