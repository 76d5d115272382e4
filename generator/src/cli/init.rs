//! `gen init`: a commented starter spec from what can be learnt here: the
//! Regions and hosted zone given, and the kubeconfig's EKS contexts (their
//! Regions and clusters, and the IngressClasses each cluster offers). The
//! text is checked like any spec before it is written, and an existing spec
//! is never overwritten.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;

use super::session::Settings;
use crate::diag::Hinted;
use crate::k8s::{self, EksContext};

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The Regions to run in (comma-separated or repeated) [default: the
    /// Regions of the kubeconfig's EKS contexts].
    #[arg(long, value_delimiter = ',', value_name = "REGION")]
    regions: Vec<String>,
    /// The Route 53 hosted zone the apps' hosts are in.
    #[arg(long, default_value = "example.com", value_name = "ZONE")]
    zone: String,
    /// The spec's name (stack and resource names start with it).
    #[arg(long, default_value = "shop")]
    name: String,
    /// Read no kubeconfig and ask no cluster.
    #[arg(long)]
    no_kubeconfig: bool,
}

/// What init found for one Region.
struct RegionFound {
    region: String,
    context: Option<EksContext>,
    /// (name, controller) of each IngressClass, when the cluster answered.
    classes: Result<Vec<(String, String)>, String>,
}

pub(super) fn run(settings: &Settings, args: &InitArgs) -> Result<ExitCode> {
    let pr = settings.printer;
    if settings.spec.exists() {
        bail!(Hinted::new(
            format!(
                "{} exists already; gen init never overwrites a spec",
                settings.spec.display()
            ),
            "edit it, or run gen init in a new directory (or with --spec FILE)"
        ));
    }
    let contexts = if args.no_kubeconfig {
        Vec::new()
    } else {
        match k8s::kubeconfig() {
            Ok(c) => k8s::eks_contexts(&c),
            Err(_) => {
                pr.note(
                    "no kubeconfig (KUBECONFIG or ~/.kube/config): no EKS contexts to learn from",
                );
                Vec::new()
            }
        }
    };
    let regions: Vec<String> = if args.regions.is_empty() {
        let mut r: Vec<String> = Vec::new();
        for c in &contexts {
            if !r.contains(&c.region) {
                r.push(c.region.clone());
            }
        }
        r
    } else {
        args.regions.clone()
    };
    if regions.len() < 2 {
        bail!(Hinted::new(
            format!(
                "gen needs two Regions or more, and {} {}",
                if args.regions.is_empty() {
                    "the kubeconfig's EKS contexts name"
                } else {
                    "--regions names"
                },
                regions.len()
            ),
            "pass them: gen init --regions eu-west-1,us-east-1"
        ));
    }
    let config = if contexts.is_empty() {
        None
    } else {
        k8s::kubeconfig().ok()
    };
    let runtime = super::session::runtime()?;
    let found: Vec<RegionFound> = regions
        .iter()
        .map(|r| {
            let context = contexts.iter().find(|c| &c.region == r).cloned();
            let classes = match (&context, &config) {
                (Some(c), Some(config)) => runtime
                    .block_on(async {
                        let client = k8s::client(config, &c.context).await?;
                        k8s::ingress_classes(client).await
                    })
                    .map_err(|e| format!("{e:#}")),
                _ => Err("no EKS context for this Region".into()),
            };
            RegionFound {
                region: r.clone(),
                context,
                classes,
            }
        })
        .collect();
    let url = crate::output::remote::origin_url(&settings.root);
    let text = starter(args, &found, url.as_deref());
    // Checked like any spec: a value that breaks it writes nothing.
    let name = settings.spec_name();
    let empty = crate::spec::lock::empty();
    if let Err(diagnostics) = crate::pipeline::compile(&text, &name, &empty, "") {
        super::session::report_diagnostics(pr, &name, &diagnostics);
        return Ok(ExitCode::FAILURE);
    }
    let schema_path = settings
        .spec
        .parent()
        .map(|d| d.join("gen.schema.json"))
        .context("the spec's directory")?;
    if let Some(d) = settings.spec.parent() {
        std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
    }
    std::fs::write(&settings.spec, &text)
        .with_context(|| format!("writing {}", settings.spec.display()))?;
    if !schema_path.exists() {
        std::fs::write(
            &schema_path,
            serde_json::to_string_pretty(&crate::spec::json_schema()).unwrap_or_default() + "\n",
        )
        .with_context(|| format!("writing {}", schema_path.display()))?;
    }
    pr.data(format_args!(
        "wrote {} ({} Regions) and {}",
        name,
        found.len(),
        schema_path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("gen.schema.json")
    ));
    for f in &found {
        match (&f.context, &f.classes) {
            (Some(c), Ok(classes)) => pr.data(format_args!(
                "  {}: cluster {} (context {}), IngressClasses: {}",
                f.region,
                c.cluster,
                c.context,
                if classes.is_empty() {
                    "none".to_string()
                } else {
                    classes
                        .iter()
                        .map(|(n, _)| n.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            )),
            (Some(c), Err(e)) => pr.data(format_args!(
                "  {}: cluster {} (context {}), its IngressClasses not read: {e}",
                f.region, c.cluster, c.context
            )),
            (None, _) => pr.data(format_args!(
                "  {}: no EKS context: set regions[].cluster in the spec",
                f.region
            )),
        }
    }
    pr.note("next: edit the apps, then `gen validate` and `gen render`");
    Ok(ExitCode::SUCCESS)
}

/// A double-quoted YAML scalar, as the templates quote every value.
fn q(s: &str) -> String {
    crate::render::yaml_quote(s)
}

/// The controller the clusters' IngressClasses point at, when all agree.
fn controller(found: &[RegionFound]) -> Option<&'static str> {
    let mut seen = Vec::new();
    for f in found {
        for (_, c) in f.classes.iter().flatten() {
            let known = match c.as_str() {
                "ingress.k8s.aws/alb" => "aws-lbc",
                "eks.amazonaws.com/alb" => "eks-auto",
                _ => continue,
            };
            if !seen.contains(&known) {
                seen.push(known);
            }
        }
    }
    match seen.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

fn starter(args: &InitArgs, found: &[RegionFound], url: Option<&str>) -> String {
    let mut s = String::new();
    s.push_str("# yaml-language-server: $schema=./gen.schema.json\n");
    s.push_str("# A starter spec written by `gen init`. The schema beside it (`gen schema`)\n");
    s.push_str("# gives editors completion and checks; `gen validate` says what is wrong,\n");
    s.push_str("# with the field and line. docs/spec.md in gen's repository lists every field.\n");
    s.push_str("version: 1\n");
    s.push_str(&format!("name: {}\n", q(&args.name)));
    s.push_str("dns:\n");
    s.push_str(&format!(
        "  zone: {}          # the public hosted zone of the apps' hosts\n",
        q(&args.zone)
    ));
    s.push_str("  # zoneId: Z0123456789EXAMPLE   # or let `gen discover` record it in gen.lock\n");
    match controller(found) {
        Some(c) => s.push_str(&format!(
            "ingress:\n  controller: {}        # from the clusters' IngressClasses\n",
            q(c)
        )),
        None => s.push_str(
            "# ingress: {controller: aws-lbc}   # default eks-auto (EKS Auto Mode); aws-lbc: the load balancer controller\n",
        ),
    }
    s.push_str("regions:\n");
    for f in found {
        s.push_str(&format!("  - name: {}\n", q(&f.region)));
        match &f.context {
            Some(c) => {
                s.push_str(&format!("    cluster: {}\n", q(&c.cluster)));
                s.push_str(&format!("    kubeContext: {}\n", q(&c.context)));
            }
            None => s.push_str(&format!(
                "    cluster: {}   # the EKS cluster's name in this Region\n",
                q(&format!("change-me-{}", f.region))
            )),
        }
        match &f.classes {
            Ok(classes) if !classes.is_empty() => {
                let list: Vec<String> = classes.iter().map(|(n, c)| format!("{n} ({c})")).collect();
                // A comment: one line, whatever the names hold.
                let line = list.join(", ").replace(['\n', '\r'], " ");
                s.push_str(&format!("    # IngressClasses offered: {line}\n"));
            }
            _ => {}
        }
        s.push_str("    # albDnsName: filled in gen.lock by `gen discover` once the Ingress has an address\n");
    }
    s.push_str("# A commit reaches the Regions wave by wave: `gen rollout` moves each Region's\n");
    s.push_str(
        "# branch once the wave before stayed healthy (docs/rollout.md in gen's repository).\n",
    );
    s.push_str("rollout:\n");
    s.push_str(&format!(
        "  source: {{url: {}}}   # the repository as the clusters' Flux clones it\n",
        q(url.unwrap_or("ssh://git@github.com/ORG/REPO.git"))
    ));
    s.push_str("  bakeMinutes: 10                       # each wave stays green this long before the next\n");
    s.push_str(
        "  # waves: [[REGION], [REGION]]         # default: the least loaded Regions first\n",
    );
    s.push_str("apps:\n");
    s.push_str("  - name: web\n");
    s.push_str(&format!("    host: {}\n", q(&format!("web.{}", args.zone))));
    s.push_str("    image: registry.example.com/web:1.0   # the image to run in every Region\n");
    s.push_str("    replicas: 2\n");
    s.push_str("    health: {path: /webhealth}            # a path only this app answers\n");
    s.push_str("    # routing: latency                   # or {failover: {primary: REGION}} or {weighted: {...}}\n");
    s.push_str("    # rto: 300                           # the worst-case failover you accept, in seconds\n");
    s
}
