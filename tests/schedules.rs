//! Learning-rate schedules: each against its closed form, against PyTorch's scheduler where the
//! two agree (`tests/reference_schedules.py`), their validation, and the training loop applying
//! them.

use nnlab::optim::Sgd;
use nnlab::optim::schedule::{
    Constant, Cosine, Exponential, InverseTime, LinearWarmup, LrSchedule, OneCycle, Per,
    ReduceOnPlateau, Schedule, StepDecay, WarmupThen,
};

// ---- output of `python3 tests/reference_schedules.py` (torch 2.15.0+cu132) ----
const STEP: [f64; 20] = [
    0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125, 0.0125, 0.0125, 0.00625, 0.00625,
    0.00625, 0.003125, 0.003125, 0.003125, 0.0015625, 0.0015625,
];
const EXPONENTIAL: [f64; 20] = [
    0.1,
    0.0818730753077982,
    0.06703200460356393,
    0.054881163609402636,
    0.04493289641172215,
    0.03678794411714422,
    0.0301194211912202,
    0.02465969639416064,
    0.020189651799465535,
    0.01652988882215865,
    0.013533528323661266,
    0.011080315836233385,
    0.009071795328941246,
    0.007427357821433385,
    0.006081006262521793,
    0.004978706836786391,
    0.004076220397836619,
    0.0033373269960326056,
    0.002732372244729254,
    0.002237077185616558,
];
const INVERSE_TIME: [f64; 20] = [
    0.1,
    0.06666666666666667,
    0.05,
    0.04000000000000001,
    0.03333333333333333,
    0.02857142857142857,
    0.025,
    0.022222222222222223,
    0.020000000000000004,
    0.018181818181818184,
    0.016666666666666666,
    0.015384615384615385,
    0.014285714285714285,
    0.013333333333333334,
    0.0125,
    0.011764705882352941,
    0.011111111111111112,
    0.010526315789473684,
    0.010000000000000002,
    0.009523809523809525,
];
const COSINE: [f64; 20] = [
    0.1,
    0.09932488451843476,
    0.0973179534641814,
    0.09403395068472119,
    0.08956245521512148,
    0.08402543779547418,
    0.07757393382706013,
    0.07038392352032198,
    0.06265153161346955,
    0.05458767760088045,
    0.04641232239911955,
    0.03834846838653045,
    0.03061607647967801,
    0.02342606617293986,
    0.016974562204525825,
    0.01143754478487852,
    0.006966049315278795,
    0.003682046535818579,
    0.0016751154815652447,
    0.001,
];
const WARMUP: [f64; 20] = [
    0.025,
    0.043750000000000004,
    0.06250000000000001,
    0.08125000000000002,
    0.10000000000000002,
    0.10000000000000002,
    0.10000000000000002,
    0.10000000000000002,
    0.10000000000000002,
    0.10000000000000002,
    0.10000000000000002,
    0.10000000000000002,
    0.10000000000000002,
    0.10000000000000002,
    0.10000000000000002,
    0.10000000000000002,
    0.10000000000000002,
    0.10000000000000002,
    0.10000000000000002,
    0.10000000000000002,
];
const WARMUP_COSINE: [f64; 20] = [
    0.025,
    0.043750000000000004,
    0.06250000000000001,
    0.08125000000000002,
    0.1,
    0.09890738003669029,
    0.09567727288213004,
    0.09045084971874738,
    0.08345653031794292,
    0.07500000000000001,
    0.06545084971874739,
    0.05522642316338269,
    0.04477357683661735,
    0.03454915028125265,
    0.02500000000000002,
    0.01654346968205711,
    0.009549150281252635,
    0.004322727117869953,
    0.001092619963309716,
    0.0,
];
const ONE_CYCLE: [f64; 20] = [
    0.0040000000000000036,
    0.013167184270002533,
    0.037167184270002526,
    0.06683281572999747,
    0.09083281572999748,
    0.1,
    0.09874640062350874,
    0.09504846320134738,
    0.089091617757105,
    0.0811745653949763,
    0.07169430017913009,
    0.06112620219362893,
    0.0500002,
    0.03887419780637107,
    0.028306099820869922,
    0.0188258346050237,
    0.010908782242895003,
    0.004951936798652629,
    0.0012539993764912555,
    4e-07,
];
const PLATEAU_METRICS: [f64; 20] = [
    1.0, 0.9, 0.9, 0.9, 0.9, 0.85, 0.85, 0.85, 0.85, 0.85, 0.85, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8,
    0.8, 0.8,
];
const PLATEAU: [f64; 20] = [
    0.1, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.025, 0.025, 0.025,
    0.0125, 0.0125, 0.0125, 0.0125, 0.00625,
];
// ---- end of output ----

fn first<S: Schedule>(s: &S, n: usize) -> Vec<f64> {
    (0..n).map(|t| s.rate(t)).collect()
}

fn assert_close(ours: &[f64], theirs: &[f64], tol: f64, what: &str) {
    assert_eq!(ours.len(), theirs.len(), "{what}");
    for (t, (a, b)) in ours.iter().zip(theirs).enumerate() {
        assert!(
            (a - b).abs() <= tol * b.abs().max(1e-300),
            "{what} at step {t}: ours {a}, PyTorch {b}"
        );
    }
}

#[test]
fn closed_forms_are_the_formulas() {
    assert_eq!(first(&Constant::new(0.3).unwrap(), 3), [0.3; 3]);
    // The slide's "halve it every few epochs".
    let step = StepDecay::new(0.1, 0.5, 3).unwrap();
    assert_eq!(first(&step, 7), [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025]);
    let exp = Exponential::new(0.1, 0.2).unwrap();
    assert_eq!(exp.rate(5), 0.1 * (-1.0f64).exp());
    let inv = InverseTime::new(0.1, 0.5).unwrap();
    assert_eq!(inv.rate(4), 0.1 / 3.0);
    let cos = Cosine::new(0.1, 0.001, 10).unwrap();
    let ends = [cos.rate(0), cos.rate(5), cos.rate(10), cos.rate(25)];
    assert_close(
        &ends,
        &[0.1, 0.0505, 0.001, 0.001],
        1e-15,
        "cosine: start, halfway, end, held",
    );
    let warm = LinearWarmup::new(0.2, 0.25, 4).unwrap();
    let want = [0.05, 0.0875, 0.125, 0.1625, 0.2, 0.2];
    assert_close(&first(&warm, 6), &want, 1e-15, "linear warmup");
    let then = WarmupThen::new(0.5, 2, StepDecay::new(0.1, 0.5, 1).unwrap()).unwrap();
    let want = [0.05, 0.075, 0.1, 0.05, 0.025];
    assert_close(
        &first(&then, 5),
        &want,
        1e-15,
        "warmup, then step decay from its step 0",
    );
    let one = OneCycle::new(0.1, 20).unwrap();
    let rates = first(&one, 25);
    let peak = rates.iter().cloned().fold(0.0, f64::max);
    let (initial, last) = (0.1 / 25.0, 0.1 / 25.0 / 1e4);
    assert_close(
        &[rates[0], peak, rates[19]],
        &[initial, 0.1, last],
        1e-14,
        "one-cycle",
    );
    assert_eq!(rates[5], 0.1, "the peak at pct_start * total_steps - 1");
    assert_eq!(rates[24], rates[19], "held at the final rate after the run");
}

#[test]
fn constructors_refuse_what_has_no_meaning() {
    let err = |e: nnlab::hyper::HyperparameterError| e.to_string();
    assert!(err(Exponential::new(0.1, -1.0).unwrap_err()).contains("k"));
    assert!(err(InverseTime::new(0.1, f64::NAN).unwrap_err()).contains("k"));
    assert!(err(StepDecay::new(0.1, 0.5, 0).unwrap_err()).contains("period"));
    assert!(err(StepDecay::new(0.1, 1.5, 2).unwrap_err()).contains("factor"));
    assert!(err(StepDecay::new(0.1, 0.0, 2).unwrap_err()).contains("factor"));
    assert!(err(Cosine::new(0.1, 0.2, 5).unwrap_err()).contains("alpha_min"));
    assert!(err(Cosine::new(0.1, 0.0, 0).unwrap_err()).contains("steps"));
    assert!(err(LinearWarmup::new(0.1, 0.0, 3).unwrap_err()).contains("start_factor"));
    assert!(err(Constant::new(-0.1).unwrap_err()).contains("learning_rate"));
    assert!(err(ReduceOnPlateau::new(0.1, 1.0, 2, 0.0, 0, 0.0).unwrap_err()).contains("factor"));
    assert!(err(OneCycle::with(0.1, 3, 0.3, 25.0, 1e4).unwrap_err()).contains("pct_start"));
    assert!(OneCycle::new(0.1, 20).is_ok());
}

#[test]
fn plateau_waits_for_patience_then_cools_down() {
    let mut s = ReduceOnPlateau::new(1.0, 0.5, 1, 0.0, 1, 0.1).unwrap();
    let mut seen = Vec::new();
    for metric in [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0] {
        seen.push(s.rate(0));
        s.observe(metric);
    }
    // Better, then two bad epochs (> patience 1) halve it; one epoch of cooldown; again; the floor.
    assert_eq!(seen, [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]);
    for _ in 0..20 {
        s.observe(1.0);
    }
    assert_eq!(s.rate(0), 0.1, "never below min_rate");
}

#[test]
fn the_training_loop_applies_a_schedule_before_every_update() {
    use nnlab::nn::init::Init;
    use nnlab::nn::network::Sequential;
    use nnlab::procedures::train::{Hooks, Split, TrainConfig, train};
    let mut rng = nnlab::rng::substream(3, 0);
    let x = ndarray::Array2::from_shape_fn((40, 784), |(i, j)| ((i * 7 + j) % 11) as f64 / 11.0);
    let y: Vec<usize> = (0..40).map(|i| i % 10).collect();
    let split = Split {
        x_train: x.view(),
        y_train: &y,
        x_val: x.view(),
        y_val: &y,
        test: None,
    };
    let cfg = TrainConfig {
        epochs: 3,
        batch_size: 10,
        train_eval_rows: 40,
    };
    let mut net = Sequential::<f64>::fashion_mlp(8, Init::He, &mut rng);
    let mut opt = Sgd::new(1.0).unwrap();
    let mut per_epoch = LrSchedule::new(StepDecay::new(0.1, 0.5, 1).unwrap(), Per::Epoch);
    let h = train(
        &mut net,
        &mut opt,
        &split,
        &cfg,
        &mut rng,
        Hooks::none().schedule(Some(&mut per_epoch)),
    );
    let rates: Vec<f64> = h.iters.iter().map(|r| r.learning_rate).collect();
    assert_eq!(rates, [[0.1; 4], [0.05; 4], [0.025; 4]].concat());
    let mut per_iter = LrSchedule::new(InverseTime::new(0.1, 1.0).unwrap(), Per::Iteration);
    let h = train(
        &mut net,
        &mut opt,
        &split,
        &cfg,
        &mut rng,
        Hooks::none().schedule(Some(&mut per_iter)),
    );
    assert_eq!(h.iters[3].learning_rate, 0.1 / 4.0);
}

#[test]
fn pytorch_agrees_where_the_definitions_do() {
    // Recursive ("chainable") PyTorch schedulers drift by a few ulps; 1e-12 relative is far
    // below any difference that matters and far above that drift.
    let tol = 1e-12;
    let cases: [(&str, Box<dyn Schedule>, &[f64; 20]); 7] = [
        (
            "step",
            Box::new(StepDecay::new(0.1, 0.5, 3).unwrap()),
            &STEP,
        ),
        (
            "exponential",
            Box::new(Exponential::new(0.1, 0.2).unwrap()),
            &EXPONENTIAL,
        ),
        (
            "1/t",
            Box::new(InverseTime::new(0.1, 0.5).unwrap()),
            &INVERSE_TIME,
        ),
        (
            "cosine",
            Box::new(Cosine::new(0.1, 0.001, 19).unwrap()),
            &COSINE,
        ),
        (
            "warmup",
            Box::new(LinearWarmup::new(0.1, 0.25, 4).unwrap()),
            &WARMUP,
        ),
        (
            "warmup + cosine",
            Box::new(WarmupThen::new(0.25, 4, Cosine::new(0.1, 0.0, 15).unwrap()).unwrap()),
            &WARMUP_COSINE,
        ),
        (
            "one-cycle",
            Box::new(OneCycle::new(0.1, 20).unwrap()),
            &ONE_CYCLE,
        ),
    ];
    for (what, schedule, theirs) in cases {
        let ours: Vec<f64> = (0..20).map(|t| schedule.rate(t)).collect();
        // Values that are exactly 0 compare absolutely.
        for (t, (a, b)) in ours.iter().zip(theirs.iter()).enumerate() {
            assert!(
                (a - b).abs() <= tol * b.abs().max(1e-3),
                "{what} at step {t}: ours {a}, PyTorch {b}"
            );
        }
    }
    let mut plateau = ReduceOnPlateau::new(0.1, 0.5, 2, 1e-4, 1, 0.0).unwrap();
    let mut ours = Vec::new();
    for metric in PLATEAU_METRICS {
        ours.push(plateau.rate(0));
        plateau.observe(metric);
    }
    assert_close(&ours, &PLATEAU, 0.0, "reduce-on-plateau");
}
