//! The connections to the SMTP server: lettre speaks the protocol, on sockets opened here
//! with `TCP_NODELAY`, kept open between mails.
//!
//! Why not lettre's own transport: it writes a message and then its final `.` line as two
//! writes; with Nagle's algorithm on, the second waits for the server to acknowledge the
//! first, which a server delays (about 40 ms on Linux) because it answers only after that
//! line. Every mail then costs some 40 ms of waiting per connection, whatever the server.
//!
//! The URL means what it means to lettre: `smtp://host[:port]` plain (port 25),
//! `?tls=required` or `?tls=opportunistic` for STARTTLS (port 587), `smtps://` for TLS from
//! the start (port 465), credentials in the user and password, a path for the name given
//! in EHLO.

use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::extension::ClientId;

use super::mail::SendError;

/// Connections idle for longer than this are closed rather than used again (servers close
/// idle connections after a few minutes).
const IDLE: Duration = Duration::from_secs(60);
/// A connection idle for longer than this is asked whether it still works (NOOP) before
/// it carries a mail.
const TEST_AFTER: Duration = Duration::from_secs(5);
/// Open connections kept between mails.
const KEEP: usize = 8;

/// How the connection is secured.
#[derive(Clone)]
enum Security {
    Plain,
    /// STARTTLS after the greeting; when not required, only if the server offers it.
    StartTls {
        tls: TlsParameters,
        required: bool,
    },
    /// TLS from the start.
    Wrapper(TlsParameters),
}

/// An SMTP server and the connections open to it.
pub struct Smtp {
    host: String,
    port: u16,
    security: Security,
    hello: ClientId,
    credentials: Option<Credentials>,
    timeout: Duration,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
}

impl Smtp {
    /// The server of `url`; each connection, and each mail on it, takes at most `timeout`.
    pub fn from_url(url: &str, timeout: Duration) -> Result<Smtp, String> {
        let parsed = reqwest::Url::parse(url).map_err(|e| e.to_string())?;
        let host = parsed
            .host_str()
            .ok_or("no host")?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let tls_mode = parsed
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.into_owned());
        let tls = || TlsParameters::new(host.clone()).map_err(|e| e.to_string());
        let (security, default_port) = match (parsed.scheme(), tls_mode.as_deref()) {
            ("smtp", None) => (Security::Plain, 25),
            ("smtp", Some("required")) => (
                Security::StartTls {
                    tls: tls()?,
                    required: true,
                },
                587,
            ),
            ("smtp", Some("opportunistic")) => (
                Security::StartTls {
                    tls: tls()?,
                    required: false,
                },
                587,
            ),
            ("smtps", _) => (Security::Wrapper(tls()?), 465),
            (scheme, tls) => {
                return Err(format!(
                    "unknown scheme {scheme:?} or tls parameter {tls:?} (smtp://, smtp://…?tls=required, smtp://…?tls=opportunistic, smtps://)"
                ));
            }
        };
        let hello = match parsed.path().trim_matches('/') {
            "" => ClientId::default(),
            name => ClientId::Domain(name.to_owned()),
        };
        let credentials = match parsed.password() {
            Some(password) => Some(Credentials::new(
                percent_decoded(parsed.username())?,
                percent_decoded(password)?,
            )),
            None => None,
        };
        Ok(Smtp {
            port: parsed.port().unwrap_or(default_port),
            host,
            security,
            hello,
            credentials,
            timeout,
            idle: Mutex::new(Vec::new()),
        })
    }

    /// Hands one message to the server, on an open connection if there is one.
    pub async fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<(), SendError> {
        let mut conn = match self.take_idle().await {
            Some(conn) => conn,
            None => tokio::time::timeout(self.timeout, self.connect())
                .await
                .map_err(|_| SendError::Transient("the SMTP server did not answer in time".into()))?
                .map_err(|e| match e {
                    Failure::Io(e) => {
                        SendError::Transient(format!("could not connect to the SMTP server: {e}"))
                    }
                    Failure::Smtp(e) => classify(&e),
                })?,
        };
        let sent = tokio::time::timeout(self.timeout, conn.send(envelope, message)).await;
        match sent {
            Ok(Ok(_)) => {
                self.put_back(conn);
                Ok(())
            }
            Ok(Err(e)) => {
                // lettre closes a connection on any error (a refused recipient too): the
                // next mail opens another.
                Err(classify(&e))
            }
            Err(_) => {
                conn.abort().await;
                Err(SendError::Transient(
                    "the SMTP server did not answer in time".into(),
                ))
            }
        }
    }

    /// An open connection that still works, if any.
    async fn take_idle(&self) -> Option<AsyncSmtpConnection> {
        loop {
            let (mut conn, since) = {
                let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
                idle.pop()?
            };
            let age = since.elapsed();
            if age > IDLE {
                conn.abort().await;
                continue;
            }
            if age > TEST_AFTER
                && !tokio::time::timeout(self.timeout, conn.test_connected())
                    .await
                    .unwrap_or(false)
            {
                conn.abort().await;
                continue;
            }
            return Some(conn);
        }
    }

    fn put_back(&self, conn: AsyncSmtpConnection) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < KEEP {
            idle.push((conn, Instant::now()));
        }
        // Beyond what is kept, the connection is dropped: its socket closes.
    }

    /// A new connection: TCP without Nagle's delay, TLS as the URL says, signed in.
    async fn connect(&self) -> Result<AsyncSmtpConnection, Failure> {
        let tcp = tokio::net::TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(Failure::Io)?;
        tcp.set_nodelay(true).map_err(Failure::Io)?;
        let mut conn = match &self.security {
            Security::Wrapper(tls) => {
                let stream = wrapped(tcp, tls.clone()).await?;
                AsyncSmtpConnection::connect_with_transport(Box::new(stream), &self.hello).await?
            }
            Security::Plain | Security::StartTls { .. } => {
                AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello).await?
            }
        };
        if let Security::StartTls { tls, required } = &self.security
            && (*required || conn.can_starttls())
        {
            conn.starttls(tls.clone(), &self.hello).await?;
        }
        if let Some(credentials) = &self.credentials {
            conn.auth(DEFAULT_MECHANISMS, credentials).await?;
        }
        Ok(conn)
    }
}

/// Why a connection could not be made.
enum Failure {
    Io(std::io::Error),
    Smtp(lettre::transport::smtp::Error),
}

impl From<lettre::transport::smtp::Error> for Failure {
    fn from(e: lettre::transport::smtp::Error) -> Self {
        Failure::Smtp(e)
    }
}

/// A 5xx answer is for good; anything else may work later.
fn classify(e: &lettre::transport::smtp::Error) -> SendError {
    if e.is_permanent() {
        SendError::Permanent(e.to_string())
    } else {
        SendError::Transient(e.to_string())
    }
}

/// A user name or password as written in a URL, decoded.
fn percent_decoded(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "the credentials are not UTF-8".to_owned())
}

/// A TLS stream over `tcp` (lettre's TLS, with the certificates it trusts), as lettre's
/// protocol client reads and writes a stream.
async fn wrapped(tcp: tokio::net::TcpStream, tls: TlsParameters) -> Result<TlsStream, Failure> {
    #[expect(
        deprecated,
        reason = "lettre's own TLS stream, public but not meant for use: the only way to keep its TLS settings on a socket opened here"
    )]
    let mut stream =
        lettre::transport::smtp::client::AsyncNetworkStream::use_existing_tokio1(Box::new(tcp));
    stream.upgrade_tls(tls).await?;
    Ok(TlsStream(stream))
}

/// lettre's TLS stream (futures' I/O traits) as a Tokio stream.
#[derive(Debug)]
#[expect(deprecated, reason = "see `wrapped`")]
struct TlsStream(lettre::transport::smtp::client::AsyncNetworkStream);

impl tokio::io::AsyncRead for TlsStream {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let n = std::task::ready!(futures_util::AsyncRead::poll_read(
            std::pin::Pin::new(&mut self.0),
            cx,
            buf.initialize_unfilled()
        ))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncWrite for TlsStream {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        futures_util::AsyncWrite::poll_write(std::pin::Pin::new(&mut self.0), cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<std::io::Result<()>> {
        futures_util::AsyncWrite::poll_flush(std::pin::Pin::new(&mut self.0), cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<std::io::Result<()>> {
        futures_util::AsyncWrite::poll_close(std::pin::Pin::new(&mut self.0), cx)
    }
}

impl AsyncTokioStream for TlsStream {
    fn peer_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.0.peer_addr()
    }
}
