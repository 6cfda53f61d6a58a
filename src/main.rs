//! `belf`: parse the command line, load configuration, start logging, dispatch.

use clap::Parser;

/// mimalloc instead of glibc malloc: the request path allocates many small, short-lived
/// buffers (malloc/free were ~15 % of a client-credentials grant's profile), and mimalloc
/// returns freed memory to the OS instead of keeping per-thread arenas.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc option ids (`mi_option_e` in mimalloc.h).
const MI_OPTION_ARENA_EAGER_COMMIT: i32 = 4;
const MI_OPTION_PURGE_DELAY: i32 = 15;

/// Give freed memory back to the OS at once and commit arena memory only when used, so an
/// idle server stays small (Argon2's 19 MiB blocks are freed after a burst of logins).
///
/// Why a constructor and not the first lines of `main`: mimalloc reserves (and, with eager
/// commit, commits) its first arena on the first allocation, which the Rust runtime makes
/// before `main`; setting the option later left ~12 MB committed (30 MB idle RSS instead of
/// 18 MB). Entries of `.init_array` run before `main` and before any Rust allocation.
extern "C" fn configure_allocator() {
    // SAFETY: plain option setters of the allocator, run single-threaded at load time.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0);
        libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0);
    }
}

#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static CONFIGURE_ALLOCATOR: extern "C" fn() = configure_allocator;

fn main() -> std::process::ExitCode {
    // Elsewhere (no `.init_array`) the options still apply to memory allocated from here on.
    #[cfg(not(target_os = "linux"))]
    configure_allocator();
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(run()),
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> std::process::ExitCode {
    let cli = belf::cli::Cli::parse();
    belf::telemetry::init(cli.json_logs());
    match belf::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", belf::cli::error_message(&e));
            std::process::ExitCode::FAILURE
        }
    }
}
