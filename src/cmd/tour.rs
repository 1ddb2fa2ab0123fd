//! `convstep tour`: a guided walkthrough full-screen, or checked and listed without a
//! terminal.

use std::path::PathBuf;

use clap::Args;

use super::ExportArgs;
use crate::tour::{Lang, TourView, listing, live, load, open, page_index, summary};

#[derive(Debug, Clone, Args, Default)]
pub struct TourArgs {
    /// A walkthrough file (TOML); default: the bundled one.
    pub file: Option<PathBuf>,
    /// 1-based page to start at.
    #[arg(long, allow_negative_numbers = true, value_parser = super::whole::<usize>("--page", 1, usize::MAX as u64))]
    pub page: Option<usize>,
    /// Validate the walkthrough and print a one-line summary; no terminal needed.
    #[arg(long, conflicts_with = "list")]
    pub check: bool,
    /// List the lessons and pages.
    #[arg(long)]
    pub list: bool,
    #[command(flatten)]
    pub export: ExportArgs,
}

pub fn run(args: &TourArgs) -> anyhow::Result<()> {
    let export = args.export.checked()?;
    // The screen needs one page; --check and --list need them all.
    let tour = if args.check || args.list {
        load(args.file.as_deref())?
    } else {
        open(args.file.as_deref())?
    };
    let lang = Lang::chosen();
    if args.check {
        println!("{}", summary(&tour));
        return Ok(());
    }
    if args.list {
        print!("{}", listing(&tour, lang));
        return Ok(());
    }
    let page = page_index(&tour, args.page)?;
    live::run(TourView::new(tour, page, lang)?, &export)
}
