//! The `sockerless` binary: command-line parsing and wiring, nothing else. Every server is a
//! library (`sim_aws::Simulator`, ...); this file starts the ones asked for and waits for
//! Ctrl-C or SIGTERM.
//!
//! - `sockerless up` starts every server that exists, on its default port.
//! - `sockerless sim aws|gcp|azure` and `sockerless hub github|gitlab` start one.
//! - `sockerless engine` starts the Docker Engine API daemon.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use simkit::ServerBuilder;
use simkit::server::Signals;
use simkit::store::Durability;
use simkit::tls::Authority;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser, Debug)]
#[command(
    name = "sockerless",
    version,
    about = "Cloud simulators, forge fakes and a Docker engine in one binary"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Start every server that exists, each on its default port.
    Up(UpArgs),
    /// Start one cloud simulator.
    Sim {
        #[arg(value_enum)]
        cloud: Cloud,
        #[command(flatten)]
        server: ServerArgs,
        #[command(flatten)]
        aws: AwsArgs,
        #[command(flatten)]
        azure: AzureArgs,
    },
    /// Start one forge fake.
    Hub {
        #[arg(value_enum)]
        forge: Forge,
        #[command(flatten)]
        server: ServerArgs,
        #[command(flatten)]
        gitlab: GitlabArgs,
        #[command(flatten)]
        github: GitHubArgs,
    },
    /// Start the Docker Engine API daemon (memory backend on runc, or docker passthrough).
    Engine(EngineArgs),
    /// Run a CI runner against a forge (`runner github`: the official runner's protocol).
    Runner {
        #[arg(value_enum)]
        forge: RunnerForge,
        #[command(flatten)]
        args: RunnerArgs,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum RunnerForge {
    Github,
}

/// `config.sh`'s and `run.sh`'s settings, as one command.
#[derive(Args, Debug, Clone)]
struct RunnerArgs {
    /// The repository or organization URL (`http://127.0.0.1:5555/OWNER/REPO`).
    #[arg(long)]
    url: String,
    /// A registration token (`gh api -X POST repos/OWNER/REPO/actions/runners/registration-token`).
    #[arg(long, env = "SOCKERLESS_RUNNER_TOKEN")]
    token: String,
    /// The runner's name (the host name by default).
    #[arg(long)]
    name: Option<String>,
    /// Extra labels, comma-separated, besides self-hosted, Linux and the architecture.
    #[arg(long, value_delimiter = ',')]
    labels: Vec<String>,
    /// Where workspaces go.
    #[arg(long, default_value = "_work")]
    work: PathBuf,
    /// Exit after running one job.
    #[arg(long)]
    once: bool,
}

#[derive(Args, Debug, Clone)]
struct EngineArgs {
    /// Where to listen, as dockerd's -H: `unix:///PATH` and/or `tcp://127.0.0.1:PORT`
    /// (repeatable; default tcp://127.0.0.1:2375).
    #[arg(short = 'H', long = "host", env = "SOCKERLESS_ENGINE_HOST")]
    hosts: Vec<String>,
    /// Where containers run: `memory` (on runc, no daemon) or `docker` (passed through to the
    /// Docker API daemon at --upstream).
    #[arg(
        long,
        value_enum,
        default_value = "memory",
        env = "SOCKERLESS_ENGINE_BACKEND"
    )]
    backend: EngineBackend,
    /// The daemon the docker backend passes through to: `unix:///PATH` or `tcp://HOST:PORT`.
    #[arg(
        long,
        env = "SOCKERLESS_ENGINE_UPSTREAM",
        required_if_eq("backend", "docker")
    )]
    upstream: Option<String>,
    /// The memory backend's default runtime: `oci` (runc, each container in its image), `wasm`
    /// (the in-process wasmtime sandbox: our shell and WASI utilities over the image's files),
    /// `auto` (oci where runc works here, else wasm). Either can be asked for per container
    /// with `docker run --runtime runc|wasm`.
    #[arg(
        long,
        value_enum,
        default_value = "oci",
        env = "SOCKERLESS_ENGINE_RUNTIME"
    )]
    runtime: EngineRuntime,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum EngineRuntime {
    Oci,
    Wasm,
    Auto,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum EngineBackend {
    Memory,
    Docker,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Cloud {
    Aws,
    Gcp,
    Azure,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Forge {
    Github,
    Gitlab,
}

/// Settings every server takes.
#[derive(Args, Debug, Clone)]
struct ServerArgs {
    /// Port to listen on; 0 picks a free one (read it from the READY line).
    #[arg(long, env = "SOCKERLESS_PORT")]
    port: Option<u16>,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1", env = "SOCKERLESS_BIND")]
    bind: IpAddr,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Args, Debug, Clone)]
struct CommonArgs {
    /// Keep state here: every acknowledged write survives a crash and is reloaded on start.
    #[arg(long, env = "SOCKERLESS_STATE_DIR")]
    state_dir: Option<PathBuf>,
    /// Also fsync every write (survives power loss, not only a killed process).
    #[arg(long)]
    fsync: bool,
    /// Write the CA certificate clients must trust for HTTPS here.
    #[arg(long, env = "SOCKERLESS_CA_OUT")]
    ca_out: Option<PathBuf>,
    /// The largest request body accepted, in bytes; larger ones get 413.
    #[arg(long, default_value_t = simkit::DEFAULT_BODY_LIMIT)]
    body_limit: usize,
    /// Require this token (`Authorization: Bearer TOKEN`) for the admin API under
    /// /_sockerless/ (all but health). Generated and printed when --strict-auth is on.
    #[arg(long, env = "SOCKERLESS_ADMIN_TOKEN")]
    admin_token: Option<String>,
    /// How many requests the request inspector keeps (/_sockerless/requests and the view's
    /// inspector; bodies up to 64 KiB each); 0 turns it off.
    #[arg(long, default_value_t = simkit::inspector::DEFAULT_SIZE, env = "SOCKERLESS_INSPECTOR_SIZE")]
    inspector_size: usize,
    /// Where workloads run: `process` (host processes), `oci` (in their images, on runc; a
    /// workload whose image cannot be had fails), `auto` (in the image when it can be had and
    /// runc works here, else as a host process).
    #[arg(long, default_value = "process", env = "SOCKERLESS_WORKLOADS")]
    workloads: simkit::runner::WorkloadsMode,
    /// The OCI runtime binary for `--workloads oci|auto` (`runc` on PATH by default).
    #[arg(long, env = "SOCKERLESS_OCI_RUNTIME")]
    oci_runtime: Option<PathBuf>,
    /// Seed these OCI image layouts (`scripts/images` output) under `localhost/...` names for
    /// `--workloads oci|auto`; with no layout named, every layout under
    /// /var/tmp/sockerless-image-cache.
    #[arg(long, num_args = 0.., value_name = "LAYOUT_DIR")]
    seed_images: Option<Vec<PathBuf>>,
    /// Pull workload images no registry of the server holds through this registry
    /// (`http[s]://HOST[:PORT][/PREFIX]`): Docker Hub images (as a mirror, PREFIX put before the
    /// repository) and images naming HOST:PORT; cached in the server's registry.
    #[arg(long, env = "SOCKERLESS_REGISTRY_UPSTREAM", value_name = "URL", value_parser = upstream_url)]
    registry_upstream: Option<simkit::registry::upstream::UpstreamConfig>,
    /// USER:PASSWORD for the upstream registry (sent as Basic, or to its token endpoint).
    #[arg(long, env = "SOCKERLESS_REGISTRY_UPSTREAM_CREDENTIALS", hide_env_values = true, value_name = "USER:PASSWORD", value_parser = upstream_credentials)]
    registry_upstream_credentials: Option<String>,
    /// A PEM file of CA certificates an `https://` upstream registry is trusted by, besides the
    /// system's bundle.
    #[arg(long, env = "SOCKERLESS_REGISTRY_UPSTREAM_CA", value_name = "FILE", value_parser = upstream_ca)]
    registry_upstream_ca: Option<UpstreamCa>,
}

/// The certificates of `--registry-upstream-ca`, read (and checked) when the server starts.
#[derive(Debug, Clone)]
struct UpstreamCa(Vec<Vec<u8>>);

fn upstream_ca(path: &str) -> Result<UpstreamCa, String> {
    let mut probe = simkit::registry::upstream::UpstreamConfig::parse("https://ca.check", None)?;
    probe.trust_ca_file(std::path::Path::new(path))?;
    Ok(UpstreamCa(probe.extra_roots))
}

fn upstream_credentials(pair: &str) -> Result<String, String> {
    if pair.contains(':') {
        Ok(pair.to_string())
    } else {
        Err("expected USER:PASSWORD".into())
    }
}

fn upstream_url(url: &str) -> Result<simkit::registry::upstream::UpstreamConfig, String> {
    simkit::registry::upstream::UpstreamConfig::parse(url, None)
}

#[derive(Args, Debug, Clone)]
struct AwsArgs {
    /// The AWS account ID of callers whose key the simulator did not issue.
    #[arg(long, default_value = sim_aws::DEFAULT_ACCOUNT_ID, env = "SOCKERLESS_AWS_ACCOUNT_ID")]
    account_id: String,
    /// The region of requests that do not name one in their signature.
    #[arg(long, default_value = sim_aws::DEFAULT_REGION, env = "SOCKERLESS_AWS_REGION")]
    region: String,
    /// Verify SigV4 signatures: only --access-key keys and issued temporary credentials pass.
    #[arg(long)]
    strict_auth: bool,
    /// An access key as ID:SECRET or ID:SECRET:ACCOUNT (repeatable).
    #[arg(long = "access-key", value_name = "ID:SECRET[:ACCOUNT]")]
    access_keys: Vec<sim_aws::AccessKey>,
    /// Authorize every request with IAM policy evaluation (implies --strict-auth): callers
    /// other than the account root and --access-key keys need policies that allow them.
    #[arg(long)]
    enforce_iam: bool,
}

#[derive(Args, Debug, Clone)]
struct AzureArgs {
    /// The secret IDENTITY_HEADER the Azure managed identity endpoint requires; made up when
    /// absent (printed at start).
    #[arg(long, env = "SOCKERLESS_AZURE_IDENTITY_HEADER")]
    azure_identity_header: Option<String>,
}

#[derive(Args, Debug, Clone)]
struct GitlabArgs {
    /// The GitLab fake's root user token (generated and printed when absent).
    #[arg(long, env = "SOCKERLESS_GITLAB_ROOT_TOKEN")]
    gitlab_root_token: Option<String>,
    /// The GitLab fake's instance runner registration token (generated when absent).
    #[arg(long, env = "SOCKERLESS_GITLAB_RUNNER_TOKEN")]
    gitlab_runner_token: Option<String>,
    /// When the GitLab fake runs pipeline schedules (GitLab's `pipeline_schedule_worker_cron`).
    #[arg(long, env = "SOCKERLESS_GITLAB_SCHEDULE_WORKER_CRON")]
    gitlab_schedule_worker_cron: Option<String>,
    /// When the GitLab fake stops environments whose auto-stop time passed (GitLab's
    /// `environments_auto_stop_cron_worker_cron`).
    #[arg(long, env = "SOCKERLESS_GITLAB_AUTO_STOP_WORKER_CRON")]
    gitlab_auto_stop_worker_cron: Option<String>,
}

#[derive(Args, Debug, Clone)]
struct GitHubArgs {
    /// The GitHub site administrator's token (`ghp_…`, every scope); generated and printed
    /// when absent.
    #[arg(long, env = "SOCKERLESS_GITHUB_TOKEN")]
    github_token: Option<String>,
    /// Requests per hour a GitHub token may make (GitHub: 5000).
    #[arg(long, default_value_t = 5000)]
    github_rate_limit: u32,
}

#[derive(Args, Debug, Clone)]
struct UpArgs {
    /// Address to bind every server to.
    #[arg(long, default_value = "127.0.0.1", env = "SOCKERLESS_BIND")]
    bind: IpAddr,
    /// Move every port: AWS on BASE, GCP BASE+1, Azure BASE+2, GitHub BASE+3, GitLab BASE+4,
    /// the engine BASE+5.
    /// 0 gives each server a free port.
    #[arg(long)]
    port_base: Option<u16>,
    #[arg(long, env = "SOCKERLESS_AWS_PORT")]
    aws_port: Option<u16>,
    #[arg(long, env = "SOCKERLESS_GCP_PORT")]
    gcp_port: Option<u16>,
    #[arg(long, env = "SOCKERLESS_AZURE_PORT")]
    azure_port: Option<u16>,
    #[arg(long, env = "SOCKERLESS_GITHUB_PORT")]
    github_port: Option<u16>,
    #[arg(long, env = "SOCKERLESS_GITLAB_PORT")]
    gitlab_port: Option<u16>,
    #[arg(long, env = "SOCKERLESS_ENGINE_PORT")]
    engine_port: Option<u16>,
    #[command(flatten)]
    common: CommonArgs,
    #[command(flatten)]
    aws: AwsArgs,
    #[command(flatten)]
    azure: AzureArgs,
    #[command(flatten)]
    gitlab: GitlabArgs,
    #[command(flatten)]
    github: GitHubArgs,
}

/// Every server `up` knows of, with its default port.
const SERVERS: [(&str, u16, u16); 6] = [
    // (name, default port, offset from --port-base)
    ("aws", 4566, 0),
    ("gcp", 4567, 1),
    ("azure", 4568, 2),
    ("github", 5555, 3),
    ("gitlab", 5556, 4),
    ("engine", 2375, 5),
];

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_tracing();
    simkit::server::raise_open_file_limit();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(run(cli))
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_env("SOCKERLESS_LOG").unwrap_or_else(|_| EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut signals = Signals::install();
    match cli.command {
        Command::Up(args) => up(args, &mut signals).await,
        Command::Runner {
            forge: RunnerForge::Github,
            args,
        } => {
            let (stop, stopped) = tokio::sync::watch::channel(false);
            tokio::spawn(async move {
                signals.recv().await;
                let _ = stop.send(true);
            });
            let name = args.name.unwrap_or_else(|| "sockerless-runner".into());
            let config = actions_runner::Config {
                url: args.url,
                token: args.token,
                name,
                labels: args.labels,
                work: args.work,
                once: args.once,
            };
            actions_runner::run(config, stopped)
                .await
                .context("runner github")
        }
        Command::Engine(args) => {
            let make_backend = match (args.backend, args.upstream.clone()) {
                (EngineBackend::Docker, Some(upstream)) => docker_backend(upstream),
                _ => engine_backend(args.runtime),
            };
            let engine = engine_builder(&args.hosts, &args.common, None, None)?
                .start(make_backend)
                .await
                .context("starting the engine")?;
            println!("export DOCKER_HOST={}", engine.docker_host());
            engine.run_until(&mut signals).await;
            Ok(())
        }
        Command::Sim {
            cloud: Cloud::Aws,
            server,
            aws,
            ..
        } => {
            let port = server.port.unwrap_or(sim_aws::DEFAULT_PORT);
            let simulator = aws_builder(server.bind, port, &server.common, &aws, None, None)
                .start()
                .await
                .context("starting the AWS simulator")?;
            if server.common.admin_token.is_none()
                && let Some(token) = simulator.admin_token()
            {
                println!("# admin API token: export SOCKERLESS_ADMIN_TOKEN={token}");
            }
            simulator.run_until(&mut signals).await;
            Ok(())
        }
        Command::Sim {
            cloud: Cloud::Gcp,
            server,
            ..
        } => {
            let port = server.port.unwrap_or(sim_gcp::DEFAULT_PORT);
            let simulator = gcp_builder(server.bind, port, &server.common, None, None)
                .start()
                .await
                .context("starting the GCP simulator")?;
            simulator.run_until(&mut signals).await;
            Ok(())
        }
        Command::Sim {
            cloud: Cloud::Azure,
            server,
            azure,
            ..
        } => {
            let port = server.port.unwrap_or(sim_azure::DEFAULT_PORT);
            let simulator = azure_builder(server.bind, port, &server.common, &azure, None, None)
                .start()
                .await
                .context("starting the Azure simulator")?;
            print_azure_hints(&simulator);
            simulator.run_until(&mut signals).await;
            Ok(())
        }
        Command::Hub {
            forge: Forge::Gitlab,
            server,
            gitlab,
            ..
        } => {
            let port = server.port.unwrap_or(gitlabhub::DEFAULT_PORT);
            let hub = gitlab_builder(server.bind, port, &server.common, &gitlab, None, None)
                .start()
                .await
                .context("starting the GitLab fake")?;
            print_gitlab_tokens(&hub, gitlab.gitlab_root_token.is_none());
            hub.run_until(&mut signals).await;
            Ok(())
        }
        Command::Hub {
            forge: Forge::Github,
            server,
            github,
            ..
        } => {
            let port = server.port.unwrap_or(bleephub::DEFAULT_PORT);
            let hub = github_builder(server.bind, port, &server.common, &github, None, None)
                .start()
                .await
                .context("starting the GitHub fake")?;
            if github.github_token.is_none() {
                println!(
                    "# GitHub admin token: export GH_TOKEN={}",
                    hub.admin_token()
                );
            }
            hub.run_until(&mut signals).await;
            Ok(())
        }
    }
}

/// The settings every server takes from the command line: where its state lives, how
/// durable writes are, its body limit and admin token, and the CA it serves TLS with (`up`
/// shares one CA between all servers; alone, a server writes its CA where `--ca-out` says).
fn apply_common(
    kit: &mut simkit::KitConfig,
    common: &CommonArgs,
    state_dir: Option<PathBuf>,
    authority: Option<(Arc<Authority>, PathBuf)>,
) {
    kit.state_dir = state_dir.or_else(|| common.state_dir.clone());
    kit.durability = if common.fsync {
        Durability::Fsync
    } else {
        Durability::Process
    };
    kit.body_limit = common.body_limit;
    kit.admin_token = common.admin_token.clone();
    kit.inspector_size = common.inspector_size;
    kit.registry_upstream = common.registry_upstream.clone().map(|mut upstream| {
        upstream.credentials = common
            .registry_upstream_credentials
            .as_deref()
            .and_then(|pair| pair.split_once(':'))
            .map(|(user, password)| (user.to_string(), password.to_string()));
        if let Some(ca) = &common.registry_upstream_ca {
            upstream.extra_roots = ca.0.clone();
        }
        upstream
    });
    match authority {
        Some((authority, path)) => {
            kit.authority = Some(authority);
            kit.ca_out = Some(path);
        }
        None => kit.ca_out = common.ca_out.clone(),
    }
    // Workloads run through the runner `--workloads` names (the process runner by default).
    if common.workloads != simkit::runner::WorkloadsMode::Process {
        kit.runner = Some(oci_runner(
            common,
            kit.state_dir.as_deref(),
            kit.clock.clone(),
        ));
    }
}

fn gitlab_builder(
    bind: IpAddr,
    port: u16,
    common: &CommonArgs,
    gitlab: &GitlabArgs,
    state_dir: Option<PathBuf>,
    authority: Option<(Arc<Authority>, PathBuf)>,
) -> gitlabhub::Builder {
    let mut builder = gitlabhub::Hub::builder()
        .bind(bind)
        .port(port)
        .announce(true);
    if let Some(token) = &gitlab.gitlab_root_token {
        builder = builder.root_token(token.clone());
    }
    if let Some(token) = &gitlab.gitlab_runner_token {
        builder = builder.runner_registration_token(token.clone());
    }
    if let Some(cron) = &gitlab.gitlab_schedule_worker_cron {
        builder = builder.schedule_worker_cron(cron.clone());
    }
    if let Some(cron) = &gitlab.gitlab_auto_stop_worker_cron {
        builder = builder.auto_stop_worker_cron(cron.clone());
    }
    apply_common(builder.kit_config_mut(), common, state_dir, authority);
    builder
}

/// The tokens a GitLab user needs, when the hub generated them.
fn print_gitlab_tokens(hub: &gitlabhub::Hub, generated: bool) {
    if generated {
        println!(
            "# GitLab root token: export GITLAB_TOKEN={}",
            hub.root_token()
        );
    }
    println!(
        "# GitLab runner registration token: {}",
        hub.runner_registration_token()
    );
}

fn aws_builder(
    bind: IpAddr,
    port: u16,
    common: &CommonArgs,
    aws: &AwsArgs,
    state_dir: Option<PathBuf>,
    authority: Option<(Arc<Authority>, PathBuf)>,
) -> sim_aws::Builder {
    let mut builder = sim_aws::Simulator::builder()
        .bind(bind)
        .port(port)
        .announce(true)
        .account_id(aws.account_id.clone())
        .region(aws.region.clone())
        .strict_auth(aws.strict_auth || aws.enforce_iam)
        .enforce_iam(aws.enforce_iam);
    for key in &aws.access_keys {
        builder = builder.access_key(key.clone());
    }
    apply_common(builder.kit_config_mut(), common, state_dir, authority);
    builder
}

fn azure_builder(
    bind: IpAddr,
    port: u16,
    common: &CommonArgs,
    azure: &AzureArgs,
    state_dir: Option<PathBuf>,
    authority: Option<(Arc<Authority>, PathBuf)>,
) -> sim_azure::Builder {
    let mut builder = sim_azure::Simulator::builder()
        .bind(bind)
        .port(port)
        .announce(true);
    if let Some(secret) = &azure.azure_identity_header {
        builder = builder.identity_header(secret.clone());
    }
    apply_common(builder.kit_config_mut(), common, state_dir, authority);
    builder
}

/// How to point Azure clients at the simulator.
fn print_azure_hints(azure: &sim_azure::Simulator) {
    let url = azure.https_url();
    println!("# Azure: az cloud register -n sockerless --endpoint-resource-manager {url}/");
    println!(
        "export AZURE_SUBSCRIPTION_ID={} AZURE_TENANT_ID={}",
        azure.subscription_id(),
        azure.tenant_id()
    );
    println!(
        "export IDENTITY_ENDPOINT={url}/msi/token IDENTITY_HEADER={}",
        azure.identity_header()
    );
}

/// The runner for `--workloads oci|auto`: unpacked images are cached under the state
/// directory, or in a cache shared by stateless runs (content-addressed, so safe to share).
fn oci_runner(
    common: &CommonArgs,
    state_dir: Option<&std::path::Path>,
    clock: Arc<dyn simkit::clock::Clock>,
) -> Arc<dyn simkit::runner::Runner> {
    let cache_dir = match state_dir {
        Some(dir) => dir.join("oci-cache"),
        None => std::env::temp_dir().join("sockerless-oci-cache"),
    };
    let scratch_root =
        std::env::temp_dir().join(format!("sockerless-workloads-{}", std::process::id()));
    let runner = simkit::runner::OciRunner::new(
        clock,
        simkit::runner::OciConfig {
            mode: common.workloads,
            runtime: common.oci_runtime.clone(),
            cache_dir,
            scratch_root,
        },
    );
    let Some(layouts) = &common.seed_images else {
        return Arc::new(runner);
    };
    let local = simkit::runner::oci::local::LocalImages::default();
    let (seeded, problems) = local.seed(layouts);
    for problem in problems {
        tracing::warn!(%problem, "an image layout was not seeded");
    }
    tracing::info!(images = %seeded.join(" "), "local images seeded");
    Arc::new(runner.with_local_images(Arc::new(local)))
}

/// The engine, listening where `hosts` say (dockerd's `-H` forms). Its containers run in their
/// images: `--workloads process` (the servers' default) means `oci` here.
fn engine_builder(
    hosts: &[String],
    common: &CommonArgs,
    state_dir: Option<PathBuf>,
    authority: Option<(Arc<Authority>, PathBuf)>,
) -> anyhow::Result<engine_core::Builder> {
    let mut builder = engine_core::Engine::builder()
        .announce(true)
        .port(engine_core::DEFAULT_PORT);
    let mut tcp = false;
    for host in hosts {
        if let Some(path) = host.strip_prefix("unix://") {
            builder = builder.unix_socket(path);
        } else if let Some(address) = host.strip_prefix("tcp://") {
            let address: std::net::SocketAddr = address
                .parse()
                .with_context(|| format!("-H {host}: expected tcp://IP:PORT"))?;
            builder = builder.bind(address.ip()).port(address.port());
            tcp = true;
        } else {
            anyhow::bail!("-H {host}: expected unix:///PATH or tcp://IP:PORT");
        }
    }
    if !tcp && !hosts.is_empty() {
        // The READY line and the admin API still need a TCP port: any free one.
        builder = builder.port(0);
    }
    let mut common = common.clone();
    if common.workloads == simkit::runner::WorkloadsMode::Process {
        common.workloads = simkit::runner::WorkloadsMode::Oci;
    }
    apply_common(builder.kit_config_mut(), &common, state_dir, authority);
    Ok(builder)
}

fn engine_backend(runtime: EngineRuntime) -> engine_core::MakeBackend {
    Box::new(move |kit, events| {
        let runc = kit.runner().clone();
        let wasm = wasm_runner(kit);
        let wasm_default = match runtime {
            EngineRuntime::Oci => false,
            EngineRuntime::Wasm => {
                if let Err(why) = &wasm {
                    return Err(format!("--runtime wasm: {why}"));
                }
                true
            }
            // runc works here when the runner reports its own isolation, not the host
            // process runner it falls back to.
            EngineRuntime::Auto => wasm.is_ok() && runc.isolation().runner == "process",
        };
        let runtimes = backend_memory::runtimes::Runtimes::with_wasm(runc, wasm, wasm_default);
        backend_memory::MemoryBackend::open_with_runtimes(kit, events, runtimes)
            .map(|backend| backend as Arc<dyn engine_core::Backend>)
    })
}

/// The wasm runtime: the WASI userland `scripts/setup` installs, compiled modules cached on
/// disk, image trees copied from the kit's runner's cache. Compiling (or loading) the modules
/// starts at once on a thread of its own, so the first container does not wait for all of it.
fn wasm_runner(kit: &simkit::Kit) -> Result<Arc<dyn simkit::runner::Runner>, String> {
    let dir = sandbox::default_userland_dir();
    if !dir.join("coreutils.wasm").is_file() {
        return Err(format!(
            "the WASI userland is missing from {}: run scripts/setup",
            dir.display()
        ));
    }
    let userland = sandbox::Userland::new(dir, Some(sandbox::default_cache_dir()))
        .map_err(|error| error.to_string())?;
    let warming = userland.clone();
    let _ = std::thread::Builder::new()
        .name("wasm-warm".into())
        .spawn(move || {
            if let Err(error) = warming.warm() {
                tracing::warn!(%error, "the WASI userland could not be compiled");
            }
        });
    let scratch = std::env::temp_dir().join(format!("sockerless-wasm-{}", std::process::id()));
    let runner = sandbox::WasmRunner::new(kit.clock().clone(), userland, scratch)
        .with_images(kit.runner().clone());
    Ok(Arc::new(runner))
}

fn docker_backend(upstream: String) -> engine_core::MakeBackend {
    Box::new(move |_kit, events| {
        backend_docker::DockerBackend::open(&upstream, events)
            .map(|backend| backend as Arc<dyn engine_core::Backend>)
    })
}

fn github_builder(
    bind: IpAddr,
    port: u16,
    common: &CommonArgs,
    github: &GitHubArgs,
    state_dir: Option<PathBuf>,
    authority: Option<(Arc<Authority>, PathBuf)>,
) -> bleephub::Builder {
    let mut builder = bleephub::GitHub::builder()
        .bind(bind)
        .port(port)
        .announce(true)
        .rate_limit(github.github_rate_limit);
    if let Some(token) = &github.github_token {
        builder = builder.admin_token(token.clone());
    }
    apply_common(builder.kit_config_mut(), common, state_dir, authority);
    builder
}

fn gcp_builder(
    bind: IpAddr,
    port: u16,
    common: &CommonArgs,
    state_dir: Option<PathBuf>,
    authority: Option<(Arc<Authority>, PathBuf)>,
) -> sim_gcp::Builder {
    let mut builder = sim_gcp::Simulator::builder()
        .bind(bind)
        .port(port)
        .announce(true);
    apply_common(builder.kit_config_mut(), common, state_dir, authority);
    builder
}

async fn up(mut args: UpArgs, signals: &mut Signals) -> anyhow::Result<()> {
    // One admin token for every server, so one variable reaches them all.
    if (args.aws.strict_auth || args.aws.enforce_iam) && args.common.admin_token.is_none() {
        use simkit::ids::IdGen;
        args.common.admin_token = Some(simkit::ids::RandomIds::default().hex(32));
    }
    let port_of = |name: &str, explicit: Option<u16>| -> u16 {
        let (_, default, offset) = SERVERS
            .iter()
            .find(|(n, _, _)| *n == name)
            .copied()
            .unwrap_or((name, 0, 0));
        explicit.unwrap_or(match args.port_base {
            Some(0) => 0,
            Some(base) => base.saturating_add(offset),
            None => default,
        })
    };
    // One CA for every server, so a client trusts one file.
    // Without a state directory the CA lives in a temporary directory removed at exit.
    let temp = tempfile::Builder::new()
        .prefix("sockerless-")
        .tempdir()
        .context("creating a temporary directory")?;
    let (authority, ca_path) = match &args.common.state_dir {
        Some(dir) => (
            Authority::load_or_generate(dir).context("loading the CA")?,
            dir.join("ca.pem"),
        ),
        None => (
            Authority::generate().context("generating the CA")?,
            temp.path().join("ca.pem"),
        ),
    };
    let ca_path = args.common.ca_out.clone().unwrap_or(ca_path);
    let authority = Arc::new(authority);
    authority
        .write_ca(&ca_path)
        .context("writing the CA certificate")?;

    let aws_state = args.common.state_dir.as_ref().map(|dir| dir.join("aws"));
    let aws = aws_builder(
        args.bind,
        port_of("aws", args.aws_port),
        &args.common,
        &args.aws,
        aws_state,
        Some((authority.clone(), ca_path.clone())),
    )
    .start()
    .await
    .context("starting the AWS simulator")?;

    let gcp_state = args.common.state_dir.as_ref().map(|dir| dir.join("gcp"));
    let gcp = gcp_builder(
        args.bind,
        port_of("gcp", args.gcp_port),
        &args.common,
        gcp_state,
        Some((authority.clone(), ca_path.clone())),
    )
    .start()
    .await
    .context("starting the GCP simulator")?;

    let azure_state = args.common.state_dir.as_ref().map(|dir| dir.join("azure"));
    let azure = azure_builder(
        args.bind,
        port_of("azure", args.azure_port),
        &args.common,
        &args.azure,
        azure_state,
        Some((authority.clone(), ca_path.clone())),
    )
    .start()
    .await
    .context("starting the Azure simulator")?;

    let gitlab_state = args.common.state_dir.as_ref().map(|dir| dir.join("gitlab"));
    let gitlab = gitlab_builder(
        args.bind,
        port_of("gitlab", args.gitlab_port),
        &args.common,
        &args.gitlab,
        gitlab_state,
        Some((authority.clone(), ca_path.clone())),
    )
    .start()
    .await
    .context("starting the GitLab fake")?;

    let github_state = args.common.state_dir.as_ref().map(|dir| dir.join("github"));
    let github = github_builder(
        args.bind,
        port_of("github", args.github_port),
        &args.common,
        &args.github,
        github_state,
        Some((authority.clone(), ca_path.clone())),
    )
    .start()
    .await
    .context("starting the GitHub fake")?;

    let engine_state = args.common.state_dir.as_ref().map(|dir| dir.join("engine"));
    let engine = engine_builder(
        &[],
        &args.common,
        engine_state,
        Some((authority.clone(), ca_path.clone())),
    )?
    .port(port_of("engine", args.engine_port))
    .start(engine_backend(EngineRuntime::Oci))
    .await
    .context("starting the engine")?;

    println!("# Sockerless is up. Point your clients at it:");
    println!("export DOCKER_HOST={}", engine.docker_host());
    println!("export AWS_ENDPOINT_URL={}", aws.url());
    println!(
        "export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION={}",
        args.aws.region
    );
    println!("export STORAGE_EMULATOR_HOST={}", gcp.url());
    println!(
        "export CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE={}/storage/v1/",
        gcp.url()
    );
    print_azure_hints(&azure);
    println!("export GITLAB_URL={}", gitlab.url());
    print_gitlab_tokens(&gitlab, args.gitlab.gitlab_root_token.is_none());
    println!("export SOCKERLESS_CA={}", ca_path.display());
    println!(
        "# GitHub at {0} (Enterprise API under {0}/api/v3): export GH_TOKEN={1}",
        github.url(),
        github.admin_token()
    );
    if let Some(token) = aws.admin_token() {
        println!("export SOCKERLESS_ADMIN_TOKEN={token}");
        println!(
            "# The admin API (/_sockerless/, all but health) requires: Authorization: Bearer $SOCKERLESS_ADMIN_TOKEN"
        );
    }
    println!(
        "# HTTPS on the same ports trusts $SOCKERLESS_CA (AWS_CA_BUNDLE, REQUESTS_CA_BUNDLE, curl --cacert)."
    );
    println!(
        "# Browser view (resources, workloads, requests, faults): {}/_sockerless/ (each server serves its own)",
        aws.url()
    );
    use std::io::Write;
    let _ = std::io::stdout().flush();

    signals.recv().await;
    tokio::join!(
        aws.shutdown(),
        gcp.shutdown(),
        azure.shutdown(),
        github.shutdown(),
        gitlab.shutdown(),
        engine.shutdown()
    );
    drop(temp);
    Ok(())
}
