//! `include:` as GitLab's external-file mapper reads it: each entry's location (`local`, with
//! `*`/`**` wildcards; `project` with `ref` and file lists; `component`, read from the
//! component's project at its version; `remote` and `template`, which answer GitLab's
//! errors), its `rules` (`if`, `exists`, `changes`, `when`)
//! deciding whether it is included, and its `inputs` filling the included file's `spec:
//! inputs:` header; included files merged under the file that includes them, nested includes
//! read from the place of the file that holds them, at most `MAX_INCLUDES` in all.
//!
//! What this module must not do: read files itself (everything comes through `Sources`).

use serde_yaml::{Mapping, Value};

use super::{
    ConfigError, MAX_INCLUDES, Place, Rule, Sources, deep_merge, fail, key_str, load_interpolated,
    scalar_text, string_list,
};

/// One entry of `include:`, as GitLab's mapper reads it.
enum Include {
    Local(String),
    Project {
        project: String,
        git_ref: Option<String>,
        files: Vec<String>,
    },
    Remote(String),
    Template(String),
    Component(String),
}

/// An `include:` entry with its options: `rules` decide whether it is included at all, and
/// `inputs` fill the included file's `spec: inputs:`.
struct IncludeEntry {
    include: Include,
    rules: Option<Vec<Rule>>,
    inputs: Mapping,
}

fn include_entry(entry: &Value) -> Result<IncludeEntry, ConfigError> {
    let (rules, inputs) = match entry {
        Value::Mapping(map) => {
            let rules = map.get("rules").map(include_rules).transpose()?;
            let inputs = match map.get("inputs") {
                None | Some(Value::Null) => Mapping::new(),
                Some(Value::Mapping(inputs)) => inputs.clone(),
                Some(_) => return fail("include config inputs should be a hash"),
            };
            (rules, inputs)
        }
        _ => (None, Mapping::new()),
    };
    Ok(IncludeEntry {
        include: include_location(entry)?,
        rules,
        inputs,
    })
}

/// `include: rules:` as GitLab's `Entry::Include::Rules` checks them: `if`, `exists`,
/// `changes` and `when` (`never` or `always`).
fn include_rules(value: &Value) -> Result<Vec<Rule>, ConfigError> {
    let Value::Sequence(items) = value else {
        return fail("include:rules config should be an array");
    };
    let mut out = Vec::new();
    for item in items {
        let Value::Mapping(map) = item else {
            return fail("include:rule config should be a hash");
        };
        let unknown: Vec<&str> = map
            .keys()
            .filter_map(key_str)
            .filter(|key| !["if", "exists", "when", "changes"].contains(key))
            .collect();
        if !unknown.is_empty() {
            return fail(format!(
                "include:rule config contains unknown keys: {}",
                unknown.join(", ")
            ));
        }
        let if_expr = match map.get("if") {
            None | Some(Value::Null) => None,
            Some(Value::String(expression)) => {
                if crate::ci::expr::evaluate(expression, &std::collections::BTreeMap::new())
                    .is_err()
                {
                    return fail("include:rule if invalid expression syntax");
                }
                Some(expression.clone())
            }
            Some(_) => return fail("include:rule if invalid expression syntax"),
        };
        let when = match map.get("when") {
            None | Some(Value::Null) => None,
            Some(Value::String(when)) if when == "never" || when == "always" => Some(when.clone()),
            Some(other) => {
                return fail(format!(
                    "include:rule when unknown value: {}",
                    scalar_text(other).unwrap_or_default()
                ));
            }
        };
        let paths = |key: &str| -> Result<Option<Vec<String>>, ConfigError> {
            match map.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Mapping(inner)) => inner
                    .get("paths")
                    .map(|paths| string_list(paths, &format!("include:rule:{key}")))
                    .transpose(),
                Some(other) => string_list(other, &format!("include:rule:{key}")).map(Some),
            }
        };
        out.push(Rule {
            if_expr,
            changes: paths("changes")?,
            exists: paths("exists")?,
            when,
            allow_failure: None,
            variables: Vec::new(),
        });
    }
    Ok(out)
}

/// Whether an include's `rules` let it in: the first rule that matches decides (`when:
/// never` keeps it out); no rule matching keeps it out; no rules at all let it in.
fn include_passes(rules: &[Rule], sources: &dyn Sources, place: &Place) -> bool {
    let variables = sources.variables();
    let matching = rules.iter().find(|rule| {
        if let Some(condition) = &rule.if_expr
            && !crate::ci::expr::evaluate(condition, &variables).unwrap_or(false)
        {
            return false;
        }
        if let Some(patterns) = &rule.exists {
            let files = sources.files(place);
            let found = patterns.iter().any(|pattern| {
                let pattern = crate::ci::plan::expand(pattern, &variables);
                files
                    .iter()
                    .any(|file| crate::ci::plan::glob_match(&pattern, file))
            });
            if !found {
                return false;
            }
        }
        if let Some(patterns) = &rule.changes
            && let Some(changed) = sources.changed_files()
        {
            let touched = patterns.iter().any(|pattern| {
                let pattern = crate::ci::plan::expand(pattern, &variables);
                changed
                    .iter()
                    .any(|file| crate::ci::plan::glob_match(&pattern, file))
            });
            if !touched {
                return false;
            }
        }
        true
    });
    matching.is_some_and(|rule| rule.when.as_deref() != Some("never"))
}

fn include_location(entry: &Value) -> Result<Include, ConfigError> {
    let text = |value: Option<&Value>, what: &str| -> Result<String, ConfigError> {
        match value {
            Some(Value::String(text)) => Ok(text.clone()),
            _ => fail(format!("Included file `{what}` needs to be a string")),
        }
    };
    let map = match entry {
        // A bare string is a remote URL when it looks like one, a local path otherwise.
        Value::String(path) if path.starts_with("http://") || path.starts_with("https://") => {
            return Ok(Include::Remote(path.clone()));
        }
        Value::String(path) => return Ok(Include::Local(path.clone())),
        Value::Mapping(map) => map,
        _ => return fail("Included file is invalid"),
    };
    for key in map.keys().filter_map(key_str) {
        if ![
            "local",
            "project",
            "ref",
            "file",
            "remote",
            "template",
            "component",
            "rules",
            "inputs",
        ]
        .contains(&key)
        {
            // `cache:` and `integrity:` belong to remote includes, which this hub cannot
            // fetch; refusing them is better than pretending.
            return fail(format!(
                "Included file option `{key}` is not supported by this GitLab fake"
            ));
        }
    }
    if let Some(value) = map.get("local") {
        return Ok(Include::Local(text(Some(value), "local")?));
    }
    if let Some(value) = map.get("project") {
        let project = text(Some(value), "project")?;
        let files = match map.get("file") {
            Some(value @ (Value::String(_) | Value::Sequence(_))) => {
                string_list(value, "include:file")?
            }
            _ => {
                return fail(format!(
                    "Included file `{project}` needs to be a string or an array of strings"
                ));
            }
        };
        let git_ref = map
            .get("ref")
            .map(|value| text(Some(value), "ref"))
            .transpose()?;
        return Ok(Include::Project {
            project,
            git_ref,
            files,
        });
    }
    if let Some(value) = map.get("remote") {
        return Ok(Include::Remote(text(Some(value), "remote")?));
    }
    if let Some(value) = map.get("template") {
        return Ok(Include::Template(text(Some(value), "template")?));
    }
    if let Some(value) = map.get("component") {
        return Ok(Include::Component(text(Some(value), "component")?));
    }
    fail(format!(
        "Included file `{}` does not have a valid location!",
        serde_yaml::to_string(entry).unwrap_or_default().trim()
    ))
}

/// Where a component's address leads (`Ci::Components::FetchService` with its `InstancePath`):
/// `<CI_SERVER_FQDN>/<project path>/<name>@<version>`, read from the project at the version as
/// `templates/<name>.yml` or `templates/<name>/template.yml`. There is no CI/CD catalog here,
/// so `~latest` is refused as GitLab refuses it for projects that are not catalog resources.
fn component_place(
    address: &str,
    sources: &dyn Sources,
) -> Result<(Place, Vec<String>), ConfigError> {
    let prefix = sources
        .variables()
        .get("CI_SERVER_FQDN")
        .map(|fqdn| format!("{fqdn}/"));
    let rest = prefix
        .as_deref()
        .and_then(|prefix| address.strip_prefix(prefix))
        .filter(|_| address.contains('@'));
    let Some((path, version)) = rest.and_then(|rest| rest.split_once('@')) else {
        return fail(format!(
            "Component '{address}' - the component path is not supported"
        ));
    };
    let not_found = || fail(format!("Component '{address}' - content not found"));
    let Some((project, name)) = path.rsplit_once('/') else {
        return not_found();
    };
    if version == "~latest" {
        return fail(format!(
            "Component '{address}' - The ~latest version reference is not supported for non-catalog resources. Use a tag, branch, or commit SHA instead."
        ));
    }
    match sources.component_project(project, version) {
        super::ComponentProject::Found(place) => Ok((
            place,
            vec![
                format!("templates/{name}.yml"),
                format!("templates/{name}/template.yml"),
            ],
        )),
        super::ComponentProject::Missing => not_found(),
        super::ComponentProject::Denied => fail(format!(
            "Component '{address}' - project does not exist or you don't have sufficient permissions"
        )),
    }
}

fn has_yaml_extension(path: &str) -> bool {
    path.ends_with(".yml") || path.ends_with(".yaml")
}

/// Loads one included file (its header filled with `inputs`) and resolves its own includes
/// from `place`.
fn include_file(
    text: &str,
    sources: &dyn Sources,
    place: &Place,
    included: &mut usize,
    inputs: &Mapping,
    location: &str,
) -> Result<Mapping, ConfigError> {
    let mut document = load_interpolated(text, inputs, Some(location), &sources.variables())?;
    resolve_includes(&mut document, sources, place, included)?;
    Ok(document)
}

pub(super) fn resolve_includes(
    document: &mut Mapping,
    sources: &dyn Sources,
    place: &Place,
    included: &mut usize,
) -> Result<(), ConfigError> {
    let Some(include) = document.remove("include") else {
        return Ok(());
    };
    let entries: Vec<Value> = match include {
        Value::Sequence(items) => items,
        other => vec![other],
    };
    let mut merged = Value::Mapping(Mapping::new());
    let count = |included: &mut usize| -> Result<(), ConfigError> {
        *included += 1;
        if *included > MAX_INCLUDES {
            return fail(format!(
                "Maximum of {MAX_INCLUDES} nested includes are allowed!"
            ));
        }
        Ok(())
    };
    for entry in entries {
        let IncludeEntry {
            include,
            rules,
            inputs,
        } = include_entry(&entry)?;
        if let Some(rules) = &rules
            && !include_passes(rules, sources, place)
        {
            continue;
        }
        match include {
            Include::Local(path) => {
                let relative = path.trim_start_matches('/');
                if !has_yaml_extension(relative) {
                    count(included)?;
                    return fail(format!(
                        "Included file `{relative}` does not have YAML extension!"
                    ));
                }
                // A wildcard includes every matching file, in path order; none is no error.
                let paths: Vec<String> = if relative.contains('*') {
                    let mut matched: Vec<String> = sources
                        .files(place)
                        .into_iter()
                        .filter(|file| crate::ci::plan::glob_match(relative, file))
                        .collect();
                    matched.sort();
                    matched
                } else {
                    vec![relative.to_string()]
                };
                for relative in paths {
                    count(included)?;
                    let text = sources.local(place, &relative).ok_or_else(|| {
                        ConfigError(format!("Local file `{relative}` does not exist!"))
                    })?;
                    if text.trim().is_empty() {
                        return fail(format!("Local file `{relative}` is empty!"));
                    }
                    let document =
                        include_file(&text, sources, place, included, &inputs, &relative)?;
                    deep_merge(&mut merged, &Value::Mapping(document));
                }
            }
            Include::Project {
                project,
                git_ref,
                files,
            } => {
                let target = sources.project(&project, git_ref.as_deref())?;
                for file in files {
                    count(included)?;
                    let relative = file.trim_start_matches('/').to_string();
                    if !has_yaml_extension(&relative) {
                        return fail(format!(
                            "Included file `{relative}` does not have YAML extension!"
                        ));
                    }
                    let text = sources.local(&target, &relative).ok_or_else(|| {
                        ConfigError(format!(
                            "Project `{project}` file `{relative}` does not exist!"
                        ))
                    })?;
                    if text.trim().is_empty() {
                        return fail(format!("Project `{project}` file `{relative}` is empty!"));
                    }
                    let document =
                        include_file(&text, sources, &target, included, &inputs, &relative)?;
                    deep_merge(&mut merged, &Value::Mapping(document));
                }
            }
            Include::Remote(url) => {
                count(included)?;
                let valid = url
                    .strip_prefix("https://")
                    .or_else(|| url.strip_prefix("http://"))
                    .and_then(|rest| rest.split(['/', '?', '#']).next())
                    .is_some_and(|host| !host.is_empty())
                    && !url.contains(char::is_whitespace);
                if !valid {
                    return fail(format!(
                        "Remote file `{url}` does not have a valid address!"
                    ));
                }
                // The hub reaches no network: GitLab's answer when the host cannot be reached.
                return fail(format!(
                    "Remote file `{url}` could not be fetched because of a socket error!"
                ));
            }
            Include::Template(name) => {
                count(included)?;
                if !name.ends_with(".gitlab-ci.yml") {
                    return fail(format!("Template file `{name}` is not a valid location!"));
                }
                // No templates are shipped: GitLab's answer for a template it does not have.
                return fail(format!(
                    "Included file `{name}` is empty or does not exist!"
                ));
            }
            Include::Component(address) => {
                count(included)?;
                let address = crate::ci::plan::expand(&address, &sources.variables());
                let (place, candidates) = component_place(&address, sources)?;
                let found = candidates
                    .into_iter()
                    .find_map(|path| sources.local(&place, &path).map(|text| (path, text)));
                let Some((path, text)) = found else {
                    return fail(format!("Component '{address}' - content not found"));
                };
                let document = include_file(&text, sources, &place, included, &inputs, &path)?;
                deep_merge(&mut merged, &Value::Mapping(document));
            }
        }
    }
    // The including file wins over what it includes.
    deep_merge(&mut merged, &Value::Mapping(std::mem::take(document)));
    if let Value::Mapping(map) = merged {
        *document = map;
    }
    Ok(())
}
