//! Part 2: inside the deep MLP — the gradient reaching each layer, the sign pattern of a weight
//! gradient, and ReLUs that never fire.

use ndarray::{ArrayView2, s};
use nnlab::nn::network::Sequential;
use nnlab::procedures::inside::{never_firing, one_sign_columns, weight_gradient_rms};
use nnlab::procedures::metrics::mean_and_range;
use nnlab::report::numbers::{Numbers, percent_of, sig3};
use nnlab::report::plot::{LineChart, Series};

/// A labelled batch of training images.
pub type Batch<'a> = (ArrayView2<'a, f32>, &'a [usize]);

/// What one trained run leaves behind besides its history.
pub struct Inside {
    /// The root mean square of each layer's weight gradient on the probe batch.
    pub norms: Vec<f64>,
    /// The share of each hidden layer's units that never output a positive value on the whole
    /// training set (None for a run that diverged).
    pub never_fire: Option<Vec<f64>>,
}

/// [`Inside`] of a trained network.
pub fn measure(
    net: &mut Sequential<f32>,
    diverged: bool,
    probe: Batch,
    train: ArrayView2<f32>,
) -> Inside {
    Inside {
        norms: weight_gradient_rms(net, probe.0, probe.1),
        never_fire: (!diverged).then(|| never_firing(net, train)),
    }
}

#[derive(serde::Serialize)]
pub struct NormRow {
    pub activation: String,
    pub seed: usize,
    pub when: &'static str,
    pub layer: usize,
    pub norm: f64,
}

/// Rows of `gradient_norms.csv` for one activation's runs, measured `when`.
pub fn norm_rows(activation: &str, when: &'static str, per_seed: &[Vec<f64>]) -> Vec<NormRow> {
    let mut rows = Vec::new();
    for (seed, norms) in per_seed.iter().enumerate() {
        rows.extend(norms.iter().enumerate().map(|(l, &norm)| NormRow {
            activation: activation.to_string(),
            seed,
            when,
            layer: l + 1,
            norm,
        }));
    }
    rows
}

/// The mean over seeds of each layer's gradient size, as a curve; quotes the ratio of the first
/// layer's to the last layer's as `<key>_grad_ratio_<when>`.
pub fn norm_curve(
    numbers: &mut Numbers,
    key: &str,
    label: &str,
    when: &str,
    per_seed: &[Vec<f64>],
    color: usize,
) -> Series {
    let layers = per_seed.first().map_or(0, Vec::len);
    let mean: Vec<(f64, f64)> = (0..layers)
        .map(|l| {
            let sum: f64 = per_seed.iter().map(|n| n[l]).sum();
            ((l + 1) as f64, (sum / per_seed.len() as f64).max(1e-30))
        })
        .collect();
    if let (Some(first), Some(last)) = (mean.first(), mean.last()) {
        numbers.value(&format!("{key}_grad_ratio_{when}"), sig3(first.1 / last.1));
    }
    Series::new(label, mean).with_dots().colored(color)
}

/// The chart of the gradient norms per layer.
pub fn norm_chart(title: &str, curves: Vec<Series>) -> LineChart {
    LineChart::new(title, "layer (1 = nearest the input)", "RMS of dW entries")
        .log_y()
        .with(curves)
}

/// The table `sign_pattern`: for each activation's network at initialization, the share of the
/// second weight matrix's columns (one per unit) whose gradient has one sign, from one example and
/// from a batch; the values `<key>_one_sign_1` and the mean of the first hidden layer's output.
pub fn sign_pattern(
    numbers: &mut Numbers,
    nets: &mut [(String, String, Sequential<f32>)],
    probe: Batch,
    batch: usize,
    w2_shape: (usize, usize),
) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for (key, label, net) in nets.iter_mut() {
        let mut share = |n: usize| {
            let n = n.min(probe.1.len());
            net.loss_and_grad(probe.0.slice(s![..n, ..]), &probe.1[..n]);
            let params = net.params();
            let dw = ArrayView2::from_shape(w2_shape, params[2].grad).expect("W's shape");
            one_sign_columns(dw)
        };
        let (one, many) = (share(1), share(batch));
        let h1 = net.forward_first(probe.0, 2, nnlab::nn::layers::Mode::Eval);
        let mean = h1.iter().map(|&v| v as f64).sum::<f64>() / h1.len() as f64;
        numbers
            .value(&format!("{key}_one_sign_1"), percent_of(one, 0))
            .value(&format!("{key}_one_sign_batch"), percent_of(many, 0))
            .value(&format!("{key}_h1_mean"), sig3(mean));
        rows.push(vec![
            label.clone(),
            sig3(mean),
            percent_of(one, 0),
            percent_of(many, 0),
        ]);
    }
    rows
}

/// "mean (low–high)" of the share of all hidden units that never fire, over the runs that did
/// not diverge (`diverged` if none is left), and the mean per layer.
pub fn dead_summary(runs: &[Inside]) -> (String, Vec<f64>) {
    let alive: Vec<&Vec<f64>> = runs.iter().filter_map(|r| r.never_fire.as_ref()).collect();
    if alive.is_empty() {
        return ("every run diverged".into(), Vec::new());
    }
    let overall: Vec<f64> = alive
        .iter()
        .map(|l| l.iter().sum::<f64>() / l.len() as f64)
        .collect();
    let (m, lo, hi) = mean_and_range(&overall).expect("at least one run");
    let layers = alive[0].len();
    let per_layer = (0..layers)
        .map(|l| alive.iter().map(|r| r[l]).sum::<f64>() / alive.len() as f64)
        .collect();
    let text = format!(
        "{} ({}–{})",
        percent_of(m, 1),
        percent_of(lo, 1),
        percent_of(hi, 1)
    );
    (text, per_layer)
}
