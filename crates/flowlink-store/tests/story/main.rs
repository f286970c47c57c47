//! The store story: one set of scenarios run against every backend — SQLite in a temp dir and
//! PostgreSQL in a fresh schema of `FLOWLINK_TEST_DATABASE_URL` — so both keep the same
//! guarantees. The PostgreSQL half fails (with instructions) when no database is configured,
//! unless `FLOWLINK_SKIP_POSTGRES=1` says to skip it.
// Tests may unwrap: a panic is a failure with its message.
#![allow(clippy::unwrap_used)]

mod accounts;
mod bulk;
mod concurrency;
mod dependencies;
mod flows;
mod harness;
mod jobs;
mod lifecycle;
mod support;

/// Generates `sqlite::<scenario>` and `postgres::<scenario>` tests for each scenario.
macro_rules! story {
    ($($module:ident :: $name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let backend = crate::harness::sqlite().await;
                    crate::$module::$name(backend.store.clone()).await;
                    backend.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let Some(backend) = crate::harness::postgres().await else { return };
                    crate::$module::$name(backend.store.clone()).await;
                    backend.finish().await;
                }
            )*
        }
    };
}

story! {
    accounts::orgs_clients_and_tokens,
    accounts::executions_are_recorded_and_scoped,
    accounts::concurrent_executions_are_each_recorded_and_a_bad_one_fails_alone,
    bulk::bulk_edits_write_like_single_updates,
    flows::create_list_filter_and_page,
    flows::optimistic_lock_conflict,
    flows::duplicate_name_conflict,
    flows::organizations_are_isolated,
    flows::get_flows_reads_rows_as_last_written,
    dependencies::dependency_rows_follow_versions,
    dependencies::delete_in_use_is_refused,
    dependencies::cycle_guard_sees_edges_and_aborts_cleanly,
    dependencies::dependency_roles_follow_every_kind_of_write,
    concurrency::concurrent_writers,
    lifecycle::checkout_drafts_and_dependency_roles,
    jobs::jobs_are_scoped_and_their_status_changes_are_conditional,
}
