//! W018: a geolocation location whose every record sits in one Region.
//!
//! When a location's record is unhealthy, "Route 53 looks for a record for
//! the larger, associated geographic Region", up to the default; "If all
//! applicable records are unhealthy, including the record for all
//! locations, Route 53 responds to the DNS query using the value for the
//! record for the smallest geographic region" (Route 53 Developer Guide,
//! "Values specific for geolocation records"). So a location whose own
//! record, larger areas' records and default are all in one Region keeps
//! being answered from that Region while it is down: no other Region takes
//! it, whatever a Region switch does.

use super::*;
use crate::spec::checked::{GeoLocation, Routing};

pub(super) const LINT: Lint = Lint {
    code: "W018",
    name: "geolocation-no-failover",
    check,
};

fn check(cx: &Context<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for a in &cx.spec.apps {
        let Routing::Geolocation(g) = &a.routing else {
            continue;
        };
        let Some((home, _)) = g.iter().find(|(_, l)| l.contains(&GeoLocation::Default)) else {
            continue;
        };
        // The default's Region holds its own locations with no larger area
        // elsewhere: a country of a continent held in another Region fails
        // over there, anything else only to the default.
        let elsewhere: Vec<&GeoLocation> = g
            .iter()
            .filter(|(r, _)| *r != home)
            .flat_map(|(_, l)| l)
            .collect();
        let stuck: Vec<String> = g[home]
            .iter()
            .filter(|l| match l {
                GeoLocation::Default => true,
                // A US state's country (or North America) held elsewhere.
                GeoLocation::Subdivision(_) => !elsewhere.iter().any(|e| {
                    matches!(e, GeoLocation::Country(c) if c == "US")
                        || matches!(e, GeoLocation::Continent(c) if c == "NA")
                }),
                // gen has no table of each country's continent: a country
                // is named when no continent at all is held elsewhere.
                GeoLocation::Country(_) => !elsewhere
                    .iter()
                    .any(|e| matches!(e, GeoLocation::Continent(_))),
                GeoLocation::Continent(_) => true,
            })
            .filter(|l| **l != GeoLocation::Default)
            .map(GeoLocation::label)
            // The default's own: every location no record holds.
            .chain(std::iter::once("every other location".to_string()))
            .collect();
        out.push(
            Diagnostic::lint(
                &format!("{}.routing.geolocation.{home}", cx.app_path(&a.name)),
                format!(
                    "{} in {home} has no record in another Region for {}: while {home} is unhealthy Route 53 keeps answering them from {home}",
                    a.name,
                    stuck.join(", ")
                ),
            )
            .hint("Route 53 falls back to larger areas and the default only; to fail those locations over, route the app with failover or latency, or accept that they share the default Region's fate"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::*;

    #[test]
    fn fires_on_the_default_region_of_a_geolocation_app() {
        let geo = QUIET.replace(
            "health: {path: /webhealth}",
            "health: {path: /webhealth}\n    routing: {geolocation: {eu-west-1: {continents: [EU]}, us-east-1: {continents: [NA], default: true}}}",
        );
        let w = of("W018", &geo);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains("apps[0].routing.geolocation.us-east-1")
                && w[0].contains("continent-NA, every other location"),
            "{w:?}"
        );
        assert!(of("W018", QUIET).is_empty());
    }
}
