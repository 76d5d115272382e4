//! `healthCheck` (the defaults) and `apps[].health`: what Route 53 checks.

use super::*;

/// Health-check settings as written in one place, each checked; `bad` when
/// one of them could not be read.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct HealthFields {
    protocol: Option<Protocol>,
    port: Option<u16>,
    interval: Option<u32>,
    failure_threshold: Option<u32>,
    measure_latency: Option<bool>,
    bad: bool,
}

impl Validator {
    pub(super) fn health_defaults(&mut self, raw: Option<&RawHealthCheck>) -> HealthFields {
        let d = raw.cloned().unwrap_or_default();
        let h = RawHealth {
            path: None,
            protocol: d.protocol,
            port: d.port,
            interval: d.interval,
            failure_threshold: d.failure_threshold,
            measure_latency: d.measure_latency,
        };
        self.health_fields("healthCheck", &h)
    }

    /// Checks the fields shared by `healthCheck` and `apps[].health`.
    pub(super) fn health_fields(&mut self, p: &str, h: &RawHealth) -> HealthFields {
        let mut f = HealthFields::default();
        f.protocol = match h.protocol.as_deref() {
            None => None,
            Some(p) if Protocol::parse(p).is_some() => Protocol::parse(p),
            Some(other) => {
                self.err(
                    &field(p, "protocol"),
                    format!("unknown protocol `{other}`"),
                    "allowed: HTTP, HTTPS, TCP",
                );
                f.bad = true;
                None
            }
        };
        f.port = self.scalar(
            &field(p, "port"),
            &h.port,
            "allowed: a port number, 1 to 65535",
        );
        if f.port == Some(0) {
            self.err(
                &field(p, "port"),
                "port 0 is not a port",
                "allowed: 1 to 65535",
            );
        }
        f.interval = self.scalar(
            &field(p, "interval"),
            &h.interval,
            "allowed: 10 or 30 (seconds)",
        );
        if let Some(i) = f.interval
            && i != 10
            && i != 30
        {
            self.err(
                &field(p, "interval"),
                format!("interval {i} is not one Route 53 offers"),
                "allowed: 10 or 30 (seconds)",
            );
        }
        f.failure_threshold = self.scalar(
            &field(p, "failureThreshold"),
            &h.failure_threshold,
            "allowed: 1 to 10",
        );
        if let Some(t) = f.failure_threshold
            && !(1..=10).contains(&t)
        {
            self.err(
                &field(p, "failureThreshold"),
                format!("failure threshold {t} is out of range"),
                "allowed: 1 to 10",
            );
        }
        f.measure_latency = self.scalar(
            &field(p, "measureLatency"),
            &h.measure_latency,
            "allowed: true or false",
        );
        f
    }

    pub(super) fn health(&mut self, p: &str, a: &RawApp, d: &HealthFields) -> Option<HealthCheck> {
        let Some(h) = &a.health else {
            self.err(
                &field(p, "health"),
                "missing required field",
                "add `health: {path: /<app>health}`: the path Route 53 checks on the shared ALB",
            );
            return None;
        };
        let hp = field(p, "health");
        let path = self
            .required(
                &field(&hp, "path"),
                &h.path,
                "the app's health path, e.g. /app1health",
            )
            .cloned();
        if let Some(path) = &path {
            // What both an ALB exact path rule and a Route 53 ResourcePath accept.
            let ok = path.starts_with('/')
                && path.len() <= 128
                && path
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/_-.$~@:+".contains(c));
            if !ok {
                self.err(
                    &field(&hp, "path"),
                    format!("`{}` is not a valid health path", path.escape_debug()),
                    "allowed: a path starting with `/`, at most 128 characters of letters, digits and / _ - . $ ~ @ : + (an ALB path rule's limits)",
                );
            }
        }
        let own = self.health_fields(&hp, h);
        if own.bad {
            return None;
        }
        let protocol = own
            .protocol
            .or(d.protocol)
            .or_else(|| Protocol::parse(defaults::HEALTH_PROTOCOL))
            .unwrap_or(Protocol::Http);
        Some(HealthCheck {
            path: path?,
            protocol,
            port: own.port.or(d.port).unwrap_or(protocol.default_port()),
            interval: own
                .interval
                .or(d.interval)
                .unwrap_or(defaults::HEALTH_INTERVAL),
            failure_threshold: own
                .failure_threshold
                .or(d.failure_threshold)
                .unwrap_or(defaults::HEALTH_FAILURE_THRESHOLD),
            measure_latency: own
                .measure_latency
                .or(d.measure_latency)
                .unwrap_or(defaults::HEALTH_MEASURE_LATENCY),
        })
    }
}
