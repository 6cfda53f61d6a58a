//! The binary starts as shipped: with exactly the `ENV` and `CMD` of the `Dockerfile`, and
//! with the environment and arguments the Kubernetes manifests give the identity server's
//! container (read from the files, so a change there is tested here). Only the data paths
//! move into a temporary folder (keys, databases, Redis: nothing listens at the manifests'
//! `postgres` and `redis` hosts here) and the listening port becomes 0; everything else —
//! `BELF_LOG_FORMAT=json`, the bind host, the issuer, the ConfigMap's settings — is the
//! shipped value. No container engine is involved: this checks what the binary does with
//! that configuration, not the image build.

mod yaml_subset;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use super::ServeOutput;
use crate::support::database::fresh_database_url;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// `BELF_*` variables, later sources overriding earlier ones (as Kubernetes layers the
/// image's `ENV`, then `envFrom`, then `env`).
type Env = BTreeMap<String, String>;

#[tokio::test]
async fn the_dockerfile_env_and_cmd_start_a_ready_server() {
    let image = final_stage(&read("Dockerfile"));
    let args = image.command_line(None);
    start_as_shipped(&args, image.env.clone(), "/readyz", Duration::from_secs(10)).await;
}

#[tokio::test]
async fn the_kubernetes_auth_deployment_starts_a_ready_server() {
    let image = final_stage(&read("Dockerfile"));
    let objects = base_objects();
    let deployment = find(&objects, "Deployment", "belf-auth");
    let pod = &deployment["spec"]["template"]["spec"];
    let container = &pod["containers"][0];

    let mut env = image.env.clone();
    for source in array(&container["envFrom"]) {
        let (kind, name, field) = if let Some(name) = source["configMapRef"]["name"].as_str() {
            ("ConfigMap", name, "data")
        } else if let Some(name) = source["secretRef"]["name"].as_str() {
            ("Secret", name, "stringData")
        } else {
            panic!("envFrom source this test does not know: {source}")
        };
        let data = find(&objects, kind, name)[field]
            .as_object()
            .unwrap_or_else(|| panic!("{kind} {name} has no {field}"));
        for (k, v) in data {
            env.insert(k.clone(), v.as_str().unwrap_or_default().to_owned());
        }
    }
    for var in array(&container["env"]) {
        let name = var["name"].as_str().expect("env name");
        env.insert(
            name.to_owned(),
            var["value"].as_str().unwrap_or_default().to_owned(),
        );
    }

    // The probes reach the port the server binds.
    let probe = &container["readinessProbe"]["httpGet"];
    let probe_path = probe["path"].as_str().expect("readiness probe path");
    let port_name = probe["port"].as_str().expect("named probe port");
    let container_port = array(&container["ports"])
        .iter()
        .find(|p| p["name"] == port_name)
        .and_then(|p| p["containerPort"].as_str())
        .expect("the probe's port is declared");
    let bind = env.get("BELF_SERVER__BIND").expect("a bind address");
    assert!(
        bind.ends_with(&format!(":{container_port}")),
        "the server binds {bind}, the probes call port {container_port}"
    );
    // Prometheus scrapes the port the management listener binds.
    let scraped = deployment["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"]
        .as_str()
        .expect("a prometheus.io/port annotation");
    let management = env
        .get("BELF_MANAGEMENT__BIND")
        .expect("the Deployment sets the management listener");
    assert!(
        management.ends_with(&format!(":{scraped}")),
        "metrics are served on {management}, Prometheus scrapes port {scraped}"
    );
    // The keys mount is where the server reads its keys.
    let keys_dir = env.get("BELF_KEYS__DIR").expect("BELF_KEYS__DIR");
    let mount = array(&container["volumeMounts"])
        .iter()
        .find(|m| m["mountPath"].as_str() == Some(keys_dir.as_str()))
        .unwrap_or_else(|| panic!("nothing is mounted at BELF_KEYS__DIR={keys_dir}"))
        .clone();
    assert_eq!(
        mount["readOnly"], "true",
        "the test relies on a read-only keys mount"
    );

    let grace = pod["terminationGracePeriodSeconds"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(Duration::from_secs(30));
    let args = image.command_line(Some(container["args"].clone()));
    start_as_shipped(&args, env, probe_path, grace).await;
}

/// The web Deployment's settings (image `ENV`, ConfigMap, Secrets, its own `env`) load as
/// a valid configuration: the app binds the port its probes and Service call, keeps its
/// sessions in Redis (several replicas), and reaches the todo service by its Service name.
#[test]
fn the_kubernetes_web_deployment_configures_a_shared_session_web_app() {
    let image = final_stage(&read("Dockerfile"));
    let objects = base_objects();
    let deployment = find(&objects, "Deployment", "belf-web");
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["args"][1], "web");
    let mut env: std::collections::HashMap<String, String> =
        image.env.clone().into_iter().collect();
    for source in array(&container["envFrom"]) {
        let (kind, name) = match (
            source["configMapRef"]["name"].as_str(),
            source["secretRef"]["name"].as_str(),
        ) {
            (Some(name), _) => ("ConfigMap", name),
            (None, Some(name)) => ("Secret", name),
            _ => panic!("envFrom source this test does not know: {source}"),
        };
        let field = if kind == "ConfigMap" {
            "data"
        } else {
            "stringData"
        };
        for (k, v) in find(&objects, kind, name)[field].as_object().expect("data") {
            env.insert(k.clone(), v.as_str().unwrap_or_default().to_owned());
        }
    }
    for var in array(&container["env"]) {
        env.insert(
            var["name"].as_str().expect("name").to_owned(),
            var["value"].as_str().unwrap_or_default().to_owned(),
        );
    }
    let config = belf::config::Config::load_with_env(None, Some(env))
        .expect("the shipped web settings load");
    let port = array(&container["ports"])
        .iter()
        .find(|p| p["name"] == "http")
        .and_then(|p| p["containerPort"].as_str())
        .expect("http port");
    assert_eq!(config.web.bind.port().to_string(), port);
    assert!(
        config.web.bind.ip().is_unspecified(),
        "reachable from the Service"
    );
    assert_eq!(
        config.web.session_store,
        belf::config::WebSessionStore::Redis
    );
    assert_eq!(config.web.todo_url.host_str(), Some("belf-todo"));
    find(&objects, "Service", "belf-todo");
    let service = find(&objects, "Service", "belf-web");
    assert_eq!(service["spec"]["ports"][0]["targetPort"], "http");
    assert!(
        config.web.public_url.scheme() == "https",
        "production cookies are __Host- and Secure"
    );
}

/// Prepares keys the way `deploy/k8s/base/secret.yaml` says (`belf keys rotate` with the
/// shipped settings), starts `args` with `env` (data paths moved), waits for `probe_path`
/// to answer 200, then checks that the logs were JSON only, that the server wrote nothing
/// into its keys folder (read-only in the Deployment) nor into its working directory (a
/// read-only root filesystem), and that SIGTERM ends it within `grace`.
async fn start_as_shipped(args: &[String], shipped: Env, probe_path: &str, grace: Duration) {
    assert_eq!(
        shipped.get("BELF_LOG_FORMAT").map(String::as_str),
        Some("json"),
        "shipped with JSON logs"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let workdir = dir.path().join("root");
    let keys = dir.path().join("keys");
    std::fs::create_dir_all(&workdir).expect("workdir");

    // Every shipped value, data paths included, passes the configuration checks.
    let mut with_keys = shipped.clone();
    with_keys.insert("BELF_KEYS__DIR".into(), keys.display().to_string());
    let rotate = belf(&workdir, &with_keys, &["keys", "rotate"])
        .output()
        .expect("belf keys rotate runs");
    assert!(
        rotate.status.success(),
        "belf keys rotate with the shipped settings: {}",
        String::from_utf8_lossy(&rotate.stderr)
    );
    let keys_before = listing(&keys);

    let mut env = with_keys;
    env.insert(
        "BELF_DATABASE__URL".into(),
        fresh_database_url(dir.path(), "shipped_auth").await,
    );
    env.insert(
        "BELF_TODO__DATABASE_URL".into(),
        fresh_database_url(dir.path(), "shipped_todo").await,
    );
    match std::env::var("BELF_TEST_REDIS_URL") {
        Ok(redis) => {
            env.insert("BELF_REDIS__URL".into(), redis);
            env.insert(
                "BELF_REDIS__KEY_PREFIX".into(),
                format!("belftest{}", uuid::Uuid::new_v4().simple()),
            );
        }
        Err(_) => {
            env.insert("BELF_REDIS__URL".into(), String::new());
        }
    }
    // Every listener on a port of its own; the management listener is on by default
    // (127.0.0.1:9090), so it moves even where the shipped files leave it unset.
    env.entry("BELF_MANAGEMENT__BIND".into())
        .or_insert_with(|| "127.0.0.1:9090".into());
    for var in [
        "BELF_SERVER__BIND",
        "BELF_TODO__BIND",
        "BELF_MANAGEMENT__BIND",
    ] {
        if let Some(bind) = env.get_mut(var) {
            let host = bind.rsplit_once(':').map_or("", |(h, _)| h).to_owned();
            *bind = format!("{host}:0");
        }
    }

    let mut cmd = tokio::process::Command::from(belf(&workdir, &env, &[]));
    cmd.args(args);
    let mut server = ServeOutput::spawn(cmd);
    let listening = server
        .wait_for(|line| line.contains("identity server listening"))
        .await;
    let event: Value = serde_json::from_str(&listening).expect("a JSON log line");
    let port = event["address"]
        .as_str()
        .and_then(|a| a.rsplit(':').next())
        .and_then(|p| p.parse::<u16>().ok())
        .unwrap_or_else(|| panic!("no address in {listening}"));
    let url = format!("http://127.0.0.1:{port}{probe_path}");
    let started = std::time::Instant::now();
    loop {
        match reqwest::get(&url).await {
            Ok(res) if res.status().is_success() => break,
            other => assert!(
                started.elapsed() < Duration::from_secs(10),
                "{url} never became ready: {other:?}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    server.terminate();
    let out = server.finish(grace).await;
    assert!(out.status.success(), "exit after SIGTERM: {:?}", out.status);
    for line in &out.stderr_lines {
        assert!(
            serde_json::from_str::<Value>(line).is_ok(),
            "a log line that is not JSON: {line}"
        );
    }
    assert!(out.stdout.is_empty(), "stdout: {}", out.stdout);
    assert_eq!(
        listing(&keys),
        keys_before,
        "the server wrote into its keys folder"
    );
    assert_eq!(
        listing(&workdir),
        Vec::<String>::new(),
        "files in the working directory"
    );
}

/// `belf` with only `env` for configuration (the test process's `BELF_*` are dropped).
fn belf(workdir: &Path, env: &Env, args: &[&str]) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_belf"));
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("BELF_")) {
        cmd.env_remove(k);
    }
    cmd.current_dir(workdir).envs(env).args(args);
    cmd
}

/// File names and sizes under `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| {
                    let len = e.metadata().map(|m| m.len()).unwrap_or(0);
                    format!("{} ({len} bytes)", e.file_name().to_string_lossy())
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn read(path: &str) -> String {
    let path = PathBuf::from(ROOT).join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn array(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// Every object of the kustomize base.
fn base_objects() -> Vec<Value> {
    let base = PathBuf::from(ROOT).join("deploy/k8s/base");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&base)
        .expect("deploy/k8s/base")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .filter(|p| p.file_name().is_some_and(|n| n != "kustomization.yaml"))
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|f| {
            let text = std::fs::read_to_string(f).expect("manifest");
            yaml_subset::documents(&text)
        })
        .collect()
}

fn find<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name} in deploy/k8s/base"))
}

/// The runtime stage of the Dockerfile: what the container starts with.
struct Image {
    env: Env,
    entrypoint: Vec<String>,
    cmd: Vec<String>,
}

impl Image {
    /// The arguments after the binary: `CMD`, or a Kubernetes `args` that replaces it.
    fn command_line(&self, k8s_args: Option<Value>) -> Vec<String> {
        assert!(
            self.entrypoint.len() == 1 && self.entrypoint[0].ends_with("/belf"),
            "the entrypoint is the belf binary: {:?}",
            self.entrypoint
        );
        match k8s_args {
            Some(Value::Array(args)) => args
                .iter()
                .map(|a| a.as_str().expect("string args").to_owned())
                .collect(),
            Some(other) => panic!("args is not a list: {other}"),
            None => self.cmd.clone(),
        }
    }
}

/// Reads the last stage's `ENV` (both `K=V …` and `K V` forms, quotes removed),
/// `ENTRYPOINT` and `CMD` (exec form only: a shell form has no shell in distroless).
fn final_stage(dockerfile: &str) -> Image {
    let mut instructions = Vec::new();
    let mut pending = String::new();
    for line in dockerfile.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && pending.is_empty()) {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(head) => {
                pending.push_str(head);
                pending.push(' ');
            }
            None => {
                pending.push_str(trimmed);
                instructions.push(std::mem::take(&mut pending));
            }
        }
    }
    let last_from = instructions
        .iter()
        .rposition(|i| i.to_ascii_uppercase().starts_with("FROM "))
        .expect("a FROM");
    let mut image = Image {
        env: Env::new(),
        entrypoint: Vec::new(),
        cmd: Vec::new(),
    };
    for instruction in &instructions[last_from..] {
        let (keyword, rest) = instruction.split_once(' ').unwrap_or((instruction, ""));
        let rest = rest.trim();
        let exec_form = || -> Vec<String> {
            serde_json::from_str(rest)
                .unwrap_or_else(|e| panic!("not an exec-form list ({e}): {instruction}"))
        };
        match keyword.to_ascii_uppercase().as_str() {
            "ENV" => {
                let words = shell_words(rest);
                if words.first().is_some_and(|w| !w.contains('=')) {
                    let (k, v) = rest.split_once(char::is_whitespace).expect("ENV K V");
                    image.env.insert(k.to_owned(), v.trim().to_owned());
                } else {
                    for word in words {
                        let (k, v) = word.split_once('=').expect("ENV K=V");
                        image.env.insert(k.to_owned(), v.to_owned());
                    }
                }
            }
            "ENTRYPOINT" => image.entrypoint = exec_form(),
            "CMD" => image.cmd = exec_form(),
            _ => {}
        }
    }
    image
}

/// Splits on whitespace outside double quotes, dropping the quotes.
fn shell_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}
