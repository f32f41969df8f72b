//! Rules on the refs a change may touch: how a forge's protected branches and tags refuse a
//! push, with the forge's own words, through git's own pre-receive path (the client sees
//! `remote: <message>` and `! [remote rejected] main -> main (pre-receive hook declined)`), and
//! the same rules evaluated in Rust for changes made through an API.
//!
//! A provider describes, for the caller at hand, one [`RefRule`] per protected pattern: what it
//! says about creating, updating, force-updating and deleting a matching ref. Several rules may
//! match a ref (`main` and `*`); they combine as the forges combine protections:
//! - create, update, delete: refused when some matching rule refuses and none allows (any rule
//!   granting access is enough), with the first refusal's message;
//! - a forced update (the old commit is not an ancestor of the new one): refused when any
//!   matching rule refuses it, before the update itself is considered.
//!
//! For pushes the rules travel to a small pre-receive hook (installed in each repository by
//! [`super::http::serve_http`]) through one environment variable; without it the hook accepts
//! everything, so repositories pushed to with no rules behave as before.
//!
//! What this module must not do: know a provider's access levels or wording (the rules carry
//! both), or match patterns other than `*` wildcards (git forbids `?`, `[` and `*` in ref
//! names, so a pattern's other characters are literal).

/// What one rule says about one kind of change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// This rule has no opinion.
    Abstain,
    /// Allowed by this rule, whatever other rules say (for create, update and delete).
    Allow,
    /// Refused with this message, unless another rule allows it.
    Refuse(String),
}

/// The rule of one protected pattern, for one caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefRule {
    /// A full ref name in which `*` matches any run of characters (`refs/heads/release/*`).
    pub pattern: String,
    pub create: Verdict,
    pub update: Verdict,
    /// A forced update; only `Refuse` has an effect.
    pub force: Verdict,
    pub delete: Verdict,
}

/// What a change does to a ref.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Create,
    Update { forced: bool },
    Delete,
}

/// The environment variable that carries the rules to the hook.
pub(super) const RULES_VARIABLE: &str = "SIMKIT_REF_RULES";

/// The pre-receive hook: reads `old new ref` lines and applies the rules in
/// `SIMKIT_REF_RULES` (one rule a line: pattern, create, update, force, delete, separated by
/// tabs; `-` abstains, `+` allows, `!message` refuses) exactly as [`check`] does.
pub(super) const PRE_RECEIVE_HOOK: &str = r#"#!/bin/sh
# Installed by simkit: applies the ref rules its server passed for this push (see
# simkit::git::rules). Without rules every update is accepted.
[ -n "$SIMKIT_REF_RULES" ] || exit 0
zero=0000000000000000000000000000000000000000
tab=$(printf '\t')
while read -r old new ref; do
  if [ "$old" = "$zero" ]; then kind=create
  elif [ "$new" = "$zero" ]; then kind=delete
  else kind=update
  fi
  forced=no
  if [ "$kind" = update ] && ! git merge-base --is-ancestor "$old" "$new" 2>/dev/null; then
    forced=yes
  fi
  allowed=no
  refusal=
  force_refusal=
  while IFS="$tab" read -r pattern create update force delete; do
    [ -n "$pattern" ] || continue
    case "$ref" in
      $pattern) ;;
      *) continue ;;
    esac
    case "$kind" in
      create) verdict=$create ;;
      update) verdict=$update ;;
      *) verdict=$delete ;;
    esac
    case "$verdict" in
      +) allowed=yes ;;
      !*) [ -n "$refusal" ] || refusal=${verdict#!} ;;
    esac
    if [ "$forced" = yes ] && [ -z "$force_refusal" ]; then
      case "$force" in
        !*) force_refusal=${force#!} ;;
      esac
    fi
  done <<EOF
$SIMKIT_REF_RULES
EOF
  if [ -n "$force_refusal" ]; then
    echo "$force_refusal" >&2
    exit 1
  fi
  if [ "$allowed" = no ] && [ -n "$refusal" ]; then
    echo "$refusal" >&2
    exit 1
  fi
done
exit 0
"#;

/// Whether `name` matches `pattern`, where `*` matches any run of characters.
pub fn matches(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || name.len() < first.len() + last.len() || !name.ends_with(last) {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(index) => rest = &rest[index + middle.len()..],
            None => return false,
        }
    }
    true
}

/// Applies `rules` to a change of `ref_name`: `Err(message)` when they refuse it.
pub fn check(rules: &[RefRule], ref_name: &str, change: Change) -> Result<(), String> {
    let matching: Vec<&RefRule> = rules
        .iter()
        .filter(|rule| matches(&rule.pattern, ref_name))
        .collect();
    if let Change::Update { forced: true } = change
        && let Some(message) = matching.iter().find_map(|rule| match &rule.force {
            Verdict::Refuse(message) => Some(message),
            _ => None,
        })
    {
        return Err(message.clone());
    }
    let verdict_of = |rule: &RefRule| match change {
        Change::Create => rule.create.clone(),
        Change::Update { .. } => rule.update.clone(),
        Change::Delete => rule.delete.clone(),
    };
    let verdicts: Vec<Verdict> = matching.iter().map(|rule| verdict_of(rule)).collect();
    if verdicts.contains(&Verdict::Allow) {
        return Ok(());
    }
    match verdicts.into_iter().find_map(|verdict| match verdict {
        Verdict::Refuse(message) => Some(message),
        _ => None,
    }) {
        Some(message) => Err(message),
        None => Ok(()),
    }
}

/// The rules as the hook reads them from its environment.
pub(super) fn encode(rules: &[RefRule]) -> String {
    fn field(verdict: &Verdict) -> String {
        match verdict {
            Verdict::Abstain => "-".to_owned(),
            Verdict::Allow => "+".to_owned(),
            // A tab or line break would end the field; the forges' messages have neither.
            Verdict::Refuse(message) => format!("!{}", message.replace(['\t', '\n', '\r'], " ")),
        }
    }
    rules
        .iter()
        .filter(|rule| !rule.pattern.contains(['\t', '\n', '\r']))
        .map(|rule| {
            [
                rule.pattern.clone(),
                field(&rule.create),
                field(&rule.update),
                field(&rule.force),
                field(&rule.delete),
            ]
            .join("\t")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(pattern: &str, update: Verdict, force: Verdict) -> RefRule {
        RefRule {
            pattern: pattern.into(),
            create: Verdict::Abstain,
            update,
            force,
            delete: Verdict::Refuse("no delete".into()),
        }
    }

    #[test]
    fn wildcards_match_across_slashes() {
        let cases = [
            ("refs/heads/main", "refs/heads/main", true),
            ("refs/heads/main", "refs/heads/mainline", false),
            ("refs/heads/release/*", "refs/heads/release/1.0", true),
            ("refs/heads/release/*", "refs/heads/release/a/b", true),
            ("refs/heads/release/*", "refs/heads/releases", false),
            ("refs/heads/*-stable", "refs/heads/1-0-stable", true),
            ("refs/heads/*-stable", "refs/heads/stable", false),
            ("refs/heads/*", "refs/tags/v1", false),
            ("refs/tags/v*.*", "refs/tags/v1.2", true),
            ("refs/tags/v*.*", "refs/tags/v12", false),
        ];
        for (pattern, name, expected) in cases {
            assert_eq!(matches(pattern, name), expected, "{pattern} ~ {name}");
        }
    }

    #[test]
    fn any_rule_granting_access_is_enough_but_force_needs_all() {
        let rules = [
            rule(
                "refs/heads/*",
                Verdict::Refuse("push refused".into()),
                Verdict::Abstain,
            ),
            rule(
                "refs/heads/main",
                Verdict::Allow,
                Verdict::Refuse("no force".into()),
            ),
        ];
        assert_eq!(
            check(&rules, "refs/heads/main", Change::Update { forced: false }),
            Ok(())
        );
        assert_eq!(
            check(&rules, "refs/heads/main", Change::Update { forced: true }),
            Err("no force".into())
        );
        assert_eq!(
            check(&rules, "refs/heads/dev", Change::Update { forced: false }),
            Err("push refused".into())
        );
        assert_eq!(
            check(&rules, "refs/heads/dev", Change::Delete),
            Err("no delete".into())
        );
        assert_eq!(check(&rules, "refs/tags/v1", Change::Delete), Ok(()));
        assert_eq!(check(&rules, "refs/heads/new", Change::Create), Ok(()));
    }

    #[test]
    fn encoding_keeps_one_rule_a_line() {
        let rules = [RefRule {
            pattern: "refs/heads/main".into(),
            create: Verdict::Allow,
            update: Verdict::Refuse("GitLab: a\tb".into()),
            force: Verdict::Abstain,
            delete: Verdict::Refuse("x\ny".into()),
        }];
        assert_eq!(encode(&rules), "refs/heads/main\t+\t!GitLab: a b\t-\t!x y");
    }
}
