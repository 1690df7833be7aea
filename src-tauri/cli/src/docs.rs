//! `coinlytics completions SHELL` and `coinlytics man`: shell completions
//! and manual pages made from the CLI's own definition (clap_complete,
//! clap_mangen), so a package ships what the binary really takes and a
//! user without the package gets the same.

use std::io::Write;
use std::path::Path;

use clap_complete::Shell;
use coinlytics_engine::Error;
use coinlytics_engine::model::InvalidInput;

/// Prints the completion script of `shell` for `cmd` (the CLI's
/// definition: `Args::command()`).
pub fn completions(mut cmd: clap::Command, shell: Shell) -> Result<(), Error> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "coinlytics", &mut out);
    write_stdout(&out)
}

/// Prints `coinlytics(1)` of `cmd`; with `dir`, writes it and a page per
/// subcommand (`coinlytics-portfolio(1)`, `coinlytics-portfolio-add(1)`…)
/// there instead.
pub fn man(cmd: clap::Command, dir: Option<&Path>) -> Result<(), Error> {
    let Some(dir) = dir else {
        let mut out = Vec::new();
        clap_mangen::Man::new(cmd)
            .render(&mut out)
            .map_err(|e| Error::Internal(format!("cannot render the manual: {e}")))?;
        return write_stdout(&out);
    };
    let refused = |what: &str, e: std::io::Error| -> Error {
        InvalidInput(format!("cannot {what} {}: {e}", dir.display())).into()
    };
    std::fs::create_dir_all(dir).map_err(|e| refused("create", e))?;
    clap_mangen::generate_to(cmd, dir).map_err(|e| refused("write the pages into", e))?;
    Ok(())
}

fn write_stdout(bytes: &[u8]) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    // A closed pipe (`| head`) is the reader's choice, not a failure.
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::Internal(format!("cannot write: {e}")))
        }
        _ => Ok(()),
    }
}
