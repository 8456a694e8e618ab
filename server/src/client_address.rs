//! Who sent a request: the connection's peer, or, behind reverse proxies the server is told
//! to trust, the address they forwarded. Sign-in rate limits and the access log use it.

use crate::api_error::ApiError;
use crate::startup::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
#[error(
    "the trusted proxies (LOTSA_TRUSTED_PROXIES or --trusted-proxies) include {entry:?}, which \
     is neither an IP address nor a network; list addresses or networks separated by commas, \
     such as 10.0.0.5,192.168.1.0/24"
)]
pub struct BadTrustedProxy {
    entry: String,
}

/// The reverse proxies whose `X-Forwarded-For` is believed. Empty by default: the header is
/// then ignored, since anyone can send it. Shared, since the app state is cloned per request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Arc<[IpNet]>);

impl TrustedProxies {
    /// Reads a comma-separated list of addresses (`10.0.0.5`) and networks (`10.0.0.0/8`).
    pub fn parse(list: &str) -> Result<Self, BadTrustedProxy> {
        list.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| BadTrustedProxy {
                        entry: entry.to_owned(),
                    })
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|network| network.contains(&address))
    }

    /// The client's address. Each proxy appends the address it was reached from, so the
    /// list is read from its end: the first address that is not a trusted proxy is the
    /// client. A hop that is not an address stops the walk at the last address a trusted
    /// proxy gave. IPv4 peers of a server listening on IPv6 (`::ffff:10.0.0.5`) count as IPv4.
    pub fn client_address(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.trusts(client) {
            return client;
        }
        let values: Vec<_> = headers.get_all("x-forwarded-for").iter().collect();
        for value in values.into_iter().rev() {
            // Byte by byte: a client's junk earlier on the line must not hide the hops the
            // proxies appended after it.
            for hop in value.as_bytes().rsplit(|byte| *byte == b',') {
                let Some(address) = parse_hop(hop) else {
                    return client;
                };
                client = address;
                if !self.trusts(address) {
                    return client;
                }
            }
        }
        client
    }
}

/// An address as proxies write it: bare, or with a port (`[::1]:443`, `10.0.0.1:80`).
fn parse_hop(hop: &[u8]) -> Option<IpAddr> {
    let hop = std::str::from_utf8(hop).ok()?.trim();
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|socket| socket.ip()))
        .map(|address| address.to_canonical())
}
/// The address a request came from, as [`TrustedProxies::client_address`] finds it.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let ConnectInfo(peer) = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .copied()
            .ok_or_else(|| {
                ApiError::Internal(anyhow::anyhow!("the server runs without peer addresses"))
            })?;
        Ok(Self(
            state
                .trusted_proxies
                .client_address(peer.ip(), &parts.headers),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let proxies = TrustedProxies::default();
        let headers = forwarded(&["203.0.113.9"]);
        assert_eq!(
            proxies.client_address(ip("10.0.0.5"), &headers),
            ip("10.0.0.5")
        );
    }

    #[test]
    fn a_peer_that_is_not_trusted_cannot_name_another_address() {
        let proxies = TrustedProxies::parse("10.0.0.5").unwrap();
        let headers = forwarded(&["203.0.113.9"]);
        assert_eq!(
            proxies.client_address(ip("198.51.100.7"), &headers),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_first_untrusted_hop_from_the_end_is_the_client() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.168.1.1").unwrap();
        // The client claims to be 1.2.3.4; the outer proxy appends who reached it.
        let headers = forwarded(&["1.2.3.4, 203.0.113.9", "192.168.1.1"]);
        assert_eq!(
            proxies.client_address(ip("10.0.0.5"), &headers),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn a_hop_that_is_not_an_address_stops_at_the_last_trusted_one() {
        let proxies = TrustedProxies::parse("10.0.0.5,10.0.0.6").unwrap();
        let headers = forwarded(&["unknown, 10.0.0.6"]);
        assert_eq!(
            proxies.client_address(ip("10.0.0.5"), &headers),
            ip("10.0.0.6")
        );
        assert_eq!(
            proxies.client_address(ip("10.0.0.5"), &HeaderMap::new()),
            ip("10.0.0.5")
        );
    }

    #[test]
    fn hops_with_ports_are_read() {
        let proxies = TrustedProxies::parse("::1").unwrap();
        let headers = forwarded(&["[2001:db8::1]:443"]);
        assert_eq!(
            proxies.client_address(ip("::1"), &headers),
            ip("2001:db8::1")
        );
    }

    #[test]
    fn an_ipv4_proxy_seen_by_a_server_on_ipv6_is_trusted() {
        let proxies = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let headers = forwarded(&["203.0.113.9"]);
        assert_eq!(
            proxies.client_address(ip("::ffff:10.0.0.5"), &headers),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn junk_a_client_sends_does_not_hide_what_the_proxy_appended() {
        let proxies = TrustedProxies::parse("10.0.0.5").unwrap();
        let mut headers = HeaderMap::new();
        headers.append(
            "x-forwarded-for",
            HeaderValue::from_bytes(b"\xff\xfe, 203.0.113.9").unwrap(),
        );
        assert_eq!(
            proxies.client_address(ip("10.0.0.5"), &headers),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn a_bad_entry_is_refused_with_what_to_write() {
        let error = TrustedProxies::parse("10.0.0.5, proxy.local").unwrap_err();
        assert!(error.to_string().contains("\"proxy.local\""));
        assert_eq!(
            TrustedProxies::parse("").unwrap(),
            TrustedProxies::default()
        );
    }
}
