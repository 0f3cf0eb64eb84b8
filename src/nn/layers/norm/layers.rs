//! Batch and layer normalization as [`Layer`]s of a [`crate::nn::network::Sequential`]: the
//! slide-form functions of `norm/batchnorm.rs` with their parameters, gradients and running estimates.

use super::batchnorm::{
    BnCache, BnParam, Convention, batchnorm_backward, batchnorm_backward_alt, batchnorm_eval,
    batchnorm_forward, channels_first, channels_last, layernorm_backward, layernorm_forward,
};
use super::channels::{self, ChannelCache};
use crate::Float;
use crate::nn::layers::layer::{Layer, Mode, ParamGrad};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, CowArray, Ix2};

/// The γ, β pair every normalization layer hands to the optimizer.
fn gamma_and_beta<'a, F>(
    gamma: &'a mut Array1<F>,
    dgamma: &'a Array1<F>,
    beta: &'a mut Array1<F>,
    dbeta: &'a Array1<F>,
) -> Vec<ParamGrad<'a, F>> {
    vec![
        ParamGrad {
            name: "gamma",
            value: gamma.as_slice_mut().expect("γ is contiguous"),
            grad: dgamma.as_slice().expect("dγ is contiguous"),
        },
        ParamGrad {
            name: "beta",
            value: beta.as_slice_mut().expect("β is contiguous"),
            grad: dbeta.as_slice().expect("dβ is contiguous"),
        },
    ]
}

/// Batch normalization over the features of `(N, D)` rows, or per channel of flattened
/// `(N, C, H, W)` images ([`BatchNorm::spatial`]). γ starts at 1 and β at 0 (the identity after
/// normalizing); γ and β are not L2-regularized.
pub struct BatchNorm<F: Float> {
    gamma: Array1<F>,
    beta: Array1<F>,
    dgamma: Array1<F>,
    dbeta: Array1<F>,
    bn: BnParam<F>,
    /// `Some((C, H, W))`: rows are flattened images, normalized per channel.
    image: Option<(usize, usize, usize)>,
    /// Use the staged backward pass instead of the closed form (they agree to rounding). Per
    /// channel, the staged form runs the slide form's transposes; the closed form runs the fast
    /// path of `channels.rs`.
    pub staged: bool,
    cache: Option<Cache<F>>,
}

/// What a training forward pass leaves for the backward pass.
enum Cache<F> {
    /// The slide form's, on rows of features.
    Rows(BnCache<F>),
    /// The per-channel fast path's.
    Channels(ChannelCache<F>),
}

impl<F: Float> BatchNorm<F> {
    /// Over `d` features, PyTorch's convention and eps.
    pub fn new(d: usize) -> Self {
        BatchNorm {
            gamma: Array1::ones(d),
            beta: Array1::zeros(d),
            dgamma: Array1::zeros(d),
            dbeta: Array1::zeros(d),
            bn: BnParam::new(d),
            image: None,
            staged: false,
            cache: None,
        }
    }

    /// Per channel of `(C, H, W)` images given as flattened rows (after a convolution).
    pub fn spatial(c: usize, h: usize, w: usize) -> Self {
        BatchNorm {
            image: Some((c, h, w)),
            ..Self::new(c)
        }
    }

    /// The same layer with the running estimates following `convention` and normalizing with `eps`.
    pub fn with(mut self, convention: Convention, eps: f64) -> Self {
        self.bn.convention = convention;
        self.bn.eps = F::lit(eps);
        self
    }

    /// The same layer with γ and β set (for tests and for loading trained values).
    ///
    /// # Panics
    /// If either has another length than the layer's features or channels.
    pub fn with_gamma_beta(mut self, gamma: Array1<F>, beta: Array1<F>) -> Self {
        assert_eq!(gamma.len(), self.gamma.len(), "γ has one value per feature");
        assert_eq!(beta.len(), self.beta.len(), "β has one value per feature");
        (self.gamma, self.beta) = (gamma, beta);
        self
    }

    pub fn running_mean(&self) -> ArrayView1<'_, F> {
        self.bn.running_mean.view()
    }
    pub fn running_var(&self) -> ArrayView1<'_, F> {
        self.bn.running_var.view()
    }
    pub fn gamma(&self) -> ArrayView1<'_, F> {
        self.gamma.view()
    }
    pub fn beta(&self) -> ArrayView1<'_, F> {
        self.beta.view()
    }
    /// dγ of the last backward pass.
    pub fn dgamma(&self) -> ArrayView1<'_, F> {
        self.dgamma.view()
    }
    /// dβ of the last backward pass.
    pub fn dbeta(&self) -> ArrayView1<'_, F> {
        self.dbeta.view()
    }

    /// x as the (rows, features) the slide-form functions take: itself for features, the
    /// `(N·H·W, C)` transpose for images.
    fn as_rows<'a>(&self, x: ArrayView2<'a, F>) -> CowArray<'a, F, Ix2> {
        match self.image {
            None => x.into(),
            Some((c, h, w)) => {
                let images = crate::nn::layers::rows_as_images(x, (c, h, w));
                channels_last(images.view()).into()
            }
        }
    }

    /// The inverse of [`BatchNorm::as_rows`] for a batch of `n`.
    fn rows_back(&self, rows: Array2<F>, n: usize) -> Array2<F> {
        match self.image {
            None => rows,
            Some((c, h, w)) => {
                crate::nn::layers::images_to_rows(channels_first(rows, (n, c, h, w)))
            }
        }
    }
}

impl<F: Float> Layer<F> for BatchNorm<F> {
    fn describe(&self) -> String {
        match self.image {
            None => format!("batchnorm {}", self.gamma.len()),
            Some((c, h, w)) => format!("spatial batchnorm {c}x{h}x{w}"),
        }
    }

    fn forward(&mut self, x: ArrayView2<F>, mode: Mode) -> Array2<F> {
        let (g, b) = (self.gamma.view(), self.beta.view());
        if let (Some((_, h, w)), false) = (self.image, self.staged) {
            return match mode {
                Mode::Train => {
                    let (out, cache) = channels::forward(x, h * w, g, b, &mut self.bn);
                    self.cache = Some(Cache::Channels(cache));
                    out
                }
                Mode::Eval => channels::eval(x, h * w, g, b, &self.bn),
            };
        }
        let rows = self.as_rows(x);
        let out = match mode {
            Mode::Train => {
                let (out, cache) = batchnorm_forward(rows.view(), g, b, &mut self.bn);
                self.cache = Some(Cache::Rows(cache));
                out
            }
            Mode::Eval => batchnorm_eval(rows.view(), g, b, &self.bn),
        };
        self.rows_back(out, x.nrows())
    }

    fn backward(&mut self, dout: ArrayView2<F>) -> Array2<F> {
        let cache = self
            .cache
            .as_ref()
            .expect("batchnorm backward called before a training forward");
        let (dx, dgamma, dbeta) = match cache {
            Cache::Channels(cache) => {
                let hw = self.image.map_or(1, |(_, h, w)| h * w);
                channels::backward(dout, hw, self.gamma.view(), cache)
            }
            Cache::Rows(cache) => {
                let rows = self.as_rows(dout);
                let (dx, dgamma, dbeta) = if self.staged {
                    batchnorm_backward(rows.view(), cache)
                } else {
                    batchnorm_backward_alt(rows.view(), cache)
                };
                (self.rows_back(dx, dout.nrows()), dgamma, dbeta)
            }
        };
        self.dgamma = dgamma;
        self.dbeta = dbeta;
        dx
    }

    fn params(&mut self) -> Vec<ParamGrad<'_, F>> {
        gamma_and_beta(&mut self.gamma, &self.dgamma, &mut self.beta, &self.dbeta)
    }
}

/// Layer normalization over the features of `(N, D)` rows (each example its own statistics; the
/// same in training and evaluation). γ starts at 1 and β at 0.
pub struct LayerNorm<F: Float> {
    gamma: Array1<F>,
    beta: Array1<F>,
    dgamma: Array1<F>,
    dbeta: Array1<F>,
    eps: F,
    cache: Option<BnCache<F>>,
}

impl<F: Float> LayerNorm<F> {
    pub fn new(d: usize) -> Self {
        LayerNorm {
            gamma: Array1::ones(d),
            beta: Array1::zeros(d),
            dgamma: Array1::zeros(d),
            dbeta: Array1::zeros(d),
            eps: F::lit(super::batchnorm::EPS),
            cache: None,
        }
    }

    /// The same layer with γ and β set.
    ///
    /// # Panics
    /// If either has another length than the layer's features.
    pub fn with_gamma_beta(mut self, gamma: Array1<F>, beta: Array1<F>) -> Self {
        assert_eq!(gamma.len(), self.gamma.len(), "γ has one value per feature");
        assert_eq!(beta.len(), self.beta.len(), "β has one value per feature");
        (self.gamma, self.beta) = (gamma, beta);
        self
    }

    /// dγ of the last backward pass.
    pub fn dgamma(&self) -> ArrayView1<'_, F> {
        self.dgamma.view()
    }
    /// dβ of the last backward pass.
    pub fn dbeta(&self) -> ArrayView1<'_, F> {
        self.dbeta.view()
    }
}

impl<F: Float> Layer<F> for LayerNorm<F> {
    fn describe(&self) -> String {
        format!("layernorm {}", self.gamma.len())
    }

    fn forward(&mut self, x: ArrayView2<F>, mode: Mode) -> Array2<F> {
        let (out, cache) = layernorm_forward(x, self.gamma.view(), self.beta.view(), self.eps);
        self.cache = (mode == Mode::Train).then_some(cache);
        out
    }

    fn backward(&mut self, dout: ArrayView2<F>) -> Array2<F> {
        let cache = self
            .cache
            .as_ref()
            .expect("layernorm backward called before a training forward");
        let (dx, dgamma, dbeta) = layernorm_backward(dout, cache, self.gamma.view());
        self.dgamma = dgamma;
        self.dbeta = dbeta;
        dx
    }

    fn params(&mut self) -> Vec<ParamGrad<'_, F>> {
        gamma_and_beta(&mut self.gamma, &self.dgamma, &mut self.beta, &self.dbeta)
    }
}
