use super::*;
use crate::runtime::tier::Tier;

fn reference(a: &[f64], m: usize, starts: &[usize], src: &[f64], len: usize) -> Vec<f64> {
    let taps = starts.len();
    let mut out = vec![0.0; m * len];
    for i in 0..m {
        for q in 0..len {
            out[i * len + q] = (0..taps)
                .map(|t| a[i * taps + t] * src[starts[t] + q])
                .sum();
        }
    }
    out
}

/// [`window_product`] on `backend` over all `len` columns, computed in `F` from `f64` inputs.
fn product_in<F: Float>(
    backend: Backend,
    a: &[f64],
    m: usize,
    starts: &[usize],
    src: &[f64],
    len: usize,
) -> Vec<f64> {
    let to_f = |v: &[f64]| v.iter().map(|&x| F::lit(x)).collect::<Vec<F>>();
    let mut out = vec![F::nan(); m * len];
    let panels = Panels::new(&to_f(a), m, starts.len());
    window_product_on(
        backend,
        &panels,
        starts,
        &to_f(src),
        std::slice::from_ref(&(0..len)),
        &mut out,
        len,
    );
    out.iter().map(|v| v.as_f64()).collect()
}

fn values(n: usize, seed: usize) -> Vec<f64> {
    (0..n)
        .map(|i| ((i * 37 + seed * 11) % 101) as f64 / 50.0 - 1.0)
        .collect()
}

/// The bit patterns of `v`.
fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|v| v.to_bits()).collect()
}

/// On every backend of this CPU (its tiers and the emulated 16-lane body), in `f64` and `f32`
/// (whose blocks are the widest): equal to the definition, and bit-identical across backends.
#[test]
fn window_product_matches_the_definition_on_ragged_sizes() {
    for backend in Backend::all_here() {
        product_on(backend);
    }
}

fn product_on(backend: Backend) {
    let first = Backend::Native(Tier::Baseline);
    for (m, taps, len) in [
        (1, 1, 1),
        (3, 5, 7),
        (4, 25, 24),
        (6, 150, 136),
        (17, 9, 50),
    ] {
        let starts: Vec<usize> = (0..taps).map(|t| (t * 7) % 40).collect();
        let src = values(40 + len + SLACK, 1);
        let a = values(m * taps, 2);
        let want = reference(&a, m, &starts, &src, len);
        let out = product_in::<f64>(backend, &a, m, &starts, &src, len);
        for (o, w) in out.iter().zip(&want) {
            assert!(
                (o - w).abs() <= 1e-12 * (1.0 + w.abs()),
                "{backend:?} {m}x{taps}x{len}: {o} vs {w}"
            );
        }
        // f32 goes through the wider blocks.
        let out32 = product_in::<f32>(backend, &a, m, &starts, &src, len);
        for (o, w) in out32.iter().zip(&want) {
            assert!((o - w).abs() <= 1e-4 * (1.0 + w.abs()));
        }
        let base = product_in::<f32>(first, &a, m, &starts, &src, len);
        assert_eq!(bits(&out32), bits(&base), "{backend:?} {m}x{taps}x{len}");
        let base = product_in::<f64>(first, &a, m, &starts, &src, len);
        assert_eq!(bits(&out), bits(&base), "{backend:?} {m}x{taps}x{len}");
    }
}

/// On every backend of this CPU: equal to the definition, bit-identical across backends.
#[test]
fn window_dots_matches_the_definition_on_ragged_sizes() {
    for backend in Backend::all_here() {
        dots_on(backend);
    }
}

fn dots_on(backend: Backend) {
    for (m, taps, len) in [
        (1, 1, 1),
        (3, 5, 7),
        (4, 25, 24),
        (16, 150, 136),
        (5, 4, 13),
    ] {
        let starts: Vec<usize> = (0..taps).map(|t| (t * 5) % 30).collect();
        let src = values(30 + len, 3);
        let a = values(m * len, 4);
        let all = 0..len;
        let cols = std::slice::from_ref(&all);
        let mut out = vec![f64::NAN; m * taps];
        window_dots_on(backend, &a, len, m, &starts, &src, cols, &mut out);
        let mut base = vec![f64::NAN; m * taps];
        let first = Backend::Native(Tier::Baseline);
        window_dots_on(first, &a, len, m, &starts, &src, cols, &mut base);
        assert_eq!(bits(&out), bits(&base), "{backend:?} {m}x{taps}x{len}");
        for i in 0..m {
            for (t, &s) in starts.iter().enumerate() {
                let want: f64 = (0..len).map(|q| a[i * len + q] * src[s + q]).sum();
                let got = out[i * taps + t];
                assert!(
                    (got - want).abs() <= 1e-12 * (1.0 + want.abs()),
                    "{got} vs {want}"
                );
            }
        }
    }
}

#[test]
fn kernels_touch_only_the_chosen_column_ranges() {
    // Two rows of a (2, 20) layout: columns 1..9 and 12..19 of each (7 and 8 long, so both
    // kernels' tails run); taps at offsets 0, 3, 5.
    let (m, out_len, starts) = (3usize, 20usize, [0usize, 3, 5]);
    let cols = [1..9, 12..19];
    let src = values(5 + out_len + SLACK, 5);
    let a = values(m * starts.len(), 6);
    let mut out = vec![f64::NAN; m * out_len];
    window_product(
        &Panels::new(&a, m, 3),
        &starts,
        &src,
        &cols,
        &mut out,
        out_len,
    );
    for i in 0..m {
        for q in 0..out_len {
            let got = out[i * out_len + q];
            if cols.iter().any(|r| r.contains(&q)) {
                let want: f64 = (0..3).map(|t| a[i * 3 + t] * src[starts[t] + q]).sum();
                assert!(
                    (got - want).abs() < 1e-12,
                    "row {i} column {q}: {got} vs {want}"
                );
            } else {
                assert!(got.is_nan(), "column {q} outside the ranges was written");
            }
        }
    }
    // Dots over the same ranges; NaN outside them must never be read.
    let mut rows = values(m * out_len, 7);
    for (q, v) in rows.iter_mut().enumerate() {
        if !cols.iter().any(|r| r.contains(&(q % out_len))) {
            *v = f64::NAN;
        }
    }
    let mut dots = vec![0.0; m * 3];
    window_dots(&rows, out_len, m, &starts, &src, &cols, &mut dots);
    for i in 0..m {
        for t in 0..3 {
            let want: f64 = cols
                .iter()
                .flat_map(|r| r.clone())
                .map(|q| rows[i * out_len + q] * src[starts[t] + q])
                .sum();
            assert!((dots[i * 3 + t] - want).abs() < 1e-12);
        }
    }
}

#[test]
fn sum_adds_every_value_once() {
    for n in [0usize, 1, 7, 8, 9, 100, 1001] {
        let v: Vec<f64> = (0..n).map(|i| (i % 13) as f64 - 6.0).collect();
        assert_eq!(sum(&v), v.iter().sum::<f64>(), "n = {n}");
    }
}

#[test]
#[should_panic(expected = "src too short")]
fn window_product_refuses_a_source_without_slack() {
    let mut out = vec![0.0f32; 4];
    window_product(
        &Panels::new(&[1.0f32], 1, 1),
        &[0],
        &[0.0; 4],
        std::slice::from_ref(&(0..4)),
        &mut out,
        4,
    );
}
