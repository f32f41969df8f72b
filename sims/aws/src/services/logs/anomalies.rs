//! Log anomaly detectors and their anomalies: CreateLogAnomalyDetector, GetLogAnomalyDetector,
//! ListLogAnomalyDetectors, UpdateLogAnomalyDetector, DeleteLogAnomalyDetector, ListAnomalies
//! and UpdateAnomaly.
//!
//! Detectors are recorded with AWS's checks (their groups exist, their filter pattern parses,
//! a visibility time of 7 to 90 days, 21 by default). The simulator trains no model, so a
//! detector stays `INITIALIZING` (or `PAUSED` while disabled) and finds no anomaly: ListAnomalies
//! answers what was found, which is nothing, and UpdateAnomaly finds no anomaly to update.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sim_aws_shapes::logs::{
    AnomalyDetector, CreateLogAnomalyDetectorRequest, CreateLogAnomalyDetectorResponse,
    DeleteLogAnomalyDetectorRequest, GetLogAnomalyDetectorRequest, GetLogAnomalyDetectorResponse,
    ListAnomaliesRequest, ListAnomaliesResponse, ListLogAnomalyDetectorsRequest,
    ListLogAnomalyDetectorsResponse, UpdateAnomalyRequest, UpdateLogAnomalyDetectorRequest,
};

use super::pattern::parse_filter_pattern;
use super::tags::{HasTags, Tagged};
use super::token;
use super::{Logs, LogsError, Scope};
use crate::services::Ctx;

/// Days an anomaly stays visible unless the detector says otherwise.
const DEFAULT_VISIBILITY_DAYS: i64 = 21;

/// A stored detector and its tags.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectorRecord {
    pub detector: AnomalyDetector,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl HasTags for DetectorRecord {
    fn tags_mut(&mut self) -> &mut BTreeMap<String, String> {
        &mut self.tags
    }
}

fn detector_not_found() -> LogsError {
    LogsError::ResourceNotFound("The specified anomaly detector does not exist.".into())
}

fn check_pattern(pattern: Option<&str>) -> Result<(), LogsError> {
    if let Some(pattern) = pattern {
        parse_filter_pattern(pattern).map_err(|error| {
            tracing::debug!(%error, "unparseable anomaly detector filter pattern");
            LogsError::InvalidParameter("Invalid filter pattern".into())
        })?;
    }
    Ok(())
}

impl Logs {
    fn detector_key(&self, scope: &Scope, arn: &str) -> Result<String, LogsError> {
        match scope.tagged(arn) {
            Ok(Tagged::AnomalyDetector(id)) => Ok(scope.group_key(&id)),
            _ => Err(detector_not_found()),
        }
    }

    pub(crate) async fn create_log_anomaly_detector(
        &self,
        ctx: &Ctx,
        input: CreateLogAnomalyDetectorRequest,
    ) -> Result<CreateLogAnomalyDetectorResponse, LogsError> {
        let scope = Scope::of(ctx);
        for arn in &input.log_group_arn_list {
            let group = scope.group_in_arn(arn)?;
            self.group(&scope, &group)?;
        }
        check_pattern(input.filter_pattern.as_deref())?;
        let id = self.kit.ids().uuid();
        let arn = ctx.arn("logs", &format!("anomaly-detector:{id}"));
        let now = self.now();
        let record = DetectorRecord {
            detector: AnomalyDetector {
                anomaly_detector_arn: Some(arn.clone()),
                detector_name: input.detector_name,
                log_group_arn_list: Some(input.log_group_arn_list),
                evaluation_frequency: input.evaluation_frequency,
                filter_pattern: input.filter_pattern,
                anomaly_detector_status: Some("INITIALIZING".into()),
                kms_key_id: input.kms_key_id,
                creation_time_stamp: Some(now),
                last_modified_time_stamp: Some(now),
                anomaly_visibility_time: Some(
                    input
                        .anomaly_visibility_time
                        .unwrap_or(DEFAULT_VISIBILITY_DAYS),
                ),
            },
            tags: input.tags.unwrap_or_default(),
        };
        self.anomaly_detectors
            .insert(&scope.group_key(&id), record)?;
        Ok(CreateLogAnomalyDetectorResponse {
            anomaly_detector_arn: Some(arn),
        })
    }

    pub(crate) async fn get_log_anomaly_detector(
        &self,
        ctx: &Ctx,
        input: GetLogAnomalyDetectorRequest,
    ) -> Result<GetLogAnomalyDetectorResponse, LogsError> {
        let scope = Scope::of(ctx);
        let key = self.detector_key(&scope, &input.anomaly_detector_arn)?;
        let detector = self
            .anomaly_detectors
            .get(&key)
            .ok_or_else(detector_not_found)?
            .detector;
        Ok(GetLogAnomalyDetectorResponse {
            detector_name: detector.detector_name,
            log_group_arn_list: detector.log_group_arn_list,
            evaluation_frequency: detector.evaluation_frequency,
            filter_pattern: detector.filter_pattern,
            anomaly_detector_status: detector.anomaly_detector_status,
            kms_key_id: detector.kms_key_id,
            creation_time_stamp: detector.creation_time_stamp,
            last_modified_time_stamp: detector.last_modified_time_stamp,
            anomaly_visibility_time: detector.anomaly_visibility_time,
        })
    }

    pub(crate) async fn list_log_anomaly_detectors(
        &self,
        ctx: &Ctx,
        input: ListLogAnomalyDetectorsRequest,
    ) -> Result<ListLogAnomalyDetectorsResponse, LogsError> {
        let scope = Scope::of(ctx);
        let entries = self
            .anomaly_detectors
            .scan_prefix(&scope.group_key(""))
            .into_iter()
            .map(|(key, record)| (key, record.detector))
            .filter(|(_, detector)| {
                input.filter_log_group_arn.as_ref().is_none_or(|wanted| {
                    detector
                        .log_group_arn_list
                        .iter()
                        .flatten()
                        .any(|arn| arn == wanted)
                })
            })
            .collect();
        let page = token::page(
            "anomaly-detectors",
            entries,
            input.next_token.as_deref(),
            input.limit.map_or(50, |limit| limit as usize),
        )?;
        Ok(ListLogAnomalyDetectorsResponse {
            anomaly_detectors: Some(page.items),
            next_token: page.next,
        })
    }

    pub(crate) async fn update_log_anomaly_detector(
        &self,
        ctx: &Ctx,
        input: UpdateLogAnomalyDetectorRequest,
    ) -> Result<(), LogsError> {
        let scope = Scope::of(ctx);
        let key = self.detector_key(&scope, &input.anomaly_detector_arn)?;
        check_pattern(input.filter_pattern.as_deref())?;
        let now = self.now();
        self.anomaly_detectors.modify(&key, |slot| {
            let detector = &mut slot.as_mut().ok_or_else(detector_not_found)?.detector;
            if input.evaluation_frequency.is_some() {
                detector.evaluation_frequency = input.evaluation_frequency.clone();
            }
            if input.filter_pattern.is_some() {
                detector.filter_pattern = input.filter_pattern.clone();
            }
            if input.anomaly_visibility_time.is_some() {
                detector.anomaly_visibility_time = input.anomaly_visibility_time;
            }
            detector.anomaly_detector_status = Some(
                if input.enabled {
                    "INITIALIZING"
                } else {
                    "PAUSED"
                }
                .into(),
            );
            detector.last_modified_time_stamp = Some(now);
            Ok(())
        })
    }

    pub(crate) async fn delete_log_anomaly_detector(
        &self,
        ctx: &Ctx,
        input: DeleteLogAnomalyDetectorRequest,
    ) -> Result<(), LogsError> {
        let scope = Scope::of(ctx);
        let key = self.detector_key(&scope, &input.anomaly_detector_arn)?;
        self.anomaly_detectors
            .remove(&key)?
            .ok_or_else(detector_not_found)?;
        Ok(())
    }

    pub(crate) async fn list_anomalies(
        &self,
        ctx: &Ctx,
        input: ListAnomaliesRequest,
    ) -> Result<ListAnomaliesResponse, LogsError> {
        let scope = Scope::of(ctx);
        if let Some(arn) = &input.anomaly_detector_arn {
            let key = self.detector_key(&scope, arn)?;
            if !self.anomaly_detectors.contains(&key) {
                return Err(detector_not_found());
            }
        }
        // No detector has been trained, so none has found an anomaly.
        Ok(ListAnomaliesResponse {
            anomalies: Some(Vec::new()),
            next_token: None,
        })
    }

    pub(crate) async fn update_anomaly(
        &self,
        ctx: &Ctx,
        input: UpdateAnomalyRequest,
    ) -> Result<(), LogsError> {
        let scope = Scope::of(ctx);
        let key = self.detector_key(&scope, &input.anomaly_detector_arn)?;
        if !self.anomaly_detectors.contains(&key) {
            return Err(detector_not_found());
        }
        if input.anomaly_id.is_none() && input.pattern_id.is_none() {
            return Err(LogsError::InvalidParameter(
                "Either anomalyId or patternId must be specified.".into(),
            ));
        }
        Err(LogsError::ResourceNotFound(
            "The specified anomaly does not exist.".into(),
        ))
    }
}
