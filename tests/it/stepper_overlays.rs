//! Overlays (the help, the gradient check) clear what they cover and use the room they
//! have: every cell of the rows an overlay covers comes from the overlay, at many sizes;
//! the help shows every key of the table and the mouse line at every size from the
//! minimum up (in columns, or in pages turned with the page key); the status line keeps
//! the play indicator at the minimum size.

use convstep::app::Step;
use convstep::app::keys::TABLE;
use convstep::app::{Action, App, Phase};
use convstep::cmd::InputArgs;
use convstep::cmd::StateArgs;
use convstep::input::SceneSpec;
use convstep::ui::{self, check, help};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::buffer_text::rows_in;

fn photo(step: usize) -> App {
    let state = StateArgs {
        phase: Some(Phase::Forward),
        step: Some(Step::At(step)),
        filter: None,
        view: None,
    };
    App::new(SceneSpec::from_args(&InputArgs::default()).unwrap(), &state).unwrap()
}

fn sizes() -> Vec<(u16, u16)> {
    let mut out = Vec::new();
    for cols in [60, 61, 67, 72, 80, 95, 100, 119, 120, 140, 160, 200] {
        for rows in [16, 17, 19, 20, 21, 24, 30, 40, 45, 60] {
            out.push((cols, rows));
        }
    }
    out
}

/// The area under the status line, where the help goes.
fn below_status(app: &App, area: Rect) -> Rect {
    let status = ui::plan(app, area).status.height;
    Rect::new(area.x, area.y + status, area.width, area.height - status)
}

/// Every cell of `cover` in `shown` equals the overlay drawn alone on a blank screen.
fn covered_cells_come_from_the_overlay(shown: &Buffer, alone: &Buffer, cover: Rect, what: &str) {
    assert!(!cover.is_empty(), "{what}: the overlay covers something");
    for y in cover.top()..cover.bottom() {
        for x in cover.left()..cover.right() {
            assert_eq!(
                shown[(x, y)].symbol(),
                alone[(x, y)].symbol(),
                "{what}: cell ({x},{y}) is not the overlay's"
            );
        }
    }
}

#[test]
fn no_overlay_leaves_characters_of_the_panels_beneath_it() {
    let mut with_check = photo(90);
    with_check.apply(Action::GradCheck);
    let mut with_dx_check = photo(90);
    with_dx_check.apply(Action::Select);
    with_dx_check.apply(Action::Backward);
    with_dx_check.apply(Action::GradCheck);
    for (cols, rows) in sizes() {
        let area = Rect::new(0, 0, cols, rows);
        for app in [&with_check, &with_dx_check] {
            assert!(app.check.is_some());
            let shown = ui::render_buffer(app, cols, rows);
            let mut alone = Buffer::empty(area);
            check::render(app, area, &mut alone);
            let cover = check::covered(app, area).unwrap();
            assert_eq!(cover.width, cols, "the check covers whole rows");
            covered_cells_come_from_the_overlay(
                &shown,
                &alone,
                cover,
                &format!("check {cols}x{rows}"),
            );
            // And the box is whole: its four corners are there.
            let r = check::rect(app, area).unwrap();
            assert_eq!(shown[(r.x, r.y)].symbol(), "┌", "{cols}x{rows}");
            assert_eq!(
                shown[(r.right() - 1, r.bottom() - 1)].symbol(),
                "┘",
                "{cols}x{rows}"
            );
        }
        for backward in [false, true] {
            let mut app = photo(90);
            if backward {
                app.apply(Action::Backward);
            }
            app.apply(Action::Help);
            let shown = ui::render_buffer(&app, cols, rows);
            let below = below_status(&app, area);
            let mut alone = Buffer::empty(area);
            help::render(&app, below, &mut alone);
            let cover = help::layout(below, app.help_page, app.lang).cover;
            covered_cells_come_from_the_overlay(
                &shown,
                &alone,
                cover,
                &format!("help {cols}x{rows}"),
            );
        }
    }
}

/// The text of a buffer's rows inside `rect`.
fn text_in(buf: &Buffer, rect: Rect) -> String {
    rows_in(buf, rect)
        .iter()
        .map(|row| format!("{row}\n"))
        .collect()
}

#[test]
fn the_help_shows_every_key_and_the_mouse_line_at_every_size_from_the_minimum() {
    for (cols, rows) in sizes() {
        let mut app = photo(1);
        app.apply(Action::Help);
        let area = Rect::new(0, 0, cols, rows);
        let below = below_status(&app, area);
        let pages = help::layout(below, 0, app.lang).pages;
        let mut seen = String::new();
        for page in 0..pages {
            let l = help::layout(below, app.help_page, app.lang);
            assert_eq!(l.page, page, "{cols}x{rows}");
            let shown = ui::render_buffer(&app, cols, rows);
            let inside = text_in(&shown, l.rect);
            // The box is whole: both top corners, so no column is cut at the right.
            assert!(inside.starts_with('┌'), "{cols}x{rows}:\n{inside}");
            assert!(inside.lines().next().unwrap().ends_with('┐'), "{inside}");
            if pages > 1 {
                let title = format!("keys {}/{pages}: m next page", page + 1);
                assert!(inside.contains(&title), "{cols}x{rows}:\n{inside}");
            }
            seen.push_str(&inside);
            app.apply(Action::HelpPage);
        }
        // Every row of the table: its keys, then its words, on one line (the page
        // key only where there is a next page).
        let one_page = pages == 1;
        for b in TABLE
            .iter()
            .filter(|b| help::shown(b, false) && !(one_page && b.help == "key.help_page"))
            // The stack's keys show in a stack's help only (tests/it/stepper_stack.rs).
            .filter(|b| {
                !matches!(
                    b.action,
                    Action::NextLayer | Action::PrevLayer | Action::ReceptiveField
                )
            })
        {
            let keys: Vec<&str> = b.keys.iter().map(|k| k.name).collect();
            let keys = keys.join(" ");
            let found = seen.lines().any(|line| {
                line.find(&keys)
                    .is_some_and(|at| line[at..].contains(convstep::i18n::Lang::En.t(b.help)))
            });
            assert!(found, "{cols}x{rows}: {keys} / {} missing:\n{seen}", b.help);
        }
        // The mouse line, word by word in order.
        let words: String = seen
            .lines()
            .map(|l| l.trim_matches(|c| c == '│' || c == ' '))
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            words.contains(help::mouse(app.lang)),
            "{cols}x{rows}: {words}"
        );
        // The page key is a key of the table.
        assert!(
            TABLE
                .iter()
                .any(|b| b.keys.iter().any(|k| k.name == help::page_key()))
        );
    }
}

#[test]
fn at_the_minimum_the_help_needs_pages_and_a_wide_screen_one_box_of_columns() {
    let mut app = photo(1);
    app.apply(Action::Help);
    let small = help::layout(below_status(&app, Rect::new(0, 0, 60, 16)), 0, app.lang);
    assert!(small.pages > 1);
    let large = help::layout(below_status(&app, Rect::new(0, 0, 120, 40)), 0, app.lang);
    assert_eq!(large.pages, 1);
    assert!(
        large.rect.width > 100,
        "three columns at 120x40: {:?}",
        large.rect
    );
    // `?` closes it from any page; the page key wraps around.
    app.apply(Action::HelpPage);
    app.apply(Action::Help);
    assert!(!app.help);
    app.apply(Action::HelpPage);
    assert!(
        app.help && app.help_page == 0,
        "the page key opens the help"
    );
}

#[test]
fn the_play_indicator_and_the_parameters_show_at_the_minimum_size() {
    let mut app = photo(1);
    app.apply(Action::PlayPause);
    for phase in [Action::Forward, Action::Backward] {
        app.apply(phase);
        let shown = ui::render_buffer(&app, 60, 16);
        let status = text_in(&shown, ui::plan(&app, Rect::new(0, 0, 60, 16)).status);
        assert!(status.contains("▶ 1000 ms"), "{status}");
        assert!(status.contains("step 1/1344"), "{status}");
        assert!(status.contains("(n,f,i,j)=(0,0,0,0)"), "{status}");
        assert!(
            status.contains("stride 1 pad 1 dilation 1 → 21x32"),
            "{status}"
        );
    }
}
