//! Where resolvers and Regions are, for `gen simulate`'s geographic
//! answers: a list of sample resolver locations, each with its continent,
//! country and (in the United States) state, and each Region's place.
//!
//! Modelled, not AWS data: Route 53 maps a resolver's address to a location
//! with its own database, and places a geoproximity record "in the AWS
//! Region" it names without publishing coordinates. The coordinates here
//! are those of each Region's city as the "Regions and Availability Zones"
//! page names it (docs.aws.amazon.com/global-infrastructure), rounded.

/// One sample resolver location.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// What `gen simulate` calls it: the country, with its state in the US.
    pub label: &'static str,
    /// `ContinentCode`: AF, AN, AS, EU, NA, OC, SA.
    pub continent: &'static str,
    pub country: &'static str,
    pub subdivision: Option<&'static str>,
    pub lat: f64,
    pub lon: f64,
}

const fn at(
    label: &'static str,
    continent: &'static str,
    country: &'static str,
    subdivision: Option<&'static str>,
    lat: f64,
    lon: f64,
) -> Sample {
    Sample {
        label,
        continent,
        country,
        subdivision,
        lat,
        lon,
    }
}

/// A resolver in each continent and in a few countries of each; two US
/// states, for records of a state.
pub const SAMPLES: &[Sample] = &[
    at("US-CA", "NA", "US", Some("CA"), 37.8, -122.4),
    at("US-NY", "NA", "US", Some("NY"), 40.7, -74.0),
    at("CA", "NA", "CA", None, 43.7, -79.4),
    at("MX", "NA", "MX", None, 19.4, -99.1),
    at("BR", "SA", "BR", None, -23.6, -46.6),
    at("AR", "SA", "AR", None, -34.6, -58.4),
    at("GB", "EU", "GB", None, 51.5, -0.1),
    at("DE", "EU", "DE", None, 50.1, 8.7),
    at("FR", "EU", "FR", None, 48.9, 2.4),
    at("ZA", "AF", "ZA", None, -26.2, 28.0),
    at("NG", "AF", "NG", None, 6.5, 3.4),
    at("IN", "AS", "IN", None, 19.1, 72.9),
    at("SG", "AS", "SG", None, 1.4, 103.8),
    at("JP", "AS", "JP", None, 35.7, 139.7),
    at("AE", "AS", "AE", None, 25.2, 55.3),
    at("AU", "OC", "AU", None, -33.9, 151.2),
    at("NZ", "OC", "NZ", None, -36.8, 174.8),
    at("AQ", "AN", "AQ", None, -77.8, 166.7),
];

/// (Region, latitude, longitude) of each Region's city, sorted by Region.
pub const REGIONS: &[(&str, f64, f64)] = &[
    ("af-south-1", -33.9, 18.4),
    ("ap-east-1", 22.3, 114.2),
    ("ap-east-2", 25.0, 121.6),
    ("ap-northeast-1", 35.7, 139.7),
    ("ap-northeast-2", 37.6, 127.0),
    ("ap-northeast-3", 34.7, 135.5),
    ("ap-south-1", 19.1, 72.9),
    ("ap-south-2", 17.4, 78.5),
    ("ap-southeast-1", 1.4, 103.8),
    ("ap-southeast-2", -33.9, 151.2),
    ("ap-southeast-3", -6.2, 106.8),
    ("ap-southeast-4", -37.8, 145.0),
    ("ap-southeast-5", 3.1, 101.7),
    ("ap-southeast-6", -36.8, 174.8),
    ("ap-southeast-7", 13.8, 100.5),
    ("ca-central-1", 45.5, -73.6),
    ("ca-west-1", 51.0, -114.1),
    ("eu-central-1", 50.1, 8.7),
    ("eu-central-2", 47.4, 8.5),
    ("eu-north-1", 59.3, 18.1),
    ("eu-south-1", 45.5, 9.2),
    ("eu-south-2", 41.6, -0.9),
    ("eu-west-1", 53.3, -6.3),
    ("eu-west-2", 51.5, -0.1),
    ("eu-west-3", 48.9, 2.4),
    ("il-central-1", 32.1, 34.8),
    ("me-central-1", 25.2, 55.3),
    ("me-south-1", 26.2, 50.6),
    ("mx-central-1", 20.6, -100.4),
    ("sa-east-1", -23.6, -46.6),
    ("us-east-1", 38.9, -77.4),
    ("us-east-2", 40.0, -83.0),
    ("us-west-1", 37.8, -122.4),
    ("us-west-2", 45.8, -119.7),
];

/// Region `name`'s place, when the table has it.
pub fn region(name: &str) -> Option<(f64, f64)> {
    REGIONS
        .binary_search_by(|(r, _, _)| (*r).cmp(name))
        .ok()
        .map(|i| (REGIONS[i].1, REGIONS[i].2))
}

/// Great-circle distance in km (haversine, Earth radius 6371 km).
pub fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1, la2, lo2) = (
        a.0.to_radians(),
        a.1.to_radians(),
        b.0.to_radians(),
        b.1.to_radians(),
    );
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

/// The distance Route 53 compares for a geoproximity record of bias `bias`:
/// "Biased distance = actual distance * [1 - (bias/100)]" (Route 53
/// Developer Guide, "Geoproximity routing", "How Amazon Route 53 uses bias
/// to route traffic").
pub fn biased_km(km: f64, bias: i8) -> f64 {
    km * (1.0 - f64::from(bias) / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_region_table_is_sorted_and_distances_are_sane() {
        assert!(REGIONS.windows(2).all(|w| w[0].0 < w[1].0));
        let dublin = region("eu-west-1").unwrap();
        let virginia = region("us-east-1").unwrap();
        let d = distance_km(dublin, virginia);
        assert!((5_000.0..6_000.0).contains(&d), "{d}");
        assert_eq!(biased_km(150.0, 50), 75.0);
        assert!(region("xx-none-1").is_none());
    }
}
