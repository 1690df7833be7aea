//! `coinlytics watch` on a real terminal (tmux: a pty and a terminal
//! emulator whose screen we read): it draws, redraws in place when the
//! price moves, when it goes offline and back, and when the terminal is
//! resized, and gives the terminal back on q and on Ctrl-C.

use std::time::Duration;

use crate::util::User;
use crate::util::tmux::{EXIT_MARK, Tmux};
use coinlytics_tests::FakeCoinGecko;

/// What is wrong with `screen` as one clean frame (the status line first,
/// the banner only `offline`, one header, each coin once, nothing else),
/// or `None`.
fn frame_fault(screen: &str, offline: bool) -> Option<&'static str> {
    let lines: Vec<&str> = screen.lines().filter(|l| !l.trim().is_empty()).collect();
    let count = |needle: &str| lines.iter().filter(|l| l.contains(needle)).count();
    if !lines
        .first()
        .is_some_and(|l| l.starts_with("Coinlytics · "))
    {
        Some("the status line is not first")
    } else if count("Coinlytics · ") != 1 {
        Some("not one status line")
    } else if count("PRICE") != 1 {
        Some("not one header")
    } else if count("OFFLINE") != usize::from(offline) {
        Some("the banner is wrong")
    } else if count("BTC Bitcoin") != 1 || count("ETH Ethereum") != 1 {
        Some("not each coin once")
    } else if lines.len() != 4 + usize::from(offline) {
        Some("something is left of an earlier frame")
    } else {
        None
    }
}

#[tokio::test]
async fn the_ticker_redraws_in_place_and_restores_the_terminal() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    let t = Tmux::start(
        &user,
        "ticker",
        "watch --coins bitcoin,ethereum --refresh-secs 5",
        &[],
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
    let screen = t
        .wait_for("exit", |s| s.contains(&format!("{EXIT_MARK}0")))
        .await;
    assert!(
        !screen.contains("MARKET CAP"),
        "the alternate screen is gone:\n{screen}"
    );
}

#[tokio::test]
async fn ctrl_c_quits_the_ticker_cleanly() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    let t = Tmux::start(&user, "ticker-ctrl-c", "watch --top 5", &[]);
    t.wait_for("the first table", |s| s.contains("BTC Bitcoin"))
        .await;
    t.keys("C-c");
    let screen = t
        .wait_for("exit", |s| s.contains(&format!("{EXIT_MARK}0")))
        .await;
    assert!(!screen.contains("MARKET CAP"), "{screen}");
}

#[tokio::test]
async fn offline_and_back_and_a_resize_each_leave_one_clean_frame() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    let t = Tmux::start(
        &user,
        "ticker-states",
        "watch --coins bitcoin,ethereum --refresh-secs 5",
        &[],
    );
    // Each state is reached only once its frame is clean; a frame that
    // never is fails with the screen.
    let clean = |offline: bool| move |s: &str| frame_fault(s, offline).is_none();
    t.wait_for("the first frame", clean(false)).await;

    fake.set_down(true);
    t.keys("r");
    t.wait_for("one frame with the offline banner", clean(true))
        .await;

    fake.set_down(false);
    t.keys("r");
    // Fresh again: the AGE column of stale prices is gone.
    t.wait_for("one fresh frame without the banner", |s| {
        clean(false)(s) && !s.contains("AGE")
    })
    .await;

    // Narrower than the table and shorter: lines are cut, not wrapped
    // onto the next one, and nothing of the larger frame stays. tmux cuts
    // what it shows at once; the ticker's own frame comes within a second.
    for (width, height) in [(60, 8), (150, 30)] {
        t.resize(width, height);
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let screen = t.capture();
        assert_eq!(
            frame_fault(&screen, false),
            None,
            "at {width}x{height}:\n{screen}"
        );
        assert!(screen.lines().count() <= usize::from(height), "{screen}");
    }
    assert!(t.capture().contains("VOLUME 24H"));

    t.keys("q");
    t.wait_for("exit", |s| s.contains(&format!("{EXIT_MARK}0")))
        .await;
}
