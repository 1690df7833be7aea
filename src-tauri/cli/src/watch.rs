//! `coinlytics watch`: a live ticker. On a terminal it redraws in place on
//! the alternate screen and restores the terminal however it ends (q,
//! Ctrl-C, SIGTERM, a panic); piped, it prints a table per update. Prices
//! streamed by the exchanges move their rows as they come, redrawn at most
//! [`FRAME`] apart.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Local, Utc};
use coinlytics_engine::market::{MarketEvent, PriceTick};
use coinlytics_engine::model::{Quote, QuoteRequest, Selection};
use coinlytics_engine::{Engine, refresher};
use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyModifiers};
use crossterm::style::{Attribute, Color, Print, ResetColor, SetAttribute, SetForegroundColor};
use crossterm::terminal::{self, ClearType};
use crossterm::{cursor, execute, queue};
use tokio::sync::{broadcast, mpsc};

use crate::args::Pick;

/// The ticker redraws at most this often, however fast prices stream.
const FRAME: Duration = Duration::from_millis(100);

#[derive(clap::Args, Debug)]
pub struct WatchArgs {
    #[command(flatten)]
    pick: Pick,
    /// Stream live prices from the exchanges (Binance, Kraken, Coinbase) even if `streaming` is off
    #[arg(long)]
    stream: bool,
}
use crate::table::{Table, Trend};
use coinlytics_engine::app::market::Pick as EnginePick;
use coinlytics_engine::{Error, format};

/// What the ticker shows.
struct State {
    req: QuoteRequest,
    quotes: Vec<Quote>,
    updated: Option<DateTime<Utc>>,
    failure: Option<String>,
    refresh_secs: u64,
    /// When the last streamed price came.
    streamed: Option<std::time::Instant>,
}

impl State {
    fn apply(&mut self, event: MarketEvent, engine: &Engine) {
        match event {
            MarketEvent::Updated(snap) if snap.currency == self.req.currency => {
                let mut quotes = snap.quotes.clone();
                if let Selection::Coins(ids) = &self.req.selection {
                    quotes.retain(|q| ids.contains(&q.coin_id));
                    quotes.sort_by_key(|q| ids.iter().position(|id| *id == q.coin_id));
                }
                self.quotes = quotes;
                self.updated = Some(snap.fetched_at);
                self.failure = None;
            }
            MarketEvent::Updated(_) => {}
            MarketEvent::Failed { request, .. } if request != self.req => {}
            MarketEvent::Failed { message, .. } => {
                // A server's words: shown, never obeyed.
                self.failure = Some(format::printable(&message).into_owned());
                if let Ok(stored) = engine.stored_quotes(&self.req) {
                    self.quotes = stored;
                }
            }
        }
    }

    /// A streamed price: its coin's row moves; true if one did.
    fn apply_tick(&mut self, t: &PriceTick) -> bool {
        if t.currency != self.req.currency {
            return false;
        }
        let Some(q) = self.quotes.iter_mut().find(|q| q.coin_id == t.coin_id) else {
            return false;
        };
        q.apply_tick(t);
        self.streamed = Some(std::time::Instant::now());
        true
    }

    fn status_line(&self) -> String {
        let when = match self.updated {
            Some(t) => format!(
                "updated {} ({} ago)",
                t.with_timezone(&Local).format("%H:%M:%S"),
                format::age((Utc::now() - t).num_seconds())
            ),
            None => "waiting for the first update".into(),
        };
        let live = match self.streamed {
            Some(t) if t.elapsed() < Duration::from_secs(10) => " · streaming live",
            _ => "",
        };
        format!(
            "Coinlytics · {} coins in {} · {when} · every {}s{live}",
            self.quotes.len(),
            self.req.currency.to_ascii_uppercase(),
            self.refresh_secs
        )
    }
}

pub async fn run(engine: Arc<Engine>, args: WatchArgs) -> Result<(), Error> {
    let pick = args.pick.parse()?;
    let follow_watchlist = pick == EnginePick::Default;
    let req = engine.request(&pick).await?;
    let events = engine.subscribe();
    let ticks = engine.subscribe_ticks();
    let fixed = req.clone();
    let streamed = req.clone();
    // With no --coins/--top the ticker follows the watchlist as it changes.
    let refresher = refresher::spawn(
        engine.clone(),
        engine.settings().refresh_interval(),
        move |e| {
            if follow_watchlist {
                e.default_request().map(|r| vec![r])
            } else {
                Ok(vec![fixed.clone()])
            }
        },
    );
    let streams = refresher::spawn_streams(engine.clone(), args.stream, move |e| {
        if follow_watchlist {
            e.default_request().map(|r| vec![r])
        } else {
            Ok(vec![streamed.clone()])
        }
    });
    let state = State {
        quotes: engine.stored_quotes(&req).unwrap_or_default(),
        req,
        updated: None,
        failure: None,
        refresh_secs: engine.settings().refresh_secs,
        streamed: None,
    };
    let result = if std::io::stdout().is_terminal() {
        live(engine, events, ticks, state).await
    } else {
        piped(engine, events, ticks, state).await
    };
    if let Some(s) = streams {
        s.stop().await;
    }
    refresher.stop().await;
    result
}

/// Piped output: one table per update, until the channel closes or a signal.
async fn piped(
    engine: Arc<Engine>,
    mut events: broadcast::Receiver<MarketEvent>,
    mut ticks: broadcast::Receiver<PriceTick>,
    mut state: State,
) -> Result<(), Error> {
    // Streamed prices are printed as a table a second at most.
    let mut second = tokio::time::interval(Duration::from_secs(1));
    let mut moved = false;
    loop {
        tokio::select! {
            ev = events.recv() => match ev {
                Ok(ev) => state.apply(ev, &engine),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return Ok(()),
            },
            t = ticks.recv() => {
                if let Ok(t) = t {
                    moved |= state.apply_tick(&t);
                }
                continue;
            }
            _ = second.tick() => {
                if !std::mem::take(&mut moved) {
                    continue;
                }
            }
            _ = shutdown_signal() => return Ok(()),
        }
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", state.status_line());
        if let Some(f) = &state.failure {
            let _ = writeln!(out, "OFFLINE: {f} — showing stored prices (stale)");
        }
        for line in Table::new(&state.quotes, state.failure.is_some()).lines() {
            let _ = writeln!(out, "{line}");
        }
        let _ = writeln!(out);
        if out.flush().is_err() {
            return Ok(()); // the reader went away (e.g. `| head`)
        }
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate());
        match term {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

enum Key {
    Quit,
    Refresh,
    /// The terminal changed size: draw again now, at the new size.
    Resized,
}

/// The terminal in ticker mode; dropping it restores the terminal.
struct Screen;

impl Screen {
    fn enter() -> std::io::Result<Screen> {
        terminal::enable_raw_mode()?;
        // Wrapping off: a line wider than the terminal is cut at its edge
        // instead of spilling onto the next row, which belongs to another.
        execute!(
            std::io::stdout(),
            terminal::EnterAlternateScreen,
            terminal::DisableLineWrap,
            cursor::Hide
        )?;
        // A panic must not leave the user's terminal in raw mode.
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
        Ok(Screen)
    }
}

fn restore() {
    let _ = execute!(
        std::io::stdout(),
        cursor::Show,
        terminal::EnableLineWrap,
        terminal::LeaveAlternateScreen
    );
    let _ = terminal::disable_raw_mode();
}

impl Drop for Screen {
    fn drop(&mut self) {
        restore();
    }
}

/// Reads keys on a thread of its own, blocked until one comes (no polling:
/// an idle ticker must not wake); it ends with the process, or when the
/// ticker stops listening.
fn spawn_key_reader() -> mpsc::Receiver<Key> {
    let (tx, rx) = mpsc::channel(4);
    std::thread::spawn(move || {
        loop {
            let key = match event::read() {
                Ok(Event::Key(KeyEvent {
                    code, modifiers, ..
                })) => match code {
                    KeyCode::Char('c') if modifiers.contains(KeyModifiers::CONTROL) => {
                        Some(Key::Quit)
                    }
                    KeyCode::Char('q') | KeyCode::Char('Q') | KeyCode::Esc => Some(Key::Quit),
                    KeyCode::Char('r') | KeyCode::Char('R') => Some(Key::Refresh),
                    _ => None,
                },
                Ok(Event::Resize(..)) => Some(Key::Resized),
                Ok(_) => None,
                Err(_) => Some(Key::Quit),
            };
            if let Some(k) = key
                && tx.blocking_send(k).is_err()
            {
                break;
            }
        }
    });
    rx
}

async fn live(
    engine: Arc<Engine>,
    mut events: broadcast::Receiver<MarketEvent>,
    mut ticks: broadcast::Receiver<PriceTick>,
    mut state: State,
) -> Result<(), Error> {
    let screen =
        Screen::enter().map_err(|e| Error::Internal(format!("cannot set up the terminal: {e}")))?;
    let mut keys = spawn_key_reader();
    // The status line's clock ("5s ago") is the one thing that changes by
    // itself; it is redrawn alone (see `Painter`).
    let mut clock = tokio::time::interval(Duration::from_secs(1));
    clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut painter = Painter::default();
    // Streamed prices wait for the next frame, armed only while one moved.
    let mut frame_at: Option<tokio::time::Instant> = None;
    let mut dirty = true;
    loop {
        if std::mem::take(&mut dirty) {
            painter
                .draw(&state)
                .map_err(|e| Error::Internal(format!("cannot draw: {e}")))?;
        }
        let frame = async {
            match frame_at {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            ev = events.recv() => match ev {
                Ok(ev) => {
                    state.apply(ev, &engine);
                    dirty = true;
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => break,
            },
            t = ticks.recv() => {
                if let Ok(t) = t
                    && state.apply_tick(&t)
                    && frame_at.is_none()
                {
                    frame_at = Some(tokio::time::Instant::now() + FRAME);
                }
            }
            _ = frame => {
                frame_at = None;
                dirty = true;
            }
            key = keys.recv() => match key {
                Some(Key::Refresh) => engine.refresh_soon(state.req.clone()),
                Some(Key::Resized) => {
                    painter.forget();
                    dirty = true;
                }
                Some(Key::Quit) | None => break,
            },
            _ = clock.tick() => dirty = true,
            _ = shutdown_signal() => break,
        }
    }
    drop(screen);
    Ok(())
}

/// How a run of text is shown.
#[derive(Clone, Copy, PartialEq)]
enum Style {
    Plain,
    Bold,
    Colored(Color),
}

/// One row of the screen: runs of text, each in its style.
type Line = Vec<(Style, String)>;

/// Everything on the screen for `state`, top to bottom: the status line,
/// the banner while offline, a blank line, the header and as many rows as
/// fit above the last line of a terminal `height` high.
fn frame(state: &State, height: u16) -> Vec<Line> {
    let table = Table::new(&state.quotes, state.failure.is_some());
    let mut lines: Vec<Line> = vec![vec![
        (Style::Bold, state.status_line()),
        (Style::Plain, "   q quit · r refresh".into()),
    ]];
    if let Some(f) = &state.failure {
        lines.push(vec![(
            Style::Colored(Color::Yellow),
            format!("OFFLINE — {f}. Showing stored prices (stale)."),
        )]);
    }
    lines.push(Vec::new());
    lines.push(vec![(Style::Bold, table.header_line())]);
    for cells in &table.rows {
        let mut line = Line::new();
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                line.push((Style::Plain, "  ".into()));
            }
            let style = match cell.trend {
                Trend::Up => Style::Colored(Color::Green),
                Trend::Down => Style::Colored(Color::Red),
                Trend::Flat => Style::Plain,
            };
            line.push((style, table.pad(i, &cell.text)));
        }
        lines.push(line);
    }
    lines.truncate(usize::from(height.saturating_sub(1)));
    lines
}

/// Draws frames on the terminal, each row only when it differs from what
/// the last frame left there: a second's tick of the clock rewrites the
/// status line alone, a streamed price its coin's row.
#[derive(Default)]
struct Painter {
    /// The text of each row on screen now, as drawn (cut to the width);
    /// `None` where it is not known, so the row is drawn even if blank.
    shown: Vec<Option<Line>>,
    size: (u16, u16),
}

impl Painter {
    /// Draw every row next time (the terminal was resized: what is on it
    /// is no longer known).
    fn forget(&mut self) {
        self.shown.clear();
    }

    fn draw(&mut self, state: &State) -> std::io::Result<()> {
        let size = terminal::size().unwrap_or((80, 24));
        if size != self.size {
            self.size = size;
            self.forget();
        }
        let (width, height) = size;
        let lines = frame(state, height);
        self.shown.resize(usize::from(height), None);
        let mut out = std::io::stdout().lock();
        for row in 0..height {
            let line = lines
                .get(usize::from(row))
                .map(|l| cut(l, usize::from(width)))
                .unwrap_or_default();
            let shown = &mut self.shown[usize::from(row)];
            if shown.as_ref() == Some(&line) {
                continue;
            }
            queue!(
                out,
                cursor::MoveTo(0, row),
                terminal::Clear(ClearType::CurrentLine)
            )?;
            for (style, text) in &line {
                match style {
                    Style::Plain => queue!(out, Print(text))?,
                    Style::Bold => queue!(
                        out,
                        SetAttribute(Attribute::Bold),
                        Print(text),
                        SetAttribute(Attribute::Reset)
                    )?,
                    Style::Colored(c) => {
                        queue!(out, SetForegroundColor(*c), Print(text), ResetColor)?
                    }
                }
            }
            *shown = Some(line);
        }
        out.flush()
    }
}

/// A line cut at the right edge, so the terminal never has to, with an
/// ellipsis where text was lost.
fn cut(line: &Line, width: usize) -> Line {
    let mut room = width;
    let mut out = Line::new();
    for (style, text) in line {
        if room == 0 {
            break;
        }
        let text: String = if text.chars().count() > room {
            text.chars().take(room - 1).chain(['…']).collect()
        } else {
            text.clone()
        };
        room -= text.chars().count();
        out.push((*style, text));
    }
    out
}
