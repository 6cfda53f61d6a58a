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
mod scenarios;
mod setup;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use hdrhistogram::Histogram;

use crate::measure::{
    MICROS_PER_TICK, count_writes, pg_backend_pids, proc_cpu_ticks, proc_status_kib,
};
use crate::report::{Row, failed_row, render_table};
use crate::scenarios::{SCENARIOS, Shared, Worker};
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

// ---------------------------------------------------------------------------------------
// Running

#[derive(Default)]
struct Stats {
    ops: u64,
    reqs: u64,
    errors: u64,
    samples: Vec<String>,
}

struct Group {
    label: String,
    workers: Vec<Worker>,
}

/// Runs groups of workers at the same time; one row per group.
async fn run_groups(
    groups: Vec<Group>,
    setup: &Arc<Setup>,
    args: &RunArgs,
) -> (Vec<Row>, Vec<Vec<Worker>>) {
    let warmup = Duration::from_secs_f64(args.warmup);
    let duration = Duration::from_secs_f64(args.duration);
    let start = Instant::now();
    let measure_from = start + warmup;
    let end = measure_from + duration;

    let rss_task = args.server_pid.map(|pid| {
        tokio::spawn(async move {
            let mut max = 0u64;
            while Instant::now() < end {
                if Instant::now() >= measure_from {
                    max = max.max(proc_status_kib(pid, "VmRSS:").unwrap_or(0));
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            max
        })
    });

    // CPU ticks of the server, of each part (summed over its instances) and of this
    // process at both ends of the measured window. Without --server-pid the server is the
    // parts together.
    let parts: Vec<u32> = (args.auth_pid.iter().copied())
        .chain(args.todo_pid)
        .chain(args.web_pid)
        .collect();
    let pids: [Vec<u32>; 5] = [
        match args.server_pid {
            Some(p) => vec![p],
            None => parts,
        },
        args.auth_pid.clone(),
        args.todo_pid.into_iter().collect(),
        args.web_pid.into_iter().collect(),
        vec![std::process::id()],
    ];
    let pg = args.pg_url.clone().map(|url| (url, args.pg_db.clone()));
    let cpu_task = tokio::spawn(async move {
        tokio::time::sleep_until(measure_from.into()).await;
        // The bench databases' PostgreSQL backends, once the pools have connected.
        let backends = match &pg {
            Some((url, dbs)) => pg_backend_pids(url, dbs).await,
            None => Vec::new(),
        };
        let mut pids = pids.to_vec();
        pids.push(backends);
        let read = || -> Vec<Vec<Option<u64>>> {
            pids.iter()
                .map(|group| group.iter().map(|p| proc_cpu_ticks(*p)).collect())
                .collect()
        };
        let before = read();
        tokio::time::sleep_until(end.into()).await;
        let after = read();
        // Ticks per group over the window; a process seen at only one end (a PostgreSQL
        // backend that came or went) is left out.
        before
            .iter()
            .zip(&after)
            .map(|(b, a)| {
                (!b.is_empty()).then(|| {
                    b.iter()
                        .zip(a)
                        .filter_map(|(b, a)| Some(a.as_ref()?.saturating_sub((*b)?)))
                        .sum::<u64>()
                })
            })
            .collect::<Vec<Option<u64>>>()
    });

    let mut handles = Vec::new();
    for group in groups {
        let mut tasks = Vec::new();
        let concurrency = group.workers.len();
        for mut w in group.workers {
            let setup = setup.clone();
            tasks.push(tokio::spawn(async move {
                let mut hist = Histogram::<u64>::new_with_bounds(1, 120_000_000, 3).unwrap();
                let mut st = Stats::default();
                loop {
                    let t0 = Instant::now();
                    if t0 >= end {
                        break;
                    }
                    let r = w.step(&setup).await;
                    let us = t0.elapsed().as_micros() as u64;
                    if t0 < measure_from {
                        if let Err(e) = r {
                            // Warm-up errors count too: zero errors are expected throughout.
                            st.errors += 1;
                            if st.samples.len() < 3 {
                                st.samples.push(format!("(warm-up) {e}"));
                            }
                        }
                        continue;
                    }
                    match r {
                        Ok(n) => {
                            st.ops += 1;
                            st.reqs += n as u64;
                            hist.saturating_record(us.max(1));
                        }
                        Err(e) => {
                            st.errors += 1;
                            if st.samples.len() < 3 {
                                st.samples.push(e);
                            }
                        }
                    }
                }
                (w, hist, st)
            }));
        }
        handles.push((group.label, concurrency, tasks));
    }

    let mut rows = Vec::new();
    let mut back = Vec::new();
    for (label, concurrency, tasks) in handles {
        let mut hist = Histogram::<u64>::new_with_bounds(1, 120_000_000, 3).unwrap();
        let mut total = Stats::default();
        let mut workers = Vec::new();
        for t in tasks {
            let (w, h, st) = t.await.expect("worker task");
            hist.add(&h).expect("histogram bounds match");
            total.ops += st.ops;
            total.reqs += st.reqs;
            total.errors += st.errors;
            for s in st.samples {
                if total.samples.len() < 3 {
                    total.samples.push(s);
                }
            }
            workers.push(w);
        }
        let secs = duration.as_secs_f64();
        let ms = |q: f64| hist.value_at_quantile(q) as f64 / 1e3;
        rows.push(Row {
            scenario: label,
            concurrency,
            ops_per_s: total.ops as f64 / secs,
            req_per_s: total.reqs as f64 / secs,
            p50_ms: if total.ops > 0 { ms(0.5) } else { 0.0 },
            p99_ms: if total.ops > 0 { ms(0.99) } else { 0.0 },
            max_ms: hist.max() as f64 / 1e3,
            errors: total.errors,
            error_samples: total.samples,
            rss_max_mb: None,
            server_cpu_us_per_op: None,
            driver_cpu_us_per_op: None,
            auth_cpu_us_per_op: None,
            todo_cpu_us_per_op: None,
            web_cpu_us_per_op: None,
            pg_cpu_us_per_op: None,
            db_rows_written_per_op: None,
            db_rows_gone_per_op: None,
            setup_error: None,
        });
        back.push(workers);
    }
    if let (Ok(ticks), [row]) = (cpu_task.await, rows.as_mut_slice())
        && row.ops_per_s > 0.0
    {
        let ops = row.ops_per_s * duration.as_secs_f64();
        let per_op = |i: usize| Some(ticks.get(i).copied()?? as f64 * MICROS_PER_TICK / ops);
        row.server_cpu_us_per_op = per_op(0);
        row.auth_cpu_us_per_op = per_op(1);
        row.todo_cpu_us_per_op = per_op(2);
        row.web_cpu_us_per_op = per_op(3);
        row.pg_cpu_us_per_op = per_op(5);
        row.driver_cpu_us_per_op = per_op(4);
    }
    if let Some(t) = rss_task {
        let kib = t.await.unwrap_or(0);
        for r in &mut rows {
            r.rss_max_mb = Some(kib as f64 / 1024.0);
        }
    }
    (rows, back)
}

async fn build_workers(
    scenario: &str,
    n: usize,
    setup: &Setup,
    shared: &Shared,
) -> Result<Vec<Worker>, String> {
    // Workers that log in do it a few at a time (Argon2 queues anyway).
    let mut workers = Vec::with_capacity(n);
    let mut pending = Vec::new();
    for _ in 0..n {
        pending.push(Worker::new(scenario, setup, shared));
        if pending.len() == 8 {
            for w in futures::future::join_all(std::mem::take(&mut pending)).await {
                workers.push(w?);
            }
        }
    }
    for w in futures::future::join_all(pending).await {
        workers.push(w?);
    }
    Ok(workers)
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
