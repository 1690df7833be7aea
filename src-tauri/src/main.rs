//! `coinlytics`: one binary, one entry point. With no subcommand it opens the
//! desktop window; every subcommand runs the same engine headless.

mod alerting;
mod cli;
mod gui;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Args::parse();
    match args.command {
        None => gui::run(&args.globals, args.hidden),
        Some(command) => cli::run(&args.globals, command),
    }
}
