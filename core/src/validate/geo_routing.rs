//! `apps[].routing.geolocation` and `apps[].routing.geoproximity`.
//!
//! Geolocation (Route 53 API Reference, ResourceRecordSet, GeoLocation;
//! Route 53 Developer Guide, "Geolocation routing"): a record per location,
//! a continent (`AF`, `AN`, `AS`, `EU`, `OC`, `NA`, `SA`), a country (ISO
//! 3166-1 alpha-2) or a state of the United States; "You cannot create two
//! geolocation resource record sets that specify the same geographic
//! location"; "If you don't create a `*` resource record set, Route 53
//! returns a "no answer" response for queries from those locations", so a
//! set without a default is refused; Route 53 "doesn't support geolocation
//! records" for BV, CX, EH and HM.
//!
//! Geoproximity (AWS::Route53::RecordSet GeoProximityLocation): each
//! record at its AWS Region, with a `Bias` from -99 to 99.

use super::format::yaml_inline;
use super::*;

/// `ContinentCode`'s values.
const CONTINENTS: &[&str] = &["AF", "AN", "AS", "EU", "NA", "OC", "SA"];
/// Countries Route 53 has no geolocation records for.
const UNSUPPORTED_COUNTRIES: &[&str] = &["BV", "CX", "EH", "HM"];

impl Validator {
    pub(super) fn geolocation(
        &mut self,
        p: &str,
        v: &serde_yaml::Value,
        regions: &[String],
    ) -> Option<Routing> {
        const SHAPE: &str = "e.g. `{geolocation: {eu-west-1: {continents: [EU]}, us-east-1: {continents: [NA], default: true}}}`";
        let Some(m) = v.as_mapping() else {
            self.err(
                p,
                "geolocation takes a map of Region to its locations",
                SHAPE,
            );
            return None;
        };
        let mut ok = true;
        let mut out: BTreeMap<String, Vec<GeoLocation>> = BTreeMap::new();
        // Each location once, across the Regions: (location, its Region).
        let mut seen: BTreeMap<GeoLocation, String> = BTreeMap::new();
        for (k, locs) in m {
            let Some((region, rp)) = self.region_key(p, k, regions, &mut ok) else {
                continue;
            };
            let Some(lm) = locs.as_mapping() else {
                self.err(&rp, "a Region takes `{continents: [...], countries: [...], subdivisions: [...], default: true}`", SHAPE);
                ok = false;
                continue;
            };
            let mut mine = Vec::new();
            for (key, list) in lm {
                let key = key.as_str().unwrap_or_default();
                let kp = format!("{rp}.{key}");
                match key {
                    "default" => match list.as_bool() {
                        Some(true) => mine.push((kp, GeoLocation::Default)),
                        Some(false) => {}
                        None => {
                            self.err(&kp, format!("`{}` is not true or false", yaml_inline(list)), "allowed: true (this Region answers every location no other record holds)");
                            ok = false;
                        }
                    },
                    "continents" | "countries" | "subdivisions" => {
                        let Some(items) = list.as_sequence() else {
                            self.err(&kp, format!("{key} takes a list"), SHAPE);
                            ok = false;
                            continue;
                        };
                        for (j, item) in items.iter().enumerate() {
                            let ip = format!("{kp}[{j}]");
                            let code = item.as_str().unwrap_or_default();
                            let loc = match key {
                                "continents" if CONTINENTS.contains(&code) => {
                                    Some(GeoLocation::Continent(code.to_string()))
                                }
                                "countries"
                                    if is_code(code) && !UNSUPPORTED_COUNTRIES.contains(&code) =>
                                {
                                    Some(GeoLocation::Country(code.to_string()))
                                }
                                "subdivisions" => code
                                    .strip_prefix("US-")
                                    .filter(|s| is_code(s))
                                    .map(|s| GeoLocation::Subdivision(s.to_string())),
                                _ => None,
                            };
                            match loc {
                                Some(l) => mine.push((ip, l)),
                                None => {
                                    let allowed = match key {
                                        "continents" => "allowed: AF, AN, AS, EU, NA, OC, SA".to_string(),
                                        "countries" => "allowed: an ISO 3166-1 alpha-2 code in capitals, e.g. JP (Route 53 has no records for BV, CX, EH, HM)".to_string(),
                                        _ => "allowed: a state of the United States as US-XX, e.g. US-CA (Route 53 supports no other subdivisions here)".to_string(),
                                    };
                                    self.err(
                                        &ip,
                                        format!(
                                            "`{}` is not a location Route 53 takes",
                                            yaml_inline(item)
                                        ),
                                        allowed,
                                    );
                                    ok = false;
                                }
                            }
                        }
                    }
                    _ => {
                        self.err(
                            &kp,
                            format!("unknown field `{key}`"),
                            "allowed here: continents, countries, subdivisions, default",
                        );
                        ok = false;
                    }
                }
            }
            if mine.is_empty() {
                self.err(&rp, format!("{region} answers no location"), "give it continents, countries, subdivisions or default: true, or leave the Region out");
                ok = false;
            }
            let mut list = Vec::new();
            for (lp, l) in mine {
                if let Some(other) = seen.get(&l) {
                    self.err(
                        &lp,
                        format!("location {} is also {other}'s", l.label()),
                        "Route 53 takes one record per location: give it to one Region",
                    );
                    ok = false;
                    continue;
                }
                seen.insert(l.clone(), region.to_string());
                list.push(l);
            }
            list.sort();
            out.insert(region.to_string(), list);
        }
        if ok && !seen.contains_key(&GeoLocation::Default) {
            self.err(
                p,
                "a geolocation set without a default: Route 53 gives \"no answer\" to every location no record holds, and to addresses it maps to no location",
                "give one Region `default: true`",
            );
            ok = false;
        }
        ok.then_some(Routing::Geolocation(out))
    }

    pub(super) fn geoproximity(
        &mut self,
        p: &str,
        v: &serde_yaml::Value,
        regions: &[String],
    ) -> Option<Routing> {
        let Some(m) = v.as_mapping().filter(|m| !m.is_empty()) else {
            self.err(p, "geoproximity takes a map of Region to its bias", "e.g. `{geoproximity: {eu-west-1: 0, us-east-1: 20}}` (bias -99 to 99: positive draws traffic from farther away)");
            return None;
        };
        let mut ok = true;
        let mut out = BTreeMap::new();
        for (k, b) in m {
            let Some((region, rp)) = self.region_key(p, k, regions, &mut ok) else {
                continue;
            };
            match b.as_i64() {
                Some(n) if (-99..=99).contains(&n) => {
                    out.insert(region.to_string(), n as i8);
                }
                _ => {
                    self.err(
                        &rp,
                        format!("bias `{}` is not an integer from -99 to 99", yaml_inline(b)),
                        "allowed: -99 to 99 (0: no bias)",
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(Routing::Geoproximity(out))
    }
}

/// Two capital letters.
fn is_code(s: &str) -> bool {
    s.len() == 2 && s.chars().all(|c| c.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::super::tests::errors;

    fn with(routing: &str) -> Vec<String> {
        errors(&format!(
            "version: 1\nname: t\ndns: {{zone: example.com}}\nregions:\n  - {{name: eu-west-1, cluster: c1}}\n  - {{name: us-east-1, cluster: c2}}\napps:\n  - {{name: a, host: a.example.com, image: i, health: {{path: /a}}, routing: {routing}}}\n"
        ))
    }

    #[test]
    fn a_geolocation_set_with_a_default_passes() {
        assert!(with("{geolocation: {eu-west-1: {continents: [EU, AF]}, us-east-1: {continents: [NA], countries: [JP], subdivisions: [US-CA], default: true}}}").is_empty());
        assert!(with("{geoproximity: {eu-west-1: 0, us-east-1: -20}}").is_empty());
    }

    #[test]
    fn a_geolocation_set_without_a_default_is_refused() {
        let e =
            with("{geolocation: {eu-west-1: {continents: [EU]}, us-east-1: {continents: [NA]}}}");
        assert!(
            e.iter()
                .any(|x| x.contains("apps[0].routing.geolocation")
                    && x.contains("without a default")),
            "{e:?}"
        );
    }

    #[test]
    fn bad_locations_are_named() {
        let e = with(
            "{geolocation: {eu-west-1: {continents: [EUROPE], countries: [jp, EH]}, us-east-1: {continents: [NA], subdivisions: [CA-QC], default: true, x: 1}}}",
        );
        for f in [
            "geolocation.eu-west-1.continents[0]",
            "geolocation.eu-west-1.countries[0]",
            "geolocation.eu-west-1.countries[1]",
            "geolocation.us-east-1.subdivisions[0]",
            "geolocation.us-east-1.x",
        ] {
            assert!(e.iter().any(|x| x.contains(f)), "{f} in {e:?}");
        }
        let e = with(
            "{geolocation: {eu-west-1: {continents: [EU], default: true}, us-east-1: {continents: [EU]}}}",
        );
        assert!(
            e.iter()
                .any(|x| x.contains("location continent-EU is also eu-west-1's")),
            "{e:?}"
        );
        let e = with("{geoproximity: {eu-west-1: 100, ap-south-1: 0}}");
        assert!(
            e.iter()
                .any(|x| x.contains("geoproximity.eu-west-1") && x.contains("-99 to 99")),
            "{e:?}"
        );
        assert!(
            e.iter().any(|x| x.contains("geoproximity.ap-south-1")),
            "{e:?}"
        );
    }
}
