//! `mandates serve`.

use clap::Args;
use mandates_server::clock::Clock;
use mandates_server::config::Config;

use crate::config::{describe_url, open_store};

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
    let state = mandates_server::build(config, store.clone(), Clock::System, &base)
        .await
        .map_err(|e| mandates_server::error::chain(&e))?;
    tracing::info!(address = %base, database = %describe_url(&url), demo, "listening");
    if demo {
        eprintln!(
            "Demo mode. Open {base}/ in a browser and sign in as one of the demo identities."
        );
        eprintln!(
            "For the API, a token: curl -s -X POST {base}/demo/token -H 'content-type: application/json' -d '{{\"sub\":\"85073003328\"}}'"
        );
    }
    let app = mandates_server::app::router(state.clone());
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| e.to_string());
    // Nothing queued for the access log is lost on a clean shutdown.
    state.shutdown().await;
    store.close().await;
    result
}
