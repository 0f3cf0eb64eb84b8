//! Gradient checking: compare an analytic gradient with centred differences
//! `(f(x + h) - f(x - h)) / 2h`, by the relative error `|a - n| / max(|a|, |n|)`.
//!
//! [`check_layer`] checks one layer through the scalar `sum(forward(x) * G)` for a fixed `G` (so
//! the gradient arriving from above is `G`, CS231n's `eval_numerical_gradient_array`);
//! [`check_network`] checks every parameter of a network against its training loss. Both report
//! each tensor's worst entry ([`TensorCheck`]).

use crate::Float;
use crate::layers::{Layer, Mode, ParamGrad};
use crate::network::Sequential;
use ndarray::{Array2, ArrayView2};

// ANCHOR: rel_error
/// Relative error of an analytic value `a` against a numeric value `n` (0 when both are 0).
pub fn rel_error(a: f64, n: f64) -> f64 {
    let denom = a.abs().max(n.abs());
    if denom == 0.0 {
        0.0
    } else {
        (a - n).abs() / denom
    }
}
// ANCHOR_END: rel_error

// ANCHOR: numerical_gradient
/// The centred-difference gradient of `f` at `x`, one coordinate at a time.
/// `f` is evaluated with `x` perturbed in place; `x` is restored afterwards.
pub fn numerical_gradient<F: Float>(mut f: impl FnMut(&[F]) -> F, x: &mut [F], h: F) -> Vec<F> {
    let mut grad = Vec::with_capacity(x.len());
    for i in 0..x.len() {
        let old = x[i];
        x[i] = old + h;
        let fp = f(x);
        x[i] = old - h;
        let fm = f(x);
        x[i] = old;
        grad.push((fp - fm) / (F::lit(2.0) * h));
    }
    grad
}
// ANCHOR_END: numerical_gradient

/// The largest relative error between an analytic and a numeric gradient, skipping entries where
/// both are below `floor` in magnitude (there the error is rounding noise, not a bug).
pub fn max_rel_error<F: Float>(analytic: &[F], numeric: &[F], floor: f64) -> f64 {
    assert_eq!(
        analytic.len(),
        numeric.len(),
        "gradients of different lengths"
    );
    analytic
        .iter()
        .zip(numeric)
        .filter(|(a, n)| a.as_f64().abs().max(n.as_f64().abs()) >= floor)
        .map(|(a, n)| rel_error(a.as_f64(), n.as_f64()))
        .fold(0.0, f64::max)
}

/// One tensor's check: its worst entry.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct TensorCheck {
    /// `dx` for a layer's input, else the parameter's name (`W`, `b`, ...) with its slot.
    pub tensor: String,
    pub entries: usize,
    /// Entries compared (those whose analytic or numeric magnitude reaches the floor).
    pub compared: usize,
    pub worst_rel_error: f64,
    /// Where the worst entry is, and its two values.
    pub worst_index: usize,
    pub analytic: f64,
    pub numeric: f64,
}

impl TensorCheck {
    /// The check of `analytic` against `numeric`, skipping entries below `floor` in magnitude.
    pub fn of<F: Float>(
        tensor: impl Into<String>,
        analytic: &[F],
        numeric: &[F],
        floor: f64,
    ) -> Self {
        assert_eq!(
            analytic.len(),
            numeric.len(),
            "gradients of different lengths"
        );
        let mut check = TensorCheck {
            tensor: tensor.into(),
            entries: analytic.len(),
            compared: 0,
            worst_rel_error: 0.0,
            worst_index: 0,
            analytic: 0.0,
            numeric: 0.0,
        };
        for (i, (a, n)) in analytic.iter().zip(numeric).enumerate() {
            let (a, n) = (a.as_f64(), n.as_f64());
            if a.abs().max(n.abs()) < floor {
                continue;
            }
            check.compared += 1;
            let e = rel_error(a, n);
            if e > check.worst_rel_error || check.compared == 1 {
                (check.worst_rel_error, check.worst_index) = (e, i);
                (check.analytic, check.numeric) = (a, n);
            }
        }
        check
    }
}

// ANCHOR: check_layer
/// Checks `layer`'s backward pass at `x`: the input gradient `dx` and every parameter gradient,
/// through the scalar `sum(forward(x) * g)` in training mode (give dropout a fixed mask).
pub fn check_layer<F: Float>(
    layer: &mut dyn Layer<F>,
    x: ArrayView2<F>,
    g: ArrayView2<F>,
    h: F,
    floor: f64,
) -> Vec<TensorCheck> {
    let objective = |layer: &mut dyn Layer<F>, x: ArrayView2<F>| {
        let out = layer.forward(x, Mode::Train);
        assert_eq!(out.dim(), g.dim(), "g must have the layer's output shape");
        (&out * &g).sum()
    };
    objective(layer, x);
    let dx = layer.backward(g);
    let analytic = gradients(layer.params(), |name, _| name.to_string());

    let mut xs = x.to_owned();
    let shape = x.raw_dim();
    let flat = xs.as_slice_mut().expect("an owned array is contiguous");
    let num_dx = numerical_gradient(
        |v: &[F]| {
            let x = Array2::from_shape_vec(shape, v.to_vec()).expect("the input's shape");
            objective(layer, x.view())
        },
        flat,
        h,
    );
    let dx_flat = dx.as_standard_layout();
    let dx = dx_flat.as_slice().expect("standard layout");
    let mut checks = vec![TensorCheck::of("dx", dx, &num_dx, floor)];
    checks.extend(check_params(
        layer,
        analytic,
        |l| l.params(),
        |l| objective(l, x),
        h,
        floor,
    ));
    checks
}
// ANCHOR_END: check_layer

// ANCHOR: check_network
/// Checks every parameter gradient of `net` against centred differences of its training loss
/// (data loss plus regularization) on the batch `x`, `y`.
pub fn check_network<F: Float>(
    net: &mut Sequential<F>,
    x: ArrayView2<F>,
    y: &[usize],
    h: F,
    floor: f64,
) -> Vec<TensorCheck> {
    net.loss_and_grad(x, y);
    let analytic = gradients(net.params(), |name, slot| format!("{name} (slot {slot})"));
    let objective = |net: &mut Sequential<F>| net.loss_and_grad(x, y);
    check_params(net, analytic, |n| n.params(), objective, h, floor)
}
// ANCHOR_END: check_network

/// Each parameter's name (from `name(param, slot)`) and its analytic gradient.
fn gradients<F: Float>(
    params: Vec<ParamGrad<'_, F>>,
    name: impl Fn(&str, usize) -> String,
) -> Vec<(String, Vec<F>)> {
    let named = params.iter().enumerate();
    named
        .map(|(slot, p)| (name(p.name, slot), p.grad.to_vec()))
        .collect()
}

/// Each parameter of `target` (`params` lists them) against centred differences of `objective`,
/// with every parameter restored afterwards.
fn check_params<F: Float, T: ?Sized>(
    target: &mut T,
    analytic: Vec<(String, Vec<F>)>,
    params: impl for<'a> Fn(&'a mut T) -> Vec<ParamGrad<'a, F>>,
    mut objective: impl FnMut(&mut T) -> F,
    h: F,
    floor: f64,
) -> Vec<TensorCheck> {
    let mut checks = Vec::new();
    for (slot, (name, a)) in analytic.into_iter().enumerate() {
        let mut values = params(target)[slot].value.to_vec();
        let numeric = numerical_gradient(
            |v: &[F]| {
                params(target)[slot].value.copy_from_slice(v);
                objective(target)
            },
            &mut values,
            h,
        );
        params(target)[slot].value.copy_from_slice(&values);
        checks.push(TensorCheck::of(name, &a, &numeric, floor));
    }
    checks
}

/// The largest relative error of `checks`.
pub fn worst(checks: &[TensorCheck]) -> f64 {
    checks.iter().map(|c| c.worst_rel_error).fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_gradient_of_a_cubic() {
        let mut x = vec![1.0f64, -2.0, 0.5];
        let f = |x: &[f64]| x.iter().map(|v| v * v * v).sum::<f64>();
        let g = numerical_gradient(f, &mut x, 1e-5);
        let exact: Vec<f64> = x.iter().map(|v| 3.0 * v * v).collect();
        assert!(max_rel_error(&exact, &g, 0.0) < 1e-9);
        assert_eq!(x, vec![1.0, -2.0, 0.5]);
    }

    #[test]
    fn a_tensor_check_reports_its_worst_entry_above_the_floor() {
        let c = TensorCheck::of("W", &[1.0f64, 2.0, 1e-9, 4.0], &[1.0, 2.2, 3e-9, 4.0], 1e-6);
        assert_eq!((c.entries, c.compared, c.worst_index), (4, 3, 1));
        approx::assert_relative_eq!(c.worst_rel_error, 0.2 / 2.2);
        assert_eq!((c.analytic, c.numeric), (2.0, 2.2));
        assert_eq!(
            worst(&[c.clone(), TensorCheck::of("b", &[1.0f64], &[1.0], 0.0)]),
            c.worst_rel_error
        );
    }

    #[test]
    fn rel_error_detects_a_wrong_gradient() {
        assert_eq!(rel_error(0.0, 0.0), 0.0);
        approx::assert_relative_eq!(rel_error(1.0, 2.0), 0.5);
        assert!(max_rel_error(&[1.0f64, 2.0], &[1.0, 2.1], 0.0) > 0.04);
    }
}
