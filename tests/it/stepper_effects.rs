//! What `update` asks of the runtime, as data: quitting, a screenshot and its answer,
//! and the gradient check's box that any key closes.

use std::path::PathBuf;

use convstep::app::{Action, App, Effect, Start};
use convstep::cmd::InputArgs;
use convstep::input::SceneSpec;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn demo() -> App {
    let spec = SceneSpec::from_args(&InputArgs {
        preset: Some("cs231n-demo".into()),
        ..InputArgs::default()
    })
    .expect("preset loads");
    App::new(spec, Start::default()).expect("demo builds")
}

fn key(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

/// A key the key table does not bind.
fn unbound() -> Action {
    Action::Key(KeyEvent::new(KeyCode::Insert, KeyModifiers::NONE))
}

#[test]
fn quit_is_an_effect_unless_the_help_is_open() {
    let mut app = demo();
    assert_eq!(app.update(Action::Quit), Some(Effect::Quit));
    app.update(Action::Help);
    assert_eq!(app.update(Action::Quit), None, "q closes the help first");
    assert!(!app.help);
    assert_eq!(app.update(key('q')), Some(Effect::Quit));
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(app.update(Action::Key(ctrl_c)), Some(Effect::Quit));
}

#[test]
fn a_screenshot_is_asked_for_and_its_answer_is_the_message() {
    let mut app = demo();
    app.update(Action::Next);
    assert_eq!(
        app.update(key('s')),
        Some(Effect::Screenshot {
            label: "forward-step2".into()
        })
    );
    let paths = vec![PathBuf::from("/tmp/a.svg"), PathBuf::from("/tmp/a.png")];
    assert_eq!(app.update(Action::Saved(paths)), None);
    let message = app.message.clone().expect("a message");
    assert_eq!(message.text, "saved /tmp/a.svg, /tmp/a.png");
    assert!(!message.error);
    app.update(Action::SaveFailed("no such folder".into()));
    let message = app.message.clone().expect("a message");
    assert_eq!(message.text, "screenshot failed: no such folder");
    assert!(message.error);
}

#[test]
fn any_key_only_closes_the_gradient_check() {
    let mut app = demo();
    app.apply(key('c'));
    assert!(app.check.is_some());
    let step = app.step;
    // A bound key closes the box and does nothing else ...
    assert_eq!(app.update(key('l')), None);
    assert!(app.check.is_none());
    assert_eq!(app.step, step);
    // ... and so does an unbound one, or q.
    app.apply(key('c'));
    assert_eq!(app.update(unbound()), None);
    assert!(app.check.is_none());
    app.apply(key('c'));
    assert_eq!(app.update(key('q')), None);
    assert!(app.check.is_none());
    // Without the box, an unbound key changes nothing, not even the message.
    let before = app.message.clone();
    assert_eq!(app.update(unbound()), None);
    assert_eq!(app.message, before);
    // A click is no key: it closes the box and does what it says.
    app.apply(key('c'));
    app.update(Action::JumpTo { f: 1, i: 0, j: 0 });
    assert!(app.check.is_none());
    let pos = app.pos();
    assert_eq!((pos.f, pos.i, pos.j), (1, 0, 0));
}

#[test]
fn a_parameter_change_is_a_computation_whose_latest_answer_wins() {
    let mut app = demo();
    assert_eq!(app.layer().geom.stride, 2);
    let Some(Effect::Compute(first)) = app.update(Action::PadUp) else {
        panic!("a pad change asks for a computation");
    };
    // Nothing changed yet, and the status line says what is under way.
    assert_eq!(app.layer().geom.pad, 1);
    assert_eq!(app.message.as_ref().unwrap().text, "computing pad 2…");
    // (A key that reads the layer's geometry waits for the rebuild: stepper_update's
    // key scripts, typed fast and slow, test that.)
    // Full padding is 2 = dilation*(K-1): a second press is refused as it would be
    // once pad 2 is built.
    assert_eq!(app.update(Action::PadUp), None);
    assert!(
        app.message
            .as_ref()
            .unwrap()
            .text
            .starts_with("pad stops at 2")
    );
    // A press of another key builds on the first (stride 1 at pad 2), and supersedes it.
    let Some(Effect::Compute(second)) = app.update(Action::StrideDown) else {
        panic!("a stride change asks for a computation");
    };
    assert_ne!(first, second);
    assert_eq!(app.message.as_ref().unwrap().text, "computing stride 1…");
    // The first answer is stale: dropped, nothing changes.
    assert_eq!(app.update(Action::Computed(Box::new(first.run()))), None);
    assert_eq!(app.layer().geom.pad, 1);
    assert!(app.pending.is_some());
    // The latest is taken.
    assert_eq!(app.update(Action::Computed(Box::new(second.run()))), None);
    let g = app.layer().geom;
    assert_eq!((g.pad, g.stride), (2, 1));
    assert!(app.pending.is_none());
    assert_eq!(app.message.as_ref().unwrap().text, "stride 1: output 7x7");
    // apply does the same at once.
    let mut direct = demo();
    direct.apply(Action::PadUp);
    direct.apply(Action::StrideDown);
    assert_eq!(direct.layer().geom, app.layer().geom);
    assert_eq!(direct.step, app.step);
    assert_eq!(direct.message, app.message);
}

#[test]
fn the_gradient_check_is_a_computation_too() {
    let mut app = demo();
    let Some(Effect::Compute(job)) = app.update(key('c')) else {
        panic!("c asks for a computation");
    };
    assert!(app.check.is_none());
    assert_eq!(
        app.message.as_ref().unwrap().text,
        "computing the gradient check of dw[0,:,1,1] and db[0]…"
    );
    app.update(Action::Computed(Box::new(job.run())));
    let report = app.check.clone().expect("the report is open");
    assert_eq!(report.what, "dw[0,:,1,1] and db[0]");
    // No check starts while a rebuild is under way: it would check the old layer.
    app.update(key('l'));
    let Some(Effect::Compute(_)) = app.update(Action::StrideDown) else {
        panic!("a stride change asks for a computation");
    };
    assert_eq!(app.update(key('c')), None);
    assert!(app.check.is_none());
    assert_eq!(app.deferred.len(), 1, "c waits for the new layer");
}
