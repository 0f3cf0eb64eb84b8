//! Two-dimensional loss surfaces with analytic gradients, for watching update rules move.

/// A function of two variables with its gradient, and a window in which to draw it.
pub trait Surface: Sync {
    /// Short name used in CSV files, e.g. `taco`.
    fn name(&self) -> &'static str;
    /// The formula as the book writes it.
    fn formula(&self) -> String;
    fn value(&self, x: f64, y: f64) -> f64;
    fn grad(&self, x: f64, y: f64) -> (f64, f64);
    /// `(x_min, x_max, y_min, y_max)` for plots.
    fn window(&self) -> (f64, f64, f64, f64);
    /// The usual starting point of the experiments.
    fn start(&self) -> (f64, f64);
    /// The global minimizer, when there is one.
    fn minimum(&self) -> Option<(f64, f64)>;
}

// ANCHOR: taco
/// The "taco shell": `f = 0.5 * (a x² + b y²)`, steep along y and shallow along x when b ≫ a.
/// Its condition number is `b / a`.
#[derive(Clone, Copy, Debug)]
pub struct TacoShell {
    pub a: f64,
    pub b: f64,
}

impl Default for TacoShell {
    /// Condition number 50.
    fn default() -> Self {
        TacoShell { a: 1.0, b: 50.0 }
    }
}

impl Surface for TacoShell {
    fn name(&self) -> &'static str {
        "taco"
    }
    fn formula(&self) -> String {
        format!("f = 0.5 ({} x² + {} y²)", self.a, self.b)
    }
    fn value(&self, x: f64, y: f64) -> f64 {
        0.5 * (self.a * x * x + self.b * y * y)
    }
    fn grad(&self, x: f64, y: f64) -> (f64, f64) {
        (self.a * x, self.b * y)
    }
    // ANCHOR_END: taco
    fn window(&self) -> (f64, f64, f64, f64) {
        (-11.0, 3.0, -2.0, 2.0)
    }
    fn start(&self) -> (f64, f64) {
        (-10.0, 1.0)
    }
    fn minimum(&self) -> Option<(f64, f64)> {
        Some((0.0, 0.0))
    }
}

/// Rosenbrock's banana valley: `f = (1 - x)² + 100 (y - x²)²`, minimum at (1, 1).
#[derive(Clone, Copy, Debug, Default)]
pub struct Rosenbrock;

impl Surface for Rosenbrock {
    fn name(&self) -> &'static str {
        "rosenbrock"
    }
    fn formula(&self) -> String {
        "f = (1 - x)² + 100 (y - x²)²".into()
    }
    fn value(&self, x: f64, y: f64) -> f64 {
        (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2)
    }
    fn grad(&self, x: f64, y: f64) -> (f64, f64) {
        (
            -2.0 * (1.0 - x) - 400.0 * x * (y - x * x),
            200.0 * (y - x * x),
        )
    }
    fn window(&self) -> (f64, f64, f64, f64) {
        (-2.0, 2.0, -1.0, 3.0)
    }
    fn start(&self) -> (f64, f64) {
        (-1.5, 2.0)
    }
    fn minimum(&self) -> Option<(f64, f64)> {
        Some((1.0, 1.0))
    }
}

/// Beale's function: `f = (1.5 - x + xy)² + (2.25 - x + xy²)² + (2.625 - x + xy³)²`, minimum at (3, 0.5).
#[derive(Clone, Copy, Debug, Default)]
pub struct Beale;

impl Surface for Beale {
    fn name(&self) -> &'static str {
        "beale"
    }
    fn formula(&self) -> String {
        "f = (1.5 - x + xy)² + (2.25 - x + xy²)² + (2.625 - x + xy³)²".into()
    }
    fn value(&self, x: f64, y: f64) -> f64 {
        let t1 = 1.5 - x + x * y;
        let t2 = 2.25 - x + x * y * y;
        let t3 = 2.625 - x + x * y * y * y;
        t1 * t1 + t2 * t2 + t3 * t3
    }
    fn grad(&self, x: f64, y: f64) -> (f64, f64) {
        let t1 = 1.5 - x + x * y;
        let t2 = 2.25 - x + x * y * y;
        let t3 = 2.625 - x + x * y * y * y;
        let dx = 2.0 * t1 * (y - 1.0) + 2.0 * t2 * (y * y - 1.0) + 2.0 * t3 * (y * y * y - 1.0);
        let dy = 2.0 * t1 * x + 2.0 * t2 * 2.0 * x * y + 2.0 * t3 * 3.0 * x * y * y;
        (dx, dy)
    }
    fn window(&self) -> (f64, f64, f64, f64) {
        (-1.0, 4.0, -1.5, 2.0)
    }
    fn start(&self) -> (f64, f64) {
        (1.0, 1.5)
    }
    fn minimum(&self) -> Option<(f64, f64)> {
        Some((3.0, 0.5))
    }
}

/// The saddle `f = x² - y²`: zero gradient at the origin, unbounded below along y.
#[derive(Clone, Copy, Debug, Default)]
pub struct Saddle;

impl Surface for Saddle {
    fn name(&self) -> &'static str {
        "saddle"
    }
    fn formula(&self) -> String {
        "f = x² - y²".into()
    }
    fn value(&self, x: f64, y: f64) -> f64 {
        x * x - y * y
    }
    fn grad(&self, x: f64, y: f64) -> (f64, f64) {
        (2.0 * x, -2.0 * y)
    }
    fn window(&self) -> (f64, f64, f64, f64) {
        (-1.5, 1.5, -1.5, 1.5)
    }
    fn start(&self) -> (f64, f64) {
        (-1.0, 1e-3)
    }
    fn minimum(&self) -> Option<(f64, f64)> {
        None
    }
}

/// The taco shell the chapters use (curvatures 1 and 50: [`TacoShell::default`]).
pub static TACO: TacoShell = TacoShell { a: 1.0, b: 50.0 };

/// The four surfaces of the update-rules chapter, in its order.
pub fn all() -> [&'static dyn Surface; 4] {
    [&TACO, &Rosenbrock, &Beale, &Saddle]
}

/// One point of an optimizer's path.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PathPoint {
    pub iter: usize,
    pub x: f64,
    pub y: f64,
    pub loss: f64,
}

/// The update-rules chapter's tuning objective for a path of `iters` steps: the final loss; +inf
/// if the run left the finite numbers early and, on a surface with a minimum, if the path ever
/// leaves the plotting window (a rate the figure could not show does not win). The saddle is
/// unbounded below, so there the final point is clamped to the window instead (see
/// [`clamped_loss`]).
pub fn window_objective(surface: &dyn Surface, path: &[PathPoint], iters: usize) -> f64 {
    let last = path.last().expect("a path holds its start");
    if last.iter < iters {
        return f64::INFINITY;
    }
    if surface.minimum().is_some() {
        let (x0, x1, y0, y1) = surface.window();
        let inside = |p: &PathPoint| (x0..=x1).contains(&p.x) && (y0..=y1).contains(&p.y);
        if !path.iter().all(inside) {
            return f64::INFINITY;
        }
    }
    clamped_loss(surface, last)
}

/// The loss at `p`; on a surface unbounded below, at `p` clamped to the plotting window (escaping
/// counts the same however far the run went).
pub fn clamped_loss(surface: &dyn Surface, p: &PathPoint) -> f64 {
    if surface.minimum().is_some() {
        return p.loss;
    }
    let (x0, x1, y0, y1) = surface.window();
    surface.value(p.x.clamp(x0, x1), p.y.clamp(y0, y1))
}

/// Runs `opt` on `surface` from `start` for `iters` steps; the path includes the start (iter 0).
/// A step that leaves the finite numbers ends the path early.
pub fn descend(
    surface: &dyn Surface,
    opt: &mut dyn crate::optim::Optimizer<f64>,
    start: (f64, f64),
    iters: usize,
) -> Vec<PathPoint> {
    descend_scheduled(surface, opt, None, start, iters)
}

/// [`descend`] with the learning rate of every step set by `schedule` first (each step is one
/// iteration of epoch 0; the first step is iteration 0). `None` keeps `opt`'s rate.
pub fn descend_scheduled(
    surface: &dyn Surface,
    opt: &mut dyn crate::optim::Optimizer<f64>,
    schedule: Option<&crate::optim::schedule::LrSchedule>,
    start: (f64, f64),
    iters: usize,
) -> Vec<PathPoint> {
    let mut p = [start.0, start.1];
    let mut path = vec![PathPoint {
        iter: 0,
        x: p[0],
        y: p[1],
        loss: surface.value(p[0], p[1]),
    }];
    for iter in 1..=iters {
        let (gx, gy) = surface.grad(p[0], p[1]);
        if let Some(schedule) = schedule {
            schedule.apply(opt, iter - 1, 0);
        }
        opt.begin_step();
        opt.update(0, &mut p, &[gx, gy]);
        let loss = surface.value(p[0], p[1]);
        if !(loss.is_finite() && p[0].is_finite() && p[1].is_finite()) {
            break;
        }
        path.push(PathPoint {
            iter,
            x: p[0],
            y: p[1],
            loss,
        });
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::Sgd;
    use crate::procedures::gradcheck::{max_rel_error, numerical_gradient};

    fn check(surface: &dyn Surface, points: &[(f64, f64)]) {
        for &(x, y) in points {
            let (gx, gy) = surface.grad(x, y);
            let mut p = [x, y];
            let num = numerical_gradient(|p: &[f64]| surface.value(p[0], p[1]), &mut p, 1e-6);
            let err = max_rel_error(&[gx, gy], &num, 1e-8);
            assert!(
                err < 1e-7,
                "{} at ({x}, {y}): rel error {err}",
                surface.name()
            );
        }
    }

    #[test]
    fn gradients_match_finite_differences() {
        let pts = [(-1.3, 0.7), (0.4, -1.1), (2.0, 0.25), (-0.6, 1.9)];
        check(&TacoShell::default(), &pts);
        check(&Rosenbrock, &pts);
        check(&Beale, &pts);
        check(&Saddle, &pts);
    }

    #[test]
    fn minima_are_stationary() {
        for s in [&TacoShell::default() as &dyn Surface, &Rosenbrock, &Beale] {
            let (x, y) = s.minimum().unwrap();
            let (gx, gy) = s.grad(x, y);
            assert!(gx.abs() < 1e-12 && gy.abs() < 1e-12, "{}", s.name());
            assert!(s.value(x, y).abs() < 1e-12);
        }
        assert_eq!(Saddle.grad(0.0, 0.0), (0.0, 0.0));
    }

    #[test]
    fn a_constant_schedule_leaves_the_path_as_it_was_and_a_decay_shortens_its_steps() {
        use crate::optim::schedule::{Family, Stretch};
        for surface in all() {
            let run = |schedule: Option<Family>| {
                let mut opt = Sgd::new(1e-3).unwrap();
                let s = schedule.map(|f| f.over(1e-3, 50, &Stretch::default()).unwrap());
                descend_scheduled(surface, &mut opt, s.as_ref(), surface.start(), 50)
            };
            let plain = descend(surface, &mut Sgd::new(1e-3).unwrap(), surface.start(), 50);
            assert_eq!(run(Some(Family::Constant)), plain, "{}", surface.name());
            let step = |path: &[PathPoint], i: usize| {
                (path[i + 1].x - path[i].x).hypot(path[i + 1].y - path[i].y)
            };
            let decayed = run(Some(Family::Exponential));
            assert_eq!(step(&decayed, 0), step(&plain, 0), "{}", surface.name());
            assert!(
                step(&decayed, 49) < step(&plain, 49) / 10.0,
                "{}",
                surface.name()
            );
        }
    }

    #[test]
    fn taco_condition_number_is_at_least_50() {
        let t = TacoShell::default();
        assert!(t.b / t.a >= 50.0);
    }

    #[test]
    fn the_window_objective_rejects_paths_that_leave_the_plot() {
        let taco = TacoShell::default();
        let (x0, _, _, y1) = taco.window();
        let at = |iter, x, y| PathPoint {
            iter,
            x,
            y,
            loss: taco.value(x, y),
        };
        let inside = [at(0, -2.0, 1.0), at(1, -1.0, 0.5), at(2, 0.0, 0.0)];
        assert_eq!(window_objective(&taco, &inside, 2), 0.0);
        // Stopped early (diverged) or one point outside the window: +inf.
        assert_eq!(window_objective(&taco, &inside[..2], 2), f64::INFINITY);
        let out = [inside[0], at(1, x0 - 1.0, y1), inside[2]];
        assert_eq!(window_objective(&taco, &out, 2), f64::INFINITY);
        // The saddle has no minimum: the final point is clamped to the window.
        let (sx0, sx1, _, sy1) = Saddle.window();
        let far = PathPoint {
            iter: 5,
            x: 0.0,
            y: 100.0 * sy1,
            loss: Saddle.value(0.0, 100.0 * sy1),
        };
        let clamped = Saddle.value(0.0_f64.clamp(sx0, sx1), sy1);
        assert_eq!(window_objective(&Saddle, &[far], 5), clamped);
        assert!(clamped > far.loss);
    }

    #[test]
    fn descend_stops_on_divergence() {
        // learning_rate 0.1 > 2/b on the steep axis: each step multiplies y by (1 - 0.1*50) = -4.
        let mut opt = Sgd::new(0.1).unwrap();
        let path = descend(&TacoShell::default(), &mut opt, (1.0, 1.0), 10_000);
        assert!(path.len() < 10_000);
        let mut opt = Sgd::new(0.01).unwrap();
        let path = descend(&TacoShell::default(), &mut opt, (1.0, 1.0), 100);
        assert_eq!(path.len(), 101);
        approx::assert_relative_eq!(path[1].y, 0.5, epsilon = 1e-15);
    }
}
