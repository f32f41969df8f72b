//! Virtual MFA devices: created with a real Base32 seed and a QR code PNG of its `otpauth://`
//! URI (`CreateVirtualMFADevice`), enabled for a user with two consecutive TOTP codes computed
//! from that seed (`EnableMFADevice`, checked as an authenticator app computes them; `totp`),
//! resynchronised the same way (`ResyncMFADevice`), deactivated, deleted, listed and tagged.
//!
//! A device is stored once per account by name (`arn:aws:iam::ACCOUNT:mfa{path}{name}` is its
//! serial number) and names the user it is enabled for; users do not list their devices
//! themselves, so enabling and deactivating change one record.
//!
//! Limits: only virtual devices exist. A serial number that is not one of the account's
//! virtual devices (a hardware token's, a FIDO key's) is answered as a device that does not
//! exist, since the simulator cannot check codes it has no seed for. The root user has no MFA.

use serde::{Deserialize, Serialize};
use sim_aws_shapes::iam::{
    CreateVirtualMFADeviceRequest, CreateVirtualMFADeviceResponse, DeactivateMFADeviceRequest,
    DeleteVirtualMFADeviceRequest, EnableMFADeviceRequest, GetMFADeviceRequest,
    GetMFADeviceResponse, ListMFADeviceTagsRequest, ListMFADeviceTagsResponse,
    ListMFADevicesRequest, ListMFADevicesResponse, ListVirtualMFADevicesRequest,
    ListVirtualMFADevicesResponse, MFADevice, ResyncMFADeviceRequest, Tag, TagMFADeviceRequest,
    UntagMFADeviceRequest, VirtualMFADevice,
};
use sim_aws_shapes::normal::Blob;
use simkit::store::Txn;

use super::paging::paginate;
use super::tags::{TagKeys, initial_tags, merge_tags, page_tags, remove_tags};
use super::totp::{BASE32_ALPHABET, consecutive_pair, decode_base32, qr_png, step_of};
use super::users::Subject;
use super::{Iam, IamError, account_prefix, key, timestamp};
use crate::services::Ctx;

/// How MFA devices treat tag keys.
const DEVICE_TAGS: TagKeys = TagKeys::CaseInsensitive;

/// The most MFA devices one user may have enabled (`MFADevicesPerUser`).
const DEVICES_PER_USER: usize = 8;

/// Characters of a seed: 64 Base32 characters, 40 bytes, as AWS's seeds are.
const SEED_LENGTH: usize = 64;

/// A stored virtual MFA device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredMfaDevice {
    pub account_id: String,
    pub name: String,
    pub path: String,
    pub serial_number: String,
    /// The TOTP secret, Base32.
    pub seed: String,
    pub create_date_ms: i64,
    /// The user it is enabled for, by name.
    pub user_name: Option<String>,
    pub enable_date_ms: Option<i64>,
    /// The time step of the last code accepted, so a resync cannot replay older codes.
    pub last_step: Option<i64>,
    pub tags: Vec<Tag>,
}

fn no_such_device(serial_number: &str) -> IamError {
    IamError::NoSuchEntity(format!(
        "MFA Device with serial number {serial_number} does not exist."
    ))
}

fn invalid_codes() -> IamError {
    IamError::InvalidAuthenticationCode("Authentication code for device is not valid.".into())
}

/// The store key of the device a serial number names in the caller's account, if it names one.
fn device_key(ctx: &Ctx, serial_number: &str) -> Option<String> {
    let rest = serial_number.strip_prefix(&format!("arn:aws:iam::{}:mfa/", ctx.account_id))?;
    let name = rest.rsplit('/').next().filter(|name| !name.is_empty())?;
    Some(key(&ctx.account_id, name))
}

impl Iam {
    fn device_in(
        &self,
        txn: &Txn<'_>,
        ctx: &Ctx,
        serial_number: &str,
    ) -> Result<(String, StoredMfaDevice), IamError> {
        let device_key =
            device_key(ctx, serial_number).ok_or_else(|| no_such_device(serial_number))?;
        let device = txn
            .get(&self.mfa_devices, &device_key)?
            .filter(|device| device.serial_number == serial_number)
            .ok_or_else(|| no_such_device(serial_number))?;
        Ok((device_key, device))
    }

    fn device(&self, ctx: &Ctx, serial_number: &str) -> Result<StoredMfaDevice, IamError> {
        device_key(ctx, serial_number)
            .and_then(|device_key| self.mfa_devices.get(&device_key))
            .filter(|device| device.serial_number == serial_number)
            .ok_or_else(|| no_such_device(serial_number))
    }

    /// The account's virtual MFA devices, by name.
    pub(crate) fn account_mfa_devices(&self, ctx: &Ctx) -> Vec<StoredMfaDevice> {
        self.mfa_devices
            .scan_prefix(&account_prefix(&ctx.account_id))
            .into_iter()
            .map(|(_, device)| device)
            .collect()
    }

    /// Whether any device is enabled for the user (which then cannot be deleted).
    pub(crate) fn has_mfa_devices(
        &self,
        txn: &Txn<'_>,
        ctx: &Ctx,
        user_name: &str,
    ) -> Result<bool, IamError> {
        Ok(txn
            .scan_prefix(&self.mfa_devices, &account_prefix(&ctx.account_id))?
            .iter()
            .any(|(_, device)| {
                device
                    .user_name
                    .as_deref()
                    .is_some_and(|owner| owner.eq_ignore_ascii_case(user_name))
            }))
    }

    /// After a user's rename, its devices name it by its new name.
    pub(crate) fn rename_mfa_owner(
        &self,
        txn: &mut Txn<'_>,
        ctx: &Ctx,
        old_name: &str,
        new_name: &str,
    ) -> Result<(), IamError> {
        for (device_key, mut device) in
            txn.scan_prefix(&self.mfa_devices, &account_prefix(&ctx.account_id))?
        {
            if device
                .user_name
                .as_deref()
                .is_some_and(|owner| owner.eq_ignore_ascii_case(old_name))
            {
                device.user_name = Some(new_name.to_string());
                txn.insert(&self.mfa_devices, &device_key, device)?;
            }
        }
        Ok(())
    }

    /// The step the two codes start at, if they are consecutive codes of the device now.
    fn verify_codes(
        &self,
        device: &StoredMfaDevice,
        first: &str,
        second: &str,
    ) -> Result<i64, IamError> {
        let secret = decode_base32(&device.seed).ok_or_else(invalid_codes)?;
        let now_step = step_of(self.kit.clock().now_millis().div_euclid(1000));
        consecutive_pair(&secret, first, second, now_step, device.last_step)
            .ok_or_else(invalid_codes)
    }

    pub(super) async fn create_virtual_mfa_device(
        &self,
        ctx: &Ctx,
        input: CreateVirtualMFADeviceRequest,
    ) -> Result<CreateVirtualMFADeviceResponse, IamError> {
        let tags = initial_tags(input.tags, DEVICE_TAGS)?;
        let path = input.path.unwrap_or_else(|| "/".into());
        let name = input.virtual_mfa_device_name;
        let serial_number = format!("arn:aws:iam::{}:mfa{path}{name}", ctx.account_id);
        let seed = self.kit.ids().random_word(BASE32_ALPHABET, SEED_LENGTH);
        let uri = format!(
            "otpauth://totp/Amazon%20Web%20Services:{}@{}?secret={seed}&issuer=Amazon%20Web%20Services",
            percent_encoding::utf8_percent_encode(&name, percent_encoding::NON_ALPHANUMERIC),
            ctx.account_id
        );
        let qr_code = qr_png(&uri).ok_or_else(|| {
            tracing::error!(%uri, "the QR code of an otpauth URI could not be made");
            IamError::ServiceFailure("The QR code could not be made.".into())
        })?;
        let device = StoredMfaDevice {
            account_id: ctx.account_id.clone(),
            name: name.clone(),
            path,
            serial_number: serial_number.clone(),
            seed: seed.clone(),
            create_date_ms: self.now_millis(),
            user_name: None,
            enable_date_ms: None,
            last_step: None,
            tags,
        };
        self.mfa_devices
            .modify(&key(&ctx.account_id, &name), |slot| {
                if slot.is_some() {
                    return Err(IamError::EntityAlreadyExists(
                        "MFA device already exists.".into(),
                    ));
                }
                *slot = Some(device);
                Ok(())
            })?;
        Ok(CreateVirtualMFADeviceResponse {
            virtual_mfa_device: VirtualMFADevice {
                serial_number,
                base32_string_seed: Some(Blob(seed.into_bytes())),
                qr_code_png: Some(Blob(qr_code)),
                ..Default::default()
            },
        })
    }

    pub(super) async fn delete_virtual_mfa_device(
        &self,
        ctx: &Ctx,
        input: DeleteVirtualMFADeviceRequest,
    ) -> Result<(), IamError> {
        self.transaction(|txn| {
            let (device_key, device) = self.device_in(txn, ctx, &input.serial_number)?;
            if device.user_name.is_some() {
                return Err(IamError::DeleteConflict(
                    "MFA VirtualDevice in use. Must deactivate first.".into(),
                ));
            }
            txn.remove(&self.mfa_devices, &device_key)?;
            Ok(())
        })
    }

    pub(super) async fn list_virtual_mfa_devices(
        &self,
        ctx: &Ctx,
        input: ListVirtualMFADevicesRequest,
    ) -> Result<ListVirtualMFADevicesResponse, IamError> {
        let status = input.assignment_status.as_deref().unwrap_or("Any");
        let entries = self
            .account_mfa_devices(ctx)
            .into_iter()
            .filter(|device| match status {
                "Assigned" => device.user_name.is_some(),
                "Unassigned" => device.user_name.is_none(),
                _ => true,
            })
            .map(|device| {
                let user = device
                    .user_name
                    .as_deref()
                    .and_then(|name| self.users.get(&key(&ctx.account_id, name)))
                    .map(|user| user.listed());
                let listed = VirtualMFADevice {
                    serial_number: device.serial_number.clone(),
                    user,
                    enable_date: device.enable_date_ms.map(timestamp),
                    ..Default::default()
                };
                (device.serial_number, listed)
            })
            .collect();
        let page = paginate(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListVirtualMFADevicesResponse {
            virtual_mfa_devices: page.items,
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    }

    pub(super) async fn enable_mfa_device(
        &self,
        ctx: &Ctx,
        input: EnableMFADeviceRequest,
    ) -> Result<(), IamError> {
        let now = self.now_millis();
        self.transaction(|txn| {
            let user = self.user_in(txn, ctx, &input.user_name)?;
            let (device_key, mut device) = self.device_in(txn, ctx, &input.serial_number)?;
            if device.user_name.is_some() {
                return Err(IamError::EntityAlreadyExists(
                    "MFA Device is already in use.".into(),
                ));
            }
            let enabled = txn
                .scan_prefix(&self.mfa_devices, &account_prefix(&ctx.account_id))?
                .iter()
                .filter(|(_, other)| {
                    other
                        .user_name
                        .as_deref()
                        .is_some_and(|owner| owner.eq_ignore_ascii_case(&user.user_name))
                })
                .count();
            if enabled >= DEVICES_PER_USER {
                return Err(IamError::LimitExceeded(format!(
                    "Cannot exceed quota for MFADevicesPerUser: {DEVICES_PER_USER}"
                )));
            }
            let step = self.verify_codes(
                &device,
                &input.authentication_code1,
                &input.authentication_code2,
            )?;
            device.user_name = Some(user.user_name);
            device.enable_date_ms = Some(now);
            device.last_step = Some(step + 1);
            txn.insert(&self.mfa_devices, &device_key, device)?;
            Ok(())
        })
    }

    pub(super) async fn resync_mfa_device(
        &self,
        ctx: &Ctx,
        input: ResyncMFADeviceRequest,
    ) -> Result<(), IamError> {
        self.transaction(|txn| {
            let user = self.user_in(txn, ctx, &input.user_name)?;
            let (device_key, mut device) = self.device_in(txn, ctx, &input.serial_number)?;
            if !device
                .user_name
                .as_deref()
                .is_some_and(|owner| owner.eq_ignore_ascii_case(&user.user_name))
            {
                return Err(no_such_device(&input.serial_number));
            }
            let step = self.verify_codes(
                &device,
                &input.authentication_code1,
                &input.authentication_code2,
            )?;
            device.last_step = Some(step + 1);
            txn.insert(&self.mfa_devices, &device_key, device)?;
            Ok(())
        })
    }

    pub(super) async fn deactivate_mfa_device(
        &self,
        ctx: &Ctx,
        input: DeactivateMFADeviceRequest,
    ) -> Result<(), IamError> {
        let owner = match Subject::of(ctx, input.user_name)? {
            Subject::User(name) => Some(name),
            Subject::Root => None,
        };
        self.transaction(|txn| {
            if let Some(name) = &owner {
                self.user_in(txn, ctx, name)?;
            }
            let (device_key, mut device) = self.device_in(txn, ctx, &input.serial_number)?;
            let enabled_for_owner = match (&device.user_name, &owner) {
                (Some(enabled), Some(owner)) => enabled.eq_ignore_ascii_case(owner),
                _ => false,
            };
            if !enabled_for_owner {
                return Err(no_such_device(&input.serial_number));
            }
            device.user_name = None;
            device.enable_date_ms = None;
            txn.insert(&self.mfa_devices, &device_key, device)?;
            Ok(())
        })
    }

    pub(super) async fn list_mfa_devices(
        &self,
        ctx: &Ctx,
        input: ListMFADevicesRequest,
    ) -> Result<ListMFADevicesResponse, IamError> {
        let owner = match Subject::of(ctx, input.user_name)? {
            Subject::User(name) => Some(self.user(ctx, &name)?.user_name),
            Subject::Root => None,
        };
        let entries = self
            .account_mfa_devices(ctx)
            .into_iter()
            .filter_map(|device| {
                let user_name = device.user_name?;
                let owner = owner.as_deref()?;
                user_name.eq_ignore_ascii_case(owner).then(|| {
                    (
                        device.serial_number.clone(),
                        MFADevice {
                            user_name,
                            serial_number: device.serial_number,
                            enable_date: timestamp(device.enable_date_ms.unwrap_or_default()),
                        },
                    )
                })
            })
            .collect();
        let page = paginate(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListMFADevicesResponse {
            mfa_devices: page.items,
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    }

    pub(super) async fn get_mfa_device(
        &self,
        ctx: &Ctx,
        input: GetMFADeviceRequest,
    ) -> Result<GetMFADeviceResponse, IamError> {
        if let Some(name) = &input.user_name {
            self.user(ctx, name)?;
        }
        let device = self.device(ctx, &input.serial_number)?;
        let enabled_for = device.user_name.filter(|enabled| {
            input
                .user_name
                .as_deref()
                .is_none_or(|name| enabled.eq_ignore_ascii_case(name))
        });
        let Some(user_name) = enabled_for else {
            return Err(no_such_device(&input.serial_number));
        };
        Ok(GetMFADeviceResponse {
            user_name: Some(user_name),
            serial_number: device.serial_number,
            enable_date: device.enable_date_ms.map(timestamp),
            certifications: None,
        })
    }

    pub(super) async fn tag_mfa_device(
        &self,
        ctx: &Ctx,
        input: TagMFADeviceRequest,
    ) -> Result<(), IamError> {
        self.transaction(|txn| {
            let (device_key, mut device) = self.device_in(txn, ctx, &input.serial_number)?;
            merge_tags(&mut device.tags, input.tags, DEVICE_TAGS)?;
            txn.insert(&self.mfa_devices, &device_key, device)?;
            Ok(())
        })
    }

    pub(super) async fn untag_mfa_device(
        &self,
        ctx: &Ctx,
        input: UntagMFADeviceRequest,
    ) -> Result<(), IamError> {
        self.transaction(|txn| {
            let (device_key, mut device) = self.device_in(txn, ctx, &input.serial_number)?;
            remove_tags(&mut device.tags, &input.tag_keys, DEVICE_TAGS);
            txn.insert(&self.mfa_devices, &device_key, device)?;
            Ok(())
        })
    }

    pub(super) async fn list_mfa_device_tags(
        &self,
        ctx: &Ctx,
        input: ListMFADeviceTagsRequest,
    ) -> Result<ListMFADeviceTagsResponse, IamError> {
        let device = self.device(ctx, &input.serial_number)?;
        let page = page_tags(
            device.tags,
            DEVICE_TAGS,
            input.marker.as_deref(),
            input.max_items,
        )?;
        Ok(ListMFADeviceTagsResponse {
            tags: page.items,
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    }
}
