//! Which Host headers a request may carry.

use std::collections::HashSet;
use std::net::SocketAddr;

/// The host names a request may name in its Host header. A browser sends
/// the name it resolved, so a foreign site that rebinds its own name to
/// 127.0.0.1 (DNS rebinding) still names itself, and is refused.
#[derive(Debug)]
pub struct Hosts(HashSet<String>);

impl Hosts {
    pub fn new(listen: SocketAddr, extra: &[String]) -> Hosts {
        let mut names: HashSet<String> = ["localhost", "127.0.0.1", "::1"]
            .into_iter()
            .map(String::from)
            .collect();
        if !listen.ip().is_unspecified() {
            names.insert(listen.ip().to_string());
        }
        names.extend(extra.iter().map(|h| h.trim().to_ascii_lowercase()));
        Hosts(names)
    }

    /// Whether a Host header's value (a name or address, and perhaps a
    /// port) is one of ours.
    pub fn allows(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        let name = if let Some(rest) = host.strip_prefix('[') {
            // [::1]:8725
            rest.split_once(']').map_or("", |(ip, _)| ip)
        } else {
            host.rsplit_once(':').map_or(host.as_str(), |(name, port)| {
                if port.bytes().all(|b| b.is_ascii_digit()) {
                    name
                } else {
                    ""
                }
            })
        };
        self.0.contains(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names_and_the_listen_address_are_ours() {
        let hosts = Hosts::new(
            "127.0.0.1:8725".parse().expect("addr"),
            &["Pi.local".into()],
        );
        for ok in [
            "localhost",
            "localhost:8725",
            "127.0.0.1:8725",
            "[::1]:8725",
            "LOCALHOST",
            "pi.local:8725",
        ] {
            assert!(hosts.allows(ok), "{ok}");
        }
        for bad in [
            "",
            "evil.example",
            "evil.example:8725",
            "localhost.evil.example",
            "127.0.0.1.nip.io",
            "[::2]:1",
            "localhost:x",
        ] {
            assert!(!hosts.allows(bad), "{bad}");
        }
    }
}
