//! The command line: every subcommand, option and help text, as clap derive types.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::builder::TypedValueParser;
use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
Examples:
  flowlink quickstart                                  # the seeds' example, end to end
  flowlink serve --listen 127.0.0.1:8080               # run the server (prints credentials once)
  flowlink module create --name Auth --logic auth.yaml
  flowlink link --module Auth --type inboundcall       # link into every inbound call flow
  flowlink link --module Auth --flow-name 'Main IVR' --version 2
  flowlink call --flow 'Main IVR' --digits 1,2

Connection: GENESYS_ENV_URL (default http://127.0.0.1:8080), GENESYS_CLIENT_ID and
GENESYS_CLIENT_SECRET, like the seeds; without them the credentials file that `flowlink serve`
wrote in --data-dir is used.

Exit codes: 0 success; 1 the command ran but some flows failed (link/unlink) or some test
cases failed (test); 2 error.";

/// Shared call-flow modules for Genesys Cloud-style IVRs: serve, link, simulate.
#[derive(Debug, Parser)]
#[command(name = "flowlink", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command understands.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// API base URL.
    #[arg(long, global = true, env = "GENESYS_ENV_URL", value_name = "URL")]
    pub url: Option<String>,
    /// OAuth client id (client-credentials grant).
    #[arg(long, global = true, env = "GENESYS_CLIENT_ID", value_name = "ID")]
    pub client_id: Option<String>,
    /// OAuth client secret.
    #[arg(
        long,
        global = true,
        env = "GENESYS_CLIENT_SECRET",
        value_name = "SECRET",
        hide_env_values = true
    )]
    pub client_secret: Option<String>,
    /// Directory of the local server's data and credentials file.
    #[arg(
        long,
        global = true,
        env = "FLOWLINK_DATA_DIR",
        value_name = "DIR",
        default_value = ".flowlink"
    )]
    pub data_dir: PathBuf,
    /// PostgreSQL URL (`postgres://user:pass@host/db`) for `serve`, `orgs` and `clients`:
    /// several server replicas can share one database. Unset: embedded SQLite in --data-dir.
    #[arg(
        long,
        global = true,
        env = "FLOWLINK_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    /// Output format.
    #[arg(long, short = 'o', global = true, value_enum, default_value_t = Output::Table)]
    pub output: Output,
    /// No progress bars.
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// Aligned columns for people.
    Table,
    /// JSON for scripts.
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the platform server (embedded SQLite in --data-dir, or PostgreSQL with --database-url).
    #[command(
        after_help = "Example:\n  flowlink serve --listen 127.0.0.1:8080 --data-dir ./.flowlink --rate-limit-per-minute 0"
    )]
    Serve(ServeArgs),
    /// Manage organizations in the local data dir (offline, no server needed).
    #[command(subcommand)]
    Orgs(OrgsCommand),
    /// Manage OAuth clients in the local data dir (offline, no server needed).
    #[command(subcommand)]
    Clients(ClientsCommand),
    /// List, show, create and delete flows.
    #[command(subcommand)]
    Flows(FlowsCommand),
    /// Create and change shared modules.
    #[command(subcommand)]
    Module(ModuleCommand),
    /// Link a shared module into flows (a call at each flow's entry, exactly once).
    #[command(
        after_help = "Examples:\n  flowlink link --module Auth --flow 3f2a... --flow 9b1c...\n  flowlink link --module Auth --flow-name 'Main IVR' --flow-name 'Sales IVR'\n  flowlink link --module Auth --type inboundcall --active --version 2"
    )]
    Link(LinkArgs),
    /// Remove every call to a shared module from flows.
    #[command(after_help = "Example:\n  flowlink unlink --module Auth --type inboundcall")]
    Unlink(LinkArgs),
    /// Simulate a call into a flow and print its transcript.
    #[command(
        after_help = "Examples:\n  flowlink call --flow 'Main IVR'\n  flowlink call --flow 'Main IVR' --digits 1,2 --ani +15551230000 \\\n      --data-action-mock 'Lookup={\"outputs\":{\"tier\":\"gold\"}}'"
    )]
    Call(CallArgs),
    /// Run the seeds' example end to end on an embedded server (or GENESYS_ENV_URL) and tell
    /// the story.
    Quickstart,
    /// Who calls a module and what a flow calls; --graph dot|mermaid for the whole organization.
    #[command(
        after_help = "Examples:\n  flowlink deps 'Shared Auth'\n  flowlink deps 'Main IVR' -o json\n  flowlink deps --graph dot | dot -Tsvg > calls.svg"
    )]
    Deps(crate::deps_cmd::DepsArgs),
    /// Import Archy YAML files (flows as code) through the flow jobs API; exit 1 if any failed.
    #[command(
        after_help = "Examples:\n  flowlink import flows/*.yaml --subs env/prod.yaml\n  flowlink import main.yaml --sub flow_name='Main IVR' --sub division=Home"
    )]
    Import(crate::import_cmd::ImportArgs),
    /// Export a flow as Archy YAML (the exact text for a flow imported from Archy).
    #[command(
        after_help = "Examples:\n  flowlink export 'Main IVR' > main.yaml\n  flowlink export 'Main IVR' --version 2 --out exported/"
    )]
    Export(crate::export_cmd::ExportArgs),
    /// Run flow test files (*.test.yaml): offline against flow files, or --server.
    #[command(
        after_help = "Examples:\n  flowlink test                                   # tests/flows/, flows beside the tests\n  flowlink test examples/flows --coverage\n  flowlink test tests/flows --flows flows/ --junit report.xml --min-coverage 80\n  flowlink test --changed-module 'Caller Check'\n  flowlink test --server                          # the published flows, through the API\n\nExit codes: 0 all passed; 1 a case failed or coverage below --min-coverage; 2 a file\nis unreadable or invalid, or names a flow that does not exist."
    )]
    Test(crate::test_cmd::TestArgs),
    /// Lock a flow to this client: its logic writes become drafts until publish or checkin.
    Checkout(crate::lifecycle_cmd::FlowArg),
    /// Check a flow's draft in (unpublished) and release the lock.
    Checkin(crate::lifecycle_cmd::FlowArg),
    /// Publish a flow's draft (or checked-in version, or --version) and release the lock.
    Publish(crate::lifecycle_cmd::PublishArgs),
    /// Drop a flow's draft and release the lock.
    Revert(crate::lifecycle_cmd::FlowArg),
    /// Force-release a flow's lock (needs the admin scope).
    Unlock(crate::lifecycle_cmd::FlowArg),
    /// Copy the SQLite database of --data-dir to a file, consistently, while the server runs.
    #[command(
        after_help = "Example:\n  flowlink backup --data-dir /var/lib/flowlink --out /backups/flowlink-$(date +%F).db\n\nPostgreSQL: use pg_dump."
    )]
    Backup(crate::backup_cmd::BackupArgs),
    /// Put a backup back as the database of --data-dir (stopped server; empty dir or --force).
    #[command(
        after_help = "Example:\n  flowlink restore --from /backups/flowlink-2026-12-01.db --data-dir /var/lib/flowlink\n\nPostgreSQL: use pg_restore."
    )]
    Restore(crate::backup_cmd::RestoreArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (loopback only).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Requests per minute per token; 0 turns the limit off.
    #[arg(long, default_value_t = 300)]
    pub rate_limit_per_minute: u32,
    /// Failed client-credential attempts per minute per source address and per client id,
    /// then 429 with Retry-After (independent of --rate-limit-per-minute); 0 turns it off.
    #[arg(long, default_value_t = flowlink_server::config::DEFAULT_AUTH_FAILURES_PER_MINUTE)]
    pub auth_failures_per_minute: u32,
    /// Seconds a connection gets to send a request's headers; also closes idle keep-alive
    /// connections.
    #[arg(long, default_value_t = flowlink_server::config::DEFAULT_HEADER_READ_TIMEOUT.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    pub header_read_timeout_secs: u64,
    /// Seconds a request gets to send its whole body (then 408).
    #[arg(long, default_value_t = flowlink_server::config::DEFAULT_REQUEST_BODY_TIMEOUT.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    pub request_body_timeout_secs: u64,
    /// Connections served at once; more wait until one closes.
    #[arg(long, default_value_t = flowlink_server::config::DEFAULT_MAX_CONNECTIONS, value_parser = clap::value_parser!(u64).range(1..).map(|n| usize::try_from(n).unwrap_or(usize::MAX)))]
    pub max_connections: usize,
    /// On SIGTERM/Ctrl-C, seconds in-flight requests get to finish before the server exits.
    #[arg(long, default_value_t = flowlink_server::config::DEFAULT_SHUTDOWN_TIMEOUT.as_secs())]
    pub shutdown_timeout_secs: u64,
}

#[derive(Debug, Subcommand)]
pub enum OrgsCommand {
    /// Create an organization.
    Create {
        /// Its name.
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ClientsCommand {
    /// Create an OAuth client and print its id and secret (shown once).
    #[command(
        after_help = "Example:\n  flowlink clients create --name ci --scope architect --org 1b6e..."
    )]
    Create {
        /// Client name.
        #[arg(long)]
        name: String,
        /// Granted scopes (admin, architect, architect:readonly, flow:flow:read, ...).
        #[arg(long = "scope", required = true, num_args = 1..)]
        scopes: Vec<String>,
        /// Organization id; default: the bootstrap organization.
        #[arg(long)]
        org: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum FlowsCommand {
    /// List flows (all pages).
    List(ListArgs),
    /// Show one flow with its logic.
    Get {
        /// Flow id or exact name.
        flow: String,
    },
    /// Create a flow.
    #[command(
        after_help = "Example:\n  flowlink flows create --name 'Main IVR' --type inboundcall --logic main.yaml"
    )]
    Create {
        /// Name (unique per type).
        #[arg(long)]
        name: String,
        /// Flow type (inboundcall, commonmodule, ...; `inbound`/`common` work too).
        #[arg(long = "type", default_value = "inboundcall")]
        flow_type: String,
        /// Description.
        #[arg(long)]
        description: Option<String>,
        /// Logic file (JSON or YAML, either dialect).
        #[arg(long)]
        logic: Option<PathBuf>,
    },
    /// Delete a flow.
    Delete {
        /// Flow id or exact name.
        flow: String,
    },
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only these types (repeatable).
    #[arg(long = "type")]
    pub types: Vec<String>,
    /// Name contains (case-insensitive).
    #[arg(long)]
    pub name: Option<String>,
    /// Only active flows.
    #[arg(long)]
    pub active: bool,
}

#[derive(Debug, Subcommand)]
pub enum ModuleCommand {
    /// Create a shared module.
    #[command(
        after_help = "Example:\n  flowlink module create --name 'Shared Auth' --logic auth.json"
    )]
    Create {
        /// Name (unique among modules).
        #[arg(long)]
        name: String,
        /// Description (its input/output contract, say).
        #[arg(long)]
        description: Option<String>,
        /// Logic file (JSON or YAML; `{definition:..}`, `{actions:..}` or bare).
        #[arg(long)]
        logic: Option<PathBuf>,
    },
    /// Replace a module's logic (every floating link runs it on its next call).
    SetLogic {
        /// Module id or name.
        module: String,
        /// Logic file (JSON or YAML, either dialect).
        #[arg(long)]
        logic: PathBuf,
    },
    /// Show a module with its logic.
    Get {
        /// Module id or name.
        module: String,
    },
    /// Publish a module; with --impact, first list the flows that will run the new logic and
    /// those that stay on an older pin.
    #[command(after_help = "Example:\n  flowlink module publish 'Shared Auth' --impact --dry-run")]
    Publish(crate::lifecycle_cmd::ModulePublishArgs),
}

#[derive(Debug, Args)]
pub struct LinkArgs {
    /// The shared module (id or name).
    #[arg(long, short = 'm')]
    pub module: String,
    /// Target flow by id (repeatable).
    #[arg(long = "flow", value_name = "ID")]
    pub flows: Vec<String>,
    /// Target flow by exact name (repeatable).
    #[arg(long = "flow-name", value_name = "NAME")]
    pub flow_names: Vec<String>,
    /// Every flow of this type (repeatable), e.g. inboundcall.
    #[arg(long = "type", value_name = "TYPE")]
    pub types: Vec<String>,
    /// With --type: only active flows.
    #[arg(long)]
    pub active: bool,
    /// Pin the call to this module version (default: float on the published version).
    #[arg(long)]
    pub version: Option<u32>,
    /// Name of the inserted call (default "Call <module>").
    #[arg(long)]
    pub call_name: Option<String>,
    /// Flows updated at once (per-flow path).
    #[arg(long, default_value_t = flowlink_client::DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
    /// Update flow by flow (GET, then PUT with 409 re-apply), as against real Genesys, even
    /// when the server offers flowlink's bulk link (used by default: the server links whole
    /// batches of flows per transaction).
    #[arg(long)]
    pub per_flow: bool,
}

#[derive(Debug, Args)]
pub struct CallArgs {
    /// Flow id or exact name.
    #[arg(long)]
    pub flow: String,
    /// Digits the caller presses, one entry per input prompt, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub digits: Vec<String>,
    /// Caller number (Call.Ani).
    #[arg(long)]
    pub ani: Option<String>,
    /// Dialled number (Call.Dnis).
    #[arg(long)]
    pub dnis: Option<String>,
    /// Data action answer: NAME=JSON, e.g. 'Lookup={"outputs":{"tier":"gold"}}' or 'Lookup={"fail":true}'.
    #[arg(long = "data-action-mock", value_name = "NAME=JSON")]
    pub data_action_mocks: Vec<String>,
    /// Flow input: KEY=VALUE (VALUE as JSON when it parses, else a string).
    #[arg(long = "input", value_name = "KEY=VALUE")]
    pub inputs: Vec<String>,
    /// Run this logic version instead of the published one.
    #[arg(long)]
    pub version: Option<u32>,
}
