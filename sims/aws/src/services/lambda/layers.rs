//! Layers: PublishLayerVersion (zip; S3 locations answer the missing-bucket error),
//! GetLayerVersion, GetLayerVersionByArn, ListLayerVersions, ListLayers, DeleteLayerVersion.
//! A function's layers are unpacked into its environments' `/opt` (see `environments`).

use sim_aws_shapes::lambda::{
    DeleteLayerVersionRequest, GetLayerVersionByArnRequest, GetLayerVersionRequest,
    GetLayerVersionResponse, LayerVersionContentOutput, LayerVersionsListItem, LayersListItem,
    ListLayerVersionsRequest, ListLayerVersionsResponse, ListLayersRequest, ListLayersResponse,
    PublishLayerVersionRequest, PublishLayerVersionResponse,
};

use sim_aws_shapes::normal::Blob;

use super::functions::{S3Location, page_of};
use super::{Lambda, LambdaError, LayerVersionRecord, PolicyRecord, code, invalid, names};
use crate::services::Ctx;

pub(super) fn layer_not_found() -> LambdaError {
    LambdaError::ResourceNotFound("The resource you requested does not exist.".into())
}

fn list_item(response: &GetLayerVersionResponse) -> LayerVersionsListItem {
    LayerVersionsListItem {
        layer_version_arn: response.layer_version_arn.clone(),
        version: response.version,
        description: response.description.clone(),
        created_date: response.created_date.clone(),
        compatible_runtimes: response.compatible_runtimes.clone(),
        license_info: response.license_info.clone(),
        compatible_architectures: response.compatible_architectures.clone(),
    }
}

fn matches(
    response: &GetLayerVersionResponse,
    runtime: Option<&str>,
    architecture: Option<&str>,
) -> bool {
    let has = |list: &Option<Vec<String>>, want: Option<&str>| {
        want.is_none_or(|want| list.as_ref().is_some_and(|l| l.iter().any(|x| x == want)))
    };
    has(&response.compatible_runtimes, runtime)
        && has(&response.compatible_architectures, architecture)
}

impl Lambda {
    pub(super) fn layer_key(&self, ctx: &Ctx, layer: &str, version: i64) -> String {
        format!(
            "{}{layer}\0{}",
            ctx.scope(),
            names::version_suffix(version.max(0) as u64)
        )
    }

    fn layer_arn(&self, ctx: &Ctx, layer: &str) -> String {
        ctx.arn("lambda", &format!("layer:{layer}"))
    }

    pub(super) fn layer_version_arn(&self, ctx: &Ctx, layer: &str, version: i64) -> String {
        format!("{}:{version}", self.layer_arn(ctx, layer))
    }

    /// The layer version an ARN names (`arn:aws:lambda:REGION:ACCOUNT:layer:NAME:N`).
    pub(super) fn layer_by_version_arn(&self, _ctx: &Ctx, arn: &str) -> Option<LayerVersionRecord> {
        let parts: Vec<&str> = arn.split(':').collect();
        let ["arn", _, "lambda", region, account, "layer", name, version] = parts.as_slice() else {
            return None;
        };
        let version: i64 = version.parse().ok()?;
        self.layers.get(&format!(
            "{account}/{region}/{name}\0{}",
            names::version_suffix(version as u64)
        ))
    }

    /// The zips of a function's layers, in order.
    pub(super) fn layer_zips(&self, ctx: &Ctx, arns: &[String]) -> Vec<Vec<u8>> {
        arns.iter()
            .filter_map(|arn| self.layer_by_version_arn(ctx, arn))
            .filter_map(|layer| layer.zip)
            .collect()
    }

    pub(crate) async fn publish_layer_version(
        &self,
        ctx: &Ctx,
        input: PublishLayerVersionRequest,
    ) -> Result<PublishLayerVersionResponse, LambdaError> {
        let location = S3Location::of(
            ctx,
            input.content.s3_bucket.as_deref(),
            input.content.s3_key.as_deref(),
            input.content.s3_object_version.as_deref(),
        );
        let zip = match (input.content.zip_file.clone(), location) {
            (Some(zip), None) => zip,
            (None, Some(location)) => Blob(self.package_from_s3(location)?),
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "Please provide either a zip file or an S3 location, not both.",
                ));
            }
            (None, None) => return Err(invalid("Please provide a zip file or an S3 location.")),
        };
        code::check(&zip.0).map_err(|error| invalid(error.to_string()))?;
        let prefix = format!("{}{}\0", ctx.scope(), input.layer_name);
        let created = self.last_modified();
        let layer_arn = self.layer_arn(ctx, &input.layer_name);
        let response = self.kit.store().transaction(|txn| {
            let last = txn
                .scan_prefix(&self.layers, &prefix)?
                .last()
                .and_then(|(_, layer)| layer.response.version)
                .unwrap_or(0);
            let version = last + 1;
            let response = GetLayerVersionResponse {
                content: Some(LayerVersionContentOutput {
                    location: Some(format!(
                        "{}/_sockerless/lambda/layer/{}/{}/{}/{version}",
                        self.endpoint(),
                        ctx.account_id,
                        ctx.region,
                        input.layer_name
                    )),
                    code_sha256: Some(code::sha256_base64(&zip.0)),
                    code_size: Some(zip.0.len() as i64),
                    ..LayerVersionContentOutput::default()
                }),
                layer_arn: Some(layer_arn.clone()),
                layer_version_arn: Some(format!("{layer_arn}:{version}")),
                description: Some(input.description.clone().unwrap_or_default()),
                created_date: Some(created.clone()),
                version: Some(version),
                compatible_runtimes: input.compatible_runtimes.clone(),
                license_info: input.license_info.clone(),
                compatible_architectures: input.compatible_architectures.clone(),
            };
            txn.insert(
                &self.layers,
                &format!("{prefix}{}", names::version_suffix(version as u64)),
                LayerVersionRecord {
                    response: response.clone(),
                    zip: Some(zip.0.clone()),
                    policy: PolicyRecord::default(),
                },
            )?;
            Ok::<_, LambdaError>(response)
        })?;
        Ok(PublishLayerVersionResponse {
            content: response.content,
            layer_arn: response.layer_arn,
            layer_version_arn: response.layer_version_arn,
            description: response.description,
            created_date: response.created_date,
            version: response.version,
            compatible_runtimes: response.compatible_runtimes,
            license_info: response.license_info,
            compatible_architectures: response.compatible_architectures,
        })
    }

    /// The zip a layer's content location names.
    pub fn layer_zip(
        &self,
        account_id: &str,
        region: &str,
        layer: &str,
        version: u64,
    ) -> Option<Vec<u8>> {
        self.layers
            .get(&format!(
                "{account_id}/{region}/{layer}\0{}",
                names::version_suffix(version)
            ))
            .and_then(|layer| layer.zip)
    }

    pub(crate) async fn get_layer_version(
        &self,
        ctx: &Ctx,
        input: GetLayerVersionRequest,
    ) -> Result<GetLayerVersionResponse, LambdaError> {
        self.layers
            .get(&self.layer_key(ctx, &input.layer_name, input.version_number))
            .map(|layer| layer.response)
            .ok_or_else(layer_not_found)
    }

    pub(crate) async fn get_layer_version_by_arn(
        &self,
        ctx: &Ctx,
        input: GetLayerVersionByArnRequest,
    ) -> Result<GetLayerVersionResponse, LambdaError> {
        self.layer_by_version_arn(ctx, &input.arn)
            .map(|layer| layer.response)
            .ok_or_else(layer_not_found)
    }

    pub(crate) async fn list_layer_versions(
        &self,
        ctx: &Ctx,
        input: ListLayerVersionsRequest,
    ) -> Result<ListLayerVersionsResponse, LambdaError> {
        let entries = self
            .layers
            .scan_prefix(&format!("{}{}\0", ctx.scope(), input.layer_name))
            .into_iter()
            .filter(|(_, l)| {
                matches(
                    &l.response,
                    input.compatible_runtime.as_deref(),
                    input.compatible_architecture.as_deref(),
                )
            })
            .rev()
            .enumerate()
            .map(|(index, (_, layer))| (format!("{index:010}"), list_item(&layer.response)))
            .collect();
        let page = page_of(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListLayerVersionsResponse {
            layer_versions: Some(page.items),
            next_marker: page.next,
        })
    }

    pub(crate) async fn list_layers(
        &self,
        ctx: &Ctx,
        input: ListLayersRequest,
    ) -> Result<ListLayersResponse, LambdaError> {
        let mut latest: std::collections::BTreeMap<String, GetLayerVersionResponse> =
            Default::default();
        for (key, layer) in self.layers.scan_prefix(&ctx.scope()) {
            if !matches(
                &layer.response,
                input.compatible_runtime.as_deref(),
                input.compatible_architecture.as_deref(),
            ) {
                continue;
            }
            let name = key[ctx.scope().len()..]
                .split('\0')
                .next()
                .unwrap_or_default()
                .to_string();
            latest.insert(name, layer.response);
        }
        let entries = latest
            .into_iter()
            .map(|(name, response)| {
                let item = LayersListItem {
                    layer_name: Some(name.clone()),
                    layer_arn: response.layer_arn.clone(),
                    latest_matching_version: Some(list_item(&response)),
                };
                (name, item)
            })
            .collect();
        let page = page_of(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListLayersResponse {
            layers: Some(page.items),
            next_marker: page.next,
        })
    }

    pub(crate) async fn delete_layer_version(
        &self,
        ctx: &Ctx,
        input: DeleteLayerVersionRequest,
    ) -> Result<(), LambdaError> {
        self.layers
            .remove(&self.layer_key(ctx, &input.layer_name, input.version_number))?;
        Ok(())
    }
}
