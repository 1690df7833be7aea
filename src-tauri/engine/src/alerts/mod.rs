//! Price alerts: the rule book, and a dispatcher that delivers each firing
//! to the desktop, by e-mail and to the channels a user added, exactly once; the monitor that runs the
//! rules on every market update is [`crate::monitor`].
//!
//! The flow: `Market` publishes an update → [`crate::monitor`] runs the
//! [`evaluate::RuleBook`] on it → each firing is written to SQLite with a
//! pending delivery per channel, in one transaction, before anything is sent
//! → [`dispatch`] delivers what is due, retrying with back-off, and records
//! each attempt. A crash at any point leaves either no firing (the rule is
//! still armed) or a firing whose undelivered channels are retried after a
//! restart. E-mails carry a Message-ID made from the firing key, so one sent
//! just before a crash and sent again after it is one message to a mail client.

pub mod channel;
pub mod dispatch;
pub mod email;
pub mod evaluate;
pub mod lock;
pub mod notify;
pub mod wording;

pub(crate) use crate::clock::now_ms;
