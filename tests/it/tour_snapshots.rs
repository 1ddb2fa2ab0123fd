//! Reviewed snapshots of the narration panel (the part of the screen the tour draws;
//! the stepper beside it has its own snapshots): beside the stepper at 120x40 with
//! the forward loop marked, and below it at 80x24, in English and Chinese.

use convstep::tour::{self, Lang, TourView};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::buffer_text::rows_in;

/// The text of `area` of `buf`, each row ending in `|`.
fn text_of(buf: &Buffer, area: Rect) -> String {
    rows_in(buf, area)
        .iter()
        .map(|row| format!("{row}|\n"))
        .collect()
}

/// The panel of the `nth` (0-based) page of `lesson`.
fn panel(lesson: &str, nth: usize, lang: Lang, cols: u16, rows: u16) -> String {
    let t = tour::load(None).unwrap();
    let first = t.pages.iter().position(|p| p.lesson == lesson).unwrap();
    let view = TourView::new(t, first + nth, lang).unwrap();
    let buf = view.render_buffer(cols, rows);
    let (_, panel) = view.split(buf.area);
    text_of(&buf, panel)
}

#[test]
fn forward_loop_beside_the_stepper_en() {
    insta::assert_snapshot!(panel("forward-code", 1, Lang::En, 120, 40));
}

#[test]
fn forward_loop_beside_the_stepper_zh() {
    insta::assert_snapshot!(panel("forward-code", 1, Lang::Zh, 120, 40));
}

#[test]
fn pad_zero_crop_below_the_stepper_en() {
    insta::assert_snapshot!(panel("padding-crop", 1, Lang::En, 80, 24));
}

#[test]
fn equivariance_below_the_stepper_zh() {
    insta::assert_snapshot!(panel("equivariance", 1, Lang::Zh, 80, 24));
}
