//! A real SMTP server on 127.0.0.1: Debian's aiosmtpd running
//! `tests/fixtures/smtp_sink.py`, which saves every message it accepts.
//!
//! The script parses each message with Python's `email` package (MIME,
//! quoted-printable, base64, RFC 2047 headers) and writes the result as
//! JSON, so this side only reads files.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/smtp_sink.py");
/// Debian's Python: the one with python3-aiosmtpd, whatever is first on PATH.
const PYTHON: &str = "/usr/bin/python3";

/// One accepted message: its envelope and its parsed content.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Mail {
    /// The `Message-ID` header, with its angle brackets; empty if absent
    /// (lettre sets one only when asked to).
    pub message_id: String,
    pub subject: String,
    /// The `From` and `To` headers, decoded.
    pub from: String,
    pub to: String,
    /// The text/plain part (or the whole body if it is not multipart),
    /// decoded, with `\n` line ends.
    pub text: String,
    pub html: Option<String>,
    /// The message exactly as received.
    pub raw: String,
    /// The envelope: `MAIL FROM` and every `RCPT TO`.
    pub mail_from: String,
    pub rcpts: Vec<String>,
    /// Who authenticated, when the sink requires AUTH.
    pub auth_user: Option<String>,
}

/// The running sink; the process is killed on `stop` or drop, the saved
/// messages live until drop.
pub struct SmtpSink {
    dir: tempfile::TempDir,
    port: u16,
    child: Option<Child>,
}

impl SmtpSink {
    /// Starts on a free port.
    pub fn start() -> SmtpSink {
        Self::start_with(None)
    }

    /// Starts on `port`, e.g. to come back where a stopped sink was.
    pub fn start_on(port: u16) -> SmtpSink {
        let dir = tempfile::tempdir().expect("mail dir");
        let child = spawn(dir.path(), port, None).unwrap_or_else(|e| panic!("{e}"));
        SmtpSink {
            dir,
            port,
            child: Some(child),
        }
    }

    /// Starts on a free port, accepting mail only after AUTH PLAIN or LOGIN
    /// as `user`/`password` (over plain text: the tests have no TLS).
    pub fn start_with_auth(user: &str, password: &str) -> SmtpSink {
        Self::start_with(Some((user, password)))
    }

    fn start_with(auth: Option<(&str, &str)>) -> SmtpSink {
        let dir = tempfile::tempdir().expect("mail dir");
        // Another process may take the free port before the sink binds it.
        let mut last_error = String::new();
        for _ in 0..3 {
            let port = free_port();
            match spawn(dir.path(), port, auth) {
                Ok(child) => {
                    return SmtpSink {
                        dir,
                        port,
                        child: Some(child),
                    };
                }
                Err(e) => last_error = e,
            }
        }
        panic!("{last_error}")
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the server (clients then get "connection refused"); the
    /// messages stay readable.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Every message accepted so far, in arrival order.
    pub fn messages(&self) -> Vec<Mail> {
        let mut numbered: Vec<(u64, PathBuf)> = std::fs::read_dir(self.dir.path())
            .expect("mail dir")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .filter_map(|p| Some((p.file_stem()?.to_str()?.parse().ok()?, p)))
            .collect();
        numbered.sort();
        numbered
            .iter()
            .map(|(_, p)| {
                let json = std::fs::read(p).expect("a saved message");
                serde_json::from_slice(&json).expect("the sink's JSON")
            })
            .collect()
    }

    /// Waits until at least `n` messages arrived; panics with what did
    /// arrive after `timeout`.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Mail> {
        let deadline = Instant::now() + timeout;
        loop {
            let mails = self.messages();
            if mails.len() >= n {
                return mails;
            }
            if Instant::now() >= deadline {
                panic!("expected {n} mails within {timeout:?}, got {mails:#?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Holds back the reply to DATA (after the message is saved) by
    /// `delay`, or not at all with `None`; applies to the next message.
    pub fn set_reply_delay(&self, delay: Option<Duration>) {
        let file = self.dir.path().join("delay_reply_secs");
        match delay {
            Some(d) => {
                // Atomically: the sink may read it at any moment.
                let tmp = file.with_extension("tmp");
                std::fs::write(&tmp, d.as_secs_f64().to_string()).expect("write delay");
                std::fs::rename(&tmp, &file).expect("rename delay");
            }
            None => match std::fs::remove_file(&file) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => panic!("{e}"),
                _ => {}
            },
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

/// Runs the script and waits for its "ready" (printed once aiosmtpd
/// answers); on failure, returns what it logged.
fn spawn(dir: &Path, port: u16, auth: Option<(&str, &str)>) -> Result<Child, String> {
    let log_path = dir.join("sink.log");
    let log = File::options()
        .create(true)
        .append(true)
        .open(&log_path)
        .expect("sink log");
    let mut cmd = Command::new(PYTHON);
    cmd.arg(SCRIPT).arg(dir).arg(port.to_string());
    if let Some((user, password)) = auth {
        cmd.args([user, password]);
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("/usr/bin/python3 must exist (apt packages python3, python3-aiosmtpd)");
    let mut line = String::new();
    let out = child.stdout.as_mut().expect("stdout");
    let _ = BufReader::new(out).read_line(&mut line);
    if line.trim() == "ready" {
        return Ok(child);
    }
    let _ = child.kill();
    let _ = child.wait();
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    Err(format!(
        "the SMTP sink did not start on port {port}:\n{log}"
    ))
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::net::TcpStream;

    use super::*;

    /// A message shaped like lettre's: multipart/alternative, the text
    /// quoted-printable, the HTML base64, the subject RFC 2047-encoded.
    const MESSAGE: &str = "From: Coinlytics <alerts@coinlytics.test>\r\n\
        To: Ann <ann@example.test>\r\n\
        Subject: =?utf-8?q?BTC_=E2=86=91_100k?=\r\n\
        Message-ID: <1@coinlytics.test>\r\n\
        MIME-Version: 1.0\r\n\
        Content-Type: multipart/alternative; boundary=\"b\"\r\n\
        \r\n\
        --b\r\n\
        Content-Type: text/plain; charset=utf-8\r\n\
        Content-Transfer-Encoding: quoted-printable\r\n\
        \r\n\
        Bitcoin is at $100,000 =E2=80=94 above=\r\n your alert.\r\n\
        Line 2.\r\n\
        --b\r\n\
        Content-Type: text/html; charset=utf-8\r\n\
        Content-Transfer-Encoding: base64\r\n\
        \r\n\
        PHA+Qml0Y29pbjwvcD4=\r\n\
        --b--\r\n";

    /// A minimal SMTP client over std's TcpStream.
    struct Client {
        reader: BufReader<TcpStream>,
        writer: TcpStream,
    }

    impl Client {
        fn connect(port: u16) -> std::io::Result<Client> {
            let writer = TcpStream::connect(("127.0.0.1", port))?;
            // A silent server fails the test instead of hanging it.
            writer.set_read_timeout(Some(10 * SECOND))?;
            let mut client = Client {
                reader: BufReader::new(writer.try_clone()?),
                writer,
            };
            client.reply(); // the greeting
            Ok(client)
        }

        /// The last line of a reply: the one whose code is followed by a
        /// space rather than a dash.
        fn reply(&mut self) -> String {
            loop {
                let mut line = String::new();
                let n = self.reader.read_line(&mut line).expect("read");
                assert!(n > 0, "the server hung up");
                if line.as_bytes().get(3) == Some(&b' ') {
                    return line.trim_end().to_string();
                }
            }
        }

        fn command(&mut self, line: &str) -> Result<String, String> {
            self.writer
                .write_all(format!("{line}\r\n").as_bytes())
                .expect("write");
            let reply = self.reply();
            if reply.starts_with(['4', '5']) {
                Err(reply)
            } else {
                Ok(reply)
            }
        }
    }

    /// Sends MESSAGE to two recipients, authenticating first with the
    /// base64 AUTH PLAIN token `auth`, if any; the first error reply fails.
    fn send(port: u16, auth: Option<&str>) -> Result<(), String> {
        let mut c = Client::connect(port).map_err(|e| e.to_string())?;
        c.command("EHLO client.test")?;
        if let Some(token) = auth {
            c.command(&format!("AUTH PLAIN {token}"))?;
        }
        c.command("MAIL FROM:<alerts@coinlytics.test>")?;
        c.command("RCPT TO:<ann@example.test>")?;
        c.command("RCPT TO:<bob@example.test>")?;
        c.command("DATA")?;
        c.command(&format!("{MESSAGE}."))?;
        c.command("QUIT")?;
        Ok(())
    }

    const SECOND: Duration = Duration::from_secs(1);

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn saves_and_parses_what_it_accepts() {
        let mut sink = SmtpSink::start();
        send(sink.port(), None).expect("send");
        let mails = sink.wait_for(1, 5 * SECOND).await;
        let m = &mails[0];
        assert_eq!(m.subject, "BTC ↑ 100k");
        assert_eq!(m.from, "Coinlytics <alerts@coinlytics.test>");
        assert_eq!(m.to, "Ann <ann@example.test>");
        assert_eq!(m.message_id, "<1@coinlytics.test>");
        assert_eq!(
            m.text,
            "Bitcoin is at $100,000 — above your alert.\nLine 2."
        );
        assert_eq!(m.html.as_deref(), Some("<p>Bitcoin</p>"));
        assert!(m.raw.contains("boundary=\"b\""), "{}", m.raw);
        assert_eq!(m.mail_from, "alerts@coinlytics.test");
        assert_eq!(m.rcpts, ["ann@example.test", "bob@example.test"]);
        assert_eq!(m.auth_user, None);

        // The message is saved before the (delayed) reply goes out.
        sink.set_reply_delay(Some(2 * SECOND));
        let port = sink.port();
        let sending = std::thread::spawn(move || send(port, None));
        assert_eq!(sink.wait_for(2, 5 * SECOND).await.len(), 2);
        assert!(!sending.is_finished(), "the reply was not held back");
        sending.join().expect("join").expect("send");
        sink.set_reply_delay(None);

        // Stopped, it refuses; a new sink on the same port accepts again.
        sink.stop();
        assert!(send(port, None).is_err());
        assert_eq!(sink.messages().len(), 2);
        let again = SmtpSink::start_on(port);
        send(again.port(), None).expect("send after restart");
        assert_eq!(again.wait_for(1, 5 * SECOND).await[0].subject, "BTC ↑ 100k");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn with_auth_it_requires_and_records_the_login() {
        let sink = SmtpSink::start_with_auth("ann", "s3cret");
        // base64 of "\0ann\0s3cret" and of "\0ann\0wrong".
        let (good, bad) = ("AGFubgBzM2NyZXQ=", "AGFubgB3cm9uZw==");
        let refused = send(sink.port(), None).expect_err("no AUTH");
        assert!(refused.starts_with("530"), "{refused}");
        let refused = send(sink.port(), Some(bad)).expect_err("a wrong password");
        assert!(refused.starts_with("535"), "{refused}");
        send(sink.port(), Some(good)).expect("send");
        let mails = sink.wait_for(1, 5 * SECOND).await;
        assert_eq!(mails.len(), 1);
        assert_eq!(mails[0].auth_user.as_deref(), Some("ann"));
    }
}
