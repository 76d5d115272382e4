//! Route 53 health checks as the commands that watch them read them: a
//! check's ID from the stack that made it, and waiting until Route 53's
//! checkers see it in a state. `gen drill` times failover with it.

use std::time::Duration;

use anyhow::{Context, Result, bail};

use super::clock::Deadline;
use crate::aws::cfn::Cfn;
use crate::aws::route53::Route53;
use crate::printer::Printer;

/// The ID of health check `logical` of `stack`, as deployed.
pub(crate) async fn id(cfn: &Cfn, stack: &str, logical: &str) -> Result<String> {
    cfn.physical_id(stack, logical)
        .await?
        .with_context(|| format!("health check {logical} of stack {stack} is not deployed"))
}

/// Poll check `id` every `poll` until Route 53 sees it `healthy` (or not),
/// printing the checkers' count as it goes; the seconds it took, or an
/// error once `timeout` has passed.
pub(crate) async fn wait_for(
    pr: Printer,
    r53: &Route53,
    id: &str,
    healthy: bool,
    timeout: Duration,
    poll: Duration,
) -> Result<u64> {
    let deadline = Deadline::after(timeout);
    loop {
        let st = r53.status(id).await?;
        if st.is_healthy() == healthy {
            return Ok(deadline.elapsed_s());
        }
        if deadline.passed() {
            bail!(
                "Route 53 did not see the check {} within {} s",
                if healthy { "healthy" } else { "unhealthy" },
                timeout.as_secs()
            );
        }
        pr.line(format_args!(
            "  {} s: {}/{} checkers healthy",
            deadline.elapsed_s(),
            st.healthy,
            st.reporting
        ));
        tokio::time::sleep(poll).await;
    }
}
