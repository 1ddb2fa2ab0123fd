//! convstep: step through a convolution layer, forward and backward, one window at a time.

pub mod app;
pub mod bench;
pub mod cli;
pub mod compute;
pub mod conv;
pub mod export;
pub mod i18n;
pub mod input;
pub mod tour;
pub mod ui;
