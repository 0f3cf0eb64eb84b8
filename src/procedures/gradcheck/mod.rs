//! Gradient checking: compare an analytic gradient with centred differences
//! `(f(x + h) - f(x - h)) / 2h`, by the relative error `|a - n| / max(|a|, |n|)`.
//!
//! [`check_layer`] checks one layer through the scalar `sum(forward(x) * G)` for a fixed `G` (so
//! the gradient arriving from above is `G`, CS231n's `eval_numerical_gradient_array`);
//! [`check_network`] checks every parameter of a network against its training loss. Both report
//! each tensor's worst entry ([`TensorCheck`]).

pub mod cases;
mod pitfalls;

pub use pitfalls::{HalvedWeightGradient, KinkCrossings, relu_kink_crossings};

use crate::Float;
use crate::nn::layers::{Layer, Mode, ParamGrad};
use crate::nn::loss::LossKind;
use crate::nn::network::Sequential;
use ndarray::ArrayView2;

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

/// The centred-difference gradient of `f` at `x`, every coordinate (see [`numerical_gradient_at`]).
pub fn numerical_gradient<F: Float>(f: impl FnMut(&[F]) -> F, x: &mut [F], h: F) -> Vec<F> {
    let every: Vec<usize> = (0..x.len()).collect();
    numerical_gradient_at(f, x, &every, h)
}

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

// ANCHOR: reading
/// CS231n's reading of a relative error (its "Gradient checks" notes).
pub fn reading(rel_error: f64) -> &'static str {
    if rel_error > 1e-2 {
        "wrong"
    } else if rel_error > 1e-4 {
        "uncomfortable"
    } else if rel_error > 1e-7 {
        "ok with kinks"
    } else {
        "happy"
    }
}
// ANCHOR_END: reading

/// `torch.autograd.gradcheck`'s defaults: step `eps` and the test `|a - n| <= atol + rtol |n|`
/// on every entry.
pub const TORCH_EPS: f64 = 1e-6;
pub const TORCH_ATOL: f64 = 1e-5;
pub const TORCH_RTOL: f64 = 1e-3;

/// How a check is made: the step `h`, the magnitude `floor` below which an entry is not compared,
/// and how many entries of each tensor are perturbed.
#[derive(Clone, Copy, Debug)]
pub struct Check<F> {
    pub h: F,
    pub floor: f64,
    /// `None`: every entry; `Some(n)`: `n` entries spread over each tensor (CS231n's
    /// `grad_check_sparse`, for networks too large to perturb every weight).
    pub max_entries: Option<usize>,
}

impl<F: Float> Check<F> {
    /// Every entry, step `h`, entries below `floor` in magnitude skipped.
    pub fn new(h: F, floor: f64) -> Self {
        Check {
            h,
            floor,
            max_entries: None,
        }
    }

    /// The same check on at most `n` entries of each tensor.
    pub fn sampled(self, n: usize) -> Self {
        Check {
            max_entries: Some(n.max(1)),
            ..self
        }
    }

    /// The entries of a tensor of `len` this check perturbs: all, or `n` spread over the tensor by
    /// the golden-ratio sequence `frac(k / phi)` (a fixed stride would keep landing on the same
    /// column of a matrix), sorted.
    fn entries(&self, len: usize) -> Vec<usize> {
        match self.max_entries {
            Some(n) if n < len => {
                let inv_phi = (5f64.sqrt() - 1.0) / 2.0;
                let at = |k: usize| ((0.5 + k as f64 * inv_phi).fract() * len as f64) as usize;
                let mut index: Vec<usize> = (0..n).map(at).collect();
                index.sort_unstable();
                index.dedup();
                index
            }
            _ => (0..len).collect(),
        }
    }
}

/// One tensor's check: its worst entry.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct TensorCheck {
    /// `dx` for a layer's input, `dscores` for a loss, else the parameter's name (`W`, `b`, ...)
    /// with its slot.
    pub tensor: String,
    /// Entries perturbed (all of the tensor's unless the check was sampled).
    pub entries: usize,
    /// Entries compared (those whose analytic or numeric magnitude reaches the floor).
    pub compared: usize,
    pub worst_rel_error: f64,
    /// The median relative error of the compared entries.
    pub median_rel_error: f64,
    /// Whether every entry passes `torch.autograd.gradcheck`'s `|a - n| <= atol + rtol |n|`.
    pub within_torch_tolerance: bool,
    /// Where the worst entry is (its index in the tensor), and its two values.
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
        let all: Vec<usize> = (0..analytic.len()).collect();
        Self::at(tensor, analytic, numeric, &all, floor)
    }

    /// [`TensorCheck::of`] where `numeric[k]` is the numeric gradient of entry `index[k]`.
    fn at<F: Float>(
        tensor: impl Into<String>,
        analytic: &[F],
        numeric: &[F],
        index: &[usize],
        floor: f64,
    ) -> Self {
        assert_eq!(index.len(), numeric.len(), "gradients of different lengths");
        let mut check = TensorCheck {
            tensor: tensor.into(),
            entries: index.len(),
            compared: 0,
            worst_rel_error: 0.0,
            median_rel_error: 0.0,
            within_torch_tolerance: true,
            worst_index: 0,
            analytic: 0.0,
            numeric: 0.0,
        };
        let mut errors = Vec::with_capacity(index.len());
        for (&i, n) in index.iter().zip(numeric) {
            let (a, n) = (analytic[i].as_f64(), n.as_f64());
            check.within_torch_tolerance &= (a - n).abs() <= TORCH_ATOL + TORCH_RTOL * n.abs();
            if a.abs().max(n.abs()) < floor {
                continue;
            }
            let e = rel_error(a, n);
            errors.push(e);
            if e > check.worst_rel_error || errors.len() == 1 {
                (check.worst_rel_error, check.worst_index) = (e, i);
                (check.analytic, check.numeric) = (a, n);
            }
        }
        check.compared = errors.len();
        check.median_rel_error = median(&mut errors);
        check
    }
}

/// The median of `values` (NaN-free; 0 when empty).
fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let m = values.len() / 2;
    if values.len() % 2 == 1 {
        values[m]
    } else {
        0.5 * (values[m - 1] + values[m])
    }
}

// ANCHOR: check_layer
/// Checks `layer`'s backward pass at `x`: the input gradient `dx` and every parameter gradient,
/// through the scalar `sum(forward(x) * g)` in training mode (give dropout a fixed mask).
pub fn check_layer<F: Float>(
    layer: &mut dyn Layer<F>,
    x: ArrayView2<F>,
    g: ArrayView2<F>,
    check: Check<F>,
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
    let flat = xs.as_slice_mut().expect("an owned array is contiguous");
    let index = check.entries(flat.len());
    let num_dx = numerical_gradient_at(
        |v: &[F]| {
            let x = ArrayView2::from_shape(x.raw_dim(), v).expect("the input's shape");
            objective(layer, x)
        },
        flat,
        &index,
        check.h,
    );
    let dx = dx.as_standard_layout();
    let dx = dx.as_slice().expect("standard layout");
    let mut checks = vec![TensorCheck::at("dx", dx, &num_dx, &index, check.floor)];
    checks.extend(check_params(
        layer,
        analytic,
        |l| l.params(),
        |l| objective(l, x),
        check,
    ));
    checks
}
// ANCHOR_END: check_layer

// ANCHOR: check_loss
/// Checks a loss's `dscores` against centred differences of the loss at `scores`.
pub fn check_loss<F: Float>(
    loss: LossKind,
    scores: ArrayView2<F>,
    y: &[usize],
    check: Check<F>,
) -> TensorCheck {
    let (_, dscores) = loss.evaluate(scores, y);
    let mut s = scores.to_owned();
    let flat = s.as_slice_mut().expect("an owned array is contiguous");
    let index = check.entries(flat.len());
    let numeric = numerical_gradient_at(
        |v: &[F]| {
            let scores = ArrayView2::from_shape(scores.raw_dim(), v).expect("the scores' shape");
            loss.evaluate(scores, y).0
        },
        flat,
        &index,
        check.h,
    );
    let analytic = dscores.as_slice().expect("standard layout");
    TensorCheck::at("dscores", analytic, &numeric, &index, check.floor)
}
// ANCHOR_END: check_loss

// ANCHOR: check_network
/// Checks every parameter gradient of `net` against centred differences of its training loss
/// (data loss plus regularization) on the batch `x`, `y`.
pub fn check_network<F: Float>(
    net: &mut Sequential<F>,
    x: ArrayView2<F>,
    y: &[usize],
    check: Check<F>,
) -> Vec<TensorCheck> {
    net.loss_and_grad(x, y);
    let analytic = gradients(net.params(), |name, slot| format!("{name} (slot {slot})"));
    let objective = |net: &mut Sequential<F>| net.loss(x, y);
    check_params(net, analytic, |n| n.params(), objective, check)
}
// ANCHOR_END: check_network

// ANCHOR: numerical_gradient
/// The centred-difference gradient of `f` at the coordinates `index` of `x`, one at a time:
/// `f` is evaluated with `x` perturbed in place, and `x` is restored afterwards.
pub fn numerical_gradient_at<F: Float>(
    mut f: impl FnMut(&[F]) -> F,
    x: &mut [F],
    index: &[usize],
    h: F,
) -> Vec<F> {
    let mut grad = Vec::with_capacity(index.len());
    for &i in index {
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
    check: Check<F>,
) -> Vec<TensorCheck> {
    let mut checks = Vec::new();
    for (slot, (name, a)) in analytic.into_iter().enumerate() {
        let mut values = params(target)[slot].value.to_vec();
        let index = check.entries(values.len());
        let numeric = numerical_gradient_at(
            |v: &[F]| {
                params(target)[slot].value.copy_from_slice(v);
                objective(target)
            },
            &mut values,
            &index,
            check.h,
        );
        params(target)[slot].value.copy_from_slice(&values);
        checks.push(TensorCheck::at(name, &a, &numeric, &index, check.floor));
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
    fn a_sampled_check_spreads_its_entries_over_rows_and_columns() {
        let index = Check::new(1e-5, 0.0).sampled(60).entries(120 * 84);
        assert!(index.len() >= 58 && index.windows(2).all(|w| w[0] < w[1]));
        let columns: std::collections::BTreeSet<usize> = index.iter().map(|i| i % 84).collect();
        assert!(columns.len() > 40, "{} columns of 84", columns.len());
        assert_eq!(
            Check::new(1e-5, 0.0).sampled(10).entries(4),
            vec![0, 1, 2, 3]
        );
    }

    #[test]
    fn rel_error_detects_a_wrong_gradient() {
        assert_eq!(rel_error(0.0, 0.0), 0.0);
        approx::assert_relative_eq!(rel_error(1.0, 2.0), 0.5);
        assert!(max_rel_error(&[1.0f64, 2.0], &[1.0, 2.1], 0.0) > 0.04);
    }
}
