//! The stepper's backward totals at photo scale: whatever keys move it, the state after
//! k steps is bit for bit the layer's `backward_after(k)`; play moves up to a whole
//! output row per tick.

use convstep::app::{Action, App, Phase, TICKS_MS};
use convstep::cmd::InputArgs;
use convstep::cmd::StateArgs;
use convstep::input::SceneSpec;

fn photo(size: &str, filters: usize) -> App {
    let args = InputArgs {
        size: Some(size.into()),
        kernel: Some("random".into()),
        filters: Some(filters),
        dout: Some("random".into()),
        ..Default::default()
    };
    let state = StateArgs {
        phase: Some(Phase::Backward),
        ..Default::default()
    };
    App::new(SceneSpec::from_args(&args).unwrap(), &state).unwrap()
}

fn assert_state_is_direct(app: &App, context: &str) {
    let (step, after) = app.bwd.as_ref().expect("backward phase");
    assert_eq!(step.step, app.step, "{context}");
    let direct = app
        .layer()
        .backward_after(&app.scene.dout, app.step)
        .unwrap();
    assert!(
        **after == direct,
        "{context}: state differs from backward_after"
    );
}

#[test]
fn keys_in_the_backward_pass_keep_the_exact_running_totals() {
    let mut app = photo("24", 2);
    let w_out = app.layer().geom.w_out;
    let keys = [
        (Action::Next, 5),
        (Action::Prev, 2),
        (Action::RowDown, 1),
        (Action::Next, w_out),
        (Action::Prev, w_out + 1),
        (Action::NextFilter, 1),
        (Action::Last, 1),
        (Action::Prev, 3),
        (Action::First, 1),
        (Action::Next, 2),
    ];
    for (action, times) in keys {
        for t in 0..times {
            app.apply(action.clone());
            assert_state_is_direct(&app, &format!("{action:?} #{t} at step {}", app.step));
            // l then h (and h then l) comes back to the very same numbers.
            if matches!(action, Action::Next | Action::Prev) && t == 0 {
                let back = if action == Action::Next {
                    Action::Prev
                } else {
                    Action::Next
                };
                let here = app.step;
                app.apply(back);
                app.apply(action.clone());
                assert_eq!(app.step, here);
            }
        }
    }
}

#[test]
fn play_at_the_fastest_speed_moves_a_whole_output_row_per_tick() {
    let mut app = photo("32", 1);
    let w_out = app.layer().geom.w_out;
    app.apply(Action::First);
    for _ in 0..TICKS_MS.len() {
        app.apply(Action::Faster);
    }
    assert_eq!(app.steps_per_tick(), w_out);
    let message = app
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default();
    assert!(message.contains("whole output row"), "{message}");
    app.apply(Action::PlayPause);
    for row in 1..=3 {
        app.apply(Action::Tick);
        assert_eq!(app.step, 1 + row * w_out);
        assert_state_is_direct(&app, &format!("tick {row}"));
    }
    // Play stops at the last step without passing it.
    let total = app.total_steps();
    for _ in 0..app.layer().geom.h_out + 2 {
        app.apply(Action::Tick);
    }
    assert_eq!(app.step, total);
    assert!(!app.playing);
}
