//! The six update rules by name, with the defaults the book uses for everything but the learning
//! rate (`mu = 0.9`, `decay_rate = 0.99`, `beta1 = 0.9`, `beta2 = 0.999`, `eps = 1e-7`), or with
//! any other values ([`Hyper`]: the book's playground sets them from its sliders).

use super::adagrad::AdaGrad;
use super::adam::Adam;
use super::momentum::Momentum;
use super::nesterov::Nesterov;
use super::optimizer::Optimizer;
use super::rmsprop::RmsProp;
use super::sgd::Sgd;
use crate::Float;
use crate::hyper::HyperparameterError;

/// One of the lecture's update rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Rule {
    Sgd,
    Momentum,
    Nesterov,
    Adagrad,
    Rmsprop,
    Adam,
}

impl Rule {
    /// All six, in the lecture's order.
    pub const ALL: [Rule; 6] = [
        Rule::Sgd,
        Rule::Momentum,
        Rule::Nesterov,
        Rule::Adagrad,
        Rule::Rmsprop,
        Rule::Adam,
    ];

    /// The name the built optimizer reports (`Optimizer::name`), as the CSV files spell it.
    pub fn name(self) -> &'static str {
        match self {
            Rule::Sgd => "sgd",
            Rule::Momentum => "momentum",
            Rule::Nesterov => "nesterov",
            Rule::Adagrad => "adagrad",
            Rule::Rmsprop => "rmsprop",
            Rule::Adam => "adam",
        }
    }

    /// The label figures use.
    pub fn label(self) -> &'static str {
        match self {
            Rule::Sgd => "SGD",
            Rule::Momentum => "Momentum",
            Rule::Nesterov => "Nesterov",
            Rule::Adagrad => "AdaGrad",
            Rule::Rmsprop => "RMSProp",
            Rule::Adam => "Adam",
        }
    }

    /// The hyperparameters other than the learning rate that [`Rule::build`] gives the rule, as
    /// the built optimizer reports them (`Optimizer::hyperparameters`).
    pub fn defaults(self) -> Vec<(&'static str, f64)> {
        let opt = self.build::<f64>(1.0).expect("1 is a valid learning rate");
        opt.hyperparameters()
            .into_iter()
            .filter(|(name, _)| *name != "learning_rate")
            .collect()
    }

    /// The rule with `learning_rate` and the default other hyperparameters.
    pub fn build<F: Float>(
        self,
        learning_rate: f64,
    ) -> Result<Box<dyn Optimizer<F>>, HyperparameterError> {
        self.build_with(learning_rate, &Hyper::default())
    }

    /// The rule with `learning_rate` and the hyperparameters of `hyper` it has (SGD reads none of
    /// them, Momentum and Nesterov `mu`, AdaGrad `eps`, RMSProp `decay_rate` and `eps`, Adam
    /// `beta1`, `beta2` and `eps`). The error names the first value out of its range.
    pub fn build_with<F: Float>(
        self,
        learning_rate: f64,
        hyper: &Hyper,
    ) -> Result<Box<dyn Optimizer<F>>, HyperparameterError> {
        let Hyper {
            mu,
            decay_rate,
            beta1,
            beta2,
            eps,
        } = *hyper;
        Ok(match self {
            Rule::Sgd => Box::new(Sgd::new(learning_rate)?),
            Rule::Momentum => Box::new(Momentum::new(learning_rate, mu)?),
            Rule::Nesterov => Box::new(Nesterov::new(learning_rate, mu)?),
            Rule::Adagrad => Box::new(AdaGrad::new(learning_rate)?.with_eps(eps)?),
            Rule::Rmsprop => Box::new(RmsProp::new(learning_rate, decay_rate)?.with_eps(eps)?),
            Rule::Adam => Box::new(Adam::new(learning_rate, beta1, beta2)?.with_eps(eps)?),
        })
    }
}

/// Every hyperparameter of the six rules but the learning rate, by its slide name.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Hyper {
    pub mu: f64,
    pub decay_rate: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
}

impl Default for Hyper {
    /// The book's: `mu = 0.9`, `decay_rate = 0.99`, `beta1 = 0.9`, `beta2 = 0.999`, `eps = 1e-7`.
    fn default() -> Self {
        Hyper {
            mu: 0.9,
            decay_rate: 0.99,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-7,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_books() {
        assert!(Rule::Sgd.defaults().is_empty());
        assert_eq!(Rule::Momentum.defaults(), vec![("mu", 0.9)]);
        assert_eq!(
            Rule::Adam.defaults(),
            vec![("beta1", 0.9), ("beta2", 0.999), ("eps", 1e-7)]
        );
    }

    #[test]
    fn build_with_sets_each_rules_own_hyperparameters() {
        let hyper = Hyper {
            mu: 0.5,
            decay_rate: 0.9,
            beta1: 0.8,
            beta2: 0.99,
            eps: 1e-6,
        };
        let got = |rule: Rule| {
            rule.build_with::<f64>(0.1, &hyper)
                .unwrap()
                .hyperparameters()
        };
        assert_eq!(got(Rule::Sgd), vec![("learning_rate", 0.1)]);
        assert_eq!(got(Rule::Nesterov)[1], ("mu", 0.5));
        assert_eq!(got(Rule::Adagrad)[1], ("eps", 1e-6));
        assert_eq!(
            got(Rule::Rmsprop)[1..],
            [("decay_rate", 0.9), ("eps", 1e-6)]
        );
        assert_eq!(
            got(Rule::Adam)[1..],
            [("beta1", 0.8), ("beta2", 0.99), ("eps", 1e-6)]
        );
        let bad = Hyper { mu: 1.0, ..hyper };
        let err = Rule::Momentum.build_with::<f64>(0.1, &bad).err().unwrap();
        assert_eq!(err.name, "mu");
        assert!(Rule::Adam.build_with::<f64>(0.1, &bad).is_ok());
    }

    #[test]
    fn names_match_the_built_optimizers() {
        for rule in Rule::ALL {
            assert_eq!(rule.name(), rule.build::<f64>(0.1).unwrap().name());
        }
    }
}
