//! A database URL as it may be shown: in messages, logs and errors.

/// The URL without anything secret: the password of its user part is `***`, so is the value
/// of a query parameter that may carry a secret (`password`, `sslpassword`, `sslkey`, any
/// name holding `pass`, `secret`, `key`, `token`, `pwd`, `auth` or `cred`). A URL that does
/// not read as one shows its scheme only.
///
/// A password holding an unencoded `@`, `/`, `?` or `#` still ends at the last `@`, so no
/// part of it shows as the host; a host part that reads as no host shows as `…`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = split_scheme(url) else {
        return "…".to_owned();
    };
    let Some(rest) = rest.strip_prefix("//") else {
        // `sqlite:PATH`: a path, its parameters shown like any other's.
        if scheme.eq_ignore_ascii_case("sqlite") && !rest.contains('@') {
            return format!("{scheme}:{}", path_and_query(rest));
        }
        return format!("{scheme}:…");
    };
    let (user, after) = match rest.rfind('@') {
        Some(at) => {
            let userinfo = &rest[..at];
            // The `@` may be in a query's value: where a secret ends cannot be told.
            if userinfo.contains('?') {
                return format!("{scheme}://…");
            }
            let shown = match userinfo.split_once(':') {
                Some((name, _)) if is_plain(name) => format!("{name}:***@"),
                None if is_plain(userinfo) => format!("{userinfo}@"),
                _ => "***@".to_owned(),
            };
            (shown, &rest[at + 1..])
        }
        None => (String::new(), rest),
    };
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (hosts, tail) = after.split_at(end);
    let hosts = if hosts.is_empty() || hosts.split(',').all(is_host) {
        hosts
    } else {
        "…"
    };
    format!("{scheme}://{user}{hosts}{}", path_and_query(tail))
}

/// The scheme (letters, digits, `+`, `-`, `.`, beginning with a letter) and what follows `:`.
fn split_scheme(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then_some((scheme, rest))
}

/// A user name or a query parameter's name that may be shown as it is.
pub(crate) fn is_plain(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '%' | '[' | ']'))
}

/// A host with an optional port: a name, an IPv4 address or a bracketed IPv6 address.
fn is_host(text: &str) -> bool {
    let (host, port) = match text.strip_prefix('[') {
        Some(v6) => {
            let Some((address, rest)) = v6.split_once(']') else {
                return false;
            };
            if address.is_empty() || !address.chars().all(|c| c.is_ascii_hexdigit() || c == ':') {
                return false;
            }
            if rest.is_empty() {
                return true;
            }
            let Some(port) = rest.strip_prefix(':') else {
                return false;
            };
            ("", Some(port))
        }
        None => match text.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        },
    };
    let host_ok = text.starts_with('[')
        || (!host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '%')));
    host_ok && port.is_none_or(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

/// Whether a query parameter's value may be a secret.
fn is_secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["pass", "secret", "key", "token", "pwd", "auth", "cred"]
        .iter()
        .any(|word| name.contains(word))
}

/// The path as it is, its parameters with secret values as `***`; a fragment is left out.
fn path_and_query(tail: &str) -> String {
    let tail = tail.split('#').next().unwrap_or_default();
    let Some((path, query)) = tail.split_once('?') else {
        return tail.to_owned();
    };
    let params: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|param| match param.split_once('=') {
            Some((name, _)) if is_plain(name) && is_secret_name(name) => format!("{name}=***"),
            Some((name, value)) if is_plain(name) && is_plain_value(value) => {
                format!("{name}={value}")
            }
            Some((name, _)) if is_plain(name) => format!("{name}=***"),
            None if is_plain(param) && !is_secret_name(param) => param.to_owned(),
            _ => "***".to_owned(),
        })
        .collect();
    format!("{path}?{}", params.join("&"))
}

/// A parameter value shown as it is: nothing in it looks like a piece of another part.
fn is_plain_value(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '%' | '/' | ','))
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn no_form_of_url_shows_its_secret() {
        let cases = [
            (
                "postgres://app:secret@db:5432/m",
                "postgres://app:***@db:5432/m",
            ),
            ("postgresql://app:secret@db/m", "postgresql://app:***@db/m"),
            (
                "postgres://app@db/m?password=secret",
                "postgres://app@db/m?password=***",
            ),
            (
                "postgres://app@db/m?sslmode=require&PassWord=secret&sslpassword=secret",
                "postgres://app@db/m?sslmode=require&PassWord=***&sslpassword=***",
            ),
            (
                "postgres://db/m?sslkey=/run/secret.key&api_token=secret&x_secret=secret",
                "postgres://db/m?sslkey=***&api_token=***&x_secret=***",
            ),
            // Unencoded characters in the password: it still ends at the last `@`.
            ("postgres://app:se@cret@db/m", "postgres://app:***@db/m"),
            ("postgres://app:s/e#c+ret@db/m", "postgres://app:***@db/m"),
            ("postgres://app:s/e?c#ret@db/m", "postgres://…"),
            ("postgres://app:se:cret@db/m", "postgres://app:***@db/m"),
            ("postgres://app:@secret@db/m", "postgres://app:***@db/m"),
            ("postgres://:secret@db/m", "postgres://***@db/m"),
            // A password without a user, or a user part that is not one.
            ("postgres://secret%2@x y@db/m", "postgres://***@db/m"),
            ("postgres://db/m?password=se@cret", "postgres://…"),
            ("postgres://db/m?password=se@cret/x?y", "postgres://…"),
            // No `@`: a host part that is no host is not shown.
            ("postgres://app:secret/m", "postgres://…/m"),
            ("postgres://app:secret", "postgres://…"),
            // Other schemes, and what is no URL.
            ("mysql://app:secret@db/m", "mysql://app:***@db/m"),
            ("mysql:app:secret@db", "mysql:…"),
            ("app:secret@db", "app:…"),
            ("secret", "…"),
            ("", "…"),
            ("=secret://x", "…"),
            // Parameters that are not name=value, and fragments.
            ("postgres://db/m?secret", "postgres://db/m?***"),
            ("postgres://db/m?se@cret=1", "postgres://…"),
            (
                "postgres://db/m?a=b c&options=-c x=secret",
                "postgres://db/m?a=***&options=***",
            ),
            ("postgres://db/m#secret", "postgres://db/m"),
            // Nothing secret: shown as it is.
            ("sqlite://mandates.db", "sqlite://mandates.db"),
            ("sqlite:mandates.db?mode=rwc", "sqlite:mandates.db?mode=rwc"),
            ("sqlite:///var/lib/m.db", "sqlite:///var/lib/m.db"),
            ("sqlite::memory:", "sqlite::memory:"),
            (
                "postgres://db1:5432,db2:5433/m",
                "postgres://db1:5432,db2:5433/m",
            ),
            ("postgres://[::1]:5432/m", "postgres://[::1]:5432/m"),
            ("postgres://[::1]/m", "postgres://[::1]/m"),
            ("postgres://[::1]x/m", "postgres://…/m"),
            (
                "postgres://app@db/m?sslmode=verify-full&application_name=mandates",
                "postgres://app@db/m?sslmode=verify-full&application_name=mandates",
            ),
        ];
        for (url, shown) in cases {
            let redacted = redact_url(url);
            assert_eq!(redacted, shown, "{url}");
        }
    }
}
