//! The Performance chapter's rows: each of our cases, its label, which peer record stands for it,
//! and which same-run ratio is its machine limit.

use super::report::{PeerTime, fastest_peer, peer_epochs};

/// Which peer record stands for one of our cases.
pub type PeerOf = fn(&[serde_json::Value]) -> Option<PeerTime>;

/// The chapter's rows: our case, its label, its peer, and the same-run ratios to its machine
/// limits (the compute-bound cases: the FMA peak, and for the convolutions also the GEMM).
pub const ROWS: [(&str, &str, PeerOf, &[&str]); 17] = [
    (
        "fma_f32",
        "yardstick FMA peak f32 (registers only)",
        |_| None,
        &[],
    ),
    (
        "fma_f64",
        "yardstick FMA peak f64 (registers only)",
        |_| None,
        &[],
    ),
    (
        "gemm_1024",
        "GEMM 1024³ f32 (faer)",
        |r| fastest_peer(r, "gemm", &[("case", "sgemm_1024".into())]),
        &["gemm_1024/fma"],
    ),
    (
        "conv_c1",
        "conv LeNet C1 fwd+bwd, N=64",
        |r| conv_peer(r, "lenet_conv1"),
        &["conv_c1/fma", "conv_c1/gemm"],
    ),
    (
        "conv_c3",
        "conv LeNet C3 fwd+bwd, N=64",
        |r| conv_peer(r, "lenet_conv2"),
        &["conv_c3/fma", "conv_c3/gemm"],
    ),
    (
        "conv_mid",
        "conv mid 32x32x32x32, 64@3x3, fwd+bwd",
        |r| conv_peer(r, "mid_conv3x3"),
        &["conv_mid/fma", "conv_mid/gemm"],
    ),
    (
        "stream",
        "yardstick a += s·b, 10M f32",
        |r| {
            fastest_peer(
                r,
                "bandwidth",
                &[("dtype", "float32".into()), ("impl", "torch".into())],
            )
        },
        &[],
    ),
    (
        "sgd",
        "SGD step, 10M",
        |r| rule_peer(r, "SGD"),
        &["sgd/stream"],
    ),
    (
        "momentum",
        "Momentum step, 10M",
        |r| rule_peer(r, "SGD_momentum"),
        &["momentum/stream"],
    ),
    (
        "nesterov",
        "Nesterov step, 10M",
        |r| rule_peer(r, "SGD_nesterov"),
        &["nesterov/stream"],
    ),
    (
        "adagrad",
        "AdaGrad step, 10M",
        |r| rule_peer(r, "Adagrad"),
        &["adagrad/stream"],
    ),
    (
        "rmsprop",
        "RMSProp step, 10M",
        |r| rule_peer(r, "RMSprop"),
        &["rmsprop/stream"],
    ),
    (
        "adam",
        "Adam step, 10M",
        |r| rule_peer(r, "Adam"),
        &["adam/stream"],
    ),
    (
        "dropout",
        "inverted dropout fwd+bwd, 10M",
        |r| fastest_peer(r, "dropout", &[("n", 10_000_000.into())]),
        &["dropout/stream"],
    ),
    (
        "lenet_step",
        "LeNet-5 training step, batch 64",
        |r| {
            fastest_peer(
                r,
                "lenet_step",
                &[("case", "lenet5_relu_maxpool_28x28_pad2".into())],
            )
        },
        &["lenet_step/fma"],
    ),
    (
        "lenet_epoch",
        "Fashion-MNIST epoch, LeNet-5, batch 64",
        peer_epochs,
        &["lenet_epoch/steps"],
    ),
    (
        "softmax_eval",
        "softmax regression value+grad, 60k f64",
        |r| fastest_peer(r, "lbfgs", &[("case", "softmax_fg_eval".into())]),
        &["softmax_eval/fma"],
    ),
];

fn conv_peer(records: &[serde_json::Value], case: &str) -> Option<PeerTime> {
    fastest_peer(
        records,
        "conv2d",
        &[("case", case.into()), ("mode", "fwd+bwd".into())],
    )
}

fn rule_peer(records: &[serde_json::Value], case: &str) -> Option<PeerTime> {
    fastest_peer(
        records,
        "optimizer",
        &[("case", case.into()), ("n", 10_000_000.into())],
    )
}
