//! Adapters to AWS APIs. Network code lives here and only here; each
//! adapter takes plain names and ARNs and knows nothing of the spec.

pub(crate) mod arc;
pub(crate) mod cfn;
pub(crate) mod region_switch;
pub(crate) mod route53;

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

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
