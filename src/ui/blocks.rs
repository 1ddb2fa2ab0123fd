//! A shrunk grid's block chosen without building each of its cells. The grids of whole
//! arrays (the input, dx_pad, the feature maps) hold a million cells each at 1024x1024,
//! and building every cell of every block to pick the one shown took 300 ms a frame at
//! that size. The functions here find the cell [`super::grid::Grid::shrunk`] picks (the
//! first, row by row, of the highest rank and then the largest |value|) by scanning the
//! array's rows as slices, and the block's strongest mark from where the marks are
//! (windows, a list of cells), not cell by cell. Tests hold them to the cell-by-cell
//! choice.

use std::ops::Range;

use super::grid::Mark;
use crate::app::App;
use crate::conv::Window;

/// Which cell of a block (rows, columns of the source grid) a shrunk grid shows, and
/// the strongest mark in the block.
pub type BlockFn<'a> =
    Box<dyn Fn(Range<usize>, Range<usize>) -> ((usize, usize), Mark) + Sync + 'a>;

/// How `Grid::shrunk` ranks values of one rank: by |v|, a value that is not finite
/// above every finite one.
pub fn magnitude(v: f64) -> f64 {
    if v.is_finite() {
        v.abs()
    } else {
        f64::INFINITY
    }
}

/// The strongest cell so far of a block scanned row by row, left to right: a later
/// cell replaces it only if strictly stronger (rank, then magnitude), so the first of
/// equals stays, as in `Grid::shrunk`. A run is compared by its largest magnitude
/// alone; where in it that value sits is looked up once, for the run that wins.
pub struct Best<'a> {
    key: Option<(u8, f64)>,
    cell: (usize, usize),
    /// The winning run's values, where its cell is still to be found in them.
    run: Option<&'a [f64]>,
}

impl<'a> Best<'a> {
    pub fn new() -> Best<'a> {
        Best {
            key: None,
            cell: (0, 0),
            run: None,
        }
    }

    /// Row `r`'s columns `cols`, all of rank `rank`, with these values (`None`: all 0).
    pub fn offer_run(&mut self, r: usize, cols: Range<usize>, rank: u8, values: Option<&'a [f64]>) {
        if cols.is_empty() || self.key.is_some_and(|(k, _)| rank < k) {
            return;
        }
        let mag = values.map_or(0.0, max_magnitude);
        self.offer_max(r, cols.start, rank, values, mag);
    }

    /// As [`Best::offer_run`], the run's largest magnitude `mag` already known.
    pub fn offer_max(
        &mut self,
        r: usize,
        start: usize,
        rank: u8,
        values: Option<&'a [f64]>,
        mag: f64,
    ) {
        if self.key.is_none_or(|key| (rank, mag) > key) {
            self.key = Some((rank, mag));
            self.cell = (r, start);
            self.run = values;
        }
    }

    /// One cell of rank `rank` and magnitude `mag`, offered in the scan's order.
    pub fn offer(&mut self, cell: (usize, usize), rank: u8, mag: f64) {
        if self.key.is_none_or(|key| (rank, mag) > key) {
            self.key = Some((rank, mag));
            self.cell = cell;
            self.run = None;
        }
    }

    pub fn cell(&self) -> (usize, usize) {
        let (r, c) = self.cell;
        match (self.run, self.key) {
            (Some(values), Some((_, mag))) => {
                let at = values.iter().position(|&v| magnitude(v) == mag);
                (r, c + at.unwrap_or(0))
            }
            _ => self.cell,
        }
    }
}

impl Default for Best<'_> {
    fn default() -> Self {
        Best::new()
    }
}

/// The largest magnitude of `values` (0 for none; a value that is not finite counts
/// as infinite).
pub fn max_magnitude(values: &[f64]) -> f64 {
    max_magnitude_of_rows(std::iter::once(values))
}

/// [`max_magnitude`] of the values of several rows (a block of a grid): |v| by
/// clearing the sign bit, NaN's bit patterns above infinity's brought down to it, in
/// eight independent maxima the compiler keeps in vectors, the same eight throughout
/// the rows rather than a fold per row.
pub fn max_magnitude_of_rows<'v>(rows: impl Iterator<Item = &'v [f64]>) -> f64 {
    let abs = |v: f64| f64::from_bits(v.to_bits() & !(1 << 63)).min(f64::INFINITY);
    let mut tops = [0.0f64; 8];
    let mut top = 0.0f64;
    for values in rows {
        let chunks = values.chunks_exact(8);
        let rest = chunks.remainder();
        for chunk in chunks {
            for (t, &v) in tops.iter_mut().zip(chunk) {
                let m = abs(v);
                *t = if m > *t { m } else { *t };
            }
        }
        for &v in rest {
            let m = abs(v);
            top = if m > top { m } else { top };
        }
    }
    tops.into_iter()
        .fold(top, |a: f64, b| if b > a { b } else { a })
}

fn meets(window: &Window, rows: &Range<usize>, cols: &Range<usize>) -> bool {
    window.rows.iter().any(|r| rows.contains(r)) && window.cols.iter().any(|c| cols.contains(c))
}

/// The strongest of `input_grid::input_mark` over a block of padded cells.
pub fn input_mark(app: &App, rows: &Range<usize>, cols: &Range<usize>) -> Mark {
    let unreached = |reached: &[bool], range: &Range<usize>| {
        range
            .clone()
            .any(|i| !reached.get(i).copied().unwrap_or(true))
    };
    let mut mark = Mark::None;
    if unreached(&app.cache.rows_reached, rows) || unreached(&app.cache.cols_reached, cols) {
        mark = Mark::Unreached;
    }
    if app
        .prev_window
        .as_ref()
        .is_some_and(|w| meets(w, rows, cols))
    {
        mark = mark.max(Mark::Prev);
    }
    if meets(&app.fwd.window, rows, cols) {
        mark = mark.max(Mark::Window);
    }
    if app
        .selection
        .is_some_and(|(r, c)| rows.contains(&r) && cols.contains(&c))
    {
        mark = mark.max(Mark::Selected);
    }
    mark
}

/// Row `r` of a padded grid (`pad` cells of ring around `h` x `w`) cut into its left
/// ring, inside and right ring (the whole row is ring above and below the inside),
/// within `cols`: (columns, is ring), in column order.
pub fn ring_runs(
    r: usize,
    cols: &Range<usize>,
    pad: usize,
    h: usize,
    w: usize,
) -> [(Range<usize>, bool); 3] {
    let clip = |a: usize, b: usize| a.clamp(cols.start, cols.end)..b.clamp(cols.start, cols.end);
    if r < pad || r >= pad + h {
        return [(cols.clone(), true), (0..0, true), (0..0, true)];
    }
    [
        (clip(0, pad), true),
        (clip(pad, pad + w), false),
        (clip(pad + w, usize::MAX), true),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Action, Start};
    use crate::input::{InputOptions, SceneSpec};
    use crate::ui::grid::{Grid, GridCell};

    /// The cell a run shows (its place in the run) and its largest magnitude.
    fn first_max(values: &[f64]) -> (usize, f64) {
        let mut best = Best::new();
        best.offer_run(0, 0..values.len(), 2, Some(values));
        (best.cell().1, max_magnitude(values))
    }

    #[test]
    fn first_max_takes_the_first_of_the_largest_magnitude() {
        assert_eq!(first_max(&[1.0, -3.0, 2.0, 3.0, -3.0]), (1, 3.0));
        assert_eq!(first_max(&[0.0, -0.0, 0.0]), (0, 0.0));
        assert_eq!(
            first_max(&[1.0, 2.0, 3.0, 4.0, 5.0, f64::NAN, 9.0]),
            (5, f64::INFINITY)
        );
        assert_eq!(
            first_max(&[1.0, f64::NEG_INFINITY, f64::NAN]),
            (1, f64::INFINITY)
        );
        assert_eq!(
            first_max(&[7.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, -7.0]),
            (0, 7.0)
        );
        assert_eq!(
            first_max(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, -7.0, 7.0]),
            (6, 7.0)
        );
    }

    /// Every shown cell of `fast` shrunk by `s` against the same grid without its block
    /// function (every cell of each block built and compared).
    fn assert_same_shrunk<'a>(make: &dyn Fn() -> Vec<Grid<'a>>, what: &str) {
        for s in 2..=5 {
            let fast = make();
            let slow = make();
            assert_eq!(fast.len(), slow.len());
            for (k, (fast, mut slow)) in fast.into_iter().zip(slow).enumerate() {
                assert!(
                    fast.block.is_some(),
                    "{what}: grid {k} has a block function"
                );
                slow.block = None;
                let (fast, slow) = (fast.shrunk(s), slow.shrunk(s));
                assert_eq!((fast.rows, fast.cols), (slow.rows, slow.cols));
                for r in 0..fast.rows {
                    for c in 0..fast.cols {
                        let (a, b): (GridCell, GridCell) = ((fast.cell)(r, c), (slow.cell)(r, c));
                        assert_eq!(a, b, "{what}: grid {k}, 1:{s}, shown cell ({r}, {c})");
                    }
                }
            }
        }
    }

    fn app(args: InputOptions) -> App {
        App::new(SceneSpec::from_options(&args).unwrap(), Start::default()).unwrap()
    }

    fn check(app: &App, what: &str) {
        let filters: Vec<usize> = (0..app.layer().geom.f).collect();
        assert_same_shrunk(&|| super::super::input_grid::grids(app), what);
        assert_same_shrunk(&|| super::super::feature_map::grids(app, &filters), what);
        if app.bwd.is_some() {
            assert_same_shrunk(&|| super::super::gradients::dx_pad_grids(app), what);
        }
    }

    #[test]
    fn shrunk_blocks_choose_the_cells_a_cell_by_cell_scan_chooses() {
        let layouts = [
            (1, 1, 1),
            (2, 2, 1),
            (3, 1, 2),
            (1, 0, 2),
            (1, 3, 1),
            (2, 4, 2),
        ];
        for (stride, pad, dilation) in layouts {
            let mut app = app(InputOptions {
                size: Some("13".into()),
                kernel: Some("random".into()),
                filters: Some(2),
                stride: Some(stride),
                pad: Some(pad),
                dilation: Some(dilation),
                ..Default::default()
            });
            let what = |phase: &str, app: &App| {
                format!(
                    "stride {stride} pad {pad} dilation {dilation}, {phase} step {}",
                    app.step
                )
            };
            check(&app, &what("forward", &app));
            for action in [Action::Next, Action::RowDown, Action::Select, Action::Next] {
                app.update(action);
            }
            check(&app, &what("forward", &app));
            app.update(Action::Backward);
            check(&app, &what("backward", &app));
            for action in [
                Action::RowDown,
                Action::RowDown,
                Action::Next,
                Action::Select,
            ] {
                app.update(action);
            }
            check(&app, &what("backward", &app));
            app.update(Action::Last);
            check(&app, &what("backward, last", &app));
        }
    }

    #[test]
    fn shrunk_blocks_keep_the_first_of_equal_values() {
        // Whole numbers: many equal magnitudes in a block.
        let mut app = app(InputOptions {
            preset: Some("cs231n-demo".into()),
            ..Default::default()
        });
        check(&app, "cs231n-demo, forward");
        app.update(Action::Next);
        app.update(Action::Backward);
        app.update(Action::Next);
        check(&app, "cs231n-demo, backward");
    }
}
