//! The results table (markdown): one row per scenario, the per-part CPU columns only when
//! the parts ran as processes of their own.

pub fn render_table(rows: &[Row], hwm_kib: Option<u64>) -> String {
    let ceiling = rows
        .iter()
        .find(|r| r.scenario == "healthz")
        .map(|r| r.req_per_s);
    let mut out = String::new();
    // The per-part columns only when the parts ran as processes of their own.
    let parts = rows.iter().any(|r| {
        r.auth_cpu_us_per_op.is_some()
            || r.todo_cpu_us_per_op.is_some()
            || r.web_cpu_us_per_op.is_some()
    });
    out.push_str("| scenario | conc | ops/s | req/s | % of healthz | p50 ms | p99 ms | max ms | errors | server CPU µs/op | driver CPU µs/op |");
    if parts {
        out.push_str(" auth CPU µs/op | todo CPU µs/op | web CPU µs/op |");
    }
    out.push_str(" RSS max MB | DB rows written/op | DB rows gone/op |\n");
    out.push_str("|:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    if parts {
        out.push_str("---:|---:|---:|");
    }
    out.push_str("---:|---:|---:|\n");
    let opt = |x: Option<f64>, prec: usize| x.map_or("-".to_owned(), |v| format!("{v:.prec$}"));
    for r in rows {
        let pct = ceiling
            .filter(|c| *c > 0.0)
            .map(|c| 100.0 * r.req_per_s / c);
        out.push_str(&format!(
            "| {:<26} | {:>4} | {:>9.0} | {:>9.0} | {:>6} | {:>8.3} | {:>8.3} | {:>8.1} | {:>6} | {:>6} | {:>6} |",
            r.scenario,
            r.concurrency,
            r.ops_per_s,
            r.req_per_s,
            opt(pct, 0),
            r.p50_ms,
            r.p99_ms,
            r.max_ms,
            r.errors,
            opt(r.server_cpu_us_per_op, 1),
            opt(r.driver_cpu_us_per_op, 1),
        ));
        if parts {
            out.push_str(&format!(
                " {:>6} | {:>6} | {:>6} |",
                opt(r.auth_cpu_us_per_op, 1),
                opt(r.todo_cpu_us_per_op, 1),
                opt(r.web_cpu_us_per_op, 1),
            ));
        }
        out.push_str(&format!(
            " {:>6} | {:>5} | {:>5} |\n",
            opt(r.rss_max_mb, 1),
            opt(r.db_rows_written_per_op, 2),
            opt(r.db_rows_gone_per_op, 2),
        ));
    }
    if let Some(k) = hwm_kib {
        out.push_str(&format!(
            "\nServer peak RSS over the whole run (VmHWM): {:.1} MB\n",
            k as f64 / 1024.0
        ));
    }
    out
}

#[derive(Clone, serde::Serialize)]
pub struct Row {
    pub scenario: String,
    pub concurrency: usize,
    pub ops_per_s: f64,
    pub req_per_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub errors: u64,
    pub error_samples: Vec<String>,
    pub rss_max_mb: Option<f64>,
    /// CPU time per op (user + system) of the server process and of this driver during the
    /// measured window: what a share of the ceiling is made of. One group per run only.
    pub server_cpu_us_per_op: Option<f64>,
    pub driver_cpu_us_per_op: Option<f64>,
    /// The same for each part when they run as processes of their own (`--auth-pid` …):
    /// a web page's cost beside the todo API calls (and identity server calls) it makes.
    pub auth_cpu_us_per_op: Option<f64>,
    pub todo_cpu_us_per_op: Option<f64>,
    pub web_cpu_us_per_op: Option<f64>,
    /// The same for the PostgreSQL backends serving the bench databases (production mode).
    pub pg_cpu_us_per_op: Option<f64>,
    /// Row versions written per op (SQLite, identity server database), and row versions
    /// that disappeared (old versions of updated rows, or deleted rows).
    pub db_rows_written_per_op: Option<f64>,
    pub db_rows_gone_per_op: Option<f64>,
    pub setup_error: Option<String>,
}

pub fn failed_row(scenario: &str, concurrency: usize, e: String) -> Row {
    Row {
        scenario: scenario.to_owned(),
        concurrency,
        ops_per_s: 0.0,
        req_per_s: 0.0,
        p50_ms: 0.0,
        p99_ms: 0.0,
        max_ms: 0.0,
        errors: 1,
        error_samples: vec![e.clone()],
        rss_max_mb: None,
        server_cpu_us_per_op: None,
        driver_cpu_us_per_op: None,
        auth_cpu_us_per_op: None,
        todo_cpu_us_per_op: None,
        web_cpu_us_per_op: None,
        pg_cpu_us_per_op: None,
        db_rows_written_per_op: None,
        db_rows_gone_per_op: None,
        setup_error: Some(e),
    }
}

/// Keycloak's published sizing, per vCPU of Keycloak (its "Concepts for sizing CPU and
/// memory resources" guide): client-credential grants, refresh-token requests and password
/// logins per second.
const KEYCLOAK_PER_VCPU: &[(&str, f64)] = &[
    ("cc-es256", 120.0),
    ("cc-eddsa", 120.0),
    ("cc-rs256", 120.0),
    ("refresh", 120.0),
    ("login", 15.0),
    ("login flood", 15.0),
];

/// The scenario whose counts and Keycloak figure a row takes (the login flood's two rows
/// are its probe and its flood).
fn base_scenario(label: &str) -> &str {
    match label.trim() {
        "cc-es256 during logins" => "cc-es256",
        "login flood" => "login",
        other => other,
    }
}

/// Production table: ops/s per vCPU of the machine (everything — the servers, PostgreSQL,
/// Redis and the driver — shares `vcpus`), ops/s per vCPU of server CPU alone (1 s ÷ server
/// CPU per op), round trips per op, and Keycloak's figure with the ratio.
pub fn render_per_vcpu(
    rows: &[Row],
    counted: &std::collections::BTreeMap<String, crate::counts::Counts>,
    vcpus: f64,
) -> String {
    let mut out = format!(
        "| scenario | ops/s | p99 ms | errors | server CPU µs/op | PostgreSQL CPU µs/op | PostgreSQL statements/op | Redis commands/op | ops/s per vCPU (÷ {vcpus}) | ops/s per server-CPU second | Keycloak /s/vCPU | × Keycloak |\n"
    );
    out.push_str("|:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    let opt = |x: Option<f64>, prec: usize| x.map_or("-".to_owned(), |v| format!("{v:.prec$}"));
    for r in rows {
        let base = base_scenario(&r.scenario);
        let c = counted.get(base);
        let pg = c.and_then(|c| {
            c.pg_total().map(|t| {
                let parts: Vec<String> =
                    c.pg.iter().map(|(db, n)| format!("{db} {n:.2}")).collect();
                format!("{t:.2} ({})", parts.join(", "))
            })
        });
        let per_vcpu = r.ops_per_s / vcpus;
        let keycloak = KEYCLOAK_PER_VCPU
            .iter()
            .find(|(s, _)| *s == r.scenario.trim() || *s == base)
            .filter(|_| r.scenario != "cc-es256 during logins")
            .map(|(_, k)| *k);
        out.push_str(&format!(
            "| {} | {:.0} | {:.3} | {} | {} | {} | {} | {} | {:.0} | {} | {} | {} |\n",
            r.scenario.trim(),
            r.ops_per_s,
            r.p99_ms,
            r.errors,
            opt(r.server_cpu_us_per_op, 1),
            opt(r.pg_cpu_us_per_op, 1),
            pg.unwrap_or_else(|| "-".into()),
            opt(c.and_then(|c| c.redis), 2),
            per_vcpu,
            opt(
                r.server_cpu_us_per_op.filter(|u| *u > 0.0).map(|u| 1e6 / u),
                0
            ),
            opt(keycloak, 0),
            opt(keycloak.map(|k| per_vcpu / k), 1),
        ));
    }
    out
}
