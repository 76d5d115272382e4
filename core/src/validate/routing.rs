//! `apps[].routing`: latency, weighted or failover, and its Regions;
//! geolocation and geoproximity in `geo_routing.rs`.

use super::format::{allowed_regions, yaml_inline};
use super::*;

impl Validator {
    pub(super) fn routing(
        &mut self,
        p: &str,
        raw: Option<&serde_yaml::Value>,
        regions: &[String],
    ) -> Option<Routing> {
        use serde_yaml::Value;
        let rp = field(p, "routing");
        const ALLOWED: &str = "allowed: `latency`, `{weighted: {REGION: WEIGHT, ...}}`, `failover`, `{failover: {primary: REGION}}`, `{geolocation: {REGION: {continents: [...], countries: [...], default: true}}}` or `{geoproximity: {REGION: BIAS, ...}}`";
        let Some(raw) = raw else {
            return Some(Routing::Latency);
        };
        match raw {
            Value::String(s) if s == "latency" => Some(Routing::Latency),
            Value::String(s) if s == "failover" => {
                self.failover(&field(&rp, "failover"), &Value::Null, regions)
            }
            Value::String(s) if s == "weighted" => {
                self.err(&rp, "`weighted` needs a weight per Region", ALLOWED);
                None
            }
            Value::Mapping(m) if m.len() > 1 => {
                let names: Vec<String> = m.keys().map(yaml_inline).collect();
                self.err(
                    &rp,
                    format!("{} routing policies given ({})", m.len(), names.join(", ")),
                    "give exactly one policy per app",
                );
                None
            }
            Value::Mapping(m) if m.len() == 1 => {
                let (k, v) = m.iter().next()?;
                match k.as_str() {
                    Some("weighted") => self.weighted(&field(&rp, "weighted"), v, regions),
                    Some("failover") => self.failover(&field(&rp, "failover"), v, regions),
                    Some("geolocation") => self.geolocation(&field(&rp, "geolocation"), v, regions),
                    Some("geoproximity") => {
                        self.geoproximity(&field(&rp, "geoproximity"), v, regions)
                    }
                    Some("latency") if v.is_null() => Some(Routing::Latency),
                    _ => {
                        self.err(
                            &rp,
                            format!("unknown routing policy `{}`", yaml_inline(k)),
                            ALLOWED,
                        );
                        None
                    }
                }
            }
            other => {
                self.err(
                    &rp,
                    format!("unknown routing policy `{}`", yaml_inline(other)),
                    ALLOWED,
                );
                None
            }
        }
    }

    pub(super) fn weighted(
        &mut self,
        p: &str,
        v: &serde_yaml::Value,
        regions: &[String],
    ) -> Option<Routing> {
        let Some(m) = v.as_mapping() else {
            self.err(
                p,
                "weights must be a map of Region to weight",
                "e.g. `{weighted: {eu-west-1: 100, eu-central-1: 0}}`",
            );
            return None;
        };
        let mut weights = BTreeMap::new();
        let mut ok = true;
        for (k, w) in m {
            let Some((region, wp)) = self.region_key(p, k, regions, &mut ok) else {
                continue;
            };
            match w.as_i64() {
                Some(n) if (0..=255).contains(&n) => {
                    weights.insert(region.to_string(), n as u8);
                }
                None => {
                    self.err(
                        &wp,
                        format!("weight `{}` is not an integer", yaml_inline(w)),
                        "allowed: an integer from 0 to 255, unquoted",
                    );
                    ok = false;
                }
                Some(_) => {
                    self.err(
                        &wp,
                        format!("weight `{}` is out of range", yaml_inline(w)),
                        "allowed: an integer from 0 to 255 (0 keeps the record as a standby)",
                    );
                    ok = false;
                }
            }
        }
        for r in regions {
            if !m.contains_key(r.as_str()) {
                self.err(p, format!("no weight for Region `{r}`"), "give every Region a weight from 0 to 255 (0 = standby, used only when the others are unhealthy)");
                ok = false;
            }
        }
        if ok && !weights.is_empty() && weights.values().all(|w| *w == 0) {
            self.err(p, "every weight is 0", "give at least one Region a weight above 0: with all at 0 Route 53 spreads traffic evenly and the weights mean nothing");
            ok = false;
        }
        ok.then_some(Routing::Weighted(weights))
    }

    /// `failover`, `{failover: {}}` or `{failover: {primary: R, secondary: R}}`;
    /// the primary defaults to the first Region, the secondary to the next.
    pub(super) fn failover(
        &mut self,
        p: &str,
        v: &serde_yaml::Value,
        regions: &[String],
    ) -> Option<Routing> {
        let empty = serde_yaml::Mapping::new();
        let m = match v {
            serde_yaml::Value::Null => &empty,
            serde_yaml::Value::Mapping(m) => m,
            _ => {
                self.err(
                    p,
                    "failover takes `{primary: REGION, secondary: REGION}`",
                    "e.g. `{failover: {primary: eu-west-1}}`; both are optional",
                );
                return None;
            }
        };
        for k in m.keys() {
            if !matches!(k.as_str(), Some("primary" | "secondary")) {
                self.err(
                    &format!("{p}.{}", yaml_inline(k)),
                    format!("unknown field `{}`", yaml_inline(k)),
                    "allowed here: primary, secondary",
                );
            }
        }
        if regions.len() < 2 {
            self.err(
                p,
                "failover routing needs two Regions",
                "add a second Region, or use `latency` routing",
            );
            return None;
        }
        let mut pick = |field: &str| -> Option<Option<String>> {
            match m.get(field) {
                None => Some(None),
                Some(serde_yaml::Value::String(s)) if regions.contains(s) => Some(Some(s.clone())),
                Some(other) => {
                    self.err(
                        &format!("{p}.{field}"),
                        format!("`{}` is not a Region of this spec", yaml_inline(other)),
                        allowed_regions(regions),
                    );
                    None
                }
            }
        };
        let primary = pick("primary")?;
        let secondary = pick("secondary")?;
        let primary = primary.unwrap_or_else(|| regions[0].clone());
        let secondary = match secondary {
            Some(s) if s == primary => {
                self.err(
                    &field(p, "secondary"),
                    "the secondary is the primary",
                    "choose another Region for the secondary",
                );
                return None;
            }
            Some(s) => s,
            // The first other Region in spec order; Route 53 allows one secondary.
            None => regions.iter().find(|r| **r != primary)?.clone(),
        };
        Some(Routing::Failover { primary, secondary })
    }

    /// A key of the per-Region map at `p`: the Region and its field's path.
    /// A key that is no Region of the spec is reported (and `ok` cleared);
    /// one that is no string at all is skipped too.
    pub(super) fn region_key<'a>(
        &mut self,
        p: &str,
        k: &'a serde_yaml::Value,
        regions: &[String],
        ok: &mut bool,
    ) -> Option<(&'a str, String)> {
        let Some(region) = k.as_str() else {
            self.err(
                p,
                format!("`{}` is not a Region name", yaml_inline(k)),
                allowed_regions(regions),
            );
            *ok = false;
            return None;
        };
        let path = format!("{p}.{region}");
        if !regions.iter().any(|r| r == region) {
            self.err(
                &path,
                format!("`{region}` is not a Region of this spec"),
                allowed_regions(regions),
            );
            *ok = false;
        }
        Some((region, path))
    }
}
