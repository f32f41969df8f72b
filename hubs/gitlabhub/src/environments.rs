//! Environments and deployments at work: an environment is found or created for every job
//! with `environment:` when its pipeline is created (the name's variables expanded, the job
//! failed with `environment_creation_failure` when the result is no valid name); a job whose
//! action is `start` gets a deployment whose status follows the job's (`manual` shows as
//! `blocked`), and a successful deployment renews the environment (URL with the job's
//! variables and dotenv, `auto_stop_in`, tier) and starts it again. A `stop` job that succeeds
//! stops its environment; stopping through the API plays the `on_stop` job of the last
//! successful deployment and leaves the environment `stopping` until that job ends.
//!
//! What this module must not do: speak HTTP, or play jobs while holding the engine lock
//! (playing takes it).

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::ci::config::{ENVIRONMENT_NAME_MESSAGE, valid_environment_name};
use crate::ci::plan::expand;
use crate::error::{GitlabError, Result};
use crate::model::{Deployment, Environment, Job, Pipeline, Project, key};
use crate::state::{Gitlab, records_under};

pub fn environment_key(project_id: u64, environment_id: u64) -> String {
    format!("{}/{}", key(project_id), key(environment_id))
}

pub fn deployment_key(project_id: u64, deployment_id: u64) -> String {
    format!("{}/{}", key(project_id), key(deployment_id))
}

/// The slug GitLab derives from an environment's name: lower-case letters, digits and `-`,
/// starting with a letter, at most 24 characters; when it had to change the name (or
/// shorten it), a 6-character suffix from the name's SHA-256 keeps it unique.
pub fn environment_slug(name: &str) -> String {
    let mut slug: String = name
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                c
            } else {
                '-'
            }
        })
        .collect();
    if !slug.starts_with(|c: char| c.is_ascii_lowercase()) {
        slug = format!("env-{slug}");
    }
    let mut squeezed = String::with_capacity(slug.len());
    for c in slug.chars() {
        if !(c == '-' && squeezed.ends_with('-')) {
            squeezed.push(c);
        }
    }
    if squeezed.len() > 24 || squeezed != name {
        let mut short: String = squeezed.chars().take(17).collect();
        if !short.ends_with('-') {
            short.push('-');
        }
        short.push_str(&slug_suffix(name));
        short
    } else {
        squeezed.trim_end_matches('-').to_string()
    }
}

/// The last six base-36 digits of the name's SHA-256 read as one number.
fn slug_suffix(name: &str) -> String {
    const MODULUS: u64 = 36u64.pow(6);
    let hex_text = hex::encode(Sha256::digest(name.as_bytes()));
    let mut remainder: u64 = 0;
    for c in hex_text.chars() {
        let digit = u64::from(c.to_digit(16).unwrap_or(0));
        remainder = (remainder * 16 + digit) % MODULUS;
    }
    let alphabet = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut digits = Vec::new();
    let mut value = remainder;
    for _ in 0..6 {
        digits.push(alphabet[(value % 36) as usize] as char);
        value /= 36;
    }
    // A 256-bit number has far more than six base-36 digits, so the last six may begin
    // with zeros, which `last(6)` keeps.
    digits.iter().rev().collect()
}

/// The tier GitLab guesses from an environment's name when none is given.
pub fn guess_tier(name: &str) -> &'static str {
    let lower = name.to_lowercase();
    let matches =
        |pattern: &str| regex_lite::Regex::new(pattern).is_ok_and(|re| re.is_match(&lower));
    if matches("(dev|review|trunk)") {
        "development"
    } else if matches("(test|tst|int|ac(ce|)pt|qa|qc|control|quality)") {
        "testing"
    } else if matches("(st(a|)g|mod(e|)l|pre|demo|non)") {
        "staging"
    } else if matches("(pr(o|)d|live)") {
        "production"
    } else {
        "other"
    }
}

/// GitLab's validation of an environment's fields, every problem at once.
pub fn validate_environment(environment: &Environment, taken: bool) -> Result<()> {
    let mut problems = Vec::new();
    if environment.name.is_empty() {
        problems.push(("name".to_string(), "can't be blank".to_string()));
    }
    if taken {
        problems.push(("name".to_string(), "has already been taken".to_string()));
    }
    if environment.name.chars().count() > 255 {
        problems.push((
            "name".to_string(),
            "is too long (maximum is 255 characters)".to_string(),
        ));
    }
    if !valid_environment_name(&environment.name) {
        problems.push(("name".to_string(), ENVIRONMENT_NAME_MESSAGE.to_string()));
    }
    if taken {
        // The slug follows the name, so it is taken too.
        problems.push(("slug".to_string(), "has already been taken".to_string()));
    }
    if let Some(url) = &environment.external_url {
        if url.chars().count() > 255 {
            problems.push((
                "external_url".to_string(),
                "is too long (maximum is 255 characters)".to_string(),
            ));
        }
        let scheme = url
            .split_once(':')
            .map(|(scheme, _)| scheme.trim().to_ascii_lowercase());
        if let Some(scheme) = scheme
            && ["javascript", "data", "vbscript"].contains(&scheme.as_str())
        {
            problems.push((
                "external_url".to_string(),
                format!("{scheme} scheme is not allowed"),
            ));
        }
    }
    if environment
        .description
        .as_ref()
        .is_some_and(|text| text.chars().count() > 10_000)
    {
        problems.push((
            "description".to_string(),
            "is too long (maximum is 10000 characters)".to_string(),
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(GitlabError::Validation(problems))
    }
}

/// A deployment status change as GitLab's state machine allows it.
pub fn deployment_transition_allowed(from: &str, to: &str) -> bool {
    match to {
        "running" => matches!(from, "created" | "blocked"),
        "blocked" => from == "created",
        "created" => from == "skipped",
        "success" | "failed" | "canceled" | "skipped" => from != to,
        _ => false,
    }
}

/// The deployment status a job's status shows as, when it shows as one.
fn deployment_status_for(job_status: &str) -> Option<&'static str> {
    Some(match job_status {
        "created" => "created",
        "running" => "running",
        "success" => "success",
        "failed" => "failed",
        "canceled" => "canceled",
        "skipped" => "skipped",
        "manual" => "blocked",
        _ => return None,
    })
}

impl Gitlab {
    pub fn environment(&self, project_id: u64, environment_id: u64) -> Option<Environment> {
        self.db
            .environments
            .get(&environment_key(project_id, environment_id))
    }

    pub fn project_environments(&self, project_id: u64) -> Vec<Environment> {
        records_under(&self.db.environments, &format!("{}/", key(project_id)))
    }

    pub fn environment_by_name(&self, project_id: u64, name: &str) -> Option<Environment> {
        self.project_environments(project_id)
            .into_iter()
            .find(|environment| environment.name == name)
    }

    pub fn project_deployments(&self, project_id: u64) -> Vec<Deployment> {
        records_under(&self.db.deployments, &format!("{}/", key(project_id)))
    }

    /// The environment's last successful deployment (GitLab's `last_deployment`).
    pub fn last_deployment(&self, environment: &Environment) -> Option<Deployment> {
        self.project_deployments(environment.project_id)
            .into_iter()
            .filter(|d| d.environment_id == environment.id && d.status == "success")
            .max_by(|a, b| {
                a.finished_at
                    .cmp(&b.finished_at)
                    .then_with(|| a.id.cmp(&b.id))
            })
    }

    /// A new environment record (not stored), its slug and tier filled in.
    pub fn new_environment(&self, project_id: u64, name: &str, tier: Option<&str>) -> Environment {
        let now = self.now();
        Environment {
            id: 0,
            project_id,
            name: name.to_string(),
            slug: environment_slug(name),
            external_url: None,
            description: None,
            state: "available".into(),
            tier: tier.map_or_else(|| guess_tier(name).to_string(), str::to_string),
            created_at: now.clone(),
            updated_at: now,
            auto_stop_at: None,
            auto_stop_setting: "always".into(),
            last_stop_job_id: None,
        }
    }

    /// Validates and stores a new environment.
    pub fn insert_environment(&self, mut environment: Environment) -> Result<Environment> {
        let taken = self
            .environment_by_name(environment.project_id, &environment.name)
            .is_some();
        validate_environment(&environment, taken)?;
        environment.id = self.next_id("environments")?;
        self.db.environments.insert(
            &environment_key(environment.project_id, environment.id),
            environment.clone(),
        )?;
        Ok(environment)
    }

    /// When `auto_stop_in` (expanded) says the environment stops, counted from now.
    fn auto_stop_at(&self, auto_stop_in: &str) -> Option<String> {
        let seconds = crate::ci::config::duration_seconds(auto_stop_in)?;
        Some(crate::state::format_time(
            self.kit.clock().now() + std::time::Duration::from_secs(seconds),
        ))
    }

    /// Finds or creates the environments of a new pipeline's jobs (names expanded with each
    /// job's variables). A job whose name expands to no valid name fails at once.
    pub(crate) fn environments_for_new_jobs(
        &self,
        project: &Project,
        jobs: &mut [Job],
        predefined: &BTreeMap<String, String>,
        overrides: &BTreeMap<String, String>,
    ) -> Result<()> {
        for job in jobs.iter_mut() {
            let Some(spec) = job.spec.environment_options.clone() else {
                continue;
            };
            let variables = job_variables(predefined, overrides, job);
            let name = expand(&spec.name, &variables);
            let auto_stop_in = spec.auto_stop_in.as_ref().map(|t| expand(t, &variables));
            let environment = match self.environment_by_name(project.id, &name) {
                Some(existing) => {
                    let renewed_tier = spec
                        .deployment_tier
                        .clone()
                        .filter(|tier| *tier != existing.tier);
                    match renewed_tier {
                        Some(tier) => self
                            .db
                            .environments
                            .update(&environment_key(project.id, existing.id), |record| {
                                record.tier = tier;
                                record.clone()
                            })?
                            .unwrap_or(existing),
                        None => existing,
                    }
                }
                None => {
                    let mut environment =
                        self.new_environment(project.id, &name, spec.deployment_tier.as_deref());
                    environment.auto_stop_at = auto_stop_in
                        .as_deref()
                        .and_then(|text| self.auto_stop_at(text));
                    match self.insert_environment(environment) {
                        Ok(environment) => environment,
                        Err(GitlabError::Validation(_)) => {
                            job.status = "failed".into();
                            job.failure_reason = Some("environment_creation_failure".into());
                            job.finished_at = Some(self.now());
                            continue;
                        }
                        Err(other) => return Err(other),
                    }
                }
            };
            job.environment_id = Some(environment.id);
        }
        Ok(())
    }

    /// The `CI_ENVIRONMENT_*` variables of a job with `environment:`. The URL goes to the
    /// runner unexpanded (the runner expands it), as GitLab sends it.
    pub fn environment_variables(&self, job: &Job) -> Vec<(String, String)> {
        let (Some(spec), Some(environment)) = (
            &job.spec.environment_options,
            job.environment_id
                .and_then(|id| self.environment(job.project_id, id)),
        ) else {
            return Vec::new();
        };
        let mut out = vec![
            ("CI_ENVIRONMENT_NAME".to_string(), environment.name.clone()),
            ("CI_ENVIRONMENT_SLUG".to_string(), environment.slug.clone()),
            ("CI_ENVIRONMENT_ACTION".to_string(), spec.action.clone()),
            (
                "CI_ENVIRONMENT_TIER".to_string(),
                spec.deployment_tier
                    .clone()
                    .unwrap_or_else(|| environment.tier.clone()),
            ),
        ];
        if let Some(url) = spec.url.clone().or(environment.external_url.clone()) {
            out.push(("CI_ENVIRONMENT_URL".to_string(), url));
        }
        out
    }

    /// Brings the deployments and environments of a pipeline's jobs up to date with the
    /// jobs' statuses. Runs under the engine lock, after every change to jobs.
    pub(crate) fn sync_environments_locked(&self, pipeline_id: u64) -> Result<()> {
        let jobs: Vec<Job> = self
            .pipeline_jobs(pipeline_id)
            .into_iter()
            .filter(|job| !job.retried && job.environment_id.is_some())
            .collect();
        if jobs.is_empty() {
            return Ok(());
        }
        let Some(pipeline) = self.pipeline(pipeline_id) else {
            return Ok(());
        };
        let deployments = self.project_deployments(pipeline.project_id);
        for job in jobs {
            let (Some(spec), Some(environment_id)) =
                (&job.spec.environment_options, job.environment_id)
            else {
                continue;
            };
            match spec.action.as_str() {
                "start" => {
                    let existing = deployments
                        .iter()
                        .find(|d| d.deployable_id == Some(job.id))
                        .cloned();
                    let deployment = match existing {
                        Some(deployment) => deployment,
                        None => self.create_job_deployment(&pipeline, &job, environment_id)?,
                    };
                    let Some(wanted) = deployment_status_for(&job.status) else {
                        continue;
                    };
                    if deployment.status != wanted
                        && deployment_transition_allowed(&deployment.status, wanted)
                    {
                        let updated = self.set_deployment_status(&deployment, wanted)?;
                        if wanted == "success" {
                            self.deployment_succeeded(&updated, Some(&job))?;
                        }
                    }
                }
                "stop" => self.follow_stop_job(&job, environment_id)?,
                _ => {}
            }
        }
        Ok(())
    }

    fn create_job_deployment(
        &self,
        pipeline: &Pipeline,
        job: &Job,
        environment_id: u64,
    ) -> Result<Deployment> {
        let now = self.now();
        let deployment = Deployment {
            id: self.next_id("deployments")?,
            iid: self.next_id(&format!("deployment_iids/{}", pipeline.project_id))?,
            project_id: pipeline.project_id,
            environment_id,
            git_ref: pipeline.git_ref.clone(),
            sha: pipeline.sha.clone(),
            tag: pipeline.tag,
            status: "created".into(),
            user_id: job.user_id,
            created_at: now.clone(),
            updated_at: now,
            finished_at: None,
            deployable_id: Some(job.id),
            on_stop: job
                .spec
                .environment_options
                .as_ref()
                .and_then(|spec| spec.on_stop.clone()),
        };
        self.db.deployments.insert(
            &deployment_key(deployment.project_id, deployment.id),
            deployment.clone(),
        )?;
        Ok(deployment)
    }

    /// Moves a deployment to `status` (the caller checked the transition).
    pub fn set_deployment_status(
        &self,
        deployment: &Deployment,
        status: &str,
    ) -> Result<Deployment> {
        let now = self.now();
        self.db
            .deployments
            .update(
                &deployment_key(deployment.project_id, deployment.id),
                |record| {
                    record.status = status.to_string();
                    record.updated_at = now.clone();
                    if matches!(status, "success" | "failed" | "canceled") {
                        record.finished_at = Some(now.clone());
                    }
                    record.clone()
                },
            )?
            .ok_or_else(|| GitlabError::not_found("Deployment"))
            .inspect(|updated| self.deployment_hooks(updated))
    }

    /// A successful deployment renews its environment (GitLab's `UpdateEnvironmentService`):
    /// the URL expanded with the job's variables (its own dotenv report included), the
    /// `auto_stop_in` and tier the job gives, and the environment is available again.
    pub fn deployment_succeeded(&self, deployment: &Deployment, job: Option<&Job>) -> Result<()> {
        let spec = job.and_then(|job| job.spec.environment_options.clone());
        let variables = match job {
            Some(job) => self.job_expansion_variables(job),
            None => BTreeMap::new(),
        };
        let url = spec
            .as_ref()
            .and_then(|spec| spec.url.as_ref())
            .map(|url| expand(url, &variables));
        let auto_stop = spec
            .as_ref()
            .and_then(|spec| spec.auto_stop_in.as_ref())
            .map(|text| expand(text, &variables));
        let auto_stop_at = auto_stop.as_deref().map(|text| self.auto_stop_at(text));
        let tier = spec.and_then(|spec| spec.deployment_tier);
        let now = self.now();
        self.db.environments.update(
            &environment_key(deployment.project_id, deployment.environment_id),
            |environment| {
                if let Some(url) = &url {
                    environment.external_url = Some(url.clone());
                }
                if let Some(at) = &auto_stop_at {
                    environment.auto_stop_at = at.clone();
                }
                if let Some(tier) = &tier {
                    environment.tier = tier.clone();
                }
                environment.state = "available".into();
                environment.updated_at = now.clone();
            },
        )?;
        Ok(())
    }

    /// The variables a job's environment URL expands with: the pipeline's and the job's,
    /// its `CI_ENVIRONMENT_*` and its own dotenv report.
    fn job_expansion_variables(&self, job: &Job) -> BTreeMap<String, String> {
        let mut variables = BTreeMap::new();
        if let (Some(project), Some(pipeline)) =
            (self.project(job.project_id), self.pipeline(job.pipeline_id))
        {
            variables.extend(self.predefined_variables(&project, &pipeline, Some(job)));
            variables.extend(job.spec.variables.iter().cloned());
            for variable in self.inherited_variables(&project) {
                variables.insert(variable.key, variable.value);
            }
            for variable in &pipeline.variables {
                variables.insert(variable.key.clone(), variable.value.clone());
            }
        }
        variables.extend(job.dotenv.iter().cloned());
        variables
    }

    /// A `stop` job's end: success stops the environment, failure of a job that was
    /// stopping it makes it available again. Each stop job is followed once.
    fn follow_stop_job(&self, job: &Job, environment_id: u64) -> Result<()> {
        if !matches!(job.status.as_str(), "success" | "failed" | "canceled") {
            return Ok(());
        }
        let now = self.now();
        self.db.environments.update(
            &environment_key(job.project_id, environment_id),
            |environment| {
                if environment
                    .last_stop_job_id
                    .is_some_and(|seen| seen >= job.id)
                {
                    return;
                }
                environment.last_stop_job_id = Some(job.id);
                if job.status == "success" {
                    if environment.state != "stopped" {
                        environment.state = "stopped".into();
                        environment.auto_stop_at = None;
                        environment.updated_at = now.clone();
                    }
                } else if environment.state == "stopping" {
                    environment.state = "available".into();
                    environment.updated_at = now.clone();
                }
            },
        )?;
        Ok(())
    }

    /// The stop jobs of an environment: the `on_stop` jobs of its last successful
    /// deployment's pipeline.
    fn stop_actions(&self, environment: &Environment) -> Vec<Job> {
        let Some(deployment) = self.last_deployment(environment) else {
            return Vec::new();
        };
        let (Some(on_stop), Some(deployable)) = (
            deployment.on_stop.clone(),
            deployment.deployable_id.and_then(|id| self.job(id)),
        ) else {
            return Vec::new();
        };
        self.pipeline_jobs(deployable.pipeline_id)
            .into_iter()
            .filter(|job| job.name == on_stop && !job.retried)
            .collect()
    }

    /// Stops an environment (`POST .../stop`): with `force`, at once; otherwise its stop jobs
    /// run and it is `stopping` until they end, or, with none and `auto_stop_setting`
    /// `always`, it is stopped at once.
    pub fn stop_environment(&self, environment: &Environment, force: bool) -> Result<Environment> {
        let key = environment_key(environment.project_id, environment.id);
        let now = self.now();
        if force {
            return self
                .db
                .environments
                .update(&key, |record| {
                    record.state = "stopped".into();
                    record.auto_stop_at = None;
                    record.updated_at = now.clone();
                    record.clone()
                })?
                .ok_or_else(|| GitlabError::not_found("Environment"));
        }
        if environment.state != "available" {
            return Ok(environment.clone());
        }
        let actions = self.stop_actions(environment);
        if !actions.is_empty() || environment.auto_stop_setting == "always" {
            let wait = !actions.is_empty();
            self.db.environments.update(&key, |record| {
                record.state = if wait { "stopping" } else { "stopped" }.into();
                // Only a stopped environment forgets when it would have stopped itself.
                if !wait {
                    record.auto_stop_at = None;
                }
                record.updated_at = now.clone();
            })?;
        }
        for action in actions {
            let played = match action.status.as_str() {
                "manual" | "scheduled" => self.play_job(&action).map(|_| ()),
                "success" | "failed" | "canceled" => self.retry_job(&action).map(|_| ()),
                _ => Ok(()),
            };
            if let Err(error) = played {
                tracing::debug!(job = action.id, %error, "stop action not played");
            }
        }
        self.environment(environment.project_id, environment.id)
            .ok_or_else(|| GitlabError::not_found("Environment"))
    }

    /// `stop_stale`: stops every available environment last changed before `before` with no
    /// deployment changed since.
    pub fn stop_stale_environments(&self, project_id: u64, before: &str) -> Result<()> {
        let deployments = self.project_deployments(project_id);
        for environment in self.project_environments(project_id) {
            if environment.state != "available" || environment.updated_at.as_str() >= before {
                continue;
            }
            let recent = deployments.iter().any(|deployment| {
                deployment.environment_id == environment.id
                    && deployment.updated_at.as_str() >= before
            });
            if !recent {
                self.stop_environment(&environment, false)?;
            }
        }
        Ok(())
    }
}

/// A job's variables for expanding its environment's name, in GitLab's precedence: the
/// predefined ones (with the job's name and stage), then the job's configuration variables
/// (each value expanded once), then project, group and pipeline variables (`overrides`).
fn job_variables(
    predefined: &BTreeMap<String, String>,
    overrides: &BTreeMap<String, String>,
    job: &Job,
) -> BTreeMap<String, String> {
    let mut variables = predefined.clone();
    variables.insert("CI_JOB_NAME".into(), job.name.clone());
    variables.insert("CI_JOB_NAME_SLUG".into(), crate::engine::slug(&job.name));
    variables.insert("CI_JOB_STAGE".into(), job.stage.clone());
    variables.extend(overrides.clone());
    let own: Vec<(String, String)> = job
        .spec
        .variables
        .iter()
        .map(|(name, value)| (name.clone(), expand(value, &variables)))
        .collect();
    for (name, value) in own {
        if !overrides.contains_key(&name) {
            variables.insert(name, value);
        }
    }
    variables
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_as_gitlab_makes_them() {
        assert_eq!(environment_slug("production"), "production");
        // The suffix pinned by computing Ruby's `hexdigest.to_i(16).to_s(36).last(6)` apart.
        assert_eq!(environment_slug("review/fix-foo"), "review-fix-foo-v25cyx");
        assert_eq!(environment_slug("staging-1"), "staging-1");
        // Changed names get the name's suffix.
        let review = environment_slug("review/fix-foo");
        assert!(review.starts_with("review-fix-foo-"), "{review}");
        assert_eq!(review.len(), "review-fix-foo-".len() + 6);
        let long = environment_slug("a-very-long-environment-name-indeed");
        assert!(long.len() <= 24, "{long}");
        assert!(long.starts_with("a-very-long-envir-"), "{long}");
        assert!(environment_slug("1st").starts_with("env-1st-"));
        assert!(environment_slug("Prod").starts_with("prod-"));
        for name in ["review/fix-foo", "1st", "Prod", "x y z"] {
            let slug = environment_slug(name);
            assert!(
                regex_lite::Regex::new("^[a-z]([a-z0-9-]*[a-z0-9])?$")
                    .expect("regex")
                    .is_match(&slug),
                "{name} -> {slug}"
            );
        }
    }

    #[test]
    fn tiers_guessed_from_names() {
        for (name, tier) in [
            ("review/fix", "development"),
            ("dev", "development"),
            ("qa", "testing"),
            ("integration", "testing"),
            ("staging", "staging"),
            ("preprod", "staging"),
            ("production", "production"),
            ("live", "production"),
            ("somewhere", "other"),
        ] {
            assert_eq!(guess_tier(name), tier, "{name}");
        }
    }

    #[test]
    fn deployment_transitions() {
        assert!(deployment_transition_allowed("created", "running"));
        assert!(deployment_transition_allowed("blocked", "running"));
        assert!(!deployment_transition_allowed("success", "running"));
        assert!(deployment_transition_allowed("running", "success"));
        assert!(!deployment_transition_allowed("success", "success"));
        assert!(deployment_transition_allowed("success", "failed"));
        assert!(deployment_transition_allowed("created", "blocked"));
        assert!(!deployment_transition_allowed("running", "blocked"));
    }
}
