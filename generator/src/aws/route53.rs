//! The Route 53 adapter: what the health checkers report.

use anyhow::{Result, anyhow};
use aws_sdk_route53 as r53;

use super::describe_error;

pub(crate) struct Route53 {
    client: r53::Client,
}

/// A record as ListResourceRecordSets gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListedRecord {
    pub name: String,
    pub kind: String,
    pub set_identifier: Option<String>,
    pub weight: Option<i64>,
    pub region: Option<String>,
    pub failover: Option<String>,
    pub alias_dns: Option<String>,
    pub evaluate_target_health: Option<bool>,
    pub health_check: Option<String>,
    /// `GeoLocation`: (ContinentCode, CountryCode, SubdivisionCode).
    pub geo: Option<(Option<String>, Option<String>, Option<String>)>,
    /// `GeoProximityLocation`: (AWSRegion, Bias).
    pub proximity: Option<(Option<String>, Option<i64>)>,
}

/// A health check's configuration as ListHealthChecks gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListedCheck {
    pub id: String,
    pub kind: String,
    pub fqdn: Option<String>,
    pub port: Option<i64>,
    pub path: Option<String>,
    pub interval: Option<i64>,
    pub threshold: Option<i64>,
    pub measure_latency: Option<bool>,
    pub enable_sni: Option<bool>,
}

/// How many of the checkers that reported see the endpoint healthy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CheckStatus {
    pub healthy: usize,
    pub reporting: usize,
}

impl CheckStatus {
    /// Route 53's verdict from what its checkers report.
    pub(crate) fn is_healthy(&self) -> bool {
        crate::facts::route53::healthy(self.healthy, self.reporting)
    }
}

/// (success, checked at) reports, counted from `since` on.
fn tally(reports: &[(bool, i64)], since: i64) -> CheckStatus {
    let fresh: Vec<bool> = reports
        .iter()
        .filter(|(_, at)| *at >= since)
        .map(|(ok, _)| *ok)
        .collect();
    CheckStatus {
        healthy: fresh.iter().filter(|ok| **ok).count(),
        reporting: fresh.len(),
    }
}

impl Route53 {
    pub(crate) async fn new(role: Option<&super::Role>) -> Route53 {
        // Route 53 is global; its API is signed for us-east-1.
        Route53 {
            client: r53::Client::new(&super::sdk_config(Some("us-east-1"), role).await),
        }
    }

    /// The IDs of the public hosted zones named `name` (with or without the
    /// trailing dot). ListHostedZonesByName starts at `DNSName` and lists
    /// the account's zones, private ones too, in name order (Route 53 API
    /// Reference, ListHostedZonesByName), so read while the name matches.
    pub(crate) async fn public_zones(&self, name: &str) -> Result<Vec<String>> {
        let want = format!("{}.", name.trim_end_matches('.')).to_ascii_lowercase();
        let mut out = Vec::new();
        let (mut dns, mut zone) = (Some(want.clone()), None::<String>);
        loop {
            let page = self
                .client
                .list_hosted_zones_by_name()
                .set_dns_name(dns.clone())
                .set_hosted_zone_id(zone.clone())
                .send()
                .await
                .map_err(|e| anyhow!("ListHostedZonesByName {want}: {}", describe_error(&e)))?;
            let mut past = false;
            for z in page.hosted_zones() {
                if z.name().to_ascii_lowercase() != want {
                    past = true;
                    break;
                }
                if !z.config().is_some_and(|c| c.private_zone()) {
                    out.push(z.id().trim_start_matches("/hostedzone/").to_string());
                }
            }
            if past || !page.is_truncated() {
                break;
            }
            dns = page.next_dns_name().map(str::to_string);
            zone = page.next_hosted_zone_id().map(str::to_string);
            if dns.is_none() {
                break;
            }
        }
        Ok(out)
    }

    /// Every record of the zone `zone_id`, page by page ("ListResourceRecordSets
    /// returns up to 300 resource record sets at a time": Route 53 API
    /// Reference), each in plain values.
    pub(crate) async fn records(&self, zone_id: &str) -> Result<Vec<ListedRecord>> {
        let mut out = Vec::new();
        let (mut name, mut kind, mut id) = (None::<String>, None, None::<String>);
        loop {
            let page = self
                .client
                .list_resource_record_sets()
                .hosted_zone_id(zone_id)
                .set_start_record_name(name.clone())
                .set_start_record_type(kind.clone())
                .set_start_record_identifier(id.clone())
                .max_items(300)
                .send()
                .await
                .map_err(|e| anyhow!("ListResourceRecordSets {zone_id}: {}", describe_error(&e)))?;
            for r in page.resource_record_sets() {
                out.push(ListedRecord {
                    name: r.name().to_ascii_lowercase(),
                    kind: r.r#type().as_str().to_string(),
                    set_identifier: r.set_identifier().map(str::to_string),
                    weight: r.weight(),
                    region: r.region().map(|x| x.as_str().to_string()),
                    failover: r.failover().map(|x| x.as_str().to_string()),
                    alias_dns: r.alias_target().map(|a| a.dns_name().to_string()),
                    evaluate_target_health: r.alias_target().map(|a| a.evaluate_target_health()),
                    health_check: r.health_check_id().map(str::to_string),
                    geo: r.geo_location().map(|g| {
                        (
                            g.continent_code().map(str::to_string),
                            g.country_code().map(str::to_string),
                            g.subdivision_code().map(str::to_string),
                        )
                    }),
                    proximity: r
                        .geo_proximity_location()
                        .map(|g| (g.aws_region().map(str::to_string), g.bias().map(i64::from))),
                });
            }
            if !page.is_truncated() {
                return Ok(out);
            }
            name = page.next_record_name().map(str::to_string);
            kind = page.next_record_type().cloned();
            id = page.next_record_identifier().map(str::to_string);
        }
    }

    /// Every health check of the account, page by page (ListHealthChecks,
    /// MaxItems: "The maximum value that you can specify is 1000"), each's
    /// configuration in plain values.
    pub(crate) async fn health_checks(&self) -> Result<Vec<ListedCheck>> {
        let mut out = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let page = self
                .client
                .list_health_checks()
                .set_marker(marker.clone())
                .max_items(1000)
                .send()
                .await
                .map_err(|e| anyhow!("ListHealthChecks: {}", describe_error(&e)))?;
            for c in page.health_checks() {
                let Some(cfg) = c.health_check_config() else {
                    continue;
                };
                out.push(ListedCheck {
                    id: c.id().to_string(),
                    kind: cfg.r#type().as_str().to_string(),
                    fqdn: cfg.fully_qualified_domain_name().map(str::to_string),
                    port: cfg.port().map(i64::from),
                    path: cfg.resource_path().map(str::to_string),
                    interval: cfg.request_interval().map(i64::from),
                    threshold: cfg.failure_threshold().map(i64::from),
                    measure_latency: cfg.measure_latency(),
                    enable_sni: cfg.enable_sni(),
                });
            }
            if !page.is_truncated() {
                return Ok(out);
            }
            marker = page.next_marker().map(str::to_string);
            if marker.is_none() {
                return Ok(out);
            }
        }
    }

    pub(crate) async fn status(&self, id: &str) -> Result<CheckStatus> {
        self.status_since(id, 0).await
    }

    /// A check's status from the checkers' reports made at or after
    /// `since` (Unix seconds): each `HealthCheckObservation`'s
    /// `StatusReport` carries "CheckedTime: The date and time that the
    /// health checker performed the health check" (Route 53 API reference,
    /// StatusReport), so reports from before a change of the check's
    /// endpoint can be told apart.
    pub(crate) async fn status_since(&self, id: &str, since: i64) -> Result<CheckStatus> {
        let out = self
            .client
            .get_health_check_status()
            .health_check_id(id)
            .send()
            .await
            .map_err(|e| anyhow!("GetHealthCheckStatus {id}: {}", describe_error(&e)))?;
        let reports: Vec<(bool, i64)> = out
            .health_check_observations()
            .iter()
            .filter_map(|o| o.status_report())
            .map(|r| {
                (
                    r.status().is_some_and(|s| s.starts_with("Success")),
                    r.checked_time().map_or(0, |t| t.secs()),
                )
            })
            .collect();
        Ok(tally(&reports, since))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_reports_made_since_count() {
        let reports = [(false, 100), (true, 205), (true, 210), (false, 199)];
        assert_eq!(
            tally(&reports, 0),
            CheckStatus {
                healthy: 2,
                reporting: 4
            }
        );
        let fresh = tally(&reports, 200);
        assert_eq!(
            fresh,
            CheckStatus {
                healthy: 2,
                reporting: 2
            }
        );
        assert!(fresh.is_healthy());
        assert_eq!(tally(&reports, 300).reporting, 0);
        assert!(
            !tally(&reports, 300).is_healthy(),
            "no report is no verdict"
        );
    }
}
