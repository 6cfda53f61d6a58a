//! Running groups of workers side by side over a warm-up and a measured window: each
//! group becomes one row of the table (ops, latency histogram, errors, CPU and RSS).

use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use crate::RunArgs;
use crate::measure::{MICROS_PER_TICK, pg_backend_pids, proc_cpu_ticks, proc_status_kib};
use crate::report::Row;
use crate::scenarios::{Shared, Worker};
use crate::setup::Setup;

#[derive(Default)]
struct Stats {
    ops: u64,
    reqs: u64,
    errors: u64,
    samples: Vec<String>,
}

pub struct Group {
    pub label: String,
    pub workers: Vec<Worker>,
}

/// Runs groups of workers at the same time; one row per group.
pub async fn run_groups(
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

pub async fn build_workers(
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
