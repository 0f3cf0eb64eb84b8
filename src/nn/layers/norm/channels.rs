//! The per-channel layer's fast path: batch normalization of flattened `(N, C, H, W)` images
//! computed in place on their `(N, C·H·W)` rows — each channel's statistics over N·H·W read from
//! contiguous runs of H·W values — instead of transposing to `(N·H·W, C)` and back as the slide
//! form ([`super::spatial_batchnorm_forward`]) does. The closed-form backward pass. A test holds
//! it equal to the slide form.

use super::batchnorm::BnParam;
use crate::Float;
use crate::runtime::simd;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

/// What the fast backward pass needs: x̂ in the rows' layout, and per channel 1/sqrt(var + eps).
#[derive(Clone, Debug)]
pub struct ChannelCache<F> {
    xhat: Array2<F>,
    ivar: Vec<F>,
}

/// Accumulators of [`sums`]: independent additions the core can overlap (one accumulator waits
/// for each addition to finish before the next).
const LANES: usize = 8;

/// `Σ f(a_i, b_i)` over two runs of equal length, in a fixed order that does not depend on the
/// machine: [`LANES`] partial sums over the chunks, then the remainder, then the partial sums
/// added pairwise. Compiled for the dispatched tier ([`simd::vectorized`]).
fn sums<F: Float>(a: &[F], b: &[F], f: impl Fn(F, F) -> F) -> F {
    simd::vectorized(
        #[inline(always)]
        || sums_in_lanes(a, b, f),
    )
}

#[inline(always)]
fn sums_in_lanes<F: Float>(a: &[F], b: &[F], f: impl Fn(F, F) -> F) -> F {
    let mut acc = [F::zero(); LANES];
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..LANES {
            acc[l] += f(x[l], y[l]);
        }
    }
    for (l, (&x, &y)) in ra.iter().zip(rb).enumerate() {
        acc[l] += f(x, y);
    }
    let mut width = LANES;
    while width > 1 {
        width /= 2;
        for l in 0..width {
            acc[l] += acc[l + width];
        }
    }
    acc[0]
}

/// Channel `ch`'s run of `hw` values in each of `rows` rows: `(row, start..end)`.
fn runs(
    rows: usize,
    hw: usize,
    ch: usize,
) -> impl Iterator<Item = (usize, std::ops::Range<usize>)> {
    (0..rows).map(move |r| (r, ch * hw..(ch + 1) * hw))
}

/// Training mode on rows of `c` channels of `hw` pixels: x: (N, C·H·W) -> (out, cache).
pub fn forward<F: Float>(
    x: ArrayView2<F>,
    hw: usize,
    gamma: ArrayView1<F>,
    beta: ArrayView1<F>,
    bn: &mut BnParam<F>,
) -> (Array2<F>, ChannelCache<F>) {
    let (n, c) = (x.nrows(), gamma.len());
    let x = x.as_standard_layout();
    let m = F::lit((n * hw) as f64);
    let (mut out, mut xhat) = (Array2::zeros((n, c * hw)), Array2::zeros((n, c * hw)));
    let (mut means, mut vars, mut ivars) = (Array1::zeros(c), Array1::zeros(c), vec![F::zero(); c]);
    for ch in 0..c {
        let mut sum = F::zero();
        for (r, run) in runs(n, hw, ch) {
            let v = &x.row(r).to_slice().expect("standard layout")[run];
            sum += sums(
                v,
                v,
                #[inline(always)]
                |v, _| v,
            );
        }
        let mean = sum / m;
        let mut sq = F::zero();
        for (r, run) in runs(n, hw, ch) {
            let v = &x.row(r).to_slice().expect("standard layout")[run];
            sq += sums(
                v,
                v,
                #[inline(always)]
                |v, _| (v - mean) * (v - mean),
            );
        }
        let var = sq / m;
        let ivar = F::one() / (var + bn.eps).sqrt();
        for (r, run) in runs(n, hw, ch) {
            let src = &x.row(r).to_slice().expect("standard layout")[run.clone()];
            let mut xh = xhat.row_mut(r);
            let xh = &mut xh.as_slice_mut().expect("standard layout")[run.clone()];
            for (h, &v) in xh.iter_mut().zip(src) {
                *h = (v - mean) * ivar;
            }
            let mut o = out.row_mut(r);
            let o = &mut o.as_slice_mut().expect("standard layout")[run];
            for (o, &h) in o.iter_mut().zip(xh.iter()) {
                *o = gamma[ch] * h + beta[ch];
            }
        }
        (means[ch], vars[ch], ivars[ch]) = (mean, var, ivar);
    }
    bn.update(&means, &vars, n * hw);
    (out, ChannelCache { xhat, ivar: ivars })
}

/// Evaluation mode: the running estimates, per channel.
pub fn eval<F: Float>(
    x: ArrayView2<F>,
    hw: usize,
    gamma: ArrayView1<F>,
    beta: ArrayView1<F>,
    bn: &BnParam<F>,
) -> Array2<F> {
    let mut out = x.as_standard_layout().into_owned();
    for mut row in out.rows_mut() {
        let row = row.as_slice_mut().expect("standard layout");
        for (ch, run) in row.chunks_mut(hw).enumerate() {
            let scale = gamma[ch] / (bn.running_var[ch] + bn.eps).sqrt();
            let shift = beta[ch] - bn.running_mean[ch] * scale;
            run.iter_mut().for_each(|v| *v = *v * scale + shift);
        }
    }
    out
}

/// The closed-form backward pass per channel: dout: (N, C·H·W) -> (dx, dγ, dβ: (C,)).
pub fn backward<F: Float>(
    dout: ArrayView2<F>,
    hw: usize,
    gamma: ArrayView1<F>,
    cache: &ChannelCache<F>,
) -> (Array2<F>, Array1<F>, Array1<F>) {
    let (n, c) = (dout.nrows(), gamma.len());
    let dout = dout.as_standard_layout();
    let m = F::lit((n * hw) as f64);
    let (mut dgamma, mut dbeta) = (Array1::zeros(c), Array1::zeros(c));
    let mut dx = Array2::zeros((n, c * hw));
    for ch in 0..c {
        let (mut sum_d, mut sum_dx) = (F::zero(), F::zero());
        for (r, run) in runs(n, hw, ch) {
            let d = &dout.row(r).to_slice().expect("standard layout")[run.clone()];
            let h = &cache.xhat.row(r).to_slice().expect("standard layout")[run];
            sum_d += sums(
                d,
                h,
                #[inline(always)]
                |d, _| d,
            );
            sum_dx += sums(
                d,
                h,
                #[inline(always)]
                |d, h| d * h,
            );
        }
        (dbeta[ch], dgamma[ch]) = (sum_d, sum_dx);
        // With dx̂ = γ dout: dx = ivar / M · (M dx̂ − Σ dx̂ − x̂ Σ dx̂ x̂).
        let (g, k) = (gamma[ch], cache.ivar[ch] / m);
        for (r, run) in runs(n, hw, ch) {
            let d = &dout.row(r).to_slice().expect("standard layout")[run.clone()];
            let h = &cache.xhat.row(r).to_slice().expect("standard layout")[run.clone()];
            let mut out = dx.row_mut(r);
            let out = &mut out.as_slice_mut().expect("standard layout")[run];
            for ((o, &d), &h) in out.iter_mut().zip(d).zip(h) {
                *o = (g * d * m - g * sum_d - h * g * sum_dx) * k;
            }
        }
    }
    (dx, dgamma, dbeta)
}
