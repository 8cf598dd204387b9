//! Where a request comes from, for the sign-in throttle and the audit log.
//!
//! The address is the socket's peer. Only when that peer is one of the configured trusted
//! proxies (`--trusted-proxy`, `YIWANG_TRUSTED_PROXIES`: the county's nginx or HAProxy) is
//! `X-Forwarded-For` read, from the right: the first address that is not itself a trusted proxy
//! is the client. Anyone else's `X-Forwarded-For` is ignored, so a client cannot pick the
//! address its guesses are counted under.
//!
//! IPv6 clients are counted by their /64 network: one host there holds 2^64 addresses.

use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use ipnet::{IpNet, Ipv6Net};
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

/// The throttle's key for the caller's address (`unknown` when the server was not started with
/// connection info, as in tests that call the router directly).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        Ok(ClientAddr(
            request_ip(parts, state).map_or_else(|| "unknown".to_owned(), throttle_key),
        ))
    }
}

/// The caller's own address in full (an IPv6 host, not its /64), resolved as [`ClientAddr`]
/// is: what the audit log records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        Ok(ClientIp(request_ip(parts, state).map_or_else(
            || "unknown".to_owned(),
            |ip| canonical(ip).to_string(),
        )))
    }
}

fn request_ip(parts: &Parts, state: &AppState) -> Option<IpAddr> {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let forwarded: Vec<&str> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    client_ip(peer, &forwarded, &state.settings.trusted_proxies)
}

/// The client's address: the peer, or — when the peer is a trusted proxy — the rightmost
/// `X-Forwarded-For` entry that is not a trusted proxy.
pub fn client_ip(peer: Option<IpAddr>, forwarded: &[&str], trusted: &[IpNet]) -> Option<IpAddr> {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(&canonical(*ip)));
    let mut client = canonical(peer?);
    if !is_trusted(&client) {
        return Some(client);
    }
    let hops: Vec<&str> = forwarded
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    for hop in hops.iter().rev() {
        let Some(ip) = parse_hop(hop) else {
            // Not an address: what the proxy itself saw is all we know.
            break;
        };
        client = canonical(ip);
        if !is_trusted(&client) {
            break;
        }
    }
    Some(client)
}

/// One `X-Forwarded-For` entry: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:80`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// IPv4 addresses seen through an IPv6 socket (`::ffff:1.2.3.4`) as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The key attempts are counted under: the IPv4 address, or the IPv6 /64 network.
pub fn throttle_key(ip: IpAddr) -> String {
    match canonical(ip) {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => Ipv6Net::new(v6, 64)
            .map(|n| n.trunc().to_string())
            .unwrap_or_else(|_| v6.to_string()),
    }
}

/// A trusted proxy as given on the command line: a network (`10.0.0.0/8`) or one address.
pub fn parse_trusted_proxy(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{s:?} is neither an address nor a network like 10.0.0.0/8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn nets(s: &[&str]) -> Vec<IpNet> {
        s.iter().map(|n| parse_trusted_proxy(n).unwrap()).collect()
    }

    #[test]
    fn forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() {
        let none = nets(&[]);
        assert_eq!(
            client_ip(Some(ip("203.0.113.9")), &["198.51.100.1"], &none),
            Some(ip("203.0.113.9")),
            "anyone can write the header"
        );
        let proxy = nets(&["10.0.0.5"]);
        assert_eq!(
            client_ip(Some(ip("203.0.113.9")), &["198.51.100.1"], &proxy),
            Some(ip("203.0.113.9")),
            "not from the proxy"
        );
        assert_eq!(
            client_ip(Some(ip("10.0.0.5")), &["198.51.100.1"], &proxy),
            Some(ip("198.51.100.1"))
        );
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let proxies = nets(&["10.0.0.0/8"]);
        // The client forged the first entry; our proxies appended the rest.
        let xff = ["6.6.6.6, 198.51.100.7", "10.1.2.3"];
        assert_eq!(
            client_ip(Some(ip("10.0.0.5")), &xff, &proxies),
            Some(ip("198.51.100.7"))
        );
        assert_eq!(
            client_ip(Some(ip("10.0.0.5")), &["garbage"], &proxies),
            Some(ip("10.0.0.5")),
            "an unreadable hop: the proxy's own address"
        );
        assert_eq!(
            client_ip(Some(ip("10.0.0.5")), &["[2001:db8::1]:443"], &proxies),
            Some(ip("2001:db8::1"))
        );
    }

    #[test]
    fn ipv6_counts_by_network_and_mapped_ipv4_as_ipv4() {
        assert_eq!(
            throttle_key(ip("2001:db8:1:2:aaaa::1")),
            "2001:db8:1:2::/64"
        );
        assert_eq!(
            throttle_key(ip("2001:db8:1:2:bbbb::9")),
            throttle_key(ip("2001:db8:1:2::77"))
        );
        assert_eq!(throttle_key(ip("::ffff:192.0.2.1")), "192.0.2.1");
        assert!(parse_trusted_proxy("not an address").is_err());
        assert_eq!(parse_trusted_proxy("::1").unwrap().to_string(), "::1/128");
    }
}
