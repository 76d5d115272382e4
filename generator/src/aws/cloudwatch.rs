//! The CloudWatch adapter: the states of named alarms, and the latest
//! `HealthCheckStatus` of Route 53 health checks, read in batches.
//! DescribeAlarms takes at most 100 names per call ("AlarmNames … Maximum
//! number of 100 items": CloudWatch API Reference, DescribeAlarms), so a
//! thousand alarms cost ten calls; GetMetricData 500 metrics
//! (`facts::rates::METRIC_QUERIES_PER_REQUEST`), so 3,000 checks cost six.

use anyhow::{Result, anyhow};
use aws_sdk_cloudwatch as cw;

use super::describe_error;
use crate::facts::rates::METRIC_QUERIES_PER_REQUEST;

/// DescribeAlarms' `AlarmNames` limit.
const NAMES_PER_CALL: usize = 100;

/// An alarm's state, as CloudWatch reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum AlarmState {
    Ok,
    Alarm,
    /// Also every new alarm's first state ("the alarm state is immediately
    /// set to INSUFFICIENT_DATA": PutMetricAlarm).
    InsufficientData,
}

impl std::fmt::Display for AlarmState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AlarmState::Ok => "OK",
            AlarmState::Alarm => "ALARM",
            AlarmState::InsufficientData => "INSUFFICIENT_DATA",
        })
    }
}

pub(crate) struct CloudWatch {
    client: cw::Client,
}

impl CloudWatch {
    pub(crate) async fn new(region: &str, role: Option<&super::Role>) -> CloudWatch {
        CloudWatch {
            client: cw::Client::new(&super::sdk_config(Some(region), role).await),
        }
    }

    /// The state of each alarm of `names` that exists (a name CloudWatch
    /// does not know is left out), metric and composite alarms alike.
    pub(crate) async fn states(&self, names: &[String]) -> Result<Vec<(String, AlarmState)>> {
        use cw::types::{AlarmType, StateValue};
        let mut out = Vec::new();
        for chunk in names.chunks(NAMES_PER_CALL) {
            let mut token: Option<String> = None;
            loop {
                let page = self
                    .client
                    .describe_alarms()
                    .set_alarm_names(Some(chunk.to_vec()))
                    .alarm_types(AlarmType::MetricAlarm)
                    .alarm_types(AlarmType::CompositeAlarm)
                    .set_next_token(token.clone())
                    .send()
                    .await
                    .map_err(|e| anyhow!("reading CloudWatch alarms: {}", describe_error(&e)))?;
                let state = |s: Option<&StateValue>| match s {
                    Some(StateValue::Ok) => AlarmState::Ok,
                    Some(StateValue::Alarm) => AlarmState::Alarm,
                    _ => AlarmState::InsufficientData,
                };
                for a in page.metric_alarms() {
                    out.push((
                        a.alarm_name().unwrap_or_default().to_string(),
                        state(a.state_value()),
                    ));
                }
                for a in page.composite_alarms() {
                    out.push((
                        a.alarm_name().unwrap_or_default().to_string(),
                        state(a.state_value()),
                    ));
                }
                token = page.next_token().map(str::to_string);
                if token.is_none() {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// The latest minute of `AWS/Route53` `HealthCheckStatus` ("1 indicates
    /// healthy, and 0 indicates unhealthy") of each check of `ids` within
    /// the `minutes` before now (Unix seconds `now`), as (ID, healthy, the
    /// minute's start); a check with no point in that window (new, or its
    /// metrics late) is left out. Route 53 sends the metric "at one-minute
    /// intervals" (Route 53 Developer Guide, "Monitoring health checks
    /// using CloudWatch"), so what it says is a minute or two old. Reads
    /// the client's Region: the metric lives in us-east-1 only.
    pub(crate) async fn health_check_status(
        &self,
        ids: &[String],
        now: i64,
        minutes: i64,
    ) -> Result<Vec<(String, bool, i64)>> {
        use aws_smithy_types::DateTime;
        use cw::types::{Dimension, Metric, MetricDataQuery, MetricStat, ScanBy};
        let mut out: std::collections::HashMap<String, (bool, i64)> = Default::default();
        for chunk in ids.chunks(METRIC_QUERIES_PER_REQUEST) {
            let queries: Vec<MetricDataQuery> = chunk
                .iter()
                .enumerate()
                .map(|(i, id)| {
                    let metric = Metric::builder()
                        .namespace("AWS/Route53")
                        .metric_name("HealthCheckStatus")
                        .dimensions(Dimension::builder().name("HealthCheckId").value(id).build())
                        .build();
                    MetricDataQuery::builder()
                        // "The first character must be a lowercase letter."
                        .id(format!("c{i}"))
                        .metric_stat(
                            MetricStat::builder()
                                .metric(metric)
                                .period(60)
                                .stat("Minimum")
                                .build(),
                        )
                        .return_data(true)
                        .build()
                })
                .collect();
            let mut token: Option<String> = None;
            loop {
                let page = self
                    .client
                    .get_metric_data()
                    .set_metric_data_queries(Some(queries.clone()))
                    // Whole minutes, as the metric's period: "specify
                    // StartTime and EndTime values that align with the
                    // value of the metric's Period" (GetMetricData).
                    .start_time(DateTime::from_secs((now - minutes * 60) / 60 * 60))
                    .end_time(DateTime::from_secs(now / 60 * 60 + 60))
                    .scan_by(ScanBy::TimestampDescending)
                    .set_next_token(token.clone())
                    .send()
                    .await
                    .map_err(|e| {
                        anyhow!(
                            "reading Route 53's HealthCheckStatus from CloudWatch: {}",
                            describe_error(&e)
                        )
                    })?;
                for r in page.metric_data_results() {
                    let Some(i) = r
                        .id()
                        .and_then(|x| x.strip_prefix('c')?.parse::<usize>().ok())
                    else {
                        continue;
                    };
                    // The latest point first (TimestampDescending); a later
                    // page of the same check holds older points.
                    let latest = r
                        .timestamps()
                        .iter()
                        .zip(r.values())
                        .max_by_key(|(t, _)| t.secs());
                    if let (Some(id), Some((t, v))) = (chunk.get(i), latest) {
                        let newer = out.get(id).is_none_or(|(_, at)| *at < t.secs());
                        if newer {
                            out.insert(id.clone(), (*v >= 1.0, t.secs()));
                        }
                    }
                }
                token = page.next_token().map(str::to_string);
                if token.is_none() {
                    break;
                }
            }
        }
        let mut out: Vec<(String, bool, i64)> =
            out.into_iter().map(|(id, (ok, at))| (id, ok, at)).collect();
        out.sort();
        Ok(out)
    }
}
