//! A running `coinlytics monitor` and the world it watches: the fake
//! market, a private bus with a notification server, and a user pointed at
//! both. Shared by the monitor, fault-matrix and sources tests.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use coinlytics_tests::{FakeCoinGecko, NotificationServer, PrivateBus};

use super::{Run, User, WAIT, wait_until};

/// A running `coinlytics monitor` and the lines it printed.
pub struct MonitorProcess {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl MonitorProcess {
    pub fn start(user: &User, env: &[(String, String)]) -> MonitorProcess {
        Self::start_args(user, &["monitor"], env)
    }

    /// Any long-running `coinlytics` command (`watch` piped, say), read
    /// the same way.
    pub fn start_args(user: &User, args: &[&str], env: &[(String, String)]) -> MonitorProcess {
        let mut child = user
            .command(args)
            .env("COINLYTICS_REFRESH_SECS", "5")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start coinlytics monitor");
        let lines = Arc::new(Mutex::new(Vec::new()));
        for out in [
            Box::new(child.stdout.take().expect("stdout")) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().expect("stderr")),
        ] {
            let lines = lines.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(out).lines().map_while(Result::ok) {
                    lines.lock().expect("lines").push(line);
                }
            });
        }
        MonitorProcess { child, lines }
    }

    pub fn output(&self) -> String {
        self.lines.lock().expect("lines").join("\n")
    }

    /// Waits for a line containing `needle`; panics with the output so far.
    pub async fn wait_for(&self, needle: &str) {
        wait_until(&format!("it to print '{needle}'"), WAIT, async || {
            let output = self.output();
            if output.contains(needle) {
                Ok(())
            } else {
                Err(output)
            }
        })
        .await;
    }

    /// The crash: SIGKILL, no chance to clean up.
    pub fn kill9(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.output()
    }

    /// A service manager's stop: SIGTERM, then the exit code.
    pub fn terminate(mut self) -> (i32, String) {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let status = self.child.wait().expect("wait");
        // The reader threads finish when the pipes close.
        std::thread::sleep(Duration::from_millis(100));
        (status.code().unwrap_or(-1), self.output())
    }
}

impl Drop for MonitorProcess {
    /// A test that fails shows what the command printed (libtest shows a
    /// failing test's stderr); none leaves the process running.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- coinlytics printed ---\n{}", self.output());
        }
    }
}

/// Everything one test needs: the market, a private bus with a
/// notification server, and a user pointed at both.
pub struct World {
    pub fake: FakeCoinGecko,
    pub bus: PrivateBus,
    pub notifications: NotificationServer,
    pub user: User,
}

impl World {
    pub async fn start(price: f64) -> World {
        let fake = FakeCoinGecko::start().await;
        fake.set_price("bitcoin", price);
        let bus = PrivateBus::start();
        let notifications = NotificationServer::start(bus.address()).await;
        let user = User::new(&fake.base_url());
        World {
            fake,
            bus,
            notifications,
            user,
        }
    }

    pub fn env(&self) -> Vec<(String, String)> {
        vec![(
            "DBUS_SESSION_BUS_ADDRESS".into(),
            self.bus.address().to_string(),
        )]
    }

    pub async fn run(&self, args: &[&str]) -> Run {
        let mut cmd = self.user.command(args);
        cmd.envs(self.env());
        let out = tokio::task::spawn_blocking(move || cmd.output().expect("run"))
            .await
            .expect("join");
        Run::from(out)
    }

    pub async fn email_to(&self, port: u16, username: &str) {
        for (k, v) in [
            ("email.smtp_host", "127.0.0.1".to_string()),
            ("email.smtp_port", port.to_string()),
            ("email.security", "none".into()),
            ("email.username", username.into()),
            ("email.from", "Coinlytics <alerts@example.com>".into()),
            ("email.to", "me@example.com".into()),
        ] {
            self.run(&["config", "set", k, &v]).await.ok();
        }
    }

    /// Waits until the fake market has answered `n` more price requests.
    pub async fn refreshes(&self, n: usize) {
        let start = self.fake.requests("/coins/markets");
        wait_until(&format!("{n} more refreshes"), WAIT, async || {
            self.fake.requests("/coins/markets") >= start + n
        })
        .await;
        // Let the update pass through the monitor.
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    /// `coinlytics alerts add ARGS` (split at spaces), which must succeed.
    pub async fn alerts_add(&self, args: &str) {
        let mut all = vec!["alerts", "add"];
        all.extend(args.split_whitespace());
        self.run(&all).await.ok();
    }

    /// `coinlytics ARGS` must fail as bad input (exit 2) saying `says`.
    pub async fn refused(&self, args: &[&str], says: &str) {
        let r = self.run(args).await;
        assert_eq!(r.code, 2, "{r:?}");
        assert!(r.stderr.contains(says), "{r:?}");
    }

    pub async fn history(&self) -> serde_json::Value {
        self.run(&["alerts", "history", "--json"]).await.ok().json()
    }
}
