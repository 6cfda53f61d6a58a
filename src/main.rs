//! `belf`: parse the command line, load configuration, start logging, dispatch.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = belf::cli::Cli::parse();
    let json_logs = cli.log_json || std::env::var("BELF_LOG_FORMAT").is_ok_and(|v| v == "json");
    belf::telemetry::init(json_logs);
    match belf::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
