//! Where a webhook may be sent: an `https` address whose host resolves only to public
//! addresses (not loopback, private, link-local, unspecified, multicast, ...), so that a
//! subscription cannot make the service call into its own network. Checked when a
//! subscription is made, and again at every delivery, where the connection goes to the
//! addresses just checked (a name that resolves differently the second time is caught then).
//! The configuration may allow any address and `http` (a local demo, tests).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::Url;

/// Why an address is refused; its code is the field error's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("not an absolute http(s) URL")]
    Invalid,
    #[error("only https addresses are accepted")]
    NotHttps,
    #[error("a URL with a user name or password is not accepted")]
    Credentials,
    #[error("the host name could not be resolved")]
    Unresolvable,
    #[error("{0} is not a public address")]
    NotPublic(IpAddr),
}

impl AddressError {
    /// The stable code of the refusal.
    pub fn code(&self) -> &'static str {
        match self {
            AddressError::Invalid => "invalid_webhook_url",
            AddressError::NotHttps => "webhook_url_not_https",
            AddressError::Credentials => "webhook_url_credentials",
            AddressError::Unresolvable => "webhook_url_unresolvable",
            AddressError::NotPublic(_) => "webhook_url_not_public",
        }
    }
}

/// Reads a subscription's address: absolute, `https` (or `http` where allowed), without
/// credentials.
pub fn parse(text: &str, allow_private: bool) -> Result<Url, AddressError> {
    let url = Url::parse(text.trim()).map_err(|_| AddressError::Invalid)?;
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        "http" => return Err(AddressError::NotHttps),
        _ => return Err(AddressError::Invalid),
    }
    if url.host().is_none() {
        return Err(AddressError::Invalid);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(AddressError::Credentials);
    }
    Ok(url)
}

/// Resolves an address's host and checks every address it gives.
pub async fn resolve(url: &Url, allow_private: bool) -> Result<Vec<SocketAddr>, AddressError> {
    let host = url.host_str().ok_or(AddressError::Invalid)?;
    let port = url.port_or_known_default().ok_or(AddressError::Invalid)?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    resolve_host(host, port, allow_private).await
}

async fn resolve_host(
    host: &str,
    port: u16,
    allow_private: bool,
) -> Result<Vec<SocketAddr>, AddressError> {
    let found: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| AddressError::Unresolvable)?
        .collect();
    if found.is_empty() {
        return Err(AddressError::Unresolvable);
    }
    if !allow_private && let Some(bad) = found.iter().find(|a| !is_public(a.ip())) {
        return Err(AddressError::NotPublic(bad.ip()));
    }
    Ok(found)
}

/// Whether an address is reachable on the public internet: not loopback, private, shared
/// (carrier-grade NAT), link-local, unspecified, multicast, broadcast, documentation or
/// otherwise reserved; IPv4 inside IPv6 judged as IPv4.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
        || (a == 198 && (18..20).contains(&b))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || first == 0x2001 && ip.segments()[1] == 0x0db8
        || first == 0x0064 && ip.segments()[1] == 0xff9b)
}

/// The resolver of the delivering HTTP client: it connects only to addresses it checked.
/// (An address written as an IP is not resolved: [`resolve`] checks it before sending.)
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver {
    pub allow_private: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let found = resolve_host(name.as_str(), 0, allow_private)
                .await
                .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)?;
            Ok(Box::new(found.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The HTTP client that delivers webhooks: its own timeouts, no redirects (a receiver's
/// redirect counts as a failed attempt), and the guarded resolver.
pub fn client(
    allow_private: bool,
    timeout: std::time::Duration,
) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .dns_resolver(Arc::new(GuardedResolver { allow_private }))
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(timeout)
        .timeout(timeout)
        .user_agent("mandates-webhooks")
        .build()
}

#[cfg(test)]
mod tests {
    #![expect(clippy::expect_used, reason = "a test fails loudly")]

    use super::*;

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "224.0.0.1",
            "100.64.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            let ip: IpAddr = private.parse().expect("address");
            assert!(!is_public(ip), "{private} counted as public");
        }
        for public in ["8.8.8.8", "193.191.245.1", "2a00:1450:4001::1"] {
            let ip: IpAddr = public.parse().expect("address");
            assert!(is_public(ip), "{public} counted as not public");
        }
    }

    #[test]
    fn addresses_are_https_without_credentials() {
        assert_eq!(
            parse("http://example.be/hook", false),
            Err(AddressError::NotHttps)
        );
        assert!(parse("http://example.be/hook", true).is_ok());
        assert_eq!(parse("ftp://example.be/", true), Err(AddressError::Invalid));
        assert_eq!(parse("not a url", true), Err(AddressError::Invalid));
        assert_eq!(
            parse("https://user:pw@example.be/", false),
            Err(AddressError::Credentials)
        );
        assert!(parse("https://example.be/hook", false).is_ok());
    }
}
