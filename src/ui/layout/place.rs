//! Placing a group of same-sized grids in a rect: side by side or stacked, in the
//! largest cell mode that fits them whole (numbered cells, square blocks, half blocks),
//! scaled down whole where even half blocks do not fit; never cropped.

use ratatui::layout::Rect;

use crate::palette::ColorMode;
use crate::ui::grid::{Axis, CellMode, shrink_for};

/// A group of same-sized grids placed side by side or stacked, in one cell mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub mode: CellMode,
    pub rects: Vec<Rect>,
    /// The space actually used.
    pub used: Rect,
    /// The (rows, cols) each grid shows: its own size, or fewer cells each standing for
    /// a block of it (a large array drawn whole, scaled).
    pub shown: (usize, usize),
}

impl Placement {
    /// Whether the grids are drawn scaled down.
    pub fn scaled(&self, rows: usize, cols: usize) -> bool {
        self.shown != (rows, cols)
    }
}

/// Places `k` grids of rows x cols in `area` in the richest mode that shows them whole
/// (numbered cells of `numbers` characters at most 4 lines tall, blocks, half blocks;
/// side by side before stacked), else scaled down to fit in half blocks (blocks
/// without colour).
pub fn place(
    k: usize,
    rows: usize,
    cols: usize,
    numbers: Option<u16>,
    area: Rect,
    color: ColorMode,
) -> Placement {
    place_max(k, rows, cols, numbers, 4, area, color)
}

/// The tallest numbered cells (a small layer on a large screen grows to them).
pub const MAX_LINES: u16 = 10;

/// The numbered modes whose numbers fit `chars` characters, at most `max_lines` tall,
/// largest first.
pub fn number_modes(chars: u16, max_lines: u16) -> Vec<CellMode> {
    (2..=max_lines.min(MAX_LINES))
        .rev()
        .map(CellMode::numbers)
        .filter(|m| m.number_chars() >= chars as usize)
        .collect()
}

/// As [`place`], with numbered cells at most `max_lines` lines tall.
pub fn place_max(
    k: usize,
    rows: usize,
    cols: usize,
    numbers: Option<u16>,
    max_lines: u16,
    area: Rect,
    color: ColorMode,
) -> Placement {
    let mut modes: Vec<CellMode> = numbers
        .map(|n| number_modes(n, max_lines))
        .unwrap_or_default();
    modes.push(CellMode::Blocks);
    if color.has_color() {
        modes.push(CellMode::Half);
    }
    place_modes(k, rows, cols, &modes, area)
}

/// Places in the first of `modes` that shows the grids whole, else scaled in the
/// last.
pub fn place_modes(
    k: usize,
    rows: usize,
    cols: usize,
    modes: &[CellMode],
    area: Rect,
) -> Placement {
    place_ring(k, rows, cols, 0, modes, area)
}

/// As [`place_modes`], for grids with a padding ring `ring` cells wide: shrunk by the
/// smallest whole factor that fits, the ring kept whole ([`Axis`]).
pub fn place_ring(
    k: usize,
    rows: usize,
    cols: usize,
    ring: usize,
    modes: &[CellMode],
    area: Rect,
) -> Placement {
    // More grids than any screen holds side by side are not drawn (the rest clip).
    let k = k.clamp(1, 64);
    let (rows, cols) = (rows.max(1), cols.max(1));
    let gap = 1usize;
    let (aw, ah) = (area.width as usize, area.height as usize);
    for &mode in modes {
        if let Some(p) = arrange(k, rows, cols, (rows, cols), mode, area) {
            return p;
        }
    }
    // Scaled: the smallest reduction that fits side by side or stacked.
    let mode = if modes.contains(&CellMode::Half) {
        CellMode::Half
    } else {
        *modes.last().unwrap_or(&CellMode::Blocks)
    };
    let fit = |each_w: usize, lines: usize| -> (usize, usize) {
        let max_c = (each_w / mode.cell_w() as usize).max(1);
        let max_r = (lines / mode.lines() * mode.per_line()).max(1);
        let s = shrink_for(rows, ring, max_r).max(shrink_for(cols, ring, max_c));
        (
            Axis::new(rows, ring, s).shown(),
            Axis::new(cols, ring, s).shown(),
        )
    };
    let beside = fit(aw.saturating_sub((k - 1) * gap) / k, ah.saturating_sub(1));
    let stacked = fit(aw, (ah / k).saturating_sub(1));
    let shown = if stacked.0 * stacked.1 > beside.0 * beside.1 {
        stacked
    } else {
        beside
    };
    arrange(k, rows, cols, shown, mode, area).unwrap_or_else(|| {
        let (w, h) = mode.size(shown.0, shown.1);
        let each = (aw.saturating_sub((k - 1) * gap) / k).max(1);
        let mut p = side_by_side(
            k,
            w.max(8).min(each) as u16,
            (h + 1).min(ah) as u16,
            mode,
            area,
        );
        p.shown = shown;
        p
    })
}

/// `k` grids of rows x cols (a padding ring `ring` wide, kept whole) shrunk by the
/// whole factor `s`, in `mode`, side by side or stacked, if they fit `area`: what
/// places arrays of one shape at one scale.
pub fn place_at(
    k: usize,
    rows: usize,
    cols: usize,
    ring: usize,
    s: usize,
    mode: CellMode,
    area: Rect,
) -> Option<Placement> {
    let shown = (
        Axis::new(rows, ring, s).shown(),
        Axis::new(cols, ring, s).shown(),
    );
    arrange(k.clamp(1, 64), rows, cols, shown, mode, area)
}

/// The whole factor grids of rows x cols (a ring `ring` wide) showing `shown` cells
/// are drawn at, as their titles state it.
pub fn factor(rows: usize, cols: usize, ring: usize, shown: (usize, usize)) -> usize {
    shrink_for(rows, ring, shown.0).max(shrink_for(cols, ring, shown.1))
}

/// `k` grids showing `shown` cells side by side, else stacked, if either fits.
fn arrange(
    k: usize,
    rows: usize,
    cols: usize,
    shown: (usize, usize),
    mode: CellMode,
    area: Rect,
) -> Option<Placement> {
    let _ = (rows, cols);
    let gap = 1usize;
    let (aw, ah) = (area.width as usize, area.height as usize);
    let (w, h) = mode.size(shown.0, shown.1);
    let w = w.max(8);
    if k * w + (k - 1) * gap <= aw && h < ah {
        let mut p = side_by_side(k, w as u16, (h + 1) as u16, mode, area);
        p.shown = shown;
        return Some(p);
    }
    if w <= aw && k * (h + 1) <= ah {
        let rects: Vec<Rect> = (0..k)
            .map(|i| {
                Rect::new(
                    area.x,
                    area.y + (i * (h + 1)) as u16,
                    w as u16,
                    (h + 1) as u16,
                )
            })
            .collect();
        let used = Rect::new(area.x, area.y, w as u16, (k * (h + 1)) as u16);
        return Some(Placement {
            mode,
            rects,
            used,
            shown,
        });
    }
    None
}

fn side_by_side(k: usize, w: u16, h: u16, mode: CellMode, area: Rect) -> Placement {
    let rects: Vec<Rect> = (0..k as u16)
        .map(|i| Rect::new(area.x + i * (w + 1), area.y, w, h).intersection(area))
        .collect();
    let used = Rect::new(area.x, area.y, (k as u16) * (w + 1) - 1, h).intersection(area);
    Placement {
        mode,
        rects,
        used,
        shown: (0, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::grid::{Grid, GridCell, Mark, chars_needed, unscale};

    #[test]
    fn a_small_grid_on_a_large_area_gets_large_numbered_cells_and_a_large_one_does_not() {
        let area = Rect::new(0, 0, 180, 45);
        let p = place(3, 7, 7, Some(5), area, ColorMode::TrueColor);
        assert_eq!(p.mode, CellMode::numbers(4), "{p:?}");
        // Too many cells for numbers: square blocks, whole.
        let p = place(3, 13, 18, Some(5), area, ColorMode::TrueColor);
        assert_eq!(p.mode, CellMode::Blocks);
        assert_eq!(p.shown, (13, 18));
        // Whole numbers of one digit fit the largest cells that fit the area.
        let p = place(1, 4, 4, Some(1), area, ColorMode::TrueColor);
        assert_eq!(p.mode, CellMode::numbers(4));
    }

    #[test]
    fn a_grid_too_large_for_its_area_is_scaled_whole_never_cropped() {
        let area = Rect::new(0, 0, 60, 20);
        let p = place(1, 300, 451, None, area, ColorMode::TrueColor);
        assert_eq!(p.mode, CellMode::Half);
        assert!(p.scaled(300, 451));
        let (w, h) = p.mode.size(p.shown.0, p.shown.1);
        assert!(w <= 60 && h < 20, "{p:?}");
        // The aspect is kept: 300/451 within one shown cell.
        let ratio = p.shown.0 as f64 / p.shown.1 as f64;
        assert!((ratio - 300.0 / 451.0).abs() < 0.05, "{p:?}");
        // A scaled grid keeps its window visible and names its scale.
        let g = Grid {
            block: None,
            title: "x".into(),
            rows: 300,
            cols: 451,
            focus: ((10, 10), (12, 12)),
            cell: Box::new(|r, c| GridCell {
                mark: if (10..=12).contains(&r) && (10..=12).contains(&c) {
                    Mark::Window
                } else {
                    Mark::None
                },
                ..GridCell::empty()
            }),
        }
        .scaled(p.shown);
        assert!(g.title.starts_with("x (1:"), "{}", g.title);
        let marked = (0..g.rows)
            .flat_map(|r| (0..g.cols).map(move |c| (r, c)))
            .filter(|&(r, c)| (g.cell)(r, c).mark == Mark::Window)
            .count();
        assert!(marked >= 1, "the window shows on the scaled grid");
        // Blocks of a whole 8 (300 / 38 rounded up), the last one shorter.
        assert_eq!(unscale(0, 300, 38), 3);
        assert_eq!(unscale(37, 300, 38), 297);
        // The title states the factor the grid is drawn at, exactly.
        let s = 300usize
            .div_ceil(p.shown.0)
            .max(451usize.div_ceil(p.shown.1));
        assert_eq!(g.title, format!("x (1:{s})"));
        assert_eq!(
            (g.rows, g.cols),
            (300usize.div_ceil(s), 451usize.div_ceil(s))
        );
    }

    #[test]
    fn place_prefers_numbers_then_smaller_cells() {
        let area = Rect::new(0, 0, 200, 50);
        assert_eq!(
            place(3, 7, 7, Some(5), area, ColorMode::TrueColor).mode,
            CellMode::numbers(4)
        );
        let small = Rect::new(0, 0, 60, 8);
        let p = place(3, 13, 18, Some(5), small, ColorMode::TrueColor);
        assert_eq!(p.mode, CellMode::Half);
        assert_eq!(p.rects.len(), 3);
        // Without colour there are no half blocks: square blocks, scaled.
        let p = place(3, 13, 18, Some(5), small, ColorMode::None);
        assert_eq!(p.mode, CellMode::Blocks);
        assert!(p.scaled(13, 18));
    }

    #[test]
    fn numbers_need_their_digits() {
        assert_eq!(chars_needed([0.0, 3.0, 2.0]), 1);
        assert_eq!(chars_needed([-1.0, 12.0]), 2);
        assert_eq!(chars_needed([0.639, 0.5]), 5);
        assert_eq!(chars_needed([128.5]), 5);
        assert_eq!(
            number_modes(5, 4),
            vec![CellMode::numbers(4), CellMode::numbers(3)]
        );
        assert_eq!(number_modes(2, 2), vec![CellMode::numbers(2)]);
    }
}
