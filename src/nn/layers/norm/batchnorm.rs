//! The slide-form functions: batch normalization's forward pass, its staged and closed-form
//! backward passes, the spatial (per-channel) form and layer normalization.

use crate::Float;
use ndarray::{Array1, Array2, Array4, ArrayView1, ArrayView2, ArrayView4, Axis};

/// How the running estimates follow the batch statistics.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Convention {
    /// The weight of the new batch's statistic: `running ← (1 − momentum) running + momentum batch`.
    pub momentum: f64,
    /// Whether the running variance takes the batch's unbiased variance (`N / (N − 1)` times the
    /// biased one the normalization uses).
    pub unbiased_running_var: bool,
}

impl Convention {
    /// PyTorch's `BatchNorm1d/2d`: momentum 0.1 on the new value, unbiased running variance.
    pub const PYTORCH: Convention = Convention {
        momentum: 0.1,
        unbiased_running_var: true,
    };
    /// CS231n's assignment: `running = 0.9 * running + 0.1 * batch`, biased variance.
    pub const CS231N: Convention = Convention {
        momentum: 0.1,
        unbiased_running_var: false,
    };
}

/// PyTorch's default `eps`.
pub const EPS: f64 = 1e-5;

/// The running estimates and settings of one batch-normalization layer (CS231n's `bn_param`).
#[derive(Clone, Debug)]
pub struct BnParam<F> {
    pub eps: F,
    pub convention: Convention,
    /// (D,), initially 0.
    pub running_mean: Array1<F>,
    /// (D,), initially 1.
    pub running_var: Array1<F>,
}

impl<F: Float> BnParam<F> {
    /// `d` features, PyTorch's convention and eps.
    pub fn new(d: usize) -> Self {
        BnParam {
            eps: F::lit(EPS),
            convention: Convention::PYTORCH,
            running_mean: Array1::zeros(d),
            running_var: Array1::ones(d),
        }
    }

    /// Moves the running estimates toward a batch's mean and biased variance over `n` rows.
    pub(super) fn update(&mut self, mean: &Array1<F>, var: &Array1<F>, n: usize) {
        let m = F::lit(self.convention.momentum);
        let unbias = if self.convention.unbiased_running_var && n > 1 {
            F::lit(n as f64 / (n - 1) as f64)
        } else {
            F::one()
        };
        let keep = F::one() - m;
        self.running_mean
            .zip_mut_with(mean, |r, &b| *r = keep * *r + m * b);
        self.running_var
            .zip_mut_with(var, |r, &b| *r = keep * *r + m * b * unbias);
    }
}

/// What the backward passes need from a training-mode forward pass.
#[derive(Clone, Debug)]
pub struct BnCache<F> {
    /// x − mean: (N, D)
    pub xmu: Array2<F>,
    /// 1 / sqrt(var + eps): (D,)
    pub ivar: Array1<F>,
    /// sqrt(var + eps): (D,)
    pub sqrtvar: Array1<F>,
    /// The normalized input x̂: (N, D)
    pub xhat: Array2<F>,
    /// γ: (D,)
    pub gamma: Array1<F>,
}

/// The mean and biased variance of each column of x: (N, D).
fn column_stats<F: Float>(x: ArrayView2<F>) -> (Array1<F>, Array1<F>) {
    let n = F::lit(x.nrows() as f64);
    let mean = x.sum_axis(Axis(0)) / n;
    let xmu = &x - &mean;
    let var = (&xmu * &xmu).sum_axis(Axis(0)) / n;
    (mean, var)
}

// ANCHOR: batchnorm_forward
/// The columns of x: (N, D) normalized, `x̂ = (x − E[x]) / sqrt(Var[x] + eps)` with the batch's
/// mean and biased variance, as a cache for the backward passes (with `gamma`); and that mean and
/// variance.
fn normalize_columns<F: Float>(
    x: ArrayView2<F>,
    eps: F,
    gamma: Array1<F>,
) -> (BnCache<F>, Array1<F>, Array1<F>) {
    // ANCHOR: normalize
    let (mean, var) = column_stats(x);
    let xmu = &x - &mean;
    let sqrtvar = var.mapv(|v| (v + eps).sqrt());
    let ivar = sqrtvar.mapv(|s| F::one() / s);
    let xhat = &xmu * &ivar;
    // ANCHOR_END: normalize
    let cache = BnCache {
        xmu,
        ivar,
        sqrtvar,
        xhat,
        gamma,
    };
    (cache, mean, var)
}

/// Training mode: x: (N, D), γ: (D,), β: (D,) -> (out: (N, D), cache); normalizes with the batch's
/// statistics and moves `bn`'s running estimates toward them.
pub fn batchnorm_forward<F: Float>(
    x: ArrayView2<F>,
    gamma: ArrayView1<F>,
    beta: ArrayView1<F>,
    bn: &mut BnParam<F>,
) -> (Array2<F>, BnCache<F>) {
    let (cache, mean, var) = normalize_columns(x, bn.eps, gamma.to_owned());
    let out = &cache.xhat * &gamma + beta; // y = γ x̂ + β
    bn.update(&mean, &var, x.nrows());
    (out, cache)
}

/// Evaluation mode: the same transform with `bn`'s running estimates, which it leaves unchanged.
pub fn batchnorm_eval<F: Float>(
    x: ArrayView2<F>,
    gamma: ArrayView1<F>,
    beta: ArrayView1<F>,
    bn: &BnParam<F>,
) -> Array2<F> {
    let scale = bn.running_var.mapv(|v| F::one() / (v + bn.eps).sqrt());
    (&x - &bn.running_mean) * &scale * gamma + beta
}
// ANCHOR_END: batchnorm_forward

// ANCHOR: batchnorm_backward
/// The staged backward pass, one node of the graph at a time:
/// dout: (N, D) -> (dx: (N, D), dγ: (D,), dβ: (D,)).
pub fn batchnorm_backward<F: Float>(
    dout: ArrayView2<F>,
    cache: &BnCache<F>,
) -> (Array2<F>, Array1<F>, Array1<F>) {
    let BnCache {
        xmu,
        ivar,
        sqrtvar,
        xhat,
        gamma,
    } = cache;
    let n = F::lit(dout.nrows() as f64);
    let dbeta = dout.sum_axis(Axis(0)); // out = γ x̂ + β
    let dgamma = (&dout * xhat).sum_axis(Axis(0));
    let dxhat = &dout * gamma;
    let divar = (&dxhat * xmu).sum_axis(Axis(0)); // x̂ = xmu · ivar
    let dxmu1 = &dxhat * ivar;
    let dsqrtvar = -(&divar / &(sqrtvar * sqrtvar)); // ivar = 1 / sqrtvar
    let dvar = &dsqrtvar * &ivar.mapv(|v| F::lit(0.5) * v); // sqrtvar = sqrt(var + eps)
    let dsq = &dvar / n; // var = mean(sq)
    let dxmu2 = xmu * &dsq * F::lit(2.0); // sq = xmu²
    let dx1 = dxmu1 + dxmu2;
    let dmu = -dx1.sum_axis(Axis(0)); // xmu = x − mu
    let dx = dx1 + &(dmu / n); // mu = mean(x)
    (dx, dgamma, dbeta)
}
// ANCHOR_END: batchnorm_backward

// ANCHOR: batchnorm_backward_alt
/// The simplified backward pass: with `dx̂ = dout · γ`,
/// `dx = ivar / N · (N dx̂ − Σ dx̂ − x̂ Σ (dx̂ · x̂))`, the sums over the batch.
pub fn batchnorm_backward_alt<F: Float>(
    dout: ArrayView2<F>,
    cache: &BnCache<F>,
) -> (Array2<F>, Array1<F>, Array1<F>) {
    let BnCache {
        ivar, xhat, gamma, ..
    } = cache;
    // ANCHOR: closed_form
    let n = F::lit(dout.nrows() as f64);
    let dbeta = dout.sum_axis(Axis(0));
    let dgamma = (&dout * xhat).sum_axis(Axis(0));
    let dxhat = &dout * gamma;
    let sum_dxhat = dxhat.sum_axis(Axis(0));
    let sum_dxhat_xhat = (&dxhat * xhat).sum_axis(Axis(0));
    let dx = (dxhat * n - &sum_dxhat - xhat * &sum_dxhat_xhat) * &(ivar / n);
    // ANCHOR_END: closed_form
    (dx, dgamma, dbeta)
}
// ANCHOR_END: batchnorm_backward_alt

/// (N, C, H, W) -> (N·H·W, C): every pixel of every image a row, the channels its columns.
pub(super) fn channels_last<F: Float>(x: ArrayView4<F>) -> Array2<F> {
    let (n, c, h, w) = x.dim();
    let t = x.permuted_axes([0, 2, 3, 1]);
    t.as_standard_layout()
        .into_owned()
        .into_shape_with_order((n * h * w, c))
        .expect("a standard-layout copy")
}

/// The inverse of [`channels_last`] for images of `(n, c, h, w)`.
pub(super) fn channels_first<F: Float>(
    rows: Array2<F>,
    (n, c, h, w): (usize, usize, usize, usize),
) -> Array4<F> {
    let t = rows
        .into_shape_with_order((n, h, w, c))
        .expect("N·H·W rows of C");
    t.permuted_axes([0, 3, 1, 2])
        .as_standard_layout()
        .into_owned()
}

/// Per-channel batch normalization of convolution outputs, CS231n's `spatial_batchnorm_forward`:
/// x: (N, C, H, W), γ, β: (C,) -> out: (N, C, H, W); the statistics run over N·H·W.
pub fn spatial_batchnorm_forward<F: Float>(
    x: ArrayView4<F>,
    gamma: ArrayView1<F>,
    beta: ArrayView1<F>,
    bn: &mut BnParam<F>,
) -> (Array4<F>, BnCache<F>) {
    let (out, cache) = batchnorm_forward(channels_last(x).view(), gamma, beta, bn);
    (channels_first(out, x.dim()), cache)
}

/// The backward pass of [`spatial_batchnorm_forward`] (the closed form):
/// dout: (N, C, H, W) -> (dx: (N, C, H, W), dγ, dβ: (C,)).
pub fn spatial_batchnorm_backward<F: Float>(
    dout: ArrayView4<F>,
    cache: &BnCache<F>,
) -> (Array4<F>, Array1<F>, Array1<F>) {
    let (dx, dgamma, dbeta) = batchnorm_backward_alt(channels_last(dout).view(), cache);
    (channels_first(dx, dout.dim()), dgamma, dbeta)
}

// ANCHOR: layernorm_forward
/// Layer normalization: each example (row) of x: (N, D) normalized over its own D features, then
/// `γ x̂ + β` per feature; the same in training and evaluation. The cache is a [`BnCache`] of the
/// transposed problem (features as the batch), so the backward pass is batch normalization's.
pub fn layernorm_forward<F: Float>(
    x: ArrayView2<F>,
    gamma: ArrayView1<F>,
    beta: ArrayView1<F>,
    eps: F,
) -> (Array2<F>, BnCache<F>) {
    // x̂ of the transposed problem, (D, N): each column one example, normalized.
    let (cache, _, _) = normalize_columns(x.t(), eps, Array1::ones(x.nrows()));
    let out = &cache.xhat.t() * &gamma + beta;
    (out, cache)
}
// ANCHOR_END: layernorm_forward

/// The backward pass of [`layernorm_forward`]: dout: (N, D) -> (dx: (N, D), dγ, dβ: (D,)).
pub fn layernorm_backward<F: Float>(
    dout: ArrayView2<F>,
    cache: &BnCache<F>,
    gamma: ArrayView1<F>,
) -> (Array2<F>, Array1<F>, Array1<F>) {
    let dbeta = dout.sum_axis(Axis(0));
    let dgamma = (&dout * &cache.xhat.t()).sum_axis(Axis(0));
    // Through γ, then batch normalization's closed form on the transposed problem (its γ is 1).
    let dxhat = (&dout * &gamma).reversed_axes();
    let (dxt, _, _) = batchnorm_backward_alt(dxhat.view(), cache);
    (
        dxt.reversed_axes().as_standard_layout().into_owned(),
        dgamma,
        dbeta,
    )
}
