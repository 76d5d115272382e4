//! The CloudWatch adapter: the states of named alarms, read in batches.
//! DescribeAlarms takes at most 100 names per call ("AlarmNames … Maximum
//! number of 100 items": CloudWatch API Reference, DescribeAlarms), so a
//! thousand alarms cost ten calls.

use anyhow::{Result, anyhow};
use aws_sdk_cloudwatch as cw;

use super::describe_error;

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
    pub(crate) async fn new(region: &str) -> CloudWatch {
        CloudWatch {
            client: cw::Client::new(&super::sdk_config(Some(region)).await),
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
}
