//! The native side of the browser test (`book/playground/browser/test.mjs`): reads cases (the
//! library's `Case` as a JSON array) from standard input and prints each path as the library
//! computes it natively, `{ "points": [[x, y, loss], ...] }` with every number as the 16 hex digits
//! of its IEEE 754 bits (the format of `tests/wasm_paths.mjs`), or `{ "error": message }`.

use std::io::Read;

use nnlab_playground::{Case, run};

fn main() {
    let mut input = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut input) {
        eprintln!("error: cannot read the cases from standard input: {e}");
        std::process::exit(2);
    }
    let cases: Vec<Case> = match serde_json::from_str(&input) {
        Ok(cases) => cases,
        Err(e) => {
            eprintln!("error: the input is not a JSON array of cases: {e}");
            std::process::exit(2);
        }
    };
    let bits = |v: f64| format!("{:016x}", v.to_bits());
    let answers: Vec<serde_json::Value> = cases
        .iter()
        .map(|case| match run(case) {
            Ok(path) => {
                let points: Vec<_> = path
                    .iter()
                    .map(|p| [bits(p.x), bits(p.y), bits(p.loss)])
                    .collect();
                serde_json::json!({ "points": points })
            }
            Err(message) => serde_json::json!({ "error": message }),
        })
        .collect();
    println!("{}", serde_json::Value::Array(answers));
}
