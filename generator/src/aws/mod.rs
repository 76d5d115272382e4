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
///
/// With `role`, the credentials are that role's, assumed (STS AssumeRole)
/// with the chain's: how gen reaches an account other than the
/// credentials' own. STS is called at the first request, so
/// [`assume`] asks first where a refusal must come before any change.
pub(crate) async fn sdk_config(region: Option<&str>, role: Option<&Role>) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(https_client());
    if std::env::var_os("AWS_RETRY_MODE").is_none() {
        loader = loader.retry_config(RetryConfig::adaptive());
    }
    let base = match region {
        Some(r) => loader.region(Region::new(r.to_string())),
        None => loader,
    }
    .load()
    .await;
    let Some(role) = role else {
        return base;
    };
    let mut assume = aws_config::sts::AssumeRoleProvider::builder(role.arn.clone())
        .session_name(SESSION_NAME)
        .configure(&base);
    // STS needs a Region: the chain's, else us-east-1 (a client made for no
    // Region, such as Region switch's, whose calls name their own).
    if base.region().is_none() {
        assume = assume.region(Region::new("us-east-1"));
    }
    if let Some(x) = &role.external_id {
        assume = assume.external_id(x.clone());
    }
    let provider = assume.build().await;
    base.to_builder()
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(provider),
        )
        .build()
}

/// `RoleSessionName` of every session gen starts: it names gen in the
/// account's CloudTrail (2 to 64 of `[\w+=,.@-]`: AWS STS API Reference,
/// AssumeRole).
const SESSION_NAME: &str = "gen";

/// A role in another account that gen assumes: its ARN, and the external
/// ID its trust policy asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Role {
    pub arn: String,
    pub external_id: Option<String>,
}

/// Why a role could not be assumed.
#[derive(Debug)]
pub(crate) struct AssumeError {
    pub role: String,
    pub message: String,
}

impl std::fmt::Display for AssumeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot assume role {}: {}", self.role, self.message)
    }
}

impl std::error::Error for AssumeError {}

/// Assume `role` now (one STS call, in `region`), so a role that cannot
/// be assumed is an error before anything changes.
pub(crate) async fn assume(role: &Role, region: &str) -> Result<(), AssumeError> {
    use aws_credential_types::provider::ProvideCredentials;
    let sdk = sdk_config(Some(region), Some(role)).await;
    let Some(provider) = sdk.credentials_provider() else {
        return Err(AssumeError {
            role: role.arn.clone(),
            message: "no credentials provider".into(),
        });
    };
    provider
        .provide_credentials()
        .await
        .map(|_| ())
        .map_err(|e| AssumeError {
            role: role.arn.clone(),
            message: chain(&e),
        })
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

/// An error and every cause of it, on one line.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text
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
    let mut text = chain(e);
    if let SdkError::ServiceError(s) = e {
        text = format!("{text} (HTTP {})", s.raw().status().as_u16());
    }
    text
}
