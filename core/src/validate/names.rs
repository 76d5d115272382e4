//! Names gen derives from the spec must fit their limits: checked here,
//! with `layout`'s own constructors (the ones `model` uses), so the error
//! names the spec field. (A routing control's name is checked with `arc`.)

use super::*;

/// Flux writes a Kustomization's name into a label: 63 characters at most.
const LABEL_VALUE: usize = 63;
/// CloudFormation stack names: "up to 128 characters" (CreateStack, StackName).
const STACK_NAME: usize = 128;

impl Validator {
    pub(super) fn names(&mut self, name: &str, apps: &[App]) {
        let mut groups: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, a) in apps.iter().enumerate() {
            groups.entry(&a.stack).or_insert(i);
            let flux = layout::app_kustomization(name, &a.name);
            if flux.len() > LABEL_VALUE {
                self.err(
                    &format!("apps[{i}].name"),
                    format!("the Flux Kustomization name `{flux}` is longer than {LABEL_VALUE} characters"),
                    "shorten `name` or the app's name: Flux puts this name in a label on every object it applies",
                );
            }
        }
        for (stack, i) in groups {
            let full = layout::stack_name(name, stack);
            if full.len() > STACK_NAME {
                self.err(
                    &format!("apps[{i}].stack"),
                    format!("stack name `{full}` is longer than {STACK_NAME} characters"),
                    "shorten `name` or the stack group",
                );
            }
        }
    }
}
