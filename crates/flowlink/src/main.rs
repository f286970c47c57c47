//! `flowlink`: the command-line entry point. Parses the command, runs it on a tokio runtime,
//! and turns the result into the documented exit code (0 ok, 1 some flows failed, 2 error),
//! printing errors as one line on stderr. A closed stdout pipe ends quietly with 0.

// Tests unwrap freely: a panic there is a failed test, not a crash.
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod admin;
mod backup_cmd;
mod call_cmd;
mod cli;
mod config;
mod deps_cmd;
mod export_cmd;
mod flows_cmd;
mod import_cmd;
mod lifecycle_cmd;
mod link_cmd;
mod output;
mod progress;
mod quickstart;
mod serve;
mod test_cmd;
mod transcript;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};

/// mimalloc instead of glibc malloc: under load the server's threads contended on malloc's
/// arena locks (~15% of its CPU in `perf`, issue 12).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How a command that did not error ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything worked.
    Ok,
    /// The command ran, but some flows failed (link/unlink) or some test cases failed (test).
    SomeFailed,
}

async fn run(cli: Cli) -> anyhow::Result<Exit> {
    let g = &cli.global;
    match &cli.command {
        Command::Serve(args) => serve::run(args, &g.data_dir, g.database_url.as_deref())
            .await
            .map(|()| Exit::Ok),
        Command::Orgs(cmd) => admin::orgs(cmd, &g.data_dir, g.database_url.as_deref(), g.output)
            .await
            .map(|()| Exit::Ok),
        Command::Clients(cmd) => {
            admin::clients(cmd, &g.data_dir, g.database_url.as_deref(), g.output)
                .await
                .map(|()| Exit::Ok)
        }
        Command::Quickstart => quickstart::run(g).await.map(|()| Exit::Ok),
        Command::Flows(cmd) => flows_cmd::run_flows(&config::client(g)?, cmd, g.output)
            .await
            .map(|()| Exit::Ok),
        Command::Module(cmd) => flows_cmd::run_module(&config::client(g)?, cmd, g.output)
            .await
            .map(|()| Exit::Ok),
        Command::Link(args) => {
            link_cmd::run(&config::client(g)?, args, false, g.output, g.quiet).await
        }
        Command::Unlink(args) => {
            link_cmd::run(&config::client(g)?, args, true, g.output, g.quiet).await
        }
        Command::Call(args) => call_cmd::run(&config::client(g)?, args, g.output)
            .await
            .map(|()| Exit::Ok),
        Command::Import(args) => {
            import_cmd::run(&config::client(g)?, args, g.output, g.quiet).await
        }
        Command::Export(args) => export_cmd::run(&config::client(g)?, args)
            .await
            .map(|()| Exit::Ok),
        Command::Deps(args) => deps_cmd::run(&config::client(g)?, args, g.output)
            .await
            .map(|()| Exit::Ok),
        Command::Checkout(a) => lifecycle(g, lifecycle_cmd::Action::Checkout, &a.flow).await,
        Command::Checkin(a) => lifecycle(g, lifecycle_cmd::Action::Checkin, &a.flow).await,
        Command::Revert(a) => lifecycle(g, lifecycle_cmd::Action::Revert, &a.flow).await,
        Command::Unlock(a) => lifecycle(g, lifecycle_cmd::Action::Unlock, &a.flow).await,
        Command::Backup(args) => backup_cmd::backup(args, &g.data_dir, g.database_url.as_deref())
            .await
            .map(|()| Exit::Ok),
        Command::Restore(args) => backup_cmd::restore(args, &g.data_dir, g.database_url.as_deref())
            .await
            .map(|()| Exit::Ok),
        Command::Test(args) => test_cmd::run(g, args).await,
        Command::Publish(args) => lifecycle_cmd::publish(&config::client(g)?, args, g.output)
            .await
            .map(|()| Exit::Ok),
    }
}

async fn lifecycle(
    g: &cli::Global,
    action: lifecycle_cmd::Action,
    flow: &str,
) -> anyhow::Result<Exit> {
    lifecycle_cmd::run(&config::client(g)?, action, flow, g.output)
        .await
        .map(|()| Exit::Ok)
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The error as one line: the causes joined with `: `, first letter lowercase.
fn one_line(e: &anyhow::Error) -> String {
    let text = format!("{e:#}").replace('\n', " ");
    let mut chars = text.chars();
    match chars.next() {
        Some(c) if c.is_uppercase() && !chars.clone().next().is_some_and(char::is_uppercase) => {
            c.to_lowercase().chain(chars).collect()
        }
        _ => text,
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("FLOWLINK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    // `link`/`unlink` are a client and nothing else: a few dozen requests in flight and a
    // little JSON work each, which one thread keeps up with. On one thread its tasks never
    // wake each other across cores, and on a small machine shared with the server the cores
    // stay free for the server. Everything else (the server, embedded stores) gets a worker
    // per core.
    let mut builder = if matches!(cli.command, Command::Link(_) | Command::Unlink(_)) {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    let runtime = match builder.enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(Exit::Ok) => ExitCode::SUCCESS,
        Ok(Exit::SomeFailed) => ExitCode::from(1),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", one_line(&e));
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_print_as_one_lowercase_line() {
        let e = anyhow::anyhow!("Cannot read\nfile").context("Loading logic");
        assert_eq!(one_line(&e), "loading logic: Cannot read file");
        assert_eq!(
            one_line(&anyhow::anyhow!("GENESYS_ENV_URL is bad")),
            "GENESYS_ENV_URL is bad"
        );
    }

    #[test]
    fn broken_pipes_are_recognised_through_context() {
        let io = std::io::Error::new(std::io::ErrorKind::BrokenPipe, "pipe");
        assert!(is_broken_pipe(&anyhow::Error::from(io).context("printing")));
        assert!(!is_broken_pipe(&anyhow::anyhow!("other")));
    }

    #[test]
    fn the_cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
