//! `coinlytics` on a real terminal: tmux gives it a pty and is the
//! terminal emulator whose screen a test reads (capture-pane) and types on
//! (send-keys), as a user would.

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::{User, wait_until};

/// What the shell prints when the command ends: `EXIT_MARK` and its code.
pub const EXIT_MARK: &str = "COINLYTICS-EXITED-";

/// tmux on a server of this test process's own (`-L`), never the user's:
/// a person's tmux sessions are neither seen nor touched, and nothing
/// they do to their server (`kill-server`) reaches a test's.
fn tmux() -> Command {
    let mut cmd = Command::new("tmux");
    cmd.args(["-L", &format!("coinlytics-tests-{}", std::process::id())]);
    cmd
}

/// A detached tmux session running one `coinlytics` command; killed on drop.
pub struct Tmux {
    session: String,
}

impl Tmux {
    /// Runs `coinlytics ARGS` for `user`, with `env` on top of the user's
    /// environment, on a 150x30 terminal. When it ends, the shell prints
    /// [`EXIT_MARK`] and the exit code, and keeps the pane open.
    pub fn start(user: &User, name: &str, args: &str, env: &[(String, String)]) -> Tmux {
        let cmd = user.command(&[]);
        let envs: Vec<String> = cmd
            .get_envs()
            .filter_map(|(k, v)| Some((k.to_str()?.to_owned(), v?.to_str()?.to_owned())))
            .chain(env.iter().cloned())
            .map(|(k, v)| format!("{k}='{v}'"))
            .collect();
        let line = format!(
            "env {} {} {args}; echo {EXIT_MARK}$?; sleep 60",
            envs.join(" "),
            super::coinlytics_bin().display()
        );
        // Unique in this process too: every test shares its pid.
        static STARTED: AtomicUsize = AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, Ordering::Relaxed);
        let session = format!("{name}-{}-{n}", std::process::id());
        let ok = tmux()
            .args([
                "new-session",
                "-d",
                "-s",
                &session,
                "-x",
                "150",
                "-y",
                "30",
                &line,
            ])
            .status()
            .expect("tmux (apt package tmux) must be installed")
            .success();
        assert!(ok, "tmux new-session");
        Tmux { session }
    }

    /// The screen as text, one line a row.
    pub fn capture(&self) -> String {
        let out = tmux()
            .args(["capture-pane", "-p", "-t", &self.session])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Presses keys, by tmux's names ("q", "C-c", "Enter").
    pub fn keys(&self, keys: &str) {
        self.send(&[keys]);
    }

    /// Types `text` as it is, character by character.
    pub fn type_text(&self, text: &str) {
        self.send(&["-l", text]);
    }

    fn send(&self, args: &[&str]) {
        let ok = tmux()
            .args(["send-keys", "-t", &self.session])
            .args(args)
            .status()
            .expect("tmux send-keys")
            .success();
        assert!(ok, "send-keys {args:?}");
    }

    /// What a user does by resizing the window: the pty gets the new size
    /// and the program SIGWINCH.
    pub fn resize(&self, width: u16, height: u16) {
        let ok = tmux()
            .args([
                "resize-window",
                "-t",
                &self.session,
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
            ])
            .status()
            .expect("tmux resize-window")
            .success();
        assert!(ok, "resize-window {width}x{height}");
    }

    /// Waits until the screen satisfies `pred`, returning it.
    pub async fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        wait_until(what, Duration::from_secs(20), async || {
            let screen = self.capture();
            if pred(&screen) {
                Ok(screen)
            } else {
                Err(screen)
            }
        })
        .await
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = tmux().args(["kill-session", "-t", &self.session]).status();
    }
}
