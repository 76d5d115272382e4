//! R11 and R12: what Route 53 answers a geolocation or geoproximity set,
//! per sample resolver location (`facts::geo::SAMPLES`).
//!
//! - R11 geolocation: "priority goes to the smallest geographic region"
//!   (subdivision, country, continent, then the default `*`); "if an
//!   endpoint is unhealthy, Route 53 looks for a record for the larger,
//!   associated geographic Region", and "if all applicable records are
//!   unhealthy … responds to the DNS query using the value for the record
//!   for the smallest geographic region"; a location no record holds gets
//!   "no answer" (Route 53 Developer Guide, "Geolocation routing", "Values
//!   specific for geolocation records").
//! - R12 geoproximity: the record nearest by biased distance answers; "if
//!   an endpoint is unhealthy, Route 53 looks for a closest endpoint that
//!   is still healthy" ("Values specific for geoproximity records"); with
//!   none healthy, all count as healthy (R3).
//!
//! An answer names each Region with the sample locations it answers:
//! `eu-west-1 {GB, DE, FR}`.

use super::{Answer, Policy, R3_FAILS_OPEN, Record};
use crate::facts::geo::{self, SAMPLES, Sample};

/// R11's rule when some location's every record is unhealthy.
pub(super) const R11_ALL_UNHEALTHY: &str = "R11 all unhealthy: smallest area";

/// The Region of a geolocation record's set identifier
/// (`eu-west-1-continent-EU` → `eu-west-1`): up to its first all-digit part.
pub(super) fn set_region(set: &str) -> &str {
    let mut end = 0;
    for part in set.split('-') {
        end += part.len();
        if !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()) {
            return &set[..end];
        }
        end += 1;
    }
    set
}

/// How closely a record's location holds `s`: 0 its state, 1 its country,
/// 2 its continent, 3 the default; None when it does not hold it.
fn rank(r: &Record, s: &Sample) -> Option<u8> {
    let Policy::Geo {
        continent,
        country,
        subdivision,
    } = &r.policy
    else {
        return None;
    };
    match (
        continent.as_deref(),
        country.as_deref(),
        subdivision.as_deref(),
    ) {
        (_, Some(c), Some(sub)) => (c == s.country && Some(sub) == s.subdivision).then_some(0),
        (_, Some("*"), None) => Some(3),
        (_, Some(c), None) => (c == s.country).then_some(1),
        (Some(c), None, None) => (c == s.continent).then_some(2),
        _ => None,
    }
}

/// Per Region in record order, the samples it answers.
fn grouped(picks: &[(&'static str, &str)], set: &[(&Record, bool)]) -> Vec<String> {
    let mut regions: Vec<&str> = Vec::new();
    for (r, _) in set {
        if !regions.contains(&r.region.as_str()) {
            regions.push(&r.region);
        }
    }
    regions
        .into_iter()
        .filter_map(|region| {
            let labels: Vec<&str> = picks
                .iter()
                .filter(|(_, r)| *r == region)
                .map(|(l, _)| *l)
                .collect();
            (!labels.is_empty()).then(|| format!("{region} {{{}}}", labels.join(", ")))
        })
        .collect()
}

/// R11 on a host's geolocation records, each with its health.
pub(super) fn geolocation(set: &[(&Record, bool)]) -> Answer {
    let mut picks = Vec::new();
    let (mut larger, mut all_down, mut none) = (false, false, Vec::new());
    for s in SAMPLES {
        let mut holding: Vec<(u8, &Record, bool)> = set
            .iter()
            .filter_map(|(r, h)| Some((rank(r, s)?, *r, *h)))
            .collect();
        holding.sort_by_key(|(k, _, _)| *k);
        match (holding.first(), holding.iter().find(|(_, _, h)| *h)) {
            (None, _) => none.push(s.label),
            (Some((k, _, _)), Some((j, r, _))) => {
                larger |= j > k;
                picks.push((s.label, r.region.as_str()));
            }
            (Some((_, r, _)), None) => {
                all_down = true;
                picks.push((s.label, r.region.as_str()));
            }
        }
    }
    let mut rule = if all_down {
        R11_ALL_UNHEALTHY.to_string()
    } else if larger {
        "R11 unhealthy location: the larger area's record".to_string()
    } else {
        "R11 most specific location".to_string()
    };
    if !none.is_empty() {
        rule.push_str(&format!("; no answer for {}", none.join(", ")));
    }
    Answer {
        regions: grouped(&picks, set),
        rule,
    }
}

/// R12 on a host's geoproximity records, each with its health.
pub(super) fn geoproximity(set: &[(&Record, bool)]) -> Answer {
    let any_up = set.iter().any(|(_, h)| *h);
    // Regions gen's table does not place: they answer no sample.
    let mut unplaced: Vec<&str> = set
        .iter()
        .map(|(r, _)| r.region.as_str())
        .filter(|r| geo::region(r).is_none())
        .collect();
    unplaced.dedup();
    let mut picks = Vec::new();
    for s in SAMPLES {
        let nearest = set
            .iter()
            .filter(|(_, h)| *h || !any_up)
            .filter_map(|(r, _)| {
                let Policy::Proximity(bias) = r.policy else {
                    return None;
                };
                let km = geo::distance_km((s.lat, s.lon), geo::region(&r.region)?);
                Some((geo::biased_km(km, bias), r.region.as_str()))
            })
            .min_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((_, region)) = nearest {
            picks.push((s.label, region));
        }
    }
    let mut rule = if any_up {
        "R12 nearest healthy by biased distance".to_string()
    } else {
        R3_FAILS_OPEN.to_string()
    };
    if !unplaced.is_empty() {
        rule.push_str(&format!("; not placed (modelled): {}", unplaced.join(", ")));
    }
    Answer {
        regions: grouped(&picks, set),
        rule,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geo(region: &str, continent: Option<&str>, country: Option<&str>) -> Record {
        Record {
            host: "h".into(),
            region: region.into(),
            kind: "A".into(),
            app: None,
            policy: Policy::Geo {
                continent: continent.map(str::to_string),
                country: country.map(str::to_string),
                subdivision: None,
            },
            check: None,
            evaluate_target_health: false,
        }
    }

    #[test]
    fn a_set_identifier_gives_its_region() {
        assert_eq!(set_region("eu-west-1-continent-EU"), "eu-west-1");
        assert_eq!(set_region("us-gov-west-1-US-CA"), "us-gov-west-1");
        assert_eq!(set_region("blue"), "blue");
    }

    #[test]
    fn the_most_specific_healthy_record_answers_and_falls_back_to_larger_areas() {
        let eu = geo("eu-west-1", Some("EU"), None);
        let de = geo("eu-central-1", None, Some("DE"));
        let dflt = geo("us-east-1", None, Some("*"));
        let a = geolocation(&[(&eu, true), (&de, true), (&dflt, true)]);
        assert!(
            a.regions.contains(&"eu-central-1 {DE}".to_string()),
            "{a:?}"
        );
        assert!(a.regions[0].starts_with("eu-west-1 {GB, FR}"), "{a:?}");
        assert_eq!(a.rule, "R11 most specific location");
        // Germany's record down: Europe's answers it.
        let a = geolocation(&[(&eu, true), (&de, false), (&dflt, true)]);
        assert!(a.regions[0].starts_with("eu-west-1 {GB, DE, FR}"), "{a:?}");
        assert!(a.rule.contains("larger area"), "{a:?}");
        // Everything down: the smallest area's record, failing open.
        let a = geolocation(&[(&eu, false), (&de, false), (&dflt, false)]);
        assert!(
            a.fails_open() && a.regions.contains(&"eu-central-1 {DE}".to_string()),
            "{a:?}"
        );
        // No default: the rest of the world gets no answer.
        let a = geolocation(&[(&eu, true)]);
        assert!(a.rule.contains("no answer for US-CA"), "{a:?}");
    }

    #[test]
    fn geoproximity_answers_the_nearest_healthy_region_by_biased_distance() {
        let rec = |region: &str, bias: i8| Record {
            policy: Policy::Proximity(bias),
            ..geo(region, None, None)
        };
        let (eu, us) = (rec("eu-west-1", 0), rec("us-east-1", 0));
        let a = geoproximity(&[(&eu, true), (&us, true)]);
        assert!(
            a.regions[0].contains("GB") && a.regions[1].contains("US-NY"),
            "{a:?}"
        );
        // A large bias draws Europe to us-east-1.
        let big = rec("us-east-1", 90);
        let a = geoproximity(&[(&eu, true), (&big, true)]);
        assert!(
            a.regions
                .iter()
                .any(|r| r.starts_with("us-east-1") && r.contains("DE")),
            "{a:?}"
        );
        let a = geoproximity(&[(&eu, false), (&us, true)]);
        assert_eq!(a.regions.len(), 1, "{a:?}");
        assert!(geoproximity(&[(&eu, false), (&us, false)]).fails_open());
    }
}
