//! `mandates serve`.

use clap::Args;
use mandates_server::clock::Clock;
use mandates_server::config::Config;
use mandates_server::http::server::Limits;

use crate::config::open_store;
use mandates_store::redact_url;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
    /// Demo mode: a built-in token issuer, demo identities and demo data. Loopback only,
    /// and only on a database created in demo mode (default file: mandates-demo.db).
    #[arg(long)]
    pub demo: bool,
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// Runs the server until interrupted.
pub async fn run(config: Config) -> Result<(), String> {
    let addr = mandates_server::check_bind(&config).map_err(|e| e.to_string())?;
    let store = open_store(&config).await?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let base = format!("http://{local}");
    let demo = config.demo;
    let url = config.database_url();
    let config_limits = mandates_server::http::server::Limits::of(&config.http);
    let state = mandates_server::build(config, store.clone(), Clock::System, &base)
        .await
        .map_err(|e| mandates_server::error::chain(&e))?;
    tracing::info!(address = %base, database = %redact_url(&url), demo, "listening");
    if demo {
        eprintln!(
            "Demo mode. Open {base}/ in a browser and sign in as one of the demo identities."
        );
        eprintln!(
            "For the API, a token: curl -s -X POST {base}/demo/token -H 'content-type: application/json' -d '{{\"sub\":\"85073003328\"}}'"
        );
    }
    let app = mandates_server::app::router(state.clone());
    let limits = connection_limits(&config_limits);
    mandates_server::http::server::serve(listener, app, limits, shutdown_signal()).await;
    // Nothing queued for the access log is lost on a clean shutdown.
    state.shutdown().await;
    store.close().await;
    Ok(())
}

/// The configured limits, with no more connections than the process may open files (raised
/// to what the system allows), less a reserve for the database and the logs.
fn connection_limits(limits: &Limits) -> Limits {
    const RESERVE: u64 = 256;
    let files = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
    let most = usize::try_from(files.saturating_sub(RESERVE).max(16)).unwrap_or(usize::MAX);
    if limits.max_connections > most {
        tracing::warn!(
            configured = limits.max_connections,
            open_files = files,
            used = most,
            "http.max_connections is more than the process may open files; using fewer"
        );
    }
    Limits {
        max_connections: limits.max_connections.min(most),
        ..*limits
    }
}
