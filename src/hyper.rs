//! Validating hyperparameters: every constructor of a layer, rule or schedule checks its inputs
//! with these, and a value out of range is a [`HyperparameterError`] naming it (never a panic).

/// A hyperparameter outside its valid range.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{name} must be {requirement}, got {}", show(*value))]
pub struct HyperparameterError {
    pub name: &'static str,
    pub requirement: &'static str,
    pub value: f64,
}

/// `value` as a person would type it: `0.001`, `-1`, but `1e-300` and `1e308` rather than
/// hundreds of digits.
pub fn show(value: f64) -> String {
    let a = value.abs();
    if a == 0.0 || (1e-4..1e15).contains(&a) || !a.is_finite() {
        format!("{value}")
    } else {
        format!("{value:e}")
    }
}

/// Checks `value > 0` and finite.
pub fn check_positive(name: &'static str, value: f64) -> Result<f64, HyperparameterError> {
    if value > 0.0 && value.is_finite() {
        Ok(value)
    } else {
        Err(HyperparameterError {
            name,
            requirement: "> 0 and finite",
            value,
        })
    }
}

/// Checks `learning_rate > 0` and finite.
pub fn check_learning_rate(learning_rate: f64) -> Result<f64, HyperparameterError> {
    check_positive("learning_rate", learning_rate)
}

/// Checks `0 < value <= 1` (decay factors, warmup's start factor, dropout's keep probability).
pub fn check_fraction(name: &'static str, value: f64) -> Result<f64, HyperparameterError> {
    if value > 0.0 && value <= 1.0 {
        Ok(value)
    } else {
        Err(HyperparameterError {
            name,
            requirement: "in (0, 1]",
            value,
        })
    }
}

/// Checks `0 <= value < 1` (momentum `mu`, decay rates, Adam's betas).
pub fn check_unit_interval(name: &'static str, value: f64) -> Result<f64, HyperparameterError> {
    if (0.0..1.0).contains(&value) {
        Ok(value)
    } else {
        Err(HyperparameterError {
            name,
            requirement: "in [0, 1)",
            value,
        })
    }
}

/// Checks `0 < value < 1` (RMSProp's `decay_rate`: 0 would forget everything, 1 would be AdaGrad
/// without the sum).
pub fn check_open_unit_interval(
    name: &'static str,
    value: f64,
) -> Result<f64, HyperparameterError> {
    if value > 0.0 && value < 1.0 {
        Ok(value)
    } else {
        Err(HyperparameterError {
            name,
            requirement: "in (0, 1)",
            value,
        })
    }
}

/// Checks `eps > 0` and finite.
pub fn check_eps(eps: f64) -> Result<f64, HyperparameterError> {
    check_positive("eps", eps)
}
