//! One integration test binary: every module below was a test binary of its own, and
//! linking them once instead of twenty times is most of what CI spends compiling.

mod bench_cli;
mod cli_errors;
mod compute_cli;
mod export_cast;
mod export_cli;
mod export_gallery;
mod export_progress;
mod input_image;
mod input_props;
mod input_support;
mod robust_limits;
mod robust_props;
mod screen_geometry;
mod shell_cli;
mod stepper_cli;
mod stepper_engine;
mod stepper_fuzz;
mod stepper_labels;
mod stepper_overlays;
mod stepper_robust;
mod stepper_snapshots;
mod stepper_tmux;
mod stepper_update;
mod stepper_zh;
mod tmux_support;
mod tour_cli;
mod tour_format;
mod tour_props;
mod tour_render;
mod tour_snapshots;
mod tour_tmux;
