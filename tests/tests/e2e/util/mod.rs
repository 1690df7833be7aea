//! What the test modules share: the built binaries (never built by a
//! test), run by a user with a private data directory, config file and
//! home; [`wait_until`], the one way to wait for something.

mod bins;
pub mod page;
pub mod tmux;
mod wait;
pub mod world;

use std::path::Path;
use std::path::PathBuf;
use std::process::{Child, Command, Output};

pub use bins::coinlytics_bin;
pub use wait::{WAIT, wait_until};

/// A user of the app: their own data dir and config file, pointed at `url`.
pub struct User {
    pub dir: tempfile::TempDir,
    pub url: String,
}

impl User {
    pub fn new(url: &str) -> User {
        User {
            dir: tempfile::tempdir().expect("temp dir"),
            url: url.to_string(),
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn config_file(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    /// The database file of this user's data dir.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir().join("coinlytics.sqlite3")
    }

    /// A second connection to this user's database, as another process
    /// would hold it.
    pub fn database(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.database_path()).expect("open the database")
    }

    /// This user's home: HOME and the XDG dirs of every process the tests
    /// start for them, never the machine's own.
    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// A `coinlytics` command with this user's environment and nothing
    /// inherited that could point it elsewhere.
    pub fn command(&self, args: &[&str]) -> Command {
        let home = self.home();
        let mut c = Command::new(coinlytics_bin());
        c.args(args)
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("XDG_STATE_HOME", home.join(".local/state"))
            .env("COINLYTICS_DATA_DIR", self.data_dir())
            .env("COINLYTICS_CONFIG", self.config_file())
            .env("COINLYTICS_COINGECKO_URL", &self.url)
            // The exchanges only where a test runs fakes of them: no test
            // reaches a real API. The past's sources (the ECB's rates, the
            // exchanges' daily candles) point at a closed port unless a
            // test gives its fakes.
            .env("COINLYTICS_SOURCES", "coingecko")
            .env("COINLYTICS_ECB_URL", "http://127.0.0.1:9")
            .env("COINLYTICS_BINANCE_URL", "http://127.0.0.1:9")
            .env("COINLYTICS_COINBASE_URL", "http://127.0.0.1:9")
            .env("COINLYTICS_HTTP_TIMEOUT_SECS", "2")
            .env("COINLYTICS_REQUESTS_PER_MINUTE", "600")
            .env("COINLYTICS_KEYRING_SERVICE", "coinlytics-test")
            .env_remove("RUST_LOG")
            .env_remove("COINLYTICS_CURRENCY")
            .env_remove("COINLYTICS_COINGECKO_API_PLAN")
            // Headless commands must not need a display.
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY");
        c
    }

    /// Runs `coinlytics args…` to completion (off the async runtime's threads).
    pub async fn run(&self, args: &[&str]) -> Run {
        let mut cmd = self.command(args);
        let out = tokio::task::spawn_blocking(move || cmd.output().expect("run coinlytics"))
            .await
            .expect("join");
        Run::from(out)
    }

    /// Runs `coinlytics args…` with `env` added and `stdin` (if any) as
    /// its standard input: a secret piped in, the keyring's environment.
    pub fn run_piped(&self, args: &[&str], stdin: Option<&str>, env: &[(String, String)]) -> Run {
        use std::io::Write;
        let mut cmd = self.command(args);
        cmd.envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("spawn coinlytics");
        if let Some(s) = stdin {
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(s.as_bytes())
                .expect("write");
        }
        drop(child.stdin.take());
        Run::from(child.wait_with_output().expect("wait"))
    }
}

/// A child process, killed and reaped when the test is done with it, also
/// when the test fails first.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:?}"))
    }

    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(self.code, 0, "expected success: {self:?}");
        self
    }
}

/// `portfolio add` of 0.1 ETH of income into portfolio P on `day`, no
/// price given.
pub fn eth_income(day: &str) -> [&str; 12] {
    [
        "portfolio",
        "add",
        "--portfolio",
        "P",
        "--type",
        "income",
        "--coin",
        "eth",
        "--qty",
        "0.1",
        "--time",
        day,
    ]
}

/// An amount as the window and tray show it in en-US: "71,234.56".
pub fn money(amount: f64) -> String {
    let cents = (amount * 100.0).round() as i64;
    let (whole, frac) = (cents / 100, cents % 100);
    let mut s = whole.to_string();
    let mut i = s.len() as i64 - 3;
    while i > 0 {
        s.insert(i as usize, ',');
        i -= 3;
    }
    format!("{s}.{frac:02}")
}

/// An HTTP client for the tests' own requests, on the engine's TLS stack.
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// The 24h change in % the fake Binance now gives `symbol` (its REST
/// ticker's `priceChangePercent`), as a streamed tick of it carries it.
pub async fn binance_change_pct(binance: &coinlytics_tests::FakeExchange, symbol: &str) -> f64 {
    let url = format!(
        "{}/api/v3/ticker/24hr?symbols=%5B%22{symbol}%22%5D",
        binance.rest_url()
    );
    let rows: serde_json::Value = http_client()
        .get(&url)
        .send()
        .await
        .expect("ask the fake Binance")
        .json()
        .await
        .expect("its ticker");
    rows[0]["priceChangePercent"]
        .as_str()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no priceChangePercent in {rows}"))
}

/// Every file under `dir` whose bytes hold `needle`: where a secret
/// leaked to.
pub fn files_containing(dir: &Path, needle: &[u8]) -> Vec<String> {
    let mut hits = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() {
            hits.extend(files_containing(&p, needle));
        } else if std::fs::read(&p)
            .map(|b| b.windows(needle.len()).any(|w| w == needle))
            .unwrap_or(false)
        {
            hits.push(p.display().to_string());
        }
    }
    hits
}
