//! Exec shapes: the create body (`ExecConfig`), the start body and `GET /exec/{id}/json`.

use serde::{Deserialize, Serialize};

/// `POST /containers/{id}/exec`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ExecConfig {
    #[serde(rename = "AttachStdin", default)]
    pub attach_stdin: bool,
    #[serde(rename = "AttachStdout", default)]
    pub attach_stdout: bool,
    #[serde(rename = "AttachStderr", default)]
    pub attach_stderr: bool,
    #[serde(rename = "DetachKeys", default)]
    pub detach_keys: String,
    #[serde(rename = "Tty", default)]
    pub tty: bool,
    #[serde(rename = "Env", default)]
    pub env: Option<Vec<String>>,
    #[serde(rename = "Cmd", default)]
    pub cmd: Option<Vec<String>>,
    #[serde(rename = "Privileged", default)]
    pub privileged: bool,
    #[serde(rename = "User", default)]
    pub user: String,
    #[serde(rename = "WorkingDir", default)]
    pub working_dir: String,
    #[serde(rename = "ConsoleSize", default)]
    pub console_size: Option<Vec<u32>>,
}

/// The answer to exec create.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExecCreated {
    #[serde(rename = "Id")]
    pub id: String,
}

/// `POST /exec/{id}/start`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ExecStartConfig {
    #[serde(rename = "Detach", default)]
    pub detach: bool,
    #[serde(rename = "Tty", default)]
    pub tty: bool,
    #[serde(rename = "ConsoleSize", default)]
    pub console_size: Option<Vec<u32>>,
}

/// `ProcessConfig` of exec inspect.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ExecProcessConfig {
    pub arguments: Vec<String>,
    pub entrypoint: String,
    pub privileged: bool,
    pub tty: bool,
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub user: String,
}

/// `GET /exec/{id}/json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ExecInspect {
    #[serde(rename = "CanRemove")]
    pub can_remove: bool,
    #[serde(rename = "ContainerID")]
    pub container_id: String,
    #[serde(rename = "DetachKeys")]
    pub detach_keys: String,
    /// `null` until the process has ended.
    #[serde(rename = "ExitCode")]
    pub exit_code: Option<i32>,
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "OpenStderr")]
    pub open_stderr: bool,
    #[serde(rename = "OpenStdin")]
    pub open_stdin: bool,
    #[serde(rename = "OpenStdout")]
    pub open_stdout: bool,
    #[serde(rename = "ProcessConfig")]
    pub process_config: ExecProcessConfig,
    #[serde(rename = "Running")]
    pub running: bool,
    #[serde(rename = "Pid")]
    pub pid: u32,
}
