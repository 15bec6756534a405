//! Launchplane's allow-list policy for GitHub Actions callers.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::auth::Caller;

/// The policy document: any rule that allows a call authorizes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    #[serde(default = "one")]
    pub schema_version: u32,
    #[serde(default)]
    pub github_actions: Vec<PolicyRule>,
}

fn one() -> u32 {
    1
}

/// One GitHub Actions rule. `repository` must match exactly; every other list, when not
/// empty, must hold the caller's value — claim lists as `fnmatch` globs, products, contexts
/// and actions exactly.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PolicyRule {
    pub repository: String,
    pub workflow_refs: Vec<String>,
    pub job_workflow_refs: Vec<String>,
    pub event_names: Vec<String>,
    pub refs: Vec<String>,
    pub environments: Vec<String>,
    pub products: Vec<String>,
    pub contexts: Vec<String>,
    pub actions: Vec<String>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            schema_version: 1,
            github_actions: Vec::new(),
        }
    }
}

impl Policy {
    pub(crate) fn allows(&self, caller: &Caller, action: &str, product: &str, context: &str) -> bool {
        self.github_actions
            .iter()
            .any(|rule| rule.allows(caller, action, product, context))
    }
}

impl PolicyRule {
    /// A rule that allows the repository everything.
    pub fn for_repository(repository: &str) -> Self {
        PolicyRule {
            repository: repository.to_owned(),
            ..PolicyRule::default()
        }
    }

    pub(crate) fn allows(&self, caller: &Caller, action: &str, product: &str, context: &str) -> bool {
        let globs = |patterns: &[String], value: &str| {
            patterns.is_empty() || patterns.iter().any(|pattern| fnmatch(pattern, value.trim()))
        };
        let exact = |allowed: &[String], value: &str| allowed.is_empty() || allowed.iter().any(|a| a == value);
        self.repository.trim() == caller.repository
            && globs(&self.workflow_refs, &caller.workflow_ref)
            && globs(&self.job_workflow_refs, &caller.job_workflow_ref)
            && globs(&self.event_names, &caller.event_name)
            && globs(&self.refs, &caller.git_ref)
            && globs(&self.environments, &caller.environment)
            && exact(&self.products, product)
            && exact(&self.contexts, context)
            && exact(&self.actions, action)
    }
}

/// Python's `fnmatch.fnmatchcase`: `*`, `?`, `[seq]` and `[!seq]`; `*` crosses `/`.
pub(crate) fn fnmatch(pattern: &str, value: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let value: Vec<char> = value.chars().collect();
    matches_from(&pattern, &value)
}

fn matches_from(pattern: &[char], value: &[char]) -> bool {
    match pattern.first() {
        None => value.is_empty(),
        Some('*') => (0..=value.len()).any(|skip| matches_from(&pattern[1..], &value[skip..])),
        Some('?') => !value.is_empty() && matches_from(&pattern[1..], &value[1..]),
        Some('[') => match (class_end(pattern), value.first()) {
            (Some(end), Some(&c)) => {
                class_matches(&pattern[1..end], c) && matches_from(&pattern[end + 1..], &value[1..])
            }
            (Some(_), None) => false,
            // An unclosed `[` is a literal.
            (None, first) => first == Some(&'[') && matches_from(&pattern[1..], &value[1..]),
        },
        Some(&literal) => value.first() == Some(&literal) && matches_from(&pattern[1..], &value[1..]),
    }
}

/// Index of the `]` closing the class that opens at `pattern[0]`.
fn class_end(pattern: &[char]) -> Option<usize> {
    let mut index = 1;
    if pattern.get(index) == Some(&'!') {
        index += 1;
    }
    // A `]` right after the opening is a member, not the end.
    if pattern.get(index) == Some(&']') {
        index += 1;
    }
    pattern[index..]
        .iter()
        .position(|&c| c == ']')
        .map(|offset| index + offset)
}

fn class_matches(class: &[char], c: char) -> bool {
    let (negated, members) = match class.split_first() {
        Some(('!', rest)) => (true, rest),
        _ => (false, class),
    };
    let mut found = false;
    let mut index = 0;
    while index < members.len() {
        if index + 2 < members.len() && members[index + 1] == '-' {
            found |= members[index] <= c && c <= members[index + 2];
            index += 3;
        } else {
            found |= members[index] == c;
            index += 1;
        }
    }
    found != negated
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller() -> Caller {
        Caller {
            repository: "acme/site".into(),
            workflow_ref: "acme/site/.github/workflows/deploy.yml@refs/heads/main".into(),
            job_workflow_ref: "acme/ci/.github/workflows/reusable.yml@refs/tags/v1".into(),
            git_ref: "refs/heads/main".into(),
            event_name: "push".into(),
            environment: String::new(),
            subject: "repo:acme/site:ref:refs/heads/main".into(),
        }
    }

    #[test]
    fn fnmatch_behaves_like_python() {
        assert!(fnmatch(
            "acme/site/.github/workflows/*.yml@refs/heads/main",
            "acme/site/.github/workflows/a/b.yml@refs/heads/main"
        ));
        assert!(fnmatch("refs/heads/release-?", "refs/heads/release-1"));
        assert!(!fnmatch("refs/heads/release-?", "refs/heads/release-10"));
        assert!(fnmatch("refs/tags/v[0-9]*", "refs/tags/v2.1"));
        assert!(!fnmatch("refs/tags/v[!0-9]*", "refs/tags/v2.1"));
        assert!(fnmatch("a[]]b", "a]b"));
        assert!(fnmatch("a[b", "a[b"));
        assert!(!fnmatch("Push", "push"));
        assert!(fnmatch("", ""));
    }

    #[test]
    fn a_rule_needs_the_exact_repository_and_every_listed_selector() {
        let rule = PolicyRule {
            workflow_refs: vec!["acme/site/.github/workflows/*@refs/heads/main".into()],
            products: vec!["site".into()],
            contexts: vec!["site".into()],
            actions: vec!["generic_web_deploy.execute".into()],
            ..PolicyRule::for_repository("acme/site")
        };
        let c = caller();
        assert!(rule.allows(&c, "generic_web_deploy.execute", "site", "site"));
        assert!(!rule.allows(&c, "generic_web_prod_promotion.execute", "site", "site"));
        assert!(!rule.allows(&c, "generic_web_deploy.execute", "other", "site"));
        assert!(!rule.allows(&c, "generic_web_deploy.execute", "site", "other"));
        let other_repo = Caller {
            repository: "acme/site2".into(),
            ..caller()
        };
        assert!(!rule.allows(&other_repo, "generic_web_deploy.execute", "site", "site"));
        let feature_branch = Caller {
            workflow_ref: "acme/site/.github/workflows/deploy.yml@refs/heads/feature".into(),
            ..caller()
        };
        assert!(!rule.allows(&feature_branch, "generic_web_deploy.execute", "site", "site"));
    }

    #[test]
    fn claim_selectors_cover_environment_event_ref_and_job_workflow() {
        let c = caller();
        let with = |rule: PolicyRule| {
            Policy {
                schema_version: 1,
                github_actions: vec![rule],
            }
            .allows(&c, "a", "p", "x")
        };
        let base = || PolicyRule::for_repository("acme/site");
        assert!(with(base()));
        assert!(with(PolicyRule {
            event_names: vec!["push".into()],
            ..base()
        }));
        assert!(!with(PolicyRule {
            event_names: vec!["pull_request".into()],
            ..base()
        }));
        assert!(!with(PolicyRule {
            environments: vec!["prod".into()],
            ..base()
        }));
        assert!(with(PolicyRule {
            refs: vec!["refs/heads/*".into()],
            ..base()
        }));
        assert!(with(PolicyRule {
            job_workflow_refs: vec!["acme/ci/*@refs/tags/v1".into()],
            ..base()
        }));
        assert!(!with(PolicyRule {
            job_workflow_refs: vec!["acme/ci/*@refs/heads/main".into()],
            ..base()
        }));
        assert!(!Policy::default().allows(&c, "a", "p", "x"));
    }
}
