//! A sequential network: layers applied in order, a loss on the last layer's scores, and optional
//! L2 regularization `0.5 * reg * Σ ||W||²`.

use crate::Float;
use crate::nn::init::{Init, init_weights};
use crate::nn::layers::{
    Activation, ActivationKind, Affine, Dropout, DropoutKind, Layer, Mode, ParamGrad,
};
use crate::nn::loss::{LossKind, softmax_rows};
use ndarray::{Array2, ArrayView2, Axis};
use rand::Rng;

/// Layers in order, with the loss they are trained against.
pub struct Sequential<F: Float> {
    pub layers: Vec<Box<dyn Layer<F>>>,
    pub loss: LossKind,
    /// L2 regularization strength on weights (not biases).
    pub reg: F,
    /// Rows per forward pass in [`Sequential::accuracy`]. 1,000 by default (large products for
    /// dense layers); a convolutional network's activations stay in cache in smaller batches
    /// (15,000 LeNet-5 predictions on one core: 0.39 s in batches of 128, 0.98 s in batches of
    /// 1,000, the same predictions).
    pub eval_batch: usize,
}

impl<F: Float> Sequential<F> {
    pub fn new(loss: LossKind, reg: F) -> Self {
        Sequential {
            layers: Vec::new(),
            loss,
            reg,
            eval_batch: 1000,
        }
    }

    /// The same network predicting in batches of `rows` (see [`Sequential::eval_batch`]).
    pub fn with_eval_batch(self, rows: usize) -> Self {
        Sequential {
            eval_batch: rows.max(1),
            ..self
        }
    }

    pub fn push(mut self, layer: impl Layer<F> + 'static) -> Self {
        self.layers.push(Box::new(layer));
        self
    }

    /// A multilayer perceptron: `sizes[0] -> ... -> sizes[last]` with `activation` between affine layers.
    pub fn mlp<R: Rng + ?Sized>(
        sizes: &[usize],
        activation: ActivationKind,
        init: Init,
        loss: LossKind,
        reg: F,
        rng: &mut R,
    ) -> Self {
        assert!(sizes.len() >= 2, "an MLP needs an input and an output size");
        let mut net = Sequential::new(loss, reg);
        for (i, pair) in sizes.windows(2).enumerate() {
            net = net.push(Affine::new(init_weights(init, pair[0], pair[1], rng)));
            if i + 2 < sizes.len() {
                net = net.push(Activation::new(activation));
            }
        }
        net
    }

    /// The slide's network with dropout: `sizes[0] -> ... -> sizes[last]`, each hidden layer
    /// followed by ReLU and dropout with keep probability `p` (its own mask stream each, keyed from
    /// `rng`), He initialization, softmax loss, no regularization. `[784, h, h, 10]` is the slide's
    /// 3-layer network.
    pub fn dropout_mlp<R: Rng + ?Sized>(
        sizes: &[usize],
        p: f64,
        kind: DropoutKind,
        rng: &mut R,
    ) -> Result<Self, crate::hyper::HyperparameterError> {
        assert!(sizes.len() >= 2, "an MLP needs an input and an output size");
        let mut net = Sequential::new(LossKind::Softmax, F::zero());
        for (i, pair) in sizes.windows(2).enumerate() {
            net = net.push(Affine::new(init_weights(Init::He, pair[0], pair[1], rng)));
            if i + 2 < sizes.len() {
                net = net.push(Activation::new(ActivationKind::Relu));
                net = net.push(Dropout::new(p, kind, rng.next_u64())?);
            }
        }
        Ok(net)
    }

    /// The update-rules chapters' 2-layer MLP on Fashion-MNIST: 784 -> `hidden` (ReLU) -> 10,
    /// softmax loss, no regularization.
    pub fn fashion_mlp<R: Rng + ?Sized>(hidden: usize, init: Init, rng: &mut R) -> Self {
        let (relu, softmax) = (ActivationKind::Relu, LossKind::Softmax);
        Self::mlp(&[784, hidden, 10], relu, init, softmax, F::zero(), rng)
    }

    /// x: (N, D) -> scores: (N, C)
    pub fn forward(&mut self, x: ArrayView2<F>, mode: Mode) -> Array2<F> {
        self.forward_first(x, self.layers.len(), mode)
    }

    /// The output of the first `layers` layers in `mode` (in training mode dropout draws a mask).
    pub fn forward_first(&mut self, x: ArrayView2<F>, layers: usize, mode: Mode) -> Array2<F> {
        let mut h = x.to_owned();
        for layer in &mut self.layers[..layers] {
            h = layer.forward(h.view(), mode);
        }
        h
    }

    /// The output of the first `layers` layers (e.g. a convolution's feature maps), evaluation mode.
    pub fn forward_through(&mut self, x: ArrayView2<F>, layers: usize) -> Array2<F> {
        assert!(
            layers <= self.layers.len(),
            "the network has {} layers",
            self.layers.len()
        );
        self.forward_first(x, layers, Mode::Eval)
    }

    // ANCHOR: loss_and_grad
    /// Forward, loss and backward on a batch; parameter gradients are left in the layers.
    /// x: (N, D), y: (N,) -> loss (data loss plus regularization)
    pub fn loss_and_grad(&mut self, x: ArrayView2<F>, y: &[usize]) -> F {
        let scores = self.forward(x, Mode::Train);
        let (data_loss, dscores) = self.loss.evaluate(scores.view(), y);
        let mut d = dscores;
        for layer in self.layers.iter_mut().rev() {
            d = layer.backward(d.view());
        }
        if self.reg > F::zero() {
            for layer in &mut self.layers {
                layer.add_weight_decay_grad(self.reg);
            }
        }
        data_loss + self.reg_loss()
    }
    // ANCHOR_END: loss_and_grad

    /// The training loss of a batch without the backward pass: what [`Sequential::loss_and_grad`]
    /// returns, at half its cost (a gradient check evaluates it twice per entry).
    pub fn loss(&mut self, x: ArrayView2<F>, y: &[usize]) -> F {
        let scores = self.forward(x, Mode::Train);
        self.loss.evaluate(scores.view(), y).0 + self.reg_loss()
    }

    /// The regularization term of the training loss, `0.5 * reg * sum ||W||^2` over the layers.
    pub fn reg_loss(&self) -> F {
        let mut reg_loss = F::zero();
        if self.reg > F::zero() {
            for layer in &self.layers {
                reg_loss += F::lit(0.5) * self.reg * layer.weight_sq_sum();
            }
        }
        reg_loss
    }

    /// Every parameter tensor with its gradient, in a fixed order (the optimizer's slot order).
    pub fn params(&mut self) -> Vec<ParamGrad<'_, F>> {
        self.layers.iter_mut().flat_map(|l| l.params()).collect()
    }

    /// Total number of scalar parameters.
    pub fn num_params(&mut self) -> usize {
        self.params().iter().map(|p| p.value.len()).sum()
    }

    /// Predicted classes for x: (N, D), evaluated in batches of `batch` rows.
    pub fn predict(&mut self, x: ArrayView2<F>, batch: usize) -> Vec<usize> {
        let mut out = Vec::with_capacity(x.nrows());
        for chunk in x.axis_chunks_iter(Axis(0), batch.max(1)) {
            let scores = self.forward(chunk, Mode::Eval);
            out.extend(
                scores
                    .axis_iter(Axis(0))
                    .map(|row| argmax(row.iter().copied())),
            );
        }
        out
    }

    /// Class probabilities (the softmax of the scores) for x: (N, D) -> (N, C), in batches of
    /// [`Sequential::eval_batch`] rows. In [`Mode::Train`] every batch sees fresh dropout masks: one
    /// sample of the network's random predictions, the ingredient of Monte-Carlo averaging.
    pub fn probabilities(&mut self, x: ArrayView2<F>, mode: Mode) -> Array2<F> {
        let batches = x.axis_chunks_iter(Axis(0), self.eval_batch);
        let probs: Vec<Array2<F>> = batches
            .map(|chunk| softmax_rows(self.forward(chunk, mode).view()))
            .collect();
        let views: Vec<_> = probs.iter().map(|p| p.view()).collect();
        ndarray::concatenate(Axis(0), &views).expect("batches of one network agree on C")
    }

    /// Copies every parameter of `from`, a network of the same architecture (e.g. the same trained
    /// weights under another dropout form).
    ///
    /// # Panics
    /// If the two networks' parameter tensors differ in number or size.
    pub fn copy_params_from(&mut self, from: &mut Sequential<F>) {
        let (mut to, from) = (self.params(), from.params());
        assert_eq!(to.len(), from.len(), "networks differ in parameter tensors");
        for (t, f) in to.iter_mut().zip(&from) {
            assert_eq!(t.value.len(), f.value.len(), "{} differs in size", t.name);
            t.value.copy_from_slice(f.value);
        }
    }

    /// Fraction of rows of x whose predicted class equals y.
    pub fn accuracy(&mut self, x: ArrayView2<F>, y: &[usize]) -> f64 {
        if y.is_empty() {
            return 0.0;
        }
        let pred = self.predict(x, self.eval_batch);
        pred.iter().zip(y).filter(|(p, t)| p == t).count() as f64 / y.len() as f64
    }

    /// One line per layer, e.g. for `meta.json`.
    pub fn describe(&self) -> Vec<String> {
        self.layers.iter().map(|l| l.describe()).collect()
    }
}

/// Index of the largest value (the first one on ties).
pub fn argmax<F: Float>(values: impl Iterator<Item = F>) -> usize {
    let mut best = (0, F::neg_infinity());
    for (i, v) in values.enumerate() {
        if v > best.1 {
            best = (i, v);
        }
    }
    best.0
}
