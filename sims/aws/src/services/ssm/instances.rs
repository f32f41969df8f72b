//! Run Command and Session Manager, which act on managed instances (machines running the SSM
//! agent). The simulator has none, so these answer as SSM does for an account without managed
//! instances: empty listings, `notconnected`, and SSM's errors for an instance, command or
//! session that does not exist.

use sim_aws_shapes::ssm::{
    CancelCommandRequest, CancelCommandResult, DescribeInstanceInformationRequest,
    DescribeInstanceInformationResult, DescribeSessionsRequest, DescribeSessionsResponse,
    GetCommandInvocationRequest, GetCommandInvocationResult, GetConnectionStatusRequest,
    GetConnectionStatusResponse, ListCommandInvocationsRequest, ListCommandInvocationsResult,
    ListCommandsRequest, ListCommandsResult, ResumeSessionRequest, ResumeSessionResponse,
    SendCommandRequest, SendCommandResult, StartSessionRequest, StartSessionResponse,
};

use super::{Ssm, SsmError};
use crate::services::Ctx;

fn no_command() -> SsmError {
    SsmError::new("InvalidCommandId", "")
}

impl Ssm {
    pub(super) async fn send_command(
        &self,
        ctx: &Ctx,
        input: SendCommandRequest,
    ) -> Result<SendCommandResult, SsmError> {
        let instances = input.instance_ids.unwrap_or_default();
        Err(SsmError::new(
            "InvalidInstanceId",
            format!(
                "Instances [[{}]] not in a valid state for account {}",
                instances.join(", "),
                ctx.account_id
            ),
        ))
    }

    pub(super) async fn get_command_invocation(
        &self,
        _ctx: &Ctx,
        _input: GetCommandInvocationRequest,
    ) -> Result<GetCommandInvocationResult, SsmError> {
        Err(SsmError::new("InvocationDoesNotExist", ""))
    }

    pub(super) async fn list_commands(
        &self,
        _ctx: &Ctx,
        input: ListCommandsRequest,
    ) -> Result<ListCommandsResult, SsmError> {
        if input.command_id.is_some() {
            return Err(no_command());
        }
        Ok(ListCommandsResult {
            commands: Some(Vec::new()),
            next_token: None,
        })
    }

    pub(super) async fn list_command_invocations(
        &self,
        _ctx: &Ctx,
        input: ListCommandInvocationsRequest,
    ) -> Result<ListCommandInvocationsResult, SsmError> {
        if input.command_id.is_some() {
            return Err(no_command());
        }
        Ok(ListCommandInvocationsResult {
            command_invocations: Some(Vec::new()),
            next_token: None,
        })
    }

    pub(super) async fn cancel_command(
        &self,
        _ctx: &Ctx,
        _input: CancelCommandRequest,
    ) -> Result<CancelCommandResult, SsmError> {
        Err(no_command())
    }

    pub(super) async fn describe_instance_information(
        &self,
        _ctx: &Ctx,
        _input: DescribeInstanceInformationRequest,
    ) -> Result<DescribeInstanceInformationResult, SsmError> {
        Ok(DescribeInstanceInformationResult {
            instance_information_list: Some(Vec::new()),
            next_token: None,
        })
    }

    pub(super) async fn get_connection_status(
        &self,
        _ctx: &Ctx,
        input: GetConnectionStatusRequest,
    ) -> Result<GetConnectionStatusResponse, SsmError> {
        Ok(GetConnectionStatusResponse {
            target: Some(input.target),
            status: Some("notconnected".into()),
        })
    }

    pub(super) async fn start_session(
        &self,
        _ctx: &Ctx,
        input: StartSessionRequest,
    ) -> Result<StartSessionResponse, SsmError> {
        Err(SsmError::new(
            "TargetNotConnected",
            format!("{} is not connected.", input.target),
        ))
    }

    pub(super) async fn describe_sessions(
        &self,
        _ctx: &Ctx,
        _input: DescribeSessionsRequest,
    ) -> Result<DescribeSessionsResponse, SsmError> {
        Ok(DescribeSessionsResponse {
            sessions: Some(Vec::new()),
            next_token: None,
        })
    }

    pub(super) async fn resume_session(
        &self,
        _ctx: &Ctx,
        input: ResumeSessionRequest,
    ) -> Result<ResumeSessionResponse, SsmError> {
        Err(SsmError::new(
            "DoesNotExistException",
            format!("Session {} does not exist.", input.session_id),
        ))
    }
}
