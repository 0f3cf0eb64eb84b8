//! The book's playground: the library's update rules, learning-rate schedules and 2-D surfaces,
//! exported from WebAssembly to the page `book/src/playground.md` (whose script is
//! `book/src/playground/engine.js`).
//!
//! The interface is plain C functions of numbers, so the page needs no generated glue: a call
//! leaves its result in a buffer of this module's memory and returns a pointer to it, with the
//! length from [`out_len`]; the caller copies it out before the next call. Names cross as
//! indices into the lists [`describe`] gives. Nothing here computes: every number comes from
//! `nnlab` ([`Rule::build_with`], [`Family::over`], [`descend_scheduled`]), so the paths the
//! reader drags are the ones the experiments write (`tests/wasm_equals_native.rs` holds them
//! equal bit for bit).

use std::cell::RefCell;

use nnlab::optim::schedule::{Family, LrSchedule, Stretch};
use nnlab::optim::{Hyper, Rule};
use nnlab::procedures::surfaces::{self, PathPoint, Surface, descend_scheduled};
use serde::{Deserialize, Serialize};

/// One path to compute: the page's settings, by name.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Case {
    pub surface: String,
    pub rule: String,
    pub learning_rate: f64,
    pub hyper: Hyper,
    /// A schedule family's name (`constant`, `step`, `cosine`, ...), fitted to `iters` steps.
    pub schedule: String,
    pub start: (f64, f64),
    pub iters: usize,
}

/// Why a case cannot run: an unknown name, or the library's refusal of a hyperparameter.
pub fn run(case: &Case) -> Result<Vec<PathPoint>, String> {
    let surface = surfaces::all()
        .into_iter()
        .find(|s| s.name() == case.surface)
        .ok_or_else(|| format!("no surface named {:?}", case.surface))?;
    let rule = Rule::ALL
        .into_iter()
        .find(|r| r.name() == case.rule)
        .ok_or_else(|| format!("no update rule named {:?}", case.rule))?;
    let family = Family::ALL
        .into_iter()
        .find(|f| f.name() == case.schedule)
        .ok_or_else(|| format!("no schedule named {:?}", case.schedule))?;
    path(surface, rule, case, family)
}

fn path(
    surface: &dyn Surface,
    rule: Rule,
    case: &Case,
    family: Family,
) -> Result<Vec<PathPoint>, String> {
    let mut opt = rule
        .build_with::<f64>(case.learning_rate, &case.hyper)
        .map_err(|e| e.to_string())?;
    let schedule = fitted(family, case.learning_rate, case.iters)?;
    Ok(descend_scheduled(
        surface,
        opt.as_mut(),
        Some(&schedule),
        case.start,
        case.iters,
    ))
}

/// What the page lists: the surfaces (name, formula, window, start, minimum), the rules (name,
/// label, default hyperparameters) and the schedules (name, label), in the library's order.
fn description() -> serde_json::Value {
    let surfaces: Vec<_> = surfaces::all()
        .into_iter()
        .map(|s| {
            let (x0, x1, y0, y1) = s.window();
            serde_json::json!({
                "name": s.name(),
                "formula": s.formula(),
                "window": [x0, x1, y0, y1],
                "start": s.start(),
                "minimum": s.minimum(),
            })
        })
        .collect();
    let rules: Vec<_> = Rule::ALL
        .into_iter()
        .map(|r| serde_json::json!({ "name": r.name(), "label": r.label() }))
        .collect();
    let schedules: Vec<_> = Family::ALL
        .into_iter()
        .map(|f| serde_json::json!({ "name": f.name(), "label": f.label() }))
        .collect();
    serde_json::json!({
        "surfaces": surfaces,
        "rules": rules,
        "schedules": schedules,
        "hyper": Hyper::default(),
    })
}

thread_local! {
    /// The last call's numbers, text, and the length of what the last call returned.
    static NUMBERS: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
    static TEXT: RefCell<String> = const { RefCell::new(String::new()) };
    static LEN: RefCell<usize> = const { RefCell::new(0) };
}

fn numbers(values: Vec<f64>) -> *const f64 {
    LEN.with(|l| *l.borrow_mut() = values.len());
    NUMBERS.with(|n| {
        *n.borrow_mut() = values;
        n.borrow().as_ptr()
    })
}

fn text(value: String) -> *const u8 {
    LEN.with(|l| *l.borrow_mut() = value.len());
    TEXT.with(|t| {
        *t.borrow_mut() = value;
        t.borrow().as_ptr()
    })
}

/// The length of the last result: bytes of text, or numbers.
#[unsafe(no_mangle)]
pub extern "C" fn out_len() -> usize {
    LEN.with(|l| *l.borrow())
}

/// The lists of [`description`], as JSON text.
#[unsafe(no_mangle)]
pub extern "C" fn describe() -> *const u8 {
    text(description().to_string())
}

/// The message of the last failed [`descend`].
#[unsafe(no_mangle)]
pub extern "C" fn last_error() -> *const u8 {
    text(TEXT.with(|t| t.borrow().clone()))
}

/// The values of surface `surface` on an `nx` × `ny` grid spanning its window (corners
/// included), row by row from the lowest y; empty for an unknown surface or a grid under 2 × 2.
#[unsafe(no_mangle)]
pub extern "C" fn grid(surface: u32, nx: u32, ny: u32) -> *const f64 {
    let Some(s) = surfaces::all().get(surface as usize).copied() else {
        return numbers(Vec::new());
    };
    if nx < 2 || ny < 2 {
        return numbers(Vec::new());
    }
    let (x0, x1, y0, y1) = s.window();
    let at = |a: f64, b: f64, i: u32, n: u32| a + (b - a) * f64::from(i) / f64::from(n - 1);
    let values = (0..ny)
        .flat_map(|j| (0..nx).map(move |i| (i, j)))
        .map(|(i, j)| s.value(at(x0, x1, i, nx), at(y0, y1, j, ny)))
        .collect();
    numbers(values)
}

/// The learning rates of schedule `schedule` from `learning_rate` over a run of `iters` steps,
/// the first step's first (what [`descend`] uses). Null when refused; [`last_error`] says why.
#[unsafe(no_mangle)]
pub extern "C" fn rates(schedule: u32, learning_rate: f64, iters: u32) -> *const f64 {
    let Some(family) = Family::ALL.get(schedule as usize) else {
        TEXT.with(|t| *t.borrow_mut() = format!("no schedule {schedule}"));
        return std::ptr::null();
    };
    match schedule_rates(*family, learning_rate, iters as usize) {
        Ok(values) => numbers(values),
        Err(message) => {
            TEXT.with(|t| *t.borrow_mut() = message);
            std::ptr::null()
        }
    }
}

/// The rates [`rates`] returns, natively.
pub fn schedule_rates(
    family: Family,
    learning_rate: f64,
    iters: usize,
) -> Result<Vec<f64>, String> {
    let schedule = fitted(family, learning_rate, iters)?;
    Ok((0..iters).map(|t| schedule.rate_at(t, 0)).collect())
}

/// `family`'s schedule from `learning_rate`, stretched over a run of `iters` steps as the
/// learning-rate chapter stretches it.
fn fitted(family: Family, learning_rate: f64, iters: usize) -> Result<LrSchedule, String> {
    family
        .over(learning_rate, iters.max(1), &Stretch::default())
        .map_err(|e| e.to_string())
}

// ANCHOR: descend
/// The path of rule `rule` on surface `surface` from `(x0, y0)` for `iters` steps, the learning
/// rate following schedule `schedule` from `learning_rate`: `x, y, loss` per point, the start
/// first ([`out_len`] is three times the points). A step that leaves the finite numbers ends the
/// path. Null when a setting is refused; [`last_error`] says which.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn descend(
    surface: u32,
    rule: u32,
    learning_rate: f64,
    mu: f64,
    decay_rate: f64,
    beta1: f64,
    beta2: f64,
    eps: f64,
    schedule: u32,
    x0: f64,
    y0: f64,
    iters: u32,
) -> *const f64 {
    let by_index = || -> Option<(&'static dyn Surface, Rule, Family)> {
        Some((
            *surfaces::all().get(surface as usize)?,
            *Rule::ALL.get(rule as usize)?,
            *Family::ALL.get(schedule as usize)?,
        ))
    };
    let Some((s, r, f)) = by_index() else {
        let message = format!("no surface {surface}, rule {rule} or schedule {schedule}");
        TEXT.with(|t| *t.borrow_mut() = message);
        return std::ptr::null();
    };
    let hyper = Hyper {
        mu,
        decay_rate,
        beta1,
        beta2,
        eps,
    };
    let case = Case {
        surface: s.name().into(),
        rule: r.name().into(),
        learning_rate,
        hyper,
        schedule: f.name().into(),
        start: (x0, y0),
        iters: iters as usize,
    };
    match path(s, r, &case, f) {
        Ok(points) => numbers(points.iter().flat_map(|p| [p.x, p.y, p.loss]).collect()),
        Err(message) => {
            TEXT.with(|t| *t.borrow_mut() = message);
            std::ptr::null()
        }
    }
}
// ANCHOR_END: descend
