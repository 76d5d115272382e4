//! Field names for "unknown field" messages, read from the serde types
//! themselves so the list of allowed fields can never drift from the code.

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use super::*;

/// The fields allowed in the object at `parent` (a path in diagnostic notation).
pub(super) fn allowed_fields(parent: &str) -> Option<&'static [&'static str]> {
    // Normalise list indexes and free-form map keys away: `apps[3].regions.eu-west-1`
    // becomes `apps[].regions.*`.
    let mut shape = String::new();
    let mut chars = parent.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '[' {
            for c in chars.by_ref() {
                if c == ']' {
                    break;
                }
            }
            shape.push_str("[]");
        } else {
            shape.push(c);
        }
    }
    let shape = match (
        shape.strip_prefix("apps[].regions."),
        shape.strip_prefix("accounts."),
    ) {
        (Some(rest), _) if !rest.contains('.') => "apps[].regions.*".to_string(),
        (_, Some(rest)) if !rest.contains('.') => "accounts.*".to_string(),
        _ => shape,
    };
    Some(match shape.as_str() {
        "" => fields_of::<RawSpec>(),
        "dns" => fields_of::<RawDns>(),
        "accounts.*" => fields_of::<RawAccount>(),
        "ingress" => fields_of::<RawIngress>(),
        "regions[]" => fields_of::<RawRegion>(),
        "regions[].clusters[]" => fields_of::<RawRegionCluster>(),
        "healthCheck" => fields_of::<RawHealthCheck>(),
        "flux" => fields_of::<RawFlux>(),
        "argocd" => fields_of::<RawArgoCd>(),
        "arc" => fields_of::<RawArc>(),
        "arc.cluster" => fields_of::<RawArcCluster>(),
        "arc.safetyRules" => fields_of::<RawSafetyRules>(),
        "arc.readiness" => fields_of::<RawReadiness>(),
        "apps[]" => fields_of::<RawApp>(),
        "apps[].health" => fields_of::<RawHealth>(),
        "apps[].resources" => fields_of::<RawResources>(),
        "apps[].resources.requests" | "apps[].resources.limits" => fields_of::<RawQuantities>(),
        "apps[].security" => fields_of::<RawSecurity>(),
        "apps[].rbac" => fields_of::<RawRbac>(),
        "apps[].rbac.rules[]" => fields_of::<RawRule>(),
        "apps[].regions.*" => fields_of::<RawRegionOverride>(),
        _ => return None,
    })
}

/// The serialised field names of a `#[derive(Deserialize)]` struct: a
/// deserializer that only records what `deserialize_struct` is asked for.
fn fields_of<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    struct Probe<'a>(&'a mut &'static [&'static str]);
    #[derive(Debug)]
    struct Stop;
    impl std::fmt::Display for Stop {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("probe")
        }
    }
    impl std::error::Error for Stop {}
    impl de::Error for Stop {
        fn custom<M: std::fmt::Display>(_: M) -> Self {
            Stop
        }
    }
    impl<'de> Deserializer<'de> for Probe<'_> {
        type Error = Stop;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
            Err(Stop)
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Stop> {
            *self.0 = fields;
            Err(Stop)
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map enum identifier ignored_any
        }
    }
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Probe(&mut fields));
    fields
}
