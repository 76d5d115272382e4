//! What `gen discover` reads of the Gateway API in a cluster: a Gateway's
//! address, trusted once every route of its ALB is, and EKS Auto Mode's
//! Gateway controller as the cluster serves it (decided by the core's
//! `resolve::auto_gateway`).

use std::time::Duration;

use anyhow::Result;

use crate::k8s::{self, IngressAddress};
use crate::resolve::{self, ClassRead, Served, Unread};
use crate::spec::checked::AutoGateway;

/// An answer within 30 s, or an error that says there was none.
pub(crate) async fn within<T>(f: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .map_err(|_| anyhow::anyhow!("no answer within 30 s"))?
}

/// EKS Auto Mode's Gateway controller as one cluster serves it: its
/// GatewayClasses (one LIST) and the kinds of its AWS API groups.
pub(crate) async fn auto_mode_controller(
    client: kube::Client,
) -> Result<Result<AutoGateway, Unread>> {
    let classes: Vec<ClassRead> = k8s::gateway_classes(client.clone())
        .await?
        .into_iter()
        .map(|c| ClassRead {
            name: c.name,
            controller_name: c.controller_name,
            accepted: c.accepted,
        })
        .collect();
    let served: Vec<Served> = k8s::aws_served_kinds(client)
        .await?
        .into_iter()
        .map(|s| Served {
            group: s.group,
            version: s.version,
            kind: s.kind,
        })
        .collect();
    Ok(resolve::auto_gateway(&classes, &served))
}

/// A Gateway's address, trusted only once it is Programmed and every
/// HTTPRoute of the ALB in this cluster (each app's, and the host-less
/// health routes Route 53's checks reach) is Accepted with its references
/// resolved: recorded sooner, the records and checks could move to an ALB
/// that does not route to the apps. The reason it is not trusted yet, if so.
pub(crate) async fn routed_gateway(
    client: kube::Client,
    ns: &str,
    name: &str,
    cluster: &crate::model::ClusterPlan,
    alb: usize,
) -> Result<(IngressAddress, Option<String>)> {
    let (address, _) = k8s::gateway_address(client.clone(), ns, name).await?;
    if !matches!(address, IngressAddress::Ready(_)) {
        return Ok((address, None));
    }
    let Some(i) = cluster.ingresses.iter().find(|i| i.alb == alb) else {
        return Ok((address, None));
    };
    for (route, _) in i.http_routes() {
        let why = match k8s::http_route(client.clone(), ns, route, name).await? {
            None => format!("HTTPRoute {ns}/{route} is missing"),
            Some(cs) if !k8s::all_true(&cs, k8s::ROUTE_READY) => format!(
                "HTTPRoute {ns}/{route}: {}",
                k8s::conditions_label(&cs, k8s::ROUTE_READY)
            ),
            Some(_) => continue,
        };
        return Ok((address, Some(why)));
    }
    Ok((address, None))
}
