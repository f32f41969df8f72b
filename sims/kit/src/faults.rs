//! Injected faults: errors, throttles, outages and latency for chosen operations, registered
//! through `/_sockerless/faults` and consulted by each simulator's dispatcher before it calls a
//! handler. The kit only decides *whether* a fault fires; each provider renders it in its own
//! shape (`ThrottlingException` for AWS json services, `Throttling` for query, `RESOURCE_EXHAUSTED`
//! for Google, `TooManyRequests` for Azure).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::ids::IdGen;

/// What a fault does when it fires.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultAction {
    /// Answer with this error code and HTTP status, in the provider's error shape.
    Error {
        status: u16,
        code: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
    /// Answer with the provider's throttling error.
    Throttle,
    /// Answer with the provider's service-unavailable error.
    Unavailable,
    /// Delay the answer; the request then proceeds (or meets another fault).
    Latency { millis: u64 },
}

/// A registered fault.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    /// Assigned on registration.
    #[serde(default)]
    pub id: String,
    /// The service it applies to (`ecs`, `logs`, `storage`), or every service.
    #[serde(default)]
    pub service: Option<String>,
    /// The operation it applies to (`RunTask`), or every operation.
    #[serde(default)]
    pub operation: Option<String>,
    #[serde(flatten)]
    pub action: FaultAction,
    /// How many more times it fires; unlimited when absent.
    #[serde(default)]
    pub count: Option<u64>,
    /// The chance it fires on a matching request, from 0 to 1; always when absent.
    #[serde(default)]
    pub probability: Option<f64>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FaultError {
    #[error("probability must be between 0 and 1, got {0}")]
    Probability(f64),
    #[error("status must be an HTTP error status (400-599), got {0}")]
    Status(u16),
    #[error("an error fault needs a non-empty code")]
    EmptyCode,
    #[error("count must be at least 1")]
    ZeroCount,
}

/// What the faults decided for one request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Injected {
    /// Wait this long before answering.
    pub latency: Option<Duration>,
    /// Answer with this instead of calling the handler.
    pub failure: Option<FaultAction>,
}

/// The registry of faults.
pub struct Faults {
    rules: Mutex<Vec<FaultRule>>,
    ids: Arc<dyn IdGen>,
}

impl std::fmt::Debug for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Faults")
            .field("rules", &self.list())
            .finish()
    }
}

impl Faults {
    pub fn new(ids: Arc<dyn IdGen>) -> Self {
        Self {
            rules: Mutex::new(Vec::new()),
            ids,
        }
    }

    fn rules(&self) -> std::sync::MutexGuard<'_, Vec<FaultRule>> {
        self.rules.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers `rule`, returning it with its assigned ID.
    pub fn add(&self, mut rule: FaultRule) -> Result<FaultRule, FaultError> {
        if let Some(p) = rule.probability
            && !(0.0..=1.0).contains(&p)
        {
            return Err(FaultError::Probability(p));
        }
        if rule.count == Some(0) {
            return Err(FaultError::ZeroCount);
        }
        if let FaultAction::Error { status, code, .. } = &rule.action {
            if !(400..=599).contains(status) {
                return Err(FaultError::Status(*status));
            }
            if code.is_empty() {
                return Err(FaultError::EmptyCode);
            }
        }
        rule.id = format!("fault-{}", self.ids.hex(12));
        self.rules().push(rule.clone());
        Ok(rule)
    }

    pub fn list(&self) -> Vec<FaultRule> {
        self.rules().clone()
    }

    /// Removes one rule; `false` if no rule has that ID.
    pub fn remove(&self, id: &str) -> bool {
        let mut rules = self.rules();
        let before = rules.len();
        rules.retain(|rule| rule.id != id);
        rules.len() != before
    }

    pub fn clear(&self) {
        self.rules().clear();
    }

    /// Decides the faults for one request to `operation` of `service`. Names match without
    /// regard to case. Latencies add up; the first failure that fires wins.
    pub fn check(&self, service: &str, operation: &str) -> Injected {
        let mut injected = Injected::default();
        let mut rules = self.rules();
        if rules.is_empty() {
            return injected;
        }
        let matches = |wanted: &Option<String>, actual: &str| {
            wanted
                .as_deref()
                .is_none_or(|wanted| wanted.eq_ignore_ascii_case(actual))
        };
        for rule in rules.iter_mut() {
            if !matches(&rule.service, service) || !matches(&rule.operation, operation) {
                continue;
            }
            let is_failure = !matches!(rule.action, FaultAction::Latency { .. });
            if is_failure && injected.failure.is_some() {
                continue;
            }
            if let Some(p) = rule.probability
                && self.ids.unit_f64() >= p
            {
                continue;
            }
            if let Some(count) = &mut rule.count {
                *count -= 1;
            }
            match &rule.action {
                FaultAction::Latency { millis } => {
                    let total =
                        injected.latency.unwrap_or_default() + Duration::from_millis(*millis);
                    injected.latency = Some(total);
                }
                failure => injected.failure = Some(failure.clone()),
            }
        }
        rules.retain(|rule| rule.count != Some(0));
        injected
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::SequentialIds;

    fn faults() -> Faults {
        Faults::new(Arc::new(SequentialIds::new(1)))
    }

    fn rule(service: Option<&str>, operation: Option<&str>, action: FaultAction) -> FaultRule {
        FaultRule {
            id: String::new(),
            service: service.map(Into::into),
            operation: operation.map(Into::into),
            action,
            count: None,
            probability: None,
        }
    }

    #[test]
    fn counted_error_fires_that_many_times_then_goes() {
        let faults = faults();
        let mut error = rule(Some("ecs"), Some("RunTask"), FaultAction::Throttle);
        error.count = Some(2);
        faults.add(error).unwrap();
        assert_eq!(faults.check("ecs", "DescribeTasks"), Injected::default());
        assert_eq!(faults.check("logs", "RunTask"), Injected::default());
        assert_eq!(
            faults.check("ECS", "runtask").failure,
            Some(FaultAction::Throttle)
        );
        assert_eq!(
            faults.check("ecs", "RunTask").failure,
            Some(FaultAction::Throttle)
        );
        assert_eq!(faults.check("ecs", "RunTask"), Injected::default());
        assert!(faults.list().is_empty());
    }

    #[test]
    fn latency_adds_up_and_combines_with_an_error() {
        let faults = faults();
        faults
            .add(rule(None, None, FaultAction::Latency { millis: 30 }))
            .unwrap();
        faults
            .add(rule(Some("sts"), None, FaultAction::Latency { millis: 20 }))
            .unwrap();
        faults
            .add(rule(Some("sts"), None, FaultAction::Unavailable))
            .unwrap();
        let injected = faults.check("sts", "GetCallerIdentity");
        assert_eq!(injected.latency, Some(Duration::from_millis(50)));
        assert_eq!(injected.failure, Some(FaultAction::Unavailable));
    }

    #[test]
    fn probability_zero_never_fires_and_one_always_does() {
        let faults = faults();
        let mut never = rule(None, None, FaultAction::Throttle);
        never.probability = Some(0.0);
        faults.add(never).unwrap();
        assert!((0..100).all(|_| faults.check("a", "b").failure.is_none()));
        let mut always = rule(None, None, FaultAction::Unavailable);
        always.probability = Some(1.0);
        faults.add(always).unwrap();
        assert!((0..100).all(|_| faults.check("a", "b").failure == Some(FaultAction::Unavailable)));
    }

    #[test]
    fn invalid_rules_are_refused() {
        let faults = faults();
        let mut bad = rule(None, None, FaultAction::Throttle);
        bad.probability = Some(1.5);
        assert_eq!(faults.add(bad), Err(FaultError::Probability(1.5)));
        let error = FaultAction::Error {
            status: 200,
            code: "X".into(),
            message: None,
        };
        assert_eq!(
            faults.add(rule(None, None, error)),
            Err(FaultError::Status(200))
        );
        let error = FaultAction::Error {
            status: 400,
            code: String::new(),
            message: None,
        };
        assert_eq!(
            faults.add(rule(None, None, error)),
            Err(FaultError::EmptyCode)
        );
    }

    #[test]
    fn rules_parse_from_the_admin_json() {
        let rule: FaultRule = serde_json::from_str(
            r#"{"service":"logs","operation":"PutLogEvents","kind":"error","status":400,"code":"InvalidSequenceTokenException","count":1}"#,
        )
        .unwrap();
        assert_eq!(rule.count, Some(1));
        assert!(matches!(
            rule.action,
            FaultAction::Error { status: 400, .. }
        ));
        let added = faults().add(rule).unwrap();
        assert!(added.id.starts_with("fault-"));
        assert!(!faults().remove("nope"));
    }
}
