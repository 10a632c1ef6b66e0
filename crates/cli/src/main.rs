//! `osprey`: run one Linux x86_64 program as a unikernel VM under QEMU.
//!
//! This file parses the command line, dispatches, and maps failures to exit statuses: the app's
//! own status when it ran, 125 when osprey could not run it (docker's convention for "the
//! runner failed"), 2 for a usage error (clap's default). `osprey --help` lists them all.

mod console;
mod crash;
mod image_cache;
mod kernel_image;
mod libs;
mod net;
mod options;
mod pack;
mod profile;
mod program;
mod qemu;
mod run;
mod runtimes;
mod slirp;
mod symbols;
mod terminal;
mod tsc_cache;

use std::io::Write as _;

use clap::Parser;

use crate::options::{Cli, Command};

/// Exit status when osprey itself could not run the program.
pub const EXIT_RUNNER_FAILED: i32 = 125;

/// One line: "osprey: ./x: no such file", and 125.
fn fail(e: anyhow::Error) -> i32 {
    // writeln, not eprintln: a closed stderr must not turn into a panic.
    let _ = writeln!(std::io::stderr(), "osprey: {e:#}");
    EXIT_RUNNER_FAILED
}

fn main() {
    let cli = Cli::parse(); // usage errors: message + exit 2
    let code = match cli.command {
        Command::Run(args) => match args
            .validate()
            .map_err(|e| e.exit())
            .and_then(|()| run::run(args))
        {
            Ok(code) => code,
            Err(e) => fail(e),
        },
        Command::Build(args) => run::build(args).unwrap_or_else(fail),
    };
    std::process::exit(code);
}
