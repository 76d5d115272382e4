//! Amazon Resource Names: `arn:partition:service:region:account-id:resource`
//! (IAM User Guide, "IAM identifiers", ARN format). One parser for every ARN
//! gen reads; each caller checks the service and resource it expects.

/// An ARN's six fields, borrowed from the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    /// Empty for global resources (ARC clusters).
    pub region: &'a str,
    /// Empty for resources that carry none (S3 buckets).
    pub account: &'a str,
    /// Everything after the fifth colon: `cluster/ID`, `certificate/ID`, ...
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// The ARN in `text`, when it has the six fields, an `aws` partition
    /// (`aws`, `aws-cn`, `aws-us-gov`), an account that is empty or 12 digits,
    /// and only printable ASCII.
    pub fn parse(text: &'a str) -> Option<Arn<'a>> {
        if !text.chars().all(|c| c.is_ascii_graphic()) {
            return None;
        }
        let mut parts = text.splitn(6, ':');
        let (
            Some("arn"),
            Some(partition),
            Some(service),
            Some(region),
            Some(account),
            Some(resource),
        ) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        )
        else {
            return None;
        };
        let account_ok = account.is_empty()
            || (account.len() == 12 && account.chars().all(|c| c.is_ascii_digit()));
        (partition.starts_with("aws") && !service.is_empty() && account_ok && !resource.is_empty())
            .then_some(Arn {
                partition,
                service,
                region,
                account,
                resource,
            })
    }

    /// Whether the ARN names an account (12 digits).
    pub fn has_account(&self) -> bool {
        !self.account.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_six_fields_and_refuses_the_rest() {
        let a = Arn::parse("arn:aws:acm:eu-west-1:111122223333:certificate/abc").unwrap();
        assert_eq!(
            (a.partition, a.service, a.region, a.account, a.resource),
            ("aws", "acm", "eu-west-1", "111122223333", "certificate/abc")
        );
        let c = Arn::parse("arn:aws:route53-recovery-control::111122223333:cluster/x").unwrap();
        assert_eq!(c.region, "");
        // The resource keeps its own colons.
        let g = Arn::parse(
            "arn:aws:autoscaling:eu-west-1:111122223333:autoScalingGroup:id:autoScalingGroupName/g",
        )
        .unwrap();
        assert_eq!(g.resource, "autoScalingGroup:id:autoScalingGroupName/g");
        assert!(Arn::parse("arn:aws:s3:::bucket").is_some_and(|a| !a.has_account()));
        for bad in [
            "",
            "arn:aws:acm",
            "urn:aws:acm:eu-west-1:111122223333:certificate/a",
            "arn:gcp:acm:eu-west-1:111122223333:certificate/a",
            "arn:aws:acm:eu-west-1:1234:certificate/a",
            "arn:aws:acm:eu-west-1:111122223333:",
            "arn:aws:acm:eu-west-1:111122223333:certificate/a b",
        ] {
            assert!(Arn::parse(bad).is_none(), "{bad}");
        }
    }
}
