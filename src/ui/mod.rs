//! The view: `draw(&App, frame)` and one file per panel. STUB: helper B implements.
