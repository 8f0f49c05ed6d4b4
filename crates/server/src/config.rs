//! Server configuration: defaults, then a TOML file, then `MANDATES_*` environment variables.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Everything the server can be told.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub bind: String,
    /// `sqlite://PATH` or `postgres://...`; default: an SQLite file in the working directory.
    pub database_url: Option<String>,
    /// Run with the built-in demo issuer and demo data (loopback only).
    pub demo: bool,
    /// In demo mode, fill an empty database with demo identities and mandates.
    pub demo_data: bool,
    /// A catalog file replacing the shipped one.
    pub catalog: Option<PathBuf>,
    /// The address people use to reach the service (for the login's redirect address);
    /// default: `http://` and the bind address.
    pub public_url: Option<String>,
    pub auth: AuthConfig,
    pub login: LoginConfig,
    pub http: HttpConfig,
    pub store: StoreConfig,
    pub access_log: AccessLogConfig,
    pub limits: LimitsConfig,
    pub webhooks: WebhooksConfig,
    pub notices: NoticesConfig,
    pub mail: MailConfig,
    pub evidence: EvidenceConfig,
}

/// The evidence the service signs: checkpoints of its event log and receipts of acts.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EvidenceConfig {
    /// The Ed25519 private key (PKCS#8 PEM) that signs checkpoints and receipts, kept
    /// outside the database: whoever could rewrite the events must not also hold the key.
    /// Required outside demo mode; demo mode makes one beside its database file.
    pub key_file: Option<PathBuf>,
    /// Public keys (PEM) of evidence keys used before, still published so that what they
    /// signed verifies.
    pub previous_public_keys: Vec<PathBuf>,
    /// Seconds between two checkpoints while events are added; 0: none but those an
    /// export asks for.
    pub checkpoint_seconds: u64,
}

impl Default for EvidenceConfig {
    fn default() -> Self {
        EvidenceConfig {
            key_file: None,
            previous_public_keys: Vec::new(),
            checkpoint_seconds: 60,
        }
    }
}

/// How webhooks are sent to business applications.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhooksConfig {
    /// Allow `http` addresses and addresses that are not public (loopback, private,
    /// link-local, unspecified, multicast): for a local demo and tests only. Off, a
    /// subscription must be `https` to an address that resolves only to public addresses,
    /// checked when it is made and again at every delivery.
    pub allow_private: bool,
    /// Seconds a delivery may take (connecting, sending, the receiver's answer).
    pub timeout_seconds: u64,
    /// Seconds before the first retry of a failed delivery; each next wait is twice the last.
    pub retry_base_seconds: u64,
    /// The longest wait between two attempts, in seconds.
    pub retry_max_seconds: u64,
    /// Seconds after which a delivery that never succeeded is given up as failed.
    pub retry_for_seconds: u64,
    /// How often, in milliseconds, an instance looks for due deliveries when no new event
    /// wakes it.
    pub poll_millis: u64,
    /// Subscriptions an application may have.
    pub max_per_client: usize,
    /// Seconds an instance holds the deliveries it sends before another instance may take
    /// them (after a crash); an attempt that takes longer is given up and tried again.
    /// None: twice `timeout_seconds` plus 30.
    pub lease_seconds: Option<u64>,
}

/// The webhook settings in force: durations bounded so that no clock overflows (a timeout
/// at most an hour, a wait at most a week, retries for at most a year).
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    pub allow_private: bool,
    pub timeout: std::time::Duration,
    pub retry_base: chrono::Duration,
    pub retry_max: chrono::Duration,
    pub retry_for: chrono::Duration,
    pub poll: std::time::Duration,
    pub max_per_client: usize,
    /// How long an instance holds a delivery it sends (at most a day).
    pub lease: chrono::Duration,
}

impl WebhooksConfig {
    pub fn settings(&self) -> WebhookSettings {
        let seconds = |n: u64, min: i64, max: i64| {
            chrono::Duration::seconds(i64::try_from(n).unwrap_or(max).clamp(min, max))
        };
        let timeout = self.timeout_seconds.clamp(1, 3600);
        WebhookSettings {
            allow_private: self.allow_private,
            timeout: std::time::Duration::from_secs(timeout),
            retry_base: seconds(self.retry_base_seconds, 1, 86_400),
            retry_max: seconds(self.retry_max_seconds, 1, 7 * 86_400),
            retry_for: seconds(self.retry_for_seconds, 0, 365 * 86_400),
            poll: std::time::Duration::from_millis(self.poll_millis.clamp(10, 3_600_000)),
            max_per_client: self.max_per_client,
            lease: seconds(
                self.lease_seconds.unwrap_or(timeout * 2 + 30),
                1,
                i64::try_from(MAX_TIMEOUT_SECONDS).unwrap_or(86_400),
            ),
        }
    }
}

impl Default for WebhooksConfig {
    fn default() -> Self {
        WebhooksConfig {
            allow_private: false,
            timeout_seconds: 10,
            retry_base_seconds: 30,
            retry_max_seconds: 3600,
            retry_for_seconds: 86_400,
            poll_millis: 1000,
            max_per_client: 10,
            lease_seconds: None,
        }
    }
}

/// How the notices that time brings (reminders, lapses, expiries) are found.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NoticesConfig {
    /// Whether changes write notices and mails (false: for a store whose people are told by
    /// another system, or to measure what telling costs).
    pub enabled: bool,
    /// Seconds between two looks for what fell due; 0: never (another instance looks).
    pub scheduler_seconds: u64,
}

impl Default for NoticesConfig {
    fn default() -> Self {
        NoticesConfig {
            enabled: true,
            scheduler_seconds: 60,
        }
    }
}

/// How notices go out by mail.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailConfig {
    /// The SMTP server: `smtp://host:port` (plain), `smtp://host:port?tls=required`
    /// (STARTTLS), `smtps://host:port` (TLS from the start), with optional credentials
    /// (`smtp://user:password@host`). None: no mail is sent (in demo mode, mails are kept
    /// for the demo mailbox instead); they wait in the outbox.
    pub smtp_url: Option<String>,
    /// The sender of every mail.
    pub from: String,
    /// The language of a mail when neither the person nor the mandate gave one.
    pub default_lang: String,
    /// At most one mail per person in this many minutes: what comes in between is joined
    /// into one digest sent when they are over (at most a week).
    pub digest_minutes: u64,
    /// The hour (Europe/Brussels) the daily digest goes out, for those who asked for one.
    pub daily_hour: u32,
    /// A mail that could not be handed over for this many hours after it was written
    /// (the SMTP server down, or answering "try later") fails for good (at most 30 days).
    pub retry_hours: u64,
    /// How often the outbox is looked at, in seconds.
    pub poll_seconds: u64,
    /// Seconds an instance holds the mails it took from the outbox before another instance
    /// may take them (after a crash); a mail whose handing over takes longer is given up and
    /// tried again.
    pub lease_seconds: u64,
    /// In demo mode without `smtp_url`: how many of the newest mails the demo mailbox
    /// (`/demo/mailbox`) keeps, in memory.
    pub demo_keep: usize,
}

impl MailConfig {
    /// The digest window; longer than a week counts as a week.
    pub fn digest_window(&self) -> chrono::TimeDelta {
        chrono::TimeDelta::minutes(i64::try_from(self.digest_minutes.min(7 * 24 * 60)).unwrap_or(0))
    }

    /// How long a mail is tried again; longer than thirty days counts as thirty days.
    pub fn retry_for(&self) -> chrono::TimeDelta {
        chrono::TimeDelta::hours(i64::try_from(self.retry_hours.min(30 * 24)).unwrap_or(0))
    }

    /// How long an instance holds the mails it took: at least a second, at most a day.
    pub fn lease(&self) -> chrono::TimeDelta {
        chrono::TimeDelta::seconds(
            i64::try_from(self.lease_seconds.clamp(1, MAX_TIMEOUT_SECONDS)).unwrap_or(300),
        )
    }
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            smtp_url: None,
            from: "Mandates <no-reply@mandates.invalid>".into(),
            default_lang: "nl".into(),
            digest_minutes: 10,
            daily_hour: 7,
            retry_hours: 24,
            poll_seconds: 5,
            lease_seconds: 300,
            demo_keep: 200,
        }
    }
}

/// How often a client address may knock; 0 is no limit.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// Wrong secrets a minute at `/oauth/token` for one client id from one address (counted
    /// per address too, so that the owner of the client id elsewhere is not locked out).
    pub token_failures_per_minute: u32,
    /// Wrong secrets a minute at `/oauth/token` from one address, whatever the client id.
    pub token_failures_per_address_per_minute: u32,
    /// Demo tokens a minute from one address.
    pub demo_token_per_minute: u32,
    /// Sign-ins (`/login`) a minute from one address.
    pub login_per_minute: u32,
    /// Proxies whose `X-Forwarded-For` names the client's address;
    /// from any other peer, the header is ignored.
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            token_failures_per_minute: 10,
            token_failures_per_address_per_minute: 30,
            demo_token_per_minute: 60,
            login_per_minute: 30,
            trusted_proxies: Vec::new(),
        }
    }
}

/// Where answers wait, on local disk, until the store has them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccessLogConfig {
    /// The spool directory, one per instance; default: beside the SQLite file
    /// (`mandates.db.access-spool`), or `mandates-access-spool` in the working directory.
    pub spool: Option<PathBuf>,
    /// The most the spool may hold before the store has it, in MiB; past it, answers are
    /// refused (503) rather than given unlogged.
    pub spool_max_mb: u64,
    /// How often what was written is synced to disk, in milliseconds.
    pub sync_millis: u64,
}

impl Default for AccessLogConfig {
    fn default() -> Self {
        AccessLogConfig {
            spool: None,
            spool_max_mb: 1024,
            sync_millis: 100,
        }
    }
}

/// What one client may hold of the server.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    /// Seconds for a request's line and headers, counted from when the connection is ready
    /// for it: a new connection, or a kept-alive one after its last answer (so a kept-alive
    /// connection idle this long is closed).
    pub header_timeout_seconds: u64,
    /// Seconds for a request's whole body, from when its headers arrived.
    pub body_timeout_seconds: u64,
    /// Seconds an answer may wait for the client to take any of it (a client that reads
    /// nothing holds its connection no longer).
    pub write_timeout_seconds: u64,
    /// Connections open at once; more wait in the system's queue until one closes.
    pub max_connections: usize,
    /// Bulk files read and checked at once (each may take its file and its rows in memory);
    /// another answers 503 `uploads_busy` until one is done.
    pub max_uploads: usize,
}

/// How the service uses its database.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreConfig {
    /// Seconds a call waits for a database connection before answering 503 (PostgreSQL).
    pub acquire_timeout_seconds: u64,
    /// The largest the SQLite database may grow, in MiB; past it writes answer 503
    /// `store_full` as on a full disk. None: as large as the disk allows.
    pub sqlite_max_size_mb: Option<u64>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            header_timeout_seconds: 10,
            body_timeout_seconds: 60,
            write_timeout_seconds: 30,
            max_connections: 8192,
            max_uploads: 4,
        }
    }
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            acquire_timeout_seconds: 2,
            sqlite_max_size_mb: None,
        }
    }
}

/// The longest a timeout may be: a day. A longer one counts as a day (a deadline past what
/// the clock can count would stop every connection).
pub const MAX_TIMEOUT_SECONDS: u64 = 24 * 60 * 60;

impl StoreConfig {
    /// How the store connects.
    pub fn options(&self) -> mandates_store::Options {
        mandates_store::Options {
            acquire_timeout: std::time::Duration::from_secs(
                self.acquire_timeout_seconds.clamp(1, MAX_TIMEOUT_SECONDS),
            ),
            sqlite_max_bytes: self.sqlite_max_size_mb.map(|mb| mb.saturating_mul(1 << 20)),
        }
    }
}

/// How people sign in to the web pages: OpenID Connect authorization code flow with PKCE.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoginConfig {
    /// The OpenID Connect provider; none: no login (in demo mode, the demo sign-in page).
    pub issuer: Option<String>,
    pub client_id: String,
    pub client_secret: Option<String>,
    /// Scopes asked for besides `openid`.
    pub scopes: Vec<String>,
    /// The ID token claim that carries the person's national number.
    pub national_number_claim: String,
    /// A session ends after this many minutes without a request.
    pub idle_minutes: u64,
    /// A session ends this many hours after sign-in, whatever happens.
    pub max_hours: u64,
    /// Base64 of 32 random bytes or more: seals the sign-in cookie and signs anti-forgery
    /// tokens. Every instance behind one address needs the same. Required with `issuer`
    /// outside demo mode; else drawn at start (cookies then die with the process).
    pub cookie_key: Option<String>,
}

impl LoginConfig {
    /// How long a session may go unused; more minutes than a duration holds is forever.
    pub fn idle(&self) -> chrono::TimeDelta {
        i64::try_from(self.idle_minutes)
            .ok()
            .and_then(chrono::TimeDelta::try_minutes)
            .unwrap_or(chrono::TimeDelta::MAX)
    }

    /// How long a session lasts at most; more hours than a duration holds is forever.
    pub fn max_age(&self) -> chrono::TimeDelta {
        i64::try_from(self.max_hours)
            .ok()
            .and_then(chrono::TimeDelta::try_hours)
            .unwrap_or(chrono::TimeDelta::MAX)
    }
}

/// How bearer tokens are checked.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// The OpenID Connect issuer whose tokens are accepted (its discovery document is read).
    pub issuer: Option<String>,
    /// The audience a person's access token must carry.
    pub audience: String,
    /// The claim that carries the person's national number.
    pub national_number_claim: String,
    /// Authentication levels (`acr` values) from weakest to strongest.
    pub acr_levels: Vec<String>,
    /// The weakest `acr` accepted for a signature; none: any.
    pub min_signing_acr: Option<String>,
    /// How long fetched signing keys are kept, in seconds.
    pub jwks_cache_seconds: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: "127.0.0.1:8080".into(),
            database_url: None,
            demo: false,
            demo_data: true,
            catalog: None,
            public_url: None,
            auth: AuthConfig::default(),
            login: LoginConfig::default(),
            http: HttpConfig::default(),
            store: StoreConfig::default(),
            access_log: AccessLogConfig::default(),
            limits: LimitsConfig::default(),
            webhooks: WebhooksConfig::default(),
            notices: NoticesConfig::default(),
            mail: MailConfig::default(),
            evidence: EvidenceConfig::default(),
        }
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            issuer: None,
            audience: "mandates".into(),
            national_number_claim: "sub".into(),
            acr_levels: vec![
                "http://eidas.europa.eu/LoA/low".into(),
                "http://eidas.europa.eu/LoA/substantial".into(),
                "http://eidas.europa.eu/LoA/high".into(),
            ],
            min_signing_acr: None,
            jwks_cache_seconds: 600,
        }
    }
}

impl Default for LoginConfig {
    fn default() -> Self {
        LoginConfig {
            issuer: None,
            client_id: "mandates-web".into(),
            client_secret: None,
            scopes: vec!["profile".into(), "national_number".into()],
            national_number_claim: "national_number".into(),
            idle_minutes: 30,
            max_hours: 12,
            cookie_key: None,
        }
    }
}

impl Config {
    /// The address people reach the service at, without a trailing slash.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.bind),
        }
    }

    /// The catalog in force: the configured file, else the shipped one.
    pub fn load_catalog(&self) -> Result<mandates_domain::catalog::Catalog, String> {
        use mandates_domain::catalog::Catalog;
        match &self.catalog {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("catalog {}: {e}", path.display()))?;
                Catalog::from_toml(&text).map_err(|e| format!("catalog {}: {e}", path.display()))
            }
            None => Catalog::default_catalog().map_err(|e| e.to_string()),
        }
    }

    /// The access log's spool: the configured directory, else beside the SQLite file, else
    /// in the working directory.
    pub fn access_log_settings(&self) -> crate::access_log::Settings {
        let dir = match &self.access_log.spool {
            Some(dir) => dir.clone(),
            None => {
                let url = self.database_url();
                match url
                    .strip_prefix("sqlite://")
                    .or_else(|| url.strip_prefix("sqlite:"))
                {
                    Some(path) if !path.is_empty() && !path.starts_with(":memory:") => {
                        let path = path.split('?').next().unwrap_or(path);
                        PathBuf::from(format!("{path}.access-spool"))
                    }
                    _ => PathBuf::from("mandates-access-spool"),
                }
            }
        };
        crate::access_log::Settings {
            dir,
            max_bytes: self.access_log.spool_max_mb.max(1).saturating_mul(1 << 20),
            sync_every: std::time::Duration::from_millis(self.access_log.sync_millis.max(1)),
        }
    }

    /// The database URL in force: the configured one, or the embedded default file.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None if self.demo => "sqlite://mandates-demo.db".into(),
            None => "sqlite://mandates.db".into(),
        }
    }
}
