//! Keep-alive HTTP/1.1 load: `loadgen URL --connections N --seconds S [--header 'K: V'] [--body B]
//! [--rate R]`. Each connection sends the request back to back, or, with `--rate`, the
//! connections together send R requests per second on a fixed schedule (so two servers can be
//! compared at the same load, not each at its own saturation). The output is one JSON object
//! with requests per second, latency percentiles in microseconds, and the count of non-2xx
//! answers.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;

struct Options {
    url: hyper::Uri,
    connections: usize,
    seconds: f64,
    headers: Vec<(String, String)>,
    body: String,
    /// Requests per second across all connections; `None` sends back to back.
    rate: Option<f64>,
}

fn parse() -> anyhow::Result<Options> {
    let mut args = std::env::args().skip(1);
    let mut options = Options {
        url: args
            .next()
            .ok_or_else(|| anyhow::anyhow!("usage: loadgen URL [options]"))?
            .parse()?,
        connections: 16,
        seconds: 5.0,
        headers: Vec::new(),
        body: String::new(),
        rate: None,
    };
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .ok_or_else(|| anyhow::anyhow!("{flag} needs a value"))?;
        match flag.as_str() {
            "--connections" => options.connections = value.parse()?,
            "--seconds" => options.seconds = value.parse()?,
            "--body" => options.body = value,
            "--rate" => options.rate = Some(value.parse()?).filter(|rate: &f64| *rate > 0.0),
            "--header" => {
                let (name, header_value) = value
                    .split_once(':')
                    .ok_or_else(|| anyhow::anyhow!("header K: V"))?;
                options
                    .headers
                    .push((name.trim().to_string(), header_value.trim().to_string()));
            }
            other => anyhow::bail!("unknown option {other}"),
        }
    }
    Ok(options)
}

#[allow(clippy::disallowed_methods)] // A benchmark measures wall time.
fn now() -> Instant {
    Instant::now()
}

async fn connect(
    authority: &str,
) -> anyhow::Result<hyper::client::conn::http1::SendRequest<Full<Bytes>>> {
    let stream = tokio::net::TcpStream::connect(authority).await?;
    stream.set_nodelay(true)?;
    let (sender, driver) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(driver);
    Ok(sender)
}

/// One client: requests back to back on a kept-alive connection, reconnecting whenever the
/// server closes it (moto's server answers one request per connection).
async fn connection(
    options: std::sync::Arc<Options>,
    until: Instant,
    first: Instant,
) -> anyhow::Result<(Vec<u32>, u64)> {
    // With a rate, this connection's share of it, as the gap between its scheduled sends; a
    // send that falls behind its schedule goes at once (no catching up in a burst beyond that).
    let gap = options
        .rate
        .map(|rate| Duration::from_secs_f64(options.connections as f64 / rate));
    let mut next = first;
    let authority = options
        .url
        .authority()
        .ok_or_else(|| anyhow::anyhow!("URL without host"))?
        .to_string();
    let mut latencies = Vec::with_capacity(100_000);
    let mut failures = 0;
    let method = if options.body.is_empty() {
        hyper::Method::GET
    } else {
        hyper::Method::POST
    };
    let mut sender = None;
    while now() < until {
        if let Some(gap) = gap {
            tokio::time::sleep_until(next.into()).await;
            next = (next + gap).max(now());
            if now() >= until {
                break;
            }
        }
        let started = now();
        let mut current = match sender.take() {
            Some(current) => current,
            None => connect(&authority).await?,
        };
        if current.ready().await.is_err() {
            current = connect(&authority).await?;
        }
        let mut request = hyper::Request::builder()
            .method(method.clone())
            .uri(options.url.path())
            .header("host", authority.as_str());
        for (name, value) in &options.headers {
            request = request.header(name, value);
        }
        let request = request.body(Full::new(Bytes::from(options.body.clone())))?;
        let response = match current.send_request(request).await {
            Ok(response) => response,
            // The server closed the connection between the readiness check and the send.
            Err(error) if error.is_canceled() || error.is_closed() => continue,
            Err(error) => return Err(error.into()),
        };
        let ok = response.status().is_success();
        response.into_body().collect().await?;
        latencies.push(started.elapsed().as_micros() as u32);
        if !ok {
            failures += 1;
        }
        sender = Some(current);
    }
    Ok((latencies, failures))
}

fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = std::sync::Arc::new(parse()?);
    let started = now();
    let until = started + Duration::from_secs_f64(options.seconds);
    // Paced connections start spread over one gap, so the sends do not come in bursts.
    let spread = options
        .rate
        .map_or(0.0, |rate| 1.0 / rate);
    let workers: Vec<_> = (0..options.connections)
        .map(|index| {
            let first = started + Duration::from_secs_f64(spread * index as f64);
            tokio::spawn(connection(options.clone(), until, first))
        })
        .collect();
    let mut latencies = Vec::new();
    let mut failures = 0;
    for worker in workers {
        let (mine, failed) = worker.await??;
        latencies.extend(mine);
        failures += failed;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let output = serde_json::json!({
        "requests": latencies.len(),
        "rps": latencies.len() as f64 / elapsed,
        "p50_us": percentile(&latencies, 0.50),
        "p99_us": percentile(&latencies, 0.99),
        "failures": failures,
    });
    println!("{output}");
    Ok(())
}
