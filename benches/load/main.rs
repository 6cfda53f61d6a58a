//! Belf load driver (issue 5). Not part of the `belf` binary: built as the `load` example.
//!
//! ```text
//! load run   --belf target/release/belf --dir SCRATCH --scenario all --concurrency 32 --duration 10
//! load ready --belf target/release/belf --dir SCRATCH --url http://127.0.0.1:18080/healthz …
//! ```
//! `scripts/bench.sh` does all of it (build, scratch folder, server, every scenario, table).
//!
//! Each worker owns one keep-alive HTTP/1.1 connection (hyper 1 client over a tokio TCP
//! stream, TCP_NODELAY) and sends its next request when the previous answer is read
//! (closed loop). Latencies go into an HDR histogram in microseconds. Any status outside
//! what the scenario expects (2xx, or the 302 of a redirect step) counts as an error, and
//! the first few are printed.

mod counts;
mod http;
mod measure;
mod ready;
mod report;
mod runner;
mod scenarios;
mod setup;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::measure::{count_writes, proc_status_kib};
use crate::report::{Row, failed_row, render_table};
use crate::runner::{Group, build_workers, run_groups};
use crate::scenarios::{SCENARIOS, Shared};
use crate::setup::Setup;

#[derive(Parser)]
#[command(name = "load", about = "Belf load driver")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Start `belf serve` (detached) in DIR and time spawn → first 200 from every URL.
    /// Prints one JSON line {"pid", "ready_ms"}; the server keeps running.
    Ready {
        #[arg(long)]
        belf: PathBuf,
        #[arg(long)]
        dir: PathBuf,
        /// Health URLs to poll (http://HOST:PORT/PATH), all must answer 200.
        #[arg(long, required = true)]
        url: Vec<String>,
        /// Where the server's stdout/stderr go.
        #[arg(long)]
        log: PathBuf,
        /// Run one part only (`belf serve auth|todo|web`); all three when omitted.
        #[arg(long)]
        part: Option<String>,
        #[arg(long, default_value_t = 30.0)]
        timeout: f64,
    },
    /// Register what is needed through the CLI, then run scenarios and print the table.
    Run(Box<RunArgs>),
}

#[derive(Parser, Clone)]
struct RunArgs {
    /// Scenario name, a comma-separated list, or `all`. `--list` shows them.
    #[arg(long, default_value = "all")]
    scenario: String,
    #[arg(long)]
    list: bool,
    /// Workers (= connections) per scenario.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Measured seconds per scenario.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Unmeasured seconds before each scenario's measurement.
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// Workers measuring the token endpoint in `cc-during-logins`.
    #[arg(long, default_value_t = 2)]
    probe_concurrency: usize,
    /// Concurrency for `login` (Argon2 queues behind a semaphore; default: --concurrency).
    #[arg(long)]
    login_concurrency: Option<usize>,
    /// Identity server address; repeat it for several instances (new connections go to
    /// each in turn).
    #[arg(long, default_value = "127.0.0.1:8080")]
    auth: Vec<SocketAddr>,
    /// Todo/course service address.
    #[arg(long, default_value = "127.0.0.1:8081")]
    todo: SocketAddr,
    /// Web app address.
    #[arg(long, default_value = "127.0.0.1:8082")]
    web: SocketAddr,
    /// The `belf` binary used for registration (`user add`, `client add`, `--json`).
    #[arg(long)]
    belf: Option<PathBuf>,
    /// Folder the server runs in (the CLI runs there, on the same database).
    #[arg(long, default_value = ".")]
    dir: PathBuf,
    /// The identity server's SQLite file: enables counting rows written per grant.
    #[arg(long)]
    auth_db: Option<PathBuf>,
    /// Ops per scenario in the write-counting pass (one worker, sequential).
    #[arg(long, default_value_t = 20)]
    write_ops: u32,
    /// The server's PID: enables RSS sampling (/proc/PID/status).
    #[arg(long)]
    server_pid: Option<u32>,
    /// When the parts run as processes of their own (`belf serve auth|todo|web`): their
    /// PIDs, for each one's CPU per op.
    /// Repeat it for several identity-server instances: their CPU is summed.
    #[arg(long)]
    auth_pid: Vec<u32>,
    #[arg(long)]
    todo_pid: Option<u32>,
    #[arg(long)]
    web_pid: Option<u32>,
    /// Only count database and Redis round trips per op (one worker, `--count-ops`
    /// sequential ops per scenario) and write counts.json; no timed run.
    #[arg(long)]
    count_only: bool,
    #[arg(long, default_value_t = 50)]
    count_ops: u32,
    /// The PostgreSQL server log, and the databases whose statements it counts (they need
    /// `log_statement = 'all'`).
    #[arg(long)]
    pg_log: Option<PathBuf>,
    #[arg(long)]
    pg_db: Vec<String>,
    /// PostgreSQL to ask for the backends serving `--pg-db` (their CPU per op).
    #[arg(long)]
    pg_url: Option<String>,
    /// Redis to MONITOR, and the database number whose commands count.
    #[arg(long)]
    redis: Option<SocketAddr>,
    #[arg(long, default_value_t = 0)]
    redis_db: u32,
    /// counts.json of a `--count-only` run: adds its columns to the table.
    #[arg(long)]
    counts: Option<PathBuf>,
    /// vCPUs of the machine: adds ops/s per vCPU beside Keycloak's published sizing.
    #[arg(long)]
    vcpus: Option<f64>,
    /// Where results.md and results.json are written.
    #[arg(long, default_value = "target/bench")]
    out: PathBuf,
    /// Driver runtime threads (default: half the CPUs, at least 1).
    #[arg(long)]
    threads: Option<usize>,
}

fn main() {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Ready {
            belf,
            dir,
            url,
            log,
            part,
            timeout,
        } => {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(ready::ready(belf, dir, url, log, part, timeout));
        }
        Cmd::Run(args) => {
            if args.list {
                for (name, about) in SCENARIOS {
                    println!("{name:18} {about}");
                }
                return;
            }
            let threads = args.threads.unwrap_or_else(|| {
                std::thread::available_parallelism()
                    .map(|n| (n.get() / 2).max(1))
                    .unwrap_or(1)
            });
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(threads)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(run(*args, threads));
        }
    }
}

async fn run_scenario(name: &str, setup: &Arc<Setup>, shared: &Shared, args: &RunArgs) -> Vec<Row> {
    let c = args.concurrency;
    let login_c = args.login_concurrency.unwrap_or(c);
    let groups = if name == "cc-during-logins" {
        let probe = build_workers("cc-es256", args.probe_concurrency, setup, shared).await;
        let flood = build_workers("login", login_c, setup, shared).await;
        match (probe, flood) {
            (Ok(p), Ok(f)) => vec![
                Group {
                    label: "cc-es256 during logins".into(),
                    workers: p,
                },
                Group {
                    label: "  login flood".into(),
                    workers: f,
                },
            ],
            (Err(e), _) | (_, Err(e)) => return vec![failed_row(name, c, e)],
        }
    } else {
        let n = if name == "login" { login_c } else { c };
        match build_workers(name, n, setup, shared).await {
            Ok(w) => vec![Group {
                label: name.to_owned(),
                workers: w,
            }],
            Err(e) => return vec![failed_row(name, n, e)],
        }
    };
    let (mut rows, mut workers) = run_groups(groups, setup, args).await;
    let counts_writes = matches!(
        name,
        "cc-es256"
            | "cc-eddsa"
            | "cc-rs256"
            | "refresh"
            | "code-flow"
            | "refresh-es256"
            | "code-flow-es256"
    );
    if counts_writes
        && let Some(db) = &args.auth_db
        && let Some(w) = workers.first_mut().and_then(|g| g.first_mut())
    {
        match count_writes(db, w, setup, args.write_ops).await {
            Ok((written, gone)) => {
                rows[0].db_rows_written_per_op = Some(written);
                rows[0].db_rows_gone_per_op = Some(gone);
            }
            Err(e) => eprintln!("  write count for {name} failed: {e}"),
        }
    }
    rows
}

async fn run(args: RunArgs, threads: usize) {
    let names: Vec<&str> = if args.scenario == "all" {
        SCENARIOS.iter().map(|(n, _)| *n).collect()
    } else if args.scenario == "web" {
        scenarios::WEB.to_vec()
    } else {
        args.scenario.split(',').map(str::trim).collect()
    };
    for n in &names {
        if !SCENARIOS.iter().any(|(s, _)| s == n) {
            eprintln!("unknown scenario `{n}` (see --list)");
            std::process::exit(2);
        }
    }
    let belf = args
        .belf
        .clone()
        .expect("--belf PATH is needed to register clients and users");
    let setup = Arc::new(Setup::register(
        &belf,
        &args.dir,
        args.auth.clone(),
        args.todo,
        args.web,
    ));
    let counters = if args.count_only {
        match counts::Counters::start(
            args.pg_log.clone(),
            args.pg_db.clone(),
            args.redis,
            args.redis_db,
        )
        .await
        {
            Ok(c) => Some(c),
            Err(e) => {
                eprintln!("cannot count round trips: {e}");
                std::process::exit(1);
            }
        }
    } else {
        None
    };
    let mut counted = std::collections::BTreeMap::new();
    eprintln!(
        "driver: {threads} runtime threads; {} s warm-up + {} s per scenario; concurrency {}",
        args.warmup, args.duration, args.concurrency
    );
    let mut rows = Vec::new();
    for name in names {
        eprintln!("running {name} …");
        // A fresh user token per scenario that uses one, so long runs never outlive it.
        let shared = if scenarios::WEB.contains(&name) {
            match Shared::create_web(&setup, args.concurrency).await {
                Ok(s) => s,
                Err(e) => {
                    rows.push(failed_row(name, args.concurrency, e));
                    continue;
                }
            }
        } else if scenarios::NEEDS_USER_TOKEN.contains(&name) {
            match Shared::create(&setup).await {
                Ok(s) => s,
                Err(e) => {
                    rows.push(failed_row(name, args.concurrency, e));
                    continue;
                }
            }
        } else {
            Shared::default()
        };
        if let Some(c) = &counters {
            // The login flood is two scenarios at once: its rows' counts are theirs.
            if name != "cc-during-logins" {
                match c.count(name, &setup, &shared, args.count_ops).await {
                    Ok(n) => {
                        eprintln!(
                            "  {name:26} PostgreSQL statements/op {:?}  Redis commands/op {:?}",
                            n.pg, n.redis
                        );
                        counted.insert(name.to_owned(), n);
                    }
                    Err(e) => eprintln!("  count for {name} failed: {e}"),
                }
            }
            continue;
        }
        let got = run_scenario(name, &setup, &shared, &args).await;
        for r in &got {
            eprintln!(
                "  {:26} {:>10.0} ops/s  p50 {:>8.3} ms  p99 {:>8.3} ms  errors {}",
                r.scenario, r.ops_per_s, r.p50_ms, r.p99_ms, r.errors
            );
            for s in &r.error_samples {
                eprintln!("    error: {s}");
            }
        }
        rows.extend(got);
        // Let connections close and the server settle between scenarios.
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    if counters.is_some() {
        std::fs::create_dir_all(&args.out).ok();
        let path = args.out.join("counts.json");
        let text = serde_json::to_string_pretty(&counted).expect("json");
        std::fs::write(&path, text).expect("write counts.json");
        eprintln!("wrote {}", path.display());
        return;
    }
    let hwm = args.server_pid.and_then(|p| proc_status_kib(p, "VmHWM:"));
    let mut table = render_table(&rows, hwm);
    if let Some(vcpus) = args.vcpus {
        let counted = args.counts.as_deref().map(counts::load).unwrap_or_default();
        table.push('\n');
        table.push_str(&report::render_per_vcpu(&rows, &counted, vcpus));
    }
    println!("{table}");
    std::fs::create_dir_all(&args.out).ok();
    let md = args.out.join("results.md");
    let json = args.out.join("results.json");
    std::fs::write(&md, &table).expect("write results.md");
    std::fs::write(
        &json,
        serde_json::to_string_pretty(&serde_json::json!({
            "concurrency": args.concurrency,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "driver_threads": threads,
            "server_vm_hwm_mb": hwm.map(|k| k as f64 / 1024.0),
            "rows": rows,
        }))
        .expect("json"),
    )
    .expect("write results.json");
    eprintln!("wrote {} and {}", md.display(), json.display());
    if rows.iter().any(|r| r.errors > 0) {
        eprintln!("ERRORS were counted (see the errors column and the log above)");
    }
}
