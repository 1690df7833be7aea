//! What the CLI prints. Every line passes `format::printable` (the rule is
//! the engine's): coin names and symbols come from the price source, notes
//! from the user, error messages from servers, and none of them may drive
//! the user's terminal. The crate denies `println!` and `eprintln!`
//! elsewhere (main.rs), so no line goes around it.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use coinlytics_engine::format;

/// A line on standard output, like `println!`.
macro_rules! outln {
    () => { $crate::out::stdout("") };
    ($($arg:tt)*) => { $crate::out::stdout(&format!($($arg)*)) };
}

/// A line on standard error, like `eprintln!`.
macro_rules! errln {
    ($($arg:tt)*) => { $crate::out::stderr(&format!($($arg)*)) };
}

pub fn stdout(line: &str) {
    println!("{}", format::printable(line));
}

pub fn stderr(line: &str) {
    eprintln!("{}", format::printable(line));
}

/// One line of JSON, for scripts: the source's text exactly, escaped where
/// it would act on a terminal.
pub fn json(text: &str) {
    println!("{}", format::json_escaped(text));
}

/// A question on standard error, the answer typed on the same line.
pub fn ask(question: &str) {
    use std::io::Write;
    eprint!("{}", format::printable(question));
    let _ = std::io::stderr().flush();
}

/// Prints `v` as one line of JSON, for scripts.
pub fn print_json(v: &impl serde::Serialize) -> Result<(), coinlytics_engine::Error> {
    let text =
        serde_json::to_string(v).map_err(|e| coinlytics_engine::Error::Internal(e.to_string()))?;
    json(&text);
    Ok(())
}
