//! `coinlytics watch` on a real terminal (tmux): it draws, redraws in place
//! when the price moves, and gives the terminal back on q and on Ctrl-C.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use coinlytics_tests::FakeCoinGecko;
use common::User;

struct Tmux {
    session: String,
}

impl Tmux {
    fn capture(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.session])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &str) {
        let ok = Command::new("tmux")
            .args(["send-keys", "-t", &self.session, keys])
            .status()
            .expect("tmux send-keys")
            .success();
        assert!(ok, "send-keys {keys}");
    }

    /// Waits until the screen satisfies `pred`, returning it.
    async fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.capture();
            if pred(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.session])
            .status();
    }
}

fn start(user: &User, name: &str, args: &str) -> Tmux {
    let cmd = user.command(&[]);
    let envs: Vec<String> = cmd
        .get_envs()
        .filter_map(|(k, v)| Some(format!("{}='{}'", k.to_str()?, v?.to_str()?)))
        .collect();
    let line = format!(
        "env {} {} {args}; echo WATCH-EXITED-$?; sleep 60",
        envs.join(" "),
        common::coinlytics_bin().display()
    );
    let session = format!("{name}-{}", std::process::id());
    let ok = Command::new("tmux")
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

#[tokio::test]
async fn the_ticker_redraws_in_place_and_restores_the_terminal() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    let t = start(
        &user,
        "ticker",
        "watch --coins bitcoin,ethereum --refresh-secs 5",
    );

    let screen = t
        .wait_for("the first table", |s| s.contains("BTC Bitcoin"))
        .await;
    assert!(screen.contains("ETH Ethereum"), "{screen}");
    assert!(screen.contains("MARKET CAP"), "{screen}");
    assert_eq!(
        screen.matches("BTC Bitcoin").count(),
        1,
        "drawn once, not appended"
    );

    fake.set_price("bitcoin", 12_345.67);
    let screen = t
        .wait_for("the new price", |s| s.contains("$12,345.67"))
        .await;
    assert_eq!(
        screen.matches("BTC Bitcoin").count(),
        1,
        "redrawn in place:\n{screen}"
    );

    t.keys("q");
    let screen = t.wait_for("exit", |s| s.contains("WATCH-EXITED-0")).await;
    assert!(
        !screen.contains("MARKET CAP"),
        "the alternate screen is gone:\n{screen}"
    );
}

#[tokio::test]
async fn ctrl_c_quits_the_ticker_cleanly() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    let t = start(&user, "ticker-ctrl-c", "watch --top 5");
    t.wait_for("the first table", |s| s.contains("BTC Bitcoin"))
        .await;
    t.keys("C-c");
    let screen = t.wait_for("exit", |s| s.contains("WATCH-EXITED-0")).await;
    assert!(!screen.contains("MARKET CAP"), "{screen}");
}
