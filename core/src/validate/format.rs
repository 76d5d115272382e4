//! Format checks shared by every section: DNS names and labels, zone IDs,
//! CIDRs, durations, quantities.

use super::*;

impl Validator {
    pub(super) fn dns_label(&mut self, p: &str, s: &str) {
        if !is_dns1123_label(s) {
            self.err(p, format!("`{}` is not a DNS-1123 label", s.escape_debug()), "allowed: 1 to 63 lowercase letters, digits and hyphens, starting and ending with a letter or digit");
        }
    }

    pub(super) fn dns_subdomain(&mut self, p: &str, s: &str) {
        let ok = !s.is_empty() && s.len() <= 253 && s.split('.').all(is_dns1123_label);
        if !ok {
            self.err(
                p,
                format!("`{}` is not a DNS-1123 subdomain", s.escape_debug()),
                "allowed: lowercase letters, digits, `-` and `.`, at most 253 characters",
            );
        }
    }

    pub(super) fn zone_id(&mut self, p: &str, s: &str) {
        let ok = !s.is_empty()
            && s.len() <= 32
            && s.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if !ok {
            self.err(
                p,
                format!("`{}` is not a Route 53 hosted zone ID", s.escape_debug()),
                "allowed: up to 32 uppercase letters and digits, e.g. Z32O12XQLNTSW2",
            );
        }
    }

    /// A lowercase DNS name; `wildcard` allows a leading `*.`. Returns validity.
    pub(super) fn domain(&mut self, p: &str, s: &str, wildcard: bool) -> bool {
        let body = if wildcard {
            s.strip_prefix("*.").unwrap_or(s)
        } else {
            s
        };
        let ok = !body.is_empty()
            && s.len() <= 253
            && body.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && l.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    && !l.starts_with('-')
                    && !l.ends_with('-')
            });
        if !ok {
            self.err(p, format!("`{}` is not a valid DNS name", s.escape_debug()), "allowed: lowercase labels of letters, digits and hyphens separated by dots, at most 253 characters");
        }
        ok
    }
}

/// Names of ARC resources: 1 to 64 of letters, digits, `-` and `_`.
pub(super) fn arc_name_ok(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 64
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

pub fn is_dns1123_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

pub(super) fn is_dns1035_label(s: &str) -> bool {
    is_dns1123_label(s) && s.starts_with(|c: char| c.is_ascii_lowercase())
}

/// The hint listing a spec's Regions.
pub(super) fn allowed_regions(regions: &[String]) -> String {
    if regions.is_empty() {
        "the spec lists no Regions yet (see `regions`)".into()
    } else {
        format!("allowed: {}", regions.join(", "))
    }
}

pub(super) fn is_region_name(s: &str) -> bool {
    // e.g. eu-west-1, us-gov-west-1, ap-southeast-7
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts.len() <= 4
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].parse::<u8>().is_ok()
        && parts[0].len() == 2
}

pub(super) fn is_cidr(s: &str) -> bool {
    let Some((ip, bits)) = s.split_once('/') else {
        return false;
    };
    match (ip.parse::<std::net::IpAddr>(), bits.parse::<u8>()) {
        (Ok(std::net::IpAddr::V4(_)), Ok(b)) => b <= 32,
        (Ok(std::net::IpAddr::V6(_)), Ok(b)) => b <= 128,
        _ => false,
    }
}

pub(super) fn is_go_duration(s: &str) -> bool {
    let mut rest = s;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        if digits == 0 || rest[..digits].parse::<f64>().is_err() {
            return false;
        }
        rest = &rest[digits..];
        let unit = ["ms", "h", "m", "s"]
            .into_iter()
            .find(|u| rest.starts_with(u));
        match unit {
            Some(u) => rest = &rest[u.len()..],
            None => return false,
        }
    }
    true
}

pub(super) fn is_quantity(s: &str) -> bool {
    let num_end = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    let (num, suffix) = s.split_at(num_end);
    !num.is_empty()
        && num.parse::<f64>().is_ok()
        && [
            "", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei",
        ]
        .contains(&suffix)
}

pub(super) fn yaml_inline(v: &serde_yaml::Value) -> String {
    match v {
        serde_yaml::Value::String(s) => s.escape_debug().to_string(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .replace('\n', " "),
    }
}
