//! Adapters to AWS APIs. Network code lives here and only here; each
//! adapter takes plain names and ARNs and knows nothing of the spec.

pub(crate) mod arc;
pub(crate) mod cfn;
pub(crate) mod cloudwatch;
pub(crate) mod region_switch;
pub(crate) mod route53;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_http_client::{Builder, ConnectorBuilder};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_smithy_types::retry::RetryConfig;

/// The one place every AWS client's configuration is loaded: the standard
/// chain (environment, shared config and credentials files with their
/// profiles, web identity tokens as IRSA sets them, the container endpoint
/// as EKS Pod Identity and ECS set it, IMDS), in `region` when given, else
/// the Region that chain names. `AWS_ENDPOINT_URL` and its per-service
/// forms point calls elsewhere (the tests' moto).
///
/// Retries are the SDK's adaptive mode, which also slows its own requests
/// once AWS throttles them (AWS SDKs and Tools Reference Guide, "Retry
/// behavior": adaptive mode adds "client-side rate limiting"): a deploy of
/// many stacks at once meets Route 53's and CloudFormation's rate limits.
/// `AWS_RETRY_MODE`, when set, chooses otherwise.
pub(crate) async fn sdk_config(region: Option<&str>) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(https_client());
    if std::env::var_os("AWS_RETRY_MODE").is_none() {
        loader = loader.retry_config(RetryConfig::adaptive());
    }
    match region {
        Some(r) => loader.region(Region::new(r.to_string())),
        None => loader,
    }
    .load()
    .await
}

/// The SDK's own default HTTPS client (hyper, rustls, the platform's trust
/// store, proxies from `HTTPS_PROXY`/`NO_PROXY` and the like), on rustls's
/// ring provider as the rest of the process is, rather than on aws-lc, which
/// the default would compile for this alone.
fn https_client() -> SharedHttpClient {
    Builder::new().build_with_connector_fn(|settings, components| {
        let mut conn =
            ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(CryptoMode::Ring));
        conn.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            conn.set_sleep_impl(components.sleep_impl());
        }
        conn.set_proxy_config(Some(ProxyConfig::from_env()));
        conn.build()
    })
}

/// One line for an SDK error: the service's code and message when it sent
/// them, else the whole chain of what failed on the way (connection refused,
/// an HTTP status the SDK could not parse, a timeout).
pub(crate) fn describe_error<E>(e: &SdkError<E, HttpResponse>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    if let Some(s) = e.as_service_error()
        && let Some(c) = s.code()
    {
        return match s.message() {
            Some(m) => format!("{c}: {m}"),
            None => c.to_string(),
        };
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    if let SdkError::ServiceError(s) = e {
        text = format!("{text} (HTTP {})", s.raw().status().as_u16());
    }
    text
}
