//! Embedding the AWS simulator in a Rust program or test: start it in-process on a free port,
//! point an AWS SDK client at its URL, and it shuts down when dropped.
//!
//! ```sh
//! cargo run -p conformance-rust --example embedded_ecs
//! ```

use aws_sdk_ecs::client::Waiters;
use aws_sdk_ecs::types::ContainerDefinition;
use sim_aws::ServerBuilder;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let simulator = sim_aws::Simulator::builder().port(0).start().await?;
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(simulator.url())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_ecs::config::Credentials::new(
            "test", "test", None, None, "example",
        ))
        .load()
        .await;
    let ecs = aws_sdk_ecs::Client::new(&config);

    ecs.create_cluster().cluster_name("demo").send().await?;
    ecs.register_task_definition()
        .family("hello")
        .container_definitions(
            ContainerDefinition::builder()
                .name("app")
                .image("busybox")
                .memory(32)
                .command("sh")
                .command("-c")
                .command("echo hello from a task; exit 3")
                .build(),
        )
        .send()
        .await?;
    let run = ecs
        .run_task()
        .cluster("demo")
        .task_definition("hello")
        .send()
        .await?;
    let task = run.tasks()[0].task_arn().unwrap_or_default().to_string();
    let stopped = ecs
        .wait_until_tasks_stopped()
        .cluster("demo")
        .tasks(&task)
        .wait(std::time::Duration::from_secs(60))
        .await?;
    let described = stopped
        .as_result()
        .map_err(|error| format!("the waiter ended without the task stopping: {error:?}"))?;
    let exit_code = described.tasks()[0].containers()[0].exit_code();
    println!("task {task} exited with {exit_code:?}");
    Ok(())
}
