use super::*;
use crate::procedures::gradcheck::{Check, check_layer, max_rel_error, worst};
use crate::rng::{randn_array, seeded};
use ndarray::{Array1, Array2, Array4};

/// The library's layer check (two-point centred differences, step 1e-5) and its bound.
const H: f64 = 1e-5;
const LAYER_TOL: f64 = 1e-7;
/// The five-point stencil's step and the bound the slide-form passes are held to. Batch
/// normalization's dx is a difference of O(1) terms that nearly cancel (its columns sum to zero),
/// so the two-point difference's rounding error (about 1e-16 |f| / h) is 1e-8 of the smallest
/// entries; `(−f(x+2h) + 8f(x+h) − 8f(x−h) + f(x−2h)) / 12h` with h = 1e-3 has truncation error
/// O(h⁴) and rounding error 1e-16 |f| / h, both near 1e-12.
const STENCIL_H: f64 = 1e-3;
const TOL: f64 = 1e-8;

fn data(n: usize, d: usize, seed: u64) -> (Array2<f64>, Array1<f64>, Array1<f64>, Array2<f64>) {
    let mut rng = seeded(seed);
    let x = randn_array::<f64, _>(n, d, &mut rng) * 3.0 + 1.5;
    let gamma = randn_array::<f64, _>(1, d, &mut rng).row(0).to_owned();
    let beta = randn_array::<f64, _>(1, d, &mut rng).row(0).to_owned();
    let dout = randn_array::<f64, _>(n, d, &mut rng);
    (x, gamma, beta, dout)
}

/// d/dv of sum(f(v) * dout) by the five-point stencil, every coordinate of a flat copy of v.
fn numeric(v: &[f64], dout: &Array2<f64>, f: impl Fn(&[f64]) -> Array2<f64>) -> Vec<f64> {
    let objective = |p: &[f64]| (f(p) * dout).sum();
    let mut p = v.to_vec();
    (0..v.len())
        .map(|i| {
            let at = |p: &mut Vec<f64>, k: f64| {
                p[i] = v[i] + k * STENCIL_H;
                objective(p)
            };
            let (f2, f1, m1, m2) = (
                at(&mut p, 2.0),
                at(&mut p, 1.0),
                at(&mut p, -1.0),
                at(&mut p, -2.0),
            );
            p[i] = v[i];
            (-f2 + 8.0 * f1 - 8.0 * m1 + m2) / (12.0 * STENCIL_H)
        })
        .collect()
}

#[test]
fn both_backward_forms_pass_the_gradient_check_and_agree() {
    for (n, d, seed) in [(4, 3, 1), (16, 5, 2), (3, 7, 3)] {
        let (x, gamma, beta, dout) = data(n, d, seed);
        let bn = BnParam::<f64>::new(d);
        let (_, cache) = batchnorm_forward(x.view(), gamma.view(), beta.view(), &mut bn.clone());
        let staged = batchnorm_backward(dout.view(), &cache);
        let closed = batchnorm_backward_alt(dout.view(), &cache);
        let fx = |p: &[f64]| {
            let x = Array2::from_shape_vec((n, d), p.to_vec()).unwrap();
            batchnorm_forward(x.view(), gamma.view(), beta.view(), &mut bn.clone()).0
        };
        let fg = |p: &[f64]| {
            let g = Array1::from_vec(p.to_vec());
            batchnorm_forward(x.view(), g.view(), beta.view(), &mut bn.clone()).0
        };
        let fb = |p: &[f64]| {
            let b = Array1::from_vec(p.to_vec());
            batchnorm_forward(x.view(), gamma.view(), b.view(), &mut bn.clone()).0
        };
        let num_dx = numeric(x.as_slice().unwrap(), &dout, fx);
        let num_dg = numeric(gamma.as_slice().unwrap(), &dout, fg);
        let num_db = numeric(beta.as_slice().unwrap(), &dout, fb);
        for (form, (dx, dg, db)) in [("staged", &staged), ("closed", &closed)] {
            let errs = [
                max_rel_error(dx.as_slice().unwrap(), &num_dx, 1e-12),
                max_rel_error(dg.as_slice().unwrap(), &num_dg, 1e-12),
                max_rel_error(db.as_slice().unwrap(), &num_db, 1e-12),
            ];
            assert!(errs.iter().all(|&e| e < TOL), "{form} {n}x{d}: {errs:?}");
        }
        let diff = (&staged.0 - &closed.0)
            .iter()
            .fold(0.0f64, |m, v| m.max(v.abs()));
        let scale = closed.0.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(
            diff <= 1e-12 * scale,
            "{n}x{d}: the forms differ by {diff:e}"
        );
        assert_eq!(staged.1, closed.1);
        assert_eq!(staged.2, closed.2);
    }
}

#[test]
fn training_output_is_normalized_and_the_running_estimates_follow_each_convention() {
    let (x, _, _, _) = data(10, 4, 4);
    let (ones, zeros) = (Array1::ones(4), Array1::zeros(4));
    for convention in [Convention::PYTORCH, Convention::CS231N] {
        let mut bn = BnParam::<f64>::new(4);
        bn.convention = convention;
        let (out, _) = batchnorm_forward(x.view(), ones.view(), zeros.view(), &mut bn);
        for col in out.columns() {
            let mean = col.sum() / 10.0;
            let var = col.mapv(|v| (v - mean).powi(2)).sum() / 10.0;
            assert!(
                mean.abs() < 1e-12 && (var - 1.0).abs() < 1e-5,
                "{mean} {var}"
            );
        }
        let mean = x.sum_axis(ndarray::Axis(0)) / 10.0;
        let var = x.var_axis(ndarray::Axis(0), 0.0);
        let factor = if convention.unbiased_running_var {
            10.0 / 9.0
        } else {
            1.0
        };
        for j in 0..4 {
            approx::assert_relative_eq!(bn.running_mean[j], 0.1 * mean[j], max_relative = 1e-12);
            let want = 0.9 + 0.1 * var[j] * factor;
            approx::assert_relative_eq!(bn.running_var[j], want, max_relative = 1e-12);
        }
        // Evaluation uses the running estimates and leaves them alone.
        let before = bn.running_mean.clone();
        let eval = batchnorm_eval(x.view(), ones.view(), zeros.view(), &bn);
        assert_eq!(bn.running_mean, before);
        let want = (x[[0, 0]] - bn.running_mean[0]) / (bn.running_var[0] + EPS).sqrt();
        approx::assert_relative_eq!(eval[[0, 0]], want, max_relative = 1e-12);
    }
}

#[test]
fn spatial_batchnorm_normalizes_each_channel_over_n_h_w_and_its_gradient_checks() {
    let (n, c, h, w) = (3, 2, 4, 5);
    let mut rng = seeded(5);
    let x = Array4::from_shape_vec(
        (n, c, h, w),
        randn_array::<f64, _>(1, n * c * h * w, &mut rng)
            .into_raw_vec_and_offset()
            .0,
    )
    .unwrap()
        * 2.0
        + 1.0;
    let gamma = Array1::from_vec(vec![1.5, 0.5]);
    let beta = Array1::from_vec(vec![-1.0, 2.0]);
    let dout = Array4::from_shape_vec(
        x.dim(),
        randn_array::<f64, _>(1, x.len(), &mut rng)
            .into_raw_vec_and_offset()
            .0,
    )
    .unwrap();
    let bn = BnParam::<f64>::new(c);
    let (out, cache) =
        spatial_batchnorm_forward(x.view(), gamma.view(), beta.view(), &mut bn.clone());
    for ch in 0..c {
        let v = out.index_axis(ndarray::Axis(1), ch);
        let mean = v.sum() / v.len() as f64;
        assert!((mean - beta[ch]).abs() < 1e-12, "channel {ch}: mean {mean}");
    }
    let (dx, _, _) = spatial_batchnorm_backward(dout.view(), &cache);
    let flat_dout =
        Array2::from_shape_vec((1, dout.len()), dout.iter().copied().collect()).unwrap();
    let num = numeric(x.as_slice().unwrap(), &flat_dout, |p| {
        let x = Array4::from_shape_vec((n, c, h, w), p.to_vec()).unwrap();
        let out = spatial_batchnorm_forward(x.view(), gamma.view(), beta.view(), &mut bn.clone()).0;
        Array2::from_shape_vec((1, out.len()), out.into_raw_vec_and_offset().0).unwrap()
    });
    let err = max_rel_error(dx.as_standard_layout().as_slice().unwrap(), &num, 1e-12);
    assert!(err < TOL, "spatial dx: {err:e}");
}

#[test]
fn layer_normalization_normalizes_each_example_and_its_gradient_checks() {
    let (x, gamma, beta, dout) = data(5, 6, 6);
    let (out, cache) = layernorm_forward(
        x.view(),
        Array1::ones(6).view(),
        Array1::zeros(6).view(),
        EPS,
    );
    for row in out.rows() {
        assert!((row.sum() / 6.0).abs() < 1e-12);
    }
    let (_, cache_g) = layernorm_forward(x.view(), gamma.view(), beta.view(), EPS);
    let (dx, dg, db) = layernorm_backward(dout.view(), &cache_g, gamma.view());
    drop(cache);
    let num_dx = numeric(x.as_slice().unwrap(), &dout, |p| {
        let x = Array2::from_shape_vec((5, 6), p.to_vec()).unwrap();
        layernorm_forward(x.view(), gamma.view(), beta.view(), EPS).0
    });
    let num_dg = numeric(gamma.as_slice().unwrap(), &dout, |p| {
        layernorm_forward(
            x.view(),
            Array1::from_vec(p.to_vec()).view(),
            beta.view(),
            EPS,
        )
        .0
    });
    let num_db = numeric(beta.as_slice().unwrap(), &dout, |p| {
        layernorm_forward(
            x.view(),
            gamma.view(),
            Array1::from_vec(p.to_vec()).view(),
            EPS,
        )
        .0
    });
    let errs = [
        max_rel_error(dx.as_slice().unwrap(), &num_dx, 1e-12),
        max_rel_error(dg.as_slice().unwrap(), &num_dg, 1e-12),
        max_rel_error(db.as_slice().unwrap(), &num_db, 1e-12),
    ];
    assert!(errs.iter().all(|&e| e < TOL), "{errs:?}");
}

/// The layers a network uses — batch normalization with either backward form, per channel, and
/// layer normalization — through the library's layer check (dx and both parameters).
#[test]
fn the_layers_pass_the_layer_check() {
    let mut rng = seeded(7);
    let x = randn_array::<f64, _>(6, 12, &mut rng) * 2.0 + 0.5;
    let g = randn_array::<f64, _>(6, 12, &mut rng);
    let mut staged = BatchNorm::new(12);
    staged.staged = true;
    let layers: Vec<(&str, Box<dyn crate::nn::layers::Layer<f64>>)> = vec![
        ("closed", Box::new(BatchNorm::new(12))),
        ("staged", Box::new(staged)),
        ("spatial", Box::new(BatchNorm::spatial(3, 2, 2))),
        ("layernorm", Box::new(LayerNorm::new(12))),
    ];
    for (name, mut layer) in layers {
        let checks = check_layer(layer.as_mut(), x.view(), g.view(), Check::new(H, 1e-12));
        assert_eq!(checks.len(), 3, "{name}: dx, gamma, beta");
        assert!(worst(&checks) < LAYER_TOL, "{name}: {checks:?}");
    }
}

/// The per-channel layer's fast path (`channels.rs`) against the slide form's transposes
/// ([`spatial_batchnorm_forward`] and [`spatial_batchnorm_backward`]): outputs, gradients, running
/// estimates and evaluation agree to 1e-12 of each tensor's scale.
#[test]
fn the_per_channel_fast_path_equals_the_slide_form() {
    let (n, c, h, w) = (3, 4, 5, 6);
    let mut rng = seeded(9);
    let rows = |rng: &mut _| randn_array::<f64, _>(n, c * h * w, rng) * 1.5 + 0.7;
    let (x1, x2, dout) = (rows(&mut rng), rows(&mut rng), rows(&mut rng));
    let gamma = Array1::from_vec(vec![1.5, 0.5, -0.7, 2.0]);
    let beta = Array1::from_vec(vec![-1.0, 2.0, 0.1, 0.0]);
    let images = |m: &Array2<f64>| m.clone().into_shape_with_order((n, c, h, w)).unwrap();
    let flat = |a: Array4<f64>| a.into_shape_with_order((n, c * h * w)).unwrap();
    let close = |what: &str, a: &[f64], b: &[f64]| {
        let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let diff = a
            .iter()
            .zip(b)
            .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()));
        assert!(
            diff <= 1e-12 * scale,
            "{what}: differs by {diff:e} (scale {scale})"
        );
    };
    let mut layer = BatchNorm::spatial(c, h, w).with_gamma_beta(gamma.clone(), beta.clone());
    let mut bn = BnParam::<f64>::new(c);
    use crate::nn::layers::{Layer, Mode};
    layer.forward(x1.view(), Mode::Train);
    spatial_batchnorm_forward(images(&x1).view(), gamma.view(), beta.view(), &mut bn);
    let fast = layer.forward(x2.view(), Mode::Train);
    let (slow, cache) =
        spatial_batchnorm_forward(images(&x2).view(), gamma.view(), beta.view(), &mut bn);
    close(
        "out",
        fast.as_slice().unwrap(),
        flat(slow).as_slice().unwrap(),
    );
    let fast_dx = layer.backward(dout.view());
    let (slow_dx, dg, db) = spatial_batchnorm_backward(images(&dout).view(), &cache);
    close(
        "dx",
        fast_dx.as_slice().unwrap(),
        flat(slow_dx).as_slice().unwrap(),
    );
    close(
        "dgamma",
        layer.dgamma().as_slice().unwrap(),
        dg.as_slice().unwrap(),
    );
    close(
        "dbeta",
        layer.dbeta().as_slice().unwrap(),
        db.as_slice().unwrap(),
    );
    close(
        "running mean",
        layer.running_mean().as_slice().unwrap(),
        bn.running_mean.as_slice().unwrap(),
    );
    close(
        "running var",
        layer.running_var().as_slice().unwrap(),
        bn.running_var.as_slice().unwrap(),
    );
    let mut reference = BatchNorm::spatial(c, h, w).with_gamma_beta(gamma.clone(), beta.clone());
    reference.staged = true; // the slide form's transposes
    reference.forward(x1.view(), Mode::Train);
    reference.forward(x2.view(), Mode::Train);
    let fast_eval = layer.forward(x1.view(), Mode::Eval);
    let slow_eval = reference.forward(x1.view(), Mode::Eval);
    close(
        "eval",
        fast_eval.as_slice().unwrap(),
        slow_eval.as_slice().unwrap(),
    );
}
