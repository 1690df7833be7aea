//! Which Host headers a request may carry.

use std::collections::HashSet;
use std::net::IpAddr;

/// The host names a request may name in its Host header. A browser sends
/// the name it resolved, so a foreign site that rebinds its own name to
/// 127.0.0.1 (DNS rebinding) still names itself, and is refused.
#[derive(Debug)]
pub struct Hosts(HashSet<String>);

impl Hosts {
    /// Loopback's names and `extra` (the `api_hosts` setting).
    pub fn new(extra: &[String]) -> Hosts {
        let mut names: HashSet<String> = ["localhost"].into_iter().map(String::from).collect();
        names.extend(extra.iter().map(|h| h.trim().to_ascii_lowercase()));
        Hosts(names)
    }

    /// Whether a Host header's value (a name or address, and perhaps a
    /// port) is one of ours. An IP address is: no one can rebind it, so a
    /// page that names one was loaded from it.
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
        name.parse::<IpAddr>().is_ok() || self.0.contains(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names_ip_addresses_and_the_setting_s_names_are_ours() {
        let hosts = Hosts::new(&["Pi.local".into()]);
        for ok in [
            "localhost",
            "localhost:8725",
            "127.0.0.1:8725",
            "[::1]:8725",
            "LOCALHOST",
            "pi.local:8725",
            "192.168.1.5:8725",
        ] {
            assert!(hosts.allows(ok), "{ok}");
        }
        for bad in [
            "",
            "evil.example",
            "evil.example:8725",
            "localhost.evil.example",
            "127.0.0.1.nip.io",
            "[::2",
            "localhost:x",
            "pi.local.evil.example",
        ] {
            assert!(!hosts.allows(bad), "{bad}");
        }
    }
}
