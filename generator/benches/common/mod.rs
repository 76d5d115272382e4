//! What the benchmarks share: the spec of a platform of `apps` apps.

/// Apps per shared ALB: two listener rules each, so 40 leave room under
/// the default quota of 100 rules (and of 100 target groups) per ALB.
pub(crate) const APPS_PER_ALB: usize = 40;

/// A spec with `apps` apps, routing policies mixed as in real use, over
/// shared ALBs of `APPS_PER_ALB` apps each. A platform past AWS's default
/// quotas per Region (50 ALBs, 3,000 target groups) states its raised ones,
/// as an account that runs it would have them.
pub(crate) fn spec(apps: usize, regions: &[&str], zone_id: &str) -> String {
    let albs = apps.div_ceil(APPS_PER_ALB);
    let mut s = format!(
        "version: 1\nname: bench\ndns:\n  zone: example.com\n  zoneId: {zone_id}\ningress:\n",
    );
    if albs > 50 || apps > 3000 {
        s.push_str(&format!(
            "  quotas: {{albsPerRegion: {}, targetGroupsPerRegion: {}}}\n",
            albs.max(50),
            apps.max(3000)
        ));
    }
    s.push_str("  albs:\n");
    for k in 0..albs {
        s.push_str(&format!("    - name: bench-{k}\n"));
    }
    s.push_str("regions:\n");
    for (i, r) in regions.iter().enumerate() {
        s.push_str(&format!(
            "  - name: {r}\n    cluster: cluster{i}\n    albs:\n"
        ));
        for k in 0..albs {
            s.push_str(&format!(
                "      bench-{k}: {{dnsName: bench-{k}-{i}.{r}.elb.amazonaws.com}}\n"
            ));
        }
    }
    s.push_str("apps:\n");
    for i in 0..apps {
        let routing = match i % 3 {
            0 => "latency".to_string(),
            1 => format!(
                "{{weighted: {{{}}}}}",
                regions
                    .iter()
                    .enumerate()
                    .map(|(j, r)| format!("{r}: {}", if j == 0 { 100 } else { 0 }))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            _ => format!("{{failover: {{primary: {}}}}}", regions[0]),
        };
        s.push_str(&format!(
            "  - name: app{i}\n    host: app{i}.example.com\n    image: registry.example.com/app{i}:1.{i}\n    env: {{APP_NAME: app{i}, HEALTH: app{i}health}}\n    health: {{path: /app{i}health}}\n    routing: {routing}\n    alb: bench-{}\n",
            i / APPS_PER_ALB
        ));
    }
    s
}
