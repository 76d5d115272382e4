//! `accounts`, `dns.account` and each Region's `account`: the roles gen
//! assumes. A role ARN is `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME` (IAM
//! User Guide, "IAM identifiers"); STS AssumeRole takes an `ExternalId` of
//! 2 to 1224 characters of `[\w+=,.@:\/-]` (AWS STS API Reference,
//! AssumeRole, "ExternalId").

use super::*;
use crate::facts::arn::Arn;

impl Validator {
    /// The accounts, in name order, and every reference to one checked.
    pub(super) fn accounts(&mut self, raw: &RawSpec) -> Vec<Account> {
        let mut out = Vec::new();
        for (name, a) in raw.accounts.iter().flatten() {
            let p = format!("accounts.{name}");
            if !is_dns1123_label(name) {
                self.err(
                    &p,
                    format!("`{}` is not an account name gen takes", name.escape_debug()),
                    "allowed: 1 to 63 lowercase letters, digits and hyphens, e.g. `network` or `prod-eu`",
                );
            }
            let Some(role) = self.required(
                &field(&p, "roleArn"),
                &a.role_arn,
                "the role gen assumes there, e.g. arn:aws:iam::111122223333:role/gen",
            ) else {
                continue;
            };
            let id = match role_account(role) {
                Some(id) => id.to_string(),
                None => {
                    self.err(
                        &field(&p, "roleArn"),
                        format!("`{}` is not an IAM role ARN", role.escape_debug()),
                        "allowed: arn:aws:iam::ACCOUNT:role/NAME (ACCOUNT: 12 digits; NAME: up to 64 of letters, digits and +=,.@_-)",
                    );
                    continue;
                }
            };
            if let Some(x) = &a.external_id
                && !is_external_id(x)
            {
                self.err(
                    &field(&p, "externalId"),
                    format!("`{}` is not an external ID STS takes", x.escape_debug()),
                    "allowed: 2 to 1224 letters, digits and _+=,.@:/-",
                );
            }
            if let Some(other) = out.iter().find(|o: &&Account| o.id == id) {
                self.err(
                    &field(&p, "roleArn"),
                    format!("account {id} is also `{}`", other.name),
                    "name each account once; one role per account",
                );
                continue;
            }
            out.push(Account {
                name: name.clone(),
                id,
                role_arn: role.clone(),
                external_id: a.external_id.clone(),
            });
        }
        let known: Vec<&str> = raw
            .accounts
            .iter()
            .flatten()
            .map(|(n, _)| n.as_str())
            .collect();
        let refer = |v: &mut Validator, p: &str, r: Option<&String>| {
            if let Some(r) = r
                && !known.contains(&r.as_str())
            {
                v.err(
                    p,
                    format!("no account named `{}` in accounts", r.escape_debug()),
                    if known.is_empty() {
                        "declare it under accounts with the role gen assumes there".to_string()
                    } else {
                        format!("allowed: {}", known.join(", "))
                    },
                );
            }
        };
        refer(
            self,
            "dns.account",
            raw.dns.as_ref().and_then(|d| d.account.as_ref()),
        );
        for (i, r) in raw.regions.iter().flatten().enumerate() {
            refer(self, &format!("regions[{i}].account"), r.account.as_ref());
        }
        // An account nothing names is never reached: likely a typo.
        let alarms: Vec<&str> = raw
            .rollout
            .iter()
            .flat_map(|r| r.alarms.iter().flatten())
            .filter_map(|a| Arn::parse(a).map(|a| a.account))
            .collect();
        for a in &out {
            let named = raw.dns.as_ref().and_then(|d| d.account.as_deref())
                == Some(a.name.as_str())
                || raw
                    .regions
                    .iter()
                    .flatten()
                    .any(|r| r.account.as_deref() == Some(a.name.as_str()))
                || alarms.contains(&a.id.as_str());
            if !named {
                self.out.push(
                    Diagnostic::new(&format!("accounts.{}", a.name), "no dns.account, Region or rollout alarm is in this account: gen never reaches it")
                        .hint("name it in dns.account or a Region's account, or remove it")
                        .warning(),
                );
            }
        }
        out
    }
}

impl Validator {
    /// With Region switch, a Region in another account than the plans'
    /// gets a role the plans' execution role assumes, which trusts that
    /// role by ARN: the DNS account must be named (its ID is in the ARN),
    /// and the role's name must fit IAM's 64 characters.
    pub(super) fn switch_accounts(&mut self, raw: &RawSpec, name: &str, accounts: &[Account]) {
        let dns = raw.dns.as_ref().and_then(|d| d.account.as_deref());
        let id = |n: Option<&str>| {
            accounts
                .iter()
                .find(|a| Some(a.name.as_str()) == n)
                .map(|a| a.id.as_str())
        };
        for (i, r) in raw.regions.iter().flatten().enumerate() {
            let Some(account) = r.account.as_deref() else {
                continue;
            };
            if dns.is_none() {
                self.err(
                    "dns.account",
                    format!("missing: regions[{i}] is in account `{account}`, and the Region switch plans scale its cluster through a role there that trusts their execution role by ARN"),
                    "name the account of the zone and the plans under accounts and set dns.account to it",
                );
                return;
            }
            if id(Some(account)).is_some() && id(Some(account)) != id(dns) {
                let role =
                    layout::region_switch_cross_role_name(name, r.name.as_deref().unwrap_or(""));
                if role.len() > 64 {
                    self.err(
                        &format!("regions[{i}].account"),
                        format!("the Region switch role gen makes there, `{role}`, is longer than IAM's 64 characters"),
                        "shorten the spec's name",
                    );
                }
            }
        }
    }
}

/// The account of an IAM role ARN, when `text` is one.
fn role_account(text: &str) -> Option<&str> {
    let a = Arn::parse(text)?;
    let name = a.resource.strip_prefix("role/")?.rsplit('/').next()?;
    let ok = a.service == "iam"
        && a.region.is_empty()
        && a.has_account()
        && (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    ok.then_some(a.account)
}

fn is_external_id(x: &str) -> bool {
    (2..=1224).contains(&x.len())
        && x.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c))
}

#[cfg(test)]
mod tests {
    use super::super::tests::errors;

    #[test]
    fn region_switch_across_accounts_needs_the_dns_account() {
        let spec = "version: 1\nname: t\ndns: {zone: example.com}\nregions:\n  - {name: eu-west-1, cluster: c1, account: prod-eu}\n  - {name: eu-central-1, cluster: c2}\nregionSwitch: {enabled: true}\naccounts:\n  prod-eu: {roleArn: \"arn:aws:iam::222222222222:role/gen\"}\napps:\n  - {name: a, host: a.example.com, image: i, replicas: 2, health: {path: /a}}\n";
        let e = errors(spec);
        assert!(
            e.iter()
                .any(|x| x.contains("dns.account") && x.contains("missing")),
            "{e:?}"
        );
        let named = spec
            .replace(
                "dns: {zone: example.com}",
                "dns: {zone: example.com, account: network}",
            )
            .replace(
                "accounts:\n",
                "accounts:\n  network: {roleArn: \"arn:aws:iam::111111111111:role/gen\"}\n",
            );
        assert!(errors(&named).is_empty(), "{:?}", errors(&named));
    }

    const BASE: &str = "version: 1\nname: t\ndns: {zone: example.com, account: network}\nregions:\n  - {name: eu-west-1, cluster: c1, account: prod-eu}\n  - {name: eu-central-1, cluster: c2}\nhealthCheck: {}\napps:\n  - {name: a, host: a.example.com, image: i, health: {path: /a}}\n";

    #[test]
    fn accounts_are_named_roles_and_every_reference_names_one() {
        let ok = format!(
            "{BASE}accounts:\n  network: {{roleArn: \"arn:aws:iam::111111111111:role/gen-dns\", externalId: \"gen-2026\"}}\n  prod-eu: {{roleArn: \"arn:aws:iam::222222222222:role/ops/gen\"}}\n"
        );
        assert!(errors(&ok).is_empty(), "{:?}", errors(&ok));
        let e = errors(BASE);
        assert!(
            e.iter()
                .any(|x| x.contains("dns.account") && x.contains("no account named `network`"))
                && e.iter().any(|x| x.contains("regions[0].account")),
            "{e:?}"
        );
    }

    #[test]
    fn a_wrong_role_or_external_id_is_refused_naming_the_field() {
        let bad = format!(
            "{BASE}accounts:\n  network: {{roleArn: \"arn:aws:iam::1111:role/gen\", externalId: \"x\"}}\n  prod-eu: {{roleArn: \"arn:aws:iam::222222222222:user/gen\"}}\n  Other: {{externalId: \"abc def\"}}\n"
        );
        let e = errors(&bad);
        for f in [
            "accounts.network.roleArn",
            "accounts.prod-eu.roleArn",
            "accounts.Other (",
            "accounts.Other.roleArn",
        ] {
            assert!(e.iter().any(|x| x.contains(f)), "{f}: {e:?}");
        }
        let twice = format!(
            "{BASE}accounts:\n  network: {{roleArn: \"arn:aws:iam::111111111111:role/a\", externalId: \"x\"}}\n  prod-eu: {{roleArn: \"arn:aws:iam::111111111111:role/b\"}}\n"
        );
        let e = errors(&twice);
        assert!(
            e.iter().any(|x| x.contains("accounts.network.externalId"))
                && e.iter().any(|x| x.contains("account 111111111111 is also")),
            "{e:?}"
        );
    }
}
