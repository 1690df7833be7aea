//! Reading a secret (the API key, the SMTP password) from standard input,
//! never from a flag (argv is visible to every user of the machine). On a
//! terminal: after a prompt, with echo off, so it shows neither on the
//! screen nor in the scrollback. From a pipe (scripts, tests): one line.
//! Either way it is read unbuffered into memory that is wiped after, and
//! handed over as a [`Secret`], which wipes its own.

use std::io::IsTerminal;

use coinlytics_engine::Error;
use coinlytics_engine::app::settings::Secret;
use zeroize::{Zeroize, Zeroizing};

/// The longest line taken; the engine's own limits are below it, so the
/// buffer never grows (a growing buffer leaves copies behind).
const MAX_LINE: usize = 4096;

/// `what` ("the CoinGecko API key") from standard input.
pub fn read_secret(what: &str) -> Result<Secret, Error> {
    let fail = |e: std::io::Error| Error::Internal(format!("cannot read {what}: {e}"));
    let line = if std::io::stdin().is_terminal() {
        let echo = echo::Off::start().map_err(fail)?;
        crate::out::ask(&format!("Type {what} (not shown), then Enter: "));
        let line = read_line();
        drop(echo);
        line
    } else {
        read_line()
    }
    .map_err(fail)?;
    let mut bytes = Zeroizing::new(line);
    let text = String::from_utf8(std::mem::take(&mut *bytes)).map_err(|e| {
        e.into_bytes().zeroize();
        Error::from(coinlytics_engine::model::InvalidInput(format!(
            "{what} is not UTF-8 text"
        )))
    })?;
    Ok(Secret::new(text))
}

/// One line, without its line break; more than [`MAX_LINE`] bytes is an
/// error. Byte by byte from the descriptor, so no buffer of std's keeps a
/// copy.
fn read_line() -> std::io::Result<Vec<u8>> {
    let mut line = Zeroizing::new(Vec::with_capacity(MAX_LINE));
    let mut byte = Zeroizing::new([0u8; 1]);
    let mut too_long = false;
    while read_byte(&mut byte)? {
        match byte[0] {
            b'\n' => break,
            _ if line.len() == MAX_LINE => too_long = true,
            b => line.push(b),
        }
    }
    if too_long {
        return Err(std::io::Error::other(format!(
            "longer than {MAX_LINE} bytes"
        )));
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(std::mem::take(&mut *line))
}

/// The next byte of standard input into `byte`; false at the end.
#[cfg(unix)]
fn read_byte(byte: &mut [u8; 1]) -> std::io::Result<bool> {
    use std::os::fd::AsFd;
    let stdin = std::io::stdin();
    loop {
        match rustix::io::read(stdin.as_fd(), &mut byte[..]) {
            Ok(n) => return Ok(n == 1),
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

#[cfg(not(unix))]
fn read_byte(byte: &mut [u8; 1]) -> std::io::Result<bool> {
    use std::io::Read;
    Ok(std::io::stdin().read(&mut byte[..])? == 1)
}

#[cfg(unix)]
mod echo {
    use rustix::termios::{LocalModes, OptionalActions, Termios, tcgetattr, tcsetattr};

    /// The terminal with echo off (the Enter still shows, as a line break),
    /// until dropped. A Ctrl-C ends the process in between; the shell puts
    /// back the modes of a job killed by a signal.
    pub struct Off {
        saved: Termios,
    }

    impl Off {
        pub fn start() -> std::io::Result<Off> {
            let stdin = std::io::stdin();
            let saved = tcgetattr(&stdin)?;
            let mut quiet = saved.clone();
            quiet.local_modes.remove(LocalModes::ECHO);
            quiet.local_modes.insert(LocalModes::ECHONL);
            tcsetattr(&stdin, OptionalActions::Now, &quiet)?;
            Ok(Off { saved })
        }
    }

    impl Drop for Off {
        fn drop(&mut self) {
            let _ = tcsetattr(std::io::stdin(), OptionalActions::Now, &self.saved);
        }
    }
}

#[cfg(not(unix))]
mod echo {
    /// No termios here: the console echoes.
    pub struct Off;

    impl Off {
        pub fn start() -> std::io::Result<Off> {
            Ok(Off)
        }
    }
}
