//! The OpenID Connect provider that people sign in with on the pages: discovered once, then
//! the service is its client (authorization code flow, coming back to `/auth/callback`).

use openidconnect::core::{CoreClient, CoreProviderMetadata};
use openidconnect::{ClientId, ClientSecret, IssuerUrl, RedirectUrl};
use tokio::sync::RwLock;

use crate::AppState;
use crate::error::{AppError, Cause};

/// What the service knows of the login provider, read from its discovery document once.
pub struct Provider {
    metadata: CoreProviderMetadata,
    /// Where the provider ends its own session at sign-out, if it says.
    pub end_session: Option<String>,
}

/// The configured login provider, discovered when first needed.
#[derive(Default)]
pub struct Login {
    provider: RwLock<Option<std::sync::Arc<Provider>>>,
}

/// The HTTP client for the provider: no redirects followed, a time limit.
pub fn http() -> Result<openidconnect::reqwest::Client, AppError> {
    openidconnect::reqwest::Client::builder()
        // Following redirects would open the door to request forgery through the provider.
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| AppError::identity_provider("building the HTTP client", Some(e.into())))
}

impl Login {
    pub async fn provider(&self, issuer: &str) -> Result<std::sync::Arc<Provider>, AppError> {
        if let Some(p) = self.provider.read().await.as_ref() {
            return Ok(p.clone());
        }
        let unavailable =
            |e: Cause| AppError::identity_provider(format!("discovering {issuer}"), Some(e));
        let issuer_url = IssuerUrl::new(issuer.to_owned()).map_err(|e| unavailable(e.into()))?;
        let http = http()?;
        let metadata = CoreProviderMetadata::discover_async(issuer_url, &http)
            .await
            .map_err(|e| unavailable(e.into()))?;
        // The end-session endpoint is not part of the core metadata.
        let raw: serde_json::Value = http
            .get(format!(
                "{}/.well-known/openid-configuration",
                issuer.trim_end_matches('/')
            ))
            .send()
            .await
            .map_err(|e| unavailable(e.into()))?
            .json()
            .await
            .map_err(|e| unavailable(e.into()))?;
        let provider = std::sync::Arc::new(Provider {
            metadata,
            end_session: raw["end_session_endpoint"].as_str().map(str::to_owned),
        });
        *self.provider.write().await = Some(provider.clone());
        Ok(provider)
    }
}

impl Provider {
    /// The service as a client of the provider, coming back to `/auth/callback`.
    pub fn client(
        &self,
        state: &AppState,
    ) -> Result<
        CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
        AppError,
    > {
        let config = &state.config().login;
        let redirect = format!("{}/auth/callback", state.config().public_url());
        Ok(CoreClient::from_provider_metadata(
            self.metadata.clone(),
            ClientId::new(config.client_id.clone()),
            config.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(
            RedirectUrl::new(redirect)
                .map_err(|e| AppError::internal("the sign-in redirect address", e))?,
        ))
    }
}
