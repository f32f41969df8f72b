//! The services: typed handlers with AWS's semantics. A handler takes a [`Ctx`] (who is calling,
//! in which account and region) and a typed input, and returns a typed output or its service's
//! error. Handlers never see HTTP, never format JSON or XML, never spawn processes and never
//! read the clock except through the kit.
//!
//! Each service implements [`Service`] with the [`operations!`] table, which maps the model's
//! operation names to handlers; every other operation in the model answers `NotImplemented`.
//! State lives in `simkit` store collections keyed by `account/region/...` (IAM, being global,
//! by `account/...`).

pub mod ecs;
pub mod iam;
pub mod logs;
pub mod paging;
pub mod sts;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use sim_aws_shapes::normal::Dispatched;

use crate::error::AwsError;
use crate::model::Model;
use crate::protocol::shape::Validation;

/// Who is calling, and where.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub request_id: String,
    pub account_id: String,
    pub region: String,
    pub caller: Caller,
}

impl Ctx {
    /// The key prefix of this account and region's state: `123456789012/us-east-1/`.
    pub fn scope(&self) -> String {
        format!("{}/{}/", self.account_id, self.region)
    }

    /// `arn:aws:{service}:{region}:{account}:{resource}`.
    pub fn arn(&self, service: &str, resource: &str) -> String {
        format!(
            "arn:aws:{service}:{}:{}:{resource}",
            self.region, self.account_id
        )
    }
}

/// The principal behind a request's access key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Caller {
    pub access_key_id: String,
    pub account_id: String,
    pub arn: String,
    pub user_id: String,
    /// For temporary credentials: what the session carries (its role, session policies, tags,
    /// source identity). Absent for long-term keys.
    #[serde(default)]
    pub session: Option<sts::Session>,
}

impl Caller {
    /// The account's root user, which any key not issued by the simulator stands for.
    pub fn root(account_id: &str, access_key_id: &str) -> Self {
        Self {
            access_key_id: access_key_id.to_string(),
            account_id: account_id.to_string(),
            arn: format!("arn:aws:iam::{account_id}:root"),
            user_id: account_id.to_string(),
            session: None,
        }
    }
}

/// One AWS service.
#[async_trait::async_trait]
pub trait Service: Send + Sync + 'static {
    fn model(&self) -> &'static Model;

    /// How this service reports input that fails the model's constraints.
    fn validation(&self) -> Validation;

    /// How this service reports input of `operation` that fails the model's constraints: as
    /// [`Service::validation`] unless the service's operations differ (CloudWatch Logs' newer
    /// operations answer `ValidationException` where its older ones answer
    /// `InvalidParameterException`).
    fn validation_for(&self, operation: &str) -> Validation {
        let _ = operation;
        self.validation()
    }

    /// Calls `operation` with its decoded, validated input (normal form).
    async fn call(&self, ctx: &Ctx, operation: &str, input: Value) -> Result<Value, AwsError>;
}

/// The answer of a generated `dispatch`: its output, or the service's error as AWS renders it.
/// An input that does not convert means the shapes and the protocol disagree: our bug, logged.
pub fn dispatched<E: Into<AwsError>>(
    outcome: Result<Value, Dispatched<E>>,
) -> Result<Value, AwsError> {
    match outcome {
        Ok(output) => Ok(output),
        Err(Dispatched::Handler(error)) => Err(error.into()),
        Err(Dispatched::Input(error)) => {
            tracing::error!(%error, "validated input does not fit its generated shape");
            Err(AwsError::serialization(format!(
                "Could not read the request: {error}"
            )))
        }
        // Routing found the operation in the model the shapes were generated from.
        Err(Dispatched::UnknownOperation) => Err(AwsError::internal()),
    }
}

/// Converts validated input into a handler's typed input. A failure here means the typed
/// struct disagrees with the model: our bug, logged and answered as a serialization error.
pub fn input<T: DeserializeOwned>(value: Value) -> Result<T, AwsError> {
    serde_json::from_value(value).map_err(|error| {
        tracing::error!(%error, "typed input does not match the model");
        AwsError::serialization(format!("Could not read the request: {error}"))
    })
}

/// Converts a handler's typed output into the normal form.
pub fn output<T: Serialize>(value: &T) -> Result<Value, AwsError> {
    serde_json::to_value(value).map_err(|error| {
        tracing::error!(%error, "typed output does not serialize");
        AwsError::internal()
    })
}

/// Maps operation names to handlers: `operations!(self, ctx, operation, input; "RunTask" => run_task, ...)`.
#[macro_export]
macro_rules! operations {
    ($service:expr, $self:ident, $ctx:ident, $operation:ident, $input:ident; $($name:literal => $method:ident),* $(,)?) => {
        match $operation {
            $($name => {
                let input = $crate::services::input($input)?;
                let output = $self.$method($ctx, input).await.map_err($crate::error::AwsError::from)?;
                $crate::services::output(&output)
            })*
            other => Err($crate::error::AwsError::not_implemented($service, other)),
        }
    };
}

/// Serde helpers for the normal form's timestamps (epoch seconds as a number) and blobs.
pub mod wire {
    /// A timestamp in milliseconds since the epoch, carried as seconds on the wire.
    pub mod epoch_seconds {
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(millis: &i64, serializer: S) -> Result<S::Ok, S::Error> {
            if millis % 1000 == 0 {
                serializer.serialize_i64(millis / 1000)
            } else {
                serializer.serialize_f64(*millis as f64 / 1000.0)
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
            let seconds = f64::deserialize(deserializer)?;
            Ok((seconds * 1000.0).round() as i64)
        }
    }

    /// An optional timestamp in milliseconds, carried as seconds.
    pub mod epoch_seconds_opt {
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(
            millis: &Option<i64>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match millis {
                Some(millis) => super::epoch_seconds::serialize(millis, serializer),
                None => serializer.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<i64>, D::Error> {
            Ok(Option::<f64>::deserialize(deserializer)?
                .map(|seconds| (seconds * 1000.0).round() as i64))
        }
    }
}
