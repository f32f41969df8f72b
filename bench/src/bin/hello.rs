//! A bare axum server answering `POST /` and `GET /` with a fixed body: the throughput ceiling
//! for this machine, so a simulator's requests per second can be read as a fraction of it.
//! Prints `READY hello <url>` like every Sockerless server.

use axum::Router;
use axum::routing::any;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    println!("READY hello http://{}", listener.local_addr()?);
    let app = Router::new().route("/", any(|| async { "hello" }));
    axum::serve(listener, app).await?;
    Ok(())
}
