//! convstep: step through a convolution layer, forward and backward, one window at a time.

pub mod app;
pub mod bench;
pub mod cmd;
pub mod conv;
pub mod export;
pub mod files;
pub mod i18n;
pub mod input;
pub mod palette;
pub mod runtime;
pub mod tour;
pub mod ui;
