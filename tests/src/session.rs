//! A private D-Bus session bus per test, and a real Secret Service on it.
//!
//! Tests that touch notifications or the keyring run their own
//! `dbus-daemon`, so they neither depend on nor disturb the developer's
//! desktop session, and can run in parallel.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A session bus that activates nothing: a service is there only if the
/// test started it, so a keyring (or anything else) the machine's user has
/// installed or left behind can never answer in a test.
const BUS_CONFIG: &str = r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#;

/// A `dbus-daemon` of our own, killed on drop.
pub struct PrivateBus {
    daemon: Child,
    address: String,
    _config: tempfile::TempDir,
}

impl PrivateBus {
    pub fn start() -> PrivateBus {
        let config = tempfile::tempdir().expect("temp dir");
        let file = config.path().join("session.conf");
        std::fs::write(&file, BUS_CONFIG).expect("bus config");
        let mut daemon = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", file.display()))
            .args(["--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("dbus-daemon (apt package dbus) must be installed");
        // The daemon prints its address once it listens.
        let mut address = String::new();
        let out = daemon.stdout.as_mut().expect("stdout");
        BufReader::new(out)
            .read_line(&mut address)
            .expect("bus address");
        let address = address.trim().to_string();
        assert!(!address.is_empty(), "dbus-daemon printed no address");
        PrivateBus {
            daemon,
            address,
            _config: config,
        }
    }

    /// The value for `DBUS_SESSION_BUS_ADDRESS`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Waits until some connection owns `name` (activation or start-up is
    /// asynchronous, and a client racing it would get `ServiceUnknown`).
    pub fn wait_for_name(&self, name: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let owned = Command::new("dbus-send")
                .args([
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    &format!("string:{name}"),
                ])
                .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
                .output()
                .expect("dbus-send");
            if String::from_utf8_lossy(&owned.stdout).contains("boolean true") {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{name} never appeared on the bus"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Starts an unlocked gnome-keyring (Secret Service only) on this bus,
    /// keeping its files under `home`; returns once it serves
    /// `org.freedesktop.secrets`.
    pub fn start_keyring(&self, home: &Path) -> KeyringDaemon {
        std::fs::create_dir_all(home.join("run")).expect("runtime dir");
        let env = session_env(home, &self.address);
        let mut child = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .envs(env.clone())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon (apt package gnome-keyring) must be installed");
        // `--unlock` reads the login password from stdin, up to EOF.
        let mut stdin = child.stdin.take().expect("stdin");
        stdin
            .write_all(b"test-keyring-password")
            .expect("unlock password");
        drop(stdin);
        let keyring = KeyringDaemon { child, env };
        self.wait_for_name("org.freedesktop.secrets", Duration::from_secs(10));
        keyring
    }
}

impl Drop for PrivateBus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

/// A running gnome-keyring-daemon, killed on drop.
pub struct KeyringDaemon {
    child: Child,
    env: Vec<(String, String)>,
}

impl KeyringDaemon {
    /// The environment a client needs to reach this keyring: the bus, and
    /// the same HOME/XDG dirs (libsecret and keyring look there too).
    pub fn env(&self) -> Vec<(String, String)> {
        self.env.clone()
    }
}

impl Drop for KeyringDaemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn session_env(home: &Path, address: &str) -> Vec<(String, String)> {
    let dir = |sub: &str| home.join(sub).display().to_string();
    vec![
        ("HOME".into(), home.display().to_string()),
        ("XDG_DATA_HOME".into(), dir("data")),
        ("XDG_RUNTIME_DIR".into(), dir("run")),
        ("DBUS_SESSION_BUS_ADDRESS".into(), address.to_string()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_private_bus_activates_no_keyring_of_the_machine() {
        let bus = PrivateBus::start();
        // On the standard session bus this call starts gnome-keyring (with
        // whatever keyrings HOME holds); here nothing may answer it.
        let out = Command::new("dbus-send")
            .args([
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.secrets",
                "/org/freedesktop/secrets",
                "org.freedesktop.DBus.Peer.Ping",
            ])
            .env("DBUS_SESSION_BUS_ADDRESS", bus.address())
            .output()
            .expect("dbus-send");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains("ServiceUnknown"),
            "a keyring answered on a private bus: {err}"
        );
    }

    #[test]
    fn a_private_bus_hosts_an_unlocked_keyring() {
        let home = tempfile::tempdir().expect("temp home");
        let bus = PrivateBus::start();
        assert!(bus.address().starts_with("unix:"), "{}", bus.address());
        let keyring = bus.start_keyring(home.path());
        let env = keyring.env();
        assert!(env.contains(&("DBUS_SESSION_BUS_ADDRESS".into(), bus.address().into())));
        // The default collection is unlocked: `Locked` reads false.
        let out = Command::new("dbus-send")
            .args([
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.secrets",
                "/org/freedesktop/secrets/aliases/default",
                "org.freedesktop.DBus.Properties.Get",
                "string:org.freedesktop.Secret.Collection",
                "string:Locked",
            ])
            .envs(env)
            .output()
            .expect("dbus-send");
        let reply = String::from_utf8_lossy(&out.stdout);
        assert!(reply.contains("boolean false"), "{reply}");
    }
}
