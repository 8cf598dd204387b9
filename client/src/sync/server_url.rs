//! Which server addresses the app talks to.
//!
//! A grid worker's token, their findings and the residents' names and phone numbers in them
//! travel to the server: over `https://`. Plain `http://` is accepted only where nobody else can
//! listen in — this device (`localhost`, `127.0.0.1`, `::1`) and private-LAN addresses
//! (`10/8`, `172.16/12`, `192.168/16`, IPv6 `fc00::/7`, link-local), where a county tests a
//! server on its own network — unless the user turns on the settings' explicit "insecure"
//! switch. A host *name* on plain HTTP counts as public: what it resolves to cannot be known
//! before connecting.

use super::SyncError;
use reqwest::Url;
use std::net::IpAddr;

/// The server address as the client keeps it (no trailing slash), or why it is refused.
pub fn check_server_url(url: &str, allow_insecure_http: bool) -> Result<String, SyncError> {
    let base = url.trim().trim_end_matches('/');
    let invalid = || SyncError::InvalidServerUrl(url.to_owned());
    let parsed = Url::parse(base).map_err(|_| invalid())?;
    if !matches!(parsed.scheme(), "http" | "https")
        || parsed.host().is_none()
        || !parsed.username().is_empty()
        || parsed.password().is_some()
        || parsed.query().is_some()
        || parsed.fragment().is_some()
    {
        return Err(invalid());
    }
    if parsed.scheme() == "http" && !allow_insecure_http && !is_local(&parsed) {
        return Err(SyncError::InsecureServerUrl(base.to_owned()));
    }
    Ok(base.to_owned())
}

/// Whether plain HTTP to `url` stays on this device or the local network.
fn is_local(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => {
            let d = d.to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(v4)) => is_local_ip(IpAddr::V4(v4)),
        Some(url::Host::Ipv6(v6)) => is_local_ip(IpAddr::V6(v6)),
        None => false,
    }
}

fn is_local_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_private() || v4.is_link_local(),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_local_ip(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || (first & 0xfe00) == 0xfc00 // unique local, fc00::/7
                || (first & 0xffc0) == 0xfe80 // link-local, fe80::/10
        }
    }
}

/// Whether `url` is on the same origin (scheme, host, port) as `base`: the only place the
/// client sends its token.
pub fn same_origin(base: &str, url: &str) -> bool {
    match (Url::parse(base), Url::parse(url)) {
        (Ok(a), Ok(b)) => a.origin() == b.origin(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(url: &str) -> bool {
        check_server_url(url, false).is_ok()
    }

    #[test]
    fn https_anywhere_plain_http_only_on_this_device_or_the_lan() {
        assert!(ok("https://yiwang.example.gov.cn/"));
        assert!(ok("https://203.0.113.5:8443"));
        for local in [
            "http://127.0.0.1:8080",
            "http://localhost:8080",
            "http://[::1]:8080",
            "http://10.2.3.4",
            "http://172.20.0.9:8080",
            "http://192.168.1.20:8080",
            "http://[fd12:3456::1]:8080",
            "http://169.254.10.1",
        ] {
            assert!(ok(local), "{local} stays on the local network");
        }
        for public in [
            "http://203.0.113.5:8080",
            "http://yiwang.example.gov.cn",
            "http://172.32.0.1",
            "http://[2001:db8::1]",
            "http://100.64.0.1",
        ] {
            match check_server_url(public, false) {
                Err(SyncError::InsecureServerUrl(_)) => {}
                other => panic!("{public}: {other:?}"),
            }
            assert!(
                check_server_url(public, true).is_ok(),
                "{public} with the insecure switch on"
            );
        }
    }

    #[test]
    fn addresses_that_are_not_a_server_are_refused() {
        for bad in [
            "",
            "yiwang.example.gov.cn",
            "ftp://x",
            "https://user:pw@yiwang.example.gov.cn",
            "https://yiwang.example.gov.cn/?x=1",
            "https://",
        ] {
            match check_server_url(bad, true) {
                Err(SyncError::InvalidServerUrl(_)) => {}
                other => panic!("{bad:?}: {other:?}"),
            }
        }
        assert_eq!(
            check_server_url(" https://a.example/yiwang/ ", false).unwrap(),
            "https://a.example/yiwang"
        );
    }

    #[test]
    fn the_token_goes_only_to_the_origin_signed_in_to() {
        let base = "https://a.example:8443";
        assert!(same_origin(base, "https://a.example:8443/api/v1/photos/x"));
        assert!(!same_origin(base, "https://b.example:8443/api/v1/photos/x"));
        assert!(!same_origin(base, "http://a.example:8443/api/v1/photos/x"));
        assert!(
            !same_origin(base, "https://a.example/api/v1/photos/x"),
            "another port"
        );
        assert!(!same_origin(base, "not a url"));
    }
}
