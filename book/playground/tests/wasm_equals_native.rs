//! The playground computes what the library computes: every case run through the book's engine
//! (`book/src/playground/engine.js`) and the committed WebAssembly module, under Node.js, gives
//! the same bits as the library compiled natively — the chapters' own settings (whose native
//! paths are also the committed CSVs, so the page's buttons redraw the committed figures) and
//! random settings of every rule, surface and schedule.
//!
//! One exception, measured here: the schedules that call `exp` or `cos` (exponential, cosine,
//! warmup + cosine, one-cycle). Native code takes those from the C library (glibc), WebAssembly
//! from Rust's own port of musl's; they differ in the last bit for some arguments. The rates are
//! held within a few roundings ([`ROUNDING`]) and each path equal up to the first step whose rate
//! differs (after which the two paths are two runs a rounding apart).
//!
//! Needs `node` on the PATH and the module at `book/src/playground/nnlab_playground.wasm`
//! (`book/playground/build --check` first, as `.ci/playground` does).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use nnlab::optim::schedule::Family;
use nnlab::optim::{Hyper, Rule};
use nnlab::procedures::surfaces;
use nnlab::rng::{below, seeded, uniform};
use nnlab_playground::{Case, run, schedule_rates};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A chapter's paths as its CSV holds them: the case of each path (settings from the columns, the
/// longest path's last iteration as every path's step count) and its points, parsed exactly.
fn chapter_paths(csv: &str) -> Vec<(Case, Vec<[f64; 3]>)> {
    let text = std::fs::read_to_string(root().join(csv)).expect(csv);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name);
    let mut paths: Vec<(Case, Vec<[f64; 3]>)> = Vec::new();
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let num = |name: &str| col(name).map(|i| f[i]).filter(|v| !v.is_empty());
        let or = |name: &str, default: f64| num(name).map_or(default, |v| v.parse().unwrap());
        let d = Hyper::default();
        let case = Case {
            surface: f[col("surface").unwrap()].into(),
            rule: f[col("optimizer").unwrap()].into(),
            learning_rate: or("learning_rate", f64::NAN),
            hyper: Hyper {
                mu: or("mu", d.mu),
                decay_rate: or("decay_rate", d.decay_rate),
                beta1: or("beta1", d.beta1),
                beta2: or("beta2", d.beta2),
                eps: or("eps", d.eps),
            },
            schedule: "constant".into(),
            start: (or("x", 0.0), or("y", 0.0)),
            iters: 0,
        };
        let point = [or("x", 0.0), or("y", 0.0), or("loss", 0.0)];
        if or("iter", 0.0) == 0.0 {
            paths.push((case, vec![point]));
        } else {
            paths
                .last_mut()
                .expect("a path starts at iter 0")
                .1
                .push(point);
        }
    }
    let iters = paths.iter().map(|(_, p)| p.len() - 1).max().unwrap_or(0);
    for (case, _) in &mut paths {
        case.iters = iters;
    }
    paths
}

/// `n` random cases: every surface, rule and schedule, rates and hyperparameters log- or
/// linearly uniform over the playground's slider ranges, starts anywhere in the window.
fn random_cases(n: usize) -> Vec<Case> {
    let mut rng = seeded(36);
    let all = surfaces::all();
    (0..n)
        .map(|k| {
            let s = all[k % all.len()];
            let (x0, x1, y0, y1) = s.window();
            let mut u = || uniform(&mut rng);
            let hyper = Hyper {
                mu: 0.999 * u(),
                decay_rate: 0.5 + 0.499 * u(),
                beta1: 0.999 * u(),
                beta2: 0.9 + 0.0999 * u(),
                eps: 10f64.powf(-8.0 + 4.0 * u()),
            };
            Case {
                surface: s.name().into(),
                rule: Rule::ALL[(k / all.len()) % Rule::ALL.len()].name().into(),
                learning_rate: 10f64.powf(-4.0 + 4.5 * u()),
                hyper,
                schedule: Family::ALL[below(&mut rng, Family::ALL.len())]
                    .name()
                    .into(),
                start: (
                    x0 + (x1 - x0) * uniform(&mut rng),
                    y0 + (y1 - y0) * uniform(&mut rng),
                ),
                iters: 1 + below(&mut rng, 600),
            }
        })
        .collect()
}

/// A path and its schedule's learning rates, as bits.
type Answer = Result<(Vec<[u64; 3]>, Vec<u64>), String>;

/// The answers of the WebAssembly module through the page's engine.
fn in_wasm(cases: &[Case]) -> Vec<Answer> {
    let script = root().join("book/playground/tests/wasm_paths.mjs");
    let module = root().join("book/src/playground/nnlab_playground.wasm");
    let mut node = Command::new("node")
        .arg(&script)
        .arg(&module)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("Node.js runs the WebAssembly side of this test: install it (`node` on the PATH)");
    let input = serde_json::to_vec(cases).unwrap();
    node.stdin.take().unwrap().write_all(&input).unwrap();
    let out = node.wait_with_output().unwrap();
    assert!(out.status.success(), "node {} failed", script.display());
    let answers: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let hex = |v: &serde_json::Value| u64::from_str_radix(v.as_str().unwrap(), 16).unwrap();
    answers
        .iter()
        .map(|a| match a.get("points") {
            Some(points) => Ok((
                points
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| [hex(&p[0]), hex(&p[1]), hex(&p[2])])
                    .collect(),
                a["rates"].as_array().unwrap().iter().map(hex).collect(),
            )),
            None => Err(a["error"].as_str().unwrap().to_string()),
        })
        .collect()
}

fn native(case: &Case) -> Answer {
    let path = run(case)?;
    let family = Family::ALL.into_iter().find(|f| f.name() == case.schedule);
    let rates = schedule_rates(family.unwrap(), case.learning_rate, case.iters)?;
    Ok((
        path.iter()
            .map(|p| [p.x.to_bits(), p.y.to_bits(), p.loss.to_bits()])
            .collect(),
        rates.iter().map(|r| r.to_bits()).collect(),
    ))
}

/// How far apart the two builds' rates may be, as a fraction of the first rate: a few roundings of
/// `exp` or `cos` (cosine's `(1 + cos) / 2` near its end is a difference of nearly equal numbers,
/// so there one unit in the last place of `cos` is several of the rate's).
const ROUNDING: f64 = 4.0 * f64::EPSILON;

/// The schedules computed with `+ - * /` and `powi` only: their rates, and so the paths, must
/// be the same bits everywhere.
fn exact(schedule: &str) -> bool {
    ["constant", "step", "inverse_time"].contains(&schedule)
}

/// Where two answers first differ beyond what the schedule's `exp` and `cos` explain: `None`
/// when the paths are the same bits, or the rates are within one unit in the last place and the
/// paths the same up to the first step whose rate differs.
fn first_difference(case: &Case, got: &Answer, want: &Answer) -> Option<String> {
    match (got, want) {
        (Ok((g, got_rates)), Ok((w, want_rates))) => {
            let rate_at = (0..want_rates.len()).find(|&t| got_rates.get(t) != want_rates.get(t));
            if let Some(t) = rate_at {
                let gap = |a: &u64, b: &u64| (f64::from_bits(*a) - f64::from_bits(*b)).abs();
                let most = got_rates.iter().zip(want_rates).map(|(a, b)| gap(a, b));
                let most = most.fold(0.0, f64::max) / case.learning_rate;
                if exact(&case.schedule) || most > ROUNDING || got_rates.len() != want_rates.len() {
                    return Some(format!(
                        "rate {t} on differ, by up to {most:e} of the first"
                    ));
                }
            }
            // Point i is the position after step i - 1 (rate i - 1): points 0..=t are the same.
            let checked = rate_at.unwrap_or(usize::MAX);
            let at = (0..g.len().max(w.len()))
                .take_while(|&i| i <= checked)
                .find(|&i| g.get(i) != w.get(i))?;
            let show = |p: Option<&[u64; 3]>| p.map(|p| p.map(f64::from_bits));
            Some(format!(
                "point {at} of {}/{}: WebAssembly {:?}, native {:?}",
                g.len(),
                w.len(),
                show(g.get(at)),
                show(w.get(at))
            ))
        }
        _ if got == want => None,
        _ => Some(format!("WebAssembly {got:?}, native {want:?}")),
    }
}

fn assert_same(cases: &[Case]) {
    let wasm = in_wasm(cases);
    assert_eq!(wasm.len(), cases.len());
    let differ: Vec<String> = cases
        .iter()
        .zip(&wasm)
        .filter_map(|(case, got)| {
            let diff = first_difference(case, got, &native(case))?;
            Some(format!("{case:?}: {diff}"))
        })
        .collect();
    assert!(
        differ.is_empty(),
        "{} of {} cases differ:\n{}",
        differ.len(),
        cases.len(),
        differ.join("\n")
    );
    let apart = |a: &Answer, b: &Answer| matches!((a, b), (Ok(a), Ok(b)) if a.1 != b.1);
    let rounded: Vec<&Case> = (cases.iter().zip(&wasm))
        .filter(|(case, got)| apart(got, &native(case)))
        .map(|(case, _)| case)
        .collect();
    eprintln!(
        "{} cases: every path the same bits, but for {} whose schedule's exp or cos rounds \
         differently at some step (schedules: {:?})",
        cases.len(),
        rounded.len(),
        rounded
            .iter()
            .map(|c| c.schedule.as_str())
            .collect::<std::collections::BTreeSet<_>>()
    );
}

#[test]
fn the_chapters_paths_are_the_same_in_webassembly_natively_and_in_the_committed_csvs() {
    let mut cases = Vec::new();
    for csv in [
        "results/update_rules/trajectory.csv",
        "results/momentum/trajectory.csv",
    ] {
        let paths = chapter_paths(csv);
        assert!(paths.len() >= 5, "{csv} holds the chapter's paths");
        for (case, points) in paths {
            let native = run(&case).unwrap();
            let native: Vec<[f64; 3]> = native.iter().map(|p| [p.x, p.y, p.loss]).collect();
            assert!(
                native == points,
                "{csv}: the library no longer draws {case:?}"
            );
            cases.push(case);
        }
    }
    assert_eq!(cases.len(), 24 + 5);
    assert_same(&cases);
}

#[test]
fn random_settings_of_every_rule_surface_and_schedule_are_the_same_in_webassembly_and_natively() {
    let cases = random_cases(240);
    for rule in Rule::ALL {
        for family in Family::ALL {
            let hit = |c: &Case| c.rule == rule.name() && c.schedule == family.name();
            assert!(
                cases.iter().any(hit),
                "{rule:?} with {family:?} is not drawn"
            );
        }
    }
    assert_same(&cases);
}

#[test]
fn refused_settings_are_refused_with_the_librarys_message_in_both() {
    let good = random_cases(1).remove(0);
    let bad = [
        Case {
            learning_rate: -1.0,
            ..good.clone()
        },
        Case {
            rule: "momentum".into(),
            hyper: Hyper {
                mu: 1.5,
                ..good.hyper
            },
            ..good.clone()
        },
        Case {
            surface: "moon".into(),
            ..good.clone()
        },
    ];
    let wasm = in_wasm(&bad);
    for (case, got) in bad.iter().zip(wasm) {
        let want = run(case).map(|_| ()).unwrap_err();
        assert_eq!(got, Err(want));
    }
}
