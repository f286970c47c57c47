//! Racing writers. On SQLite they queue behind one writer connection; on PostgreSQL they meet
//! in row locks, unique indexes and conditional updates — possibly from several server
//! processes, which is why each race takes a list of stores ("replicas") and spreads its tasks
//! over them.

use std::sync::Arc;

use flowlink_api::FlowType;
use flowlink_store::*;
use tokio::sync::Barrier;
use uuid::Uuid;

use crate::support::*;

const TASKS: usize = 8;
const WINS_PER_TASK: usize = 5;

pub async fn concurrent_writers(s: Shared) {
    let one = std::slice::from_ref(&s);
    conditional_writers(one).await;
    unconditional_writers(one).await;
    duplicate_creators(one).await;
    delete_racing_links(one).await;
    cycle_racers(one).await;
}

/// N tasks race optimistic-lock writes on one flow, retrying on conflict: exactly one winner per
/// version, the final version is the number of accepted writes, and every logic version has the
/// dependency rows its winner wrote.
pub async fn conditional_writers(replicas: &[Shared]) {
    let s = &replicas[0];
    let o = org(s, "race").await;
    let m = flow(s, o, FlowType::CommonModule, "Shared", empty()).await;
    let f = flow(s, o, FlowType::InboundCall, "Contended", empty()).await;
    let barrier = Arc::new(Barrier::new(TASKS));
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let s = replicas[t % replicas.len()].clone();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let mut wins = Vec::new();
            let mut conflicts = 0;
            while wins.len() < WINS_PER_TASK {
                let cur = s.get_flow(o, f.id).await.unwrap();
                // Odd tasks call the module, even ones do not: the index must follow the winner.
                let calls = if t % 2 == 1 {
                    vec![call(m.id, None)]
                } else {
                    vec![]
                };
                let upd = FlowUpdate {
                    expected_version: Some(cur.version),
                    description: Some(format!("task {t} write {}", wins.len())),
                    logic: Some(logic(calls)),
                    ..Default::default()
                };
                match s.update_flow(o, f.id, upd, &NoLinkGuard).await {
                    Ok(rec) => {
                        assert_eq!(rec.version, cur.version + 1);
                        wins.push((rec.version, rec.latest_version, t));
                    }
                    Err(StoreError::Conflict(Conflict::StaleVersion { expected, current })) => {
                        assert_eq!(expected, cur.version);
                        assert!(current > expected, "{current} > {expected}");
                        conflicts += 1;
                    }
                    Err(e) => panic!("task {t}: unexpected {e:?}"),
                }
            }
            (wins, conflicts)
        }));
    }
    let mut wins = Vec::new();
    for task in tasks {
        let (w, _conflicts) = task.await.unwrap();
        wins.extend(w);
    }
    wins.sort();
    let writes = (TASKS * WINS_PER_TASK) as i64;
    let versions: Vec<i64> = wins.iter().map(|w| w.0).collect();
    assert_eq!(
        versions,
        (2..=writes + 1).collect::<Vec<_>>(),
        "one winner per version"
    );
    let end = s.get_flow(o, f.id).await.unwrap();
    assert_eq!(end.version, writes + 1);
    assert_eq!(i64::from(end.latest_version), writes + 1);
    let listed = s
        .list_versions(
            o,
            f.id,
            PageRequest {
                number: 1,
                size: 100,
            },
        )
        .await
        .unwrap();
    assert_eq!(listed.total, writes + 1);
    let last_writer = wins.last().map(|w| w.2).unwrap_or(0);
    for (_, logic_version, t) in wins {
        let consumed = s.consumed_modules(o, f.id, logic_version).await.unwrap();
        assert_eq!(
            consumed.len(),
            t % 2,
            "version {logic_version} written by task {t}"
        );
    }
    // Only the published (last) version counts as a consumer.
    let consumers = s
        .module_consumers(o, m.id, ConsumerFilter::Published)
        .await
        .unwrap();
    assert_eq!(consumers.len(), last_writer % 2);
}

/// Unconditional writes from N tasks: none is lost.
pub async fn unconditional_writers(replicas: &[Shared]) {
    let s = &replicas[0];
    let o = org(s, "blind").await;
    let f = flow(s, o, FlowType::InboundCall, "Blind", empty()).await;
    let barrier = Arc::new(Barrier::new(TASKS));
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let s = replicas[t % replicas.len()].clone();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            for _ in 0..WINS_PER_TASK {
                s.update_flow(o, f.id, relogic(logic(vec![])), &NoLinkGuard)
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let end = s.get_flow(o, f.id).await.unwrap();
    let writes = (TASKS * WINS_PER_TASK) as i64;
    assert_eq!(end.version, writes + 1);
    assert_eq!(i64::from(end.latest_version), writes + 1);
}

/// N tasks create flows with the same name (different case): one succeeds, the rest get a
/// `DuplicateName` conflict — never a backend error.
pub async fn duplicate_creators(replicas: &[Shared]) {
    let s = &replicas[0];
    let o = org(s, "dupes").await;
    for round in 0..3 {
        let barrier = Arc::new(Barrier::new(TASKS));
        let mut tasks = Vec::new();
        for t in 0..TASKS {
            let s = replicas[t % replicas.len()].clone();
            let barrier = barrier.clone();
            let name = if t % 2 == 0 {
                format!("Same {round}")
            } else {
                format!("SAME {round}")
            };
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                s.create_flow(
                    new_flow(o, FlowType::InboundCall, &name, empty()),
                    &NoLinkGuard,
                )
                .await
            }));
        }
        let mut ok = 0;
        for task in tasks {
            let r = task.await.unwrap();
            match r {
                Ok(_) => ok += 1,
                ref e => assert!(is_duplicate(e), "round {round}: {e:?}"),
            }
        }
        assert_eq!(ok, 1, "round {round}");
    }
    let all = s.list_flows(o, &FlowQuery::default()).await.unwrap();
    assert_eq!(all.total, 3);
}

/// A module is deleted while N tasks link it into new flows. Whatever the interleaving, the
/// index stays exact: either the delete won and no flow calls the module, or it was refused
/// and every accepted flow is listed as a consumer.
pub async fn delete_racing_links(replicas: &[Shared]) {
    let s = &replicas[0];
    let o = org(s, "delete-race").await;
    for round in 0..5 {
        let m = flow(
            s,
            o,
            FlowType::CommonModule,
            &format!("Doomed {round}"),
            empty(),
        )
        .await;
        let barrier = Arc::new(Barrier::new(TASKS + 1));
        let mut linkers = Vec::new();
        for t in 0..TASKS {
            let s = replicas[t % replicas.len()].clone();
            let barrier = barrier.clone();
            linkers.push(tokio::spawn(async move {
                barrier.wait().await;
                let name = format!("Linker {round}.{t}");
                let nf = new_flow(
                    o,
                    FlowType::InboundCall,
                    &name,
                    logic(vec![call(m.id, None)]),
                );
                s.create_flow(nf, &NoLinkGuard).await
            }));
        }
        let deleter = {
            let s = replicas[round % replicas.len()].clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                s.delete_flow(o, m.id, None).await
            })
        };
        let mut linked = Vec::new();
        for l in linkers {
            match l.await.unwrap() {
                Ok(f) => linked.push(f.id),
                Err(StoreError::Invalid { details, .. }) => {
                    assert_eq!(details[0].code, "unknown.module")
                }
                Err(e) => panic!("round {round}: unexpected {e:?}"),
            }
        }
        let deleted = match deleter.await.unwrap() {
            Ok(rec) => rec.deleted,
            Err(StoreError::InUse { consumers }) => {
                assert!(!consumers.is_empty());
                false
            }
            Err(e) => panic!("round {round}: unexpected {e:?}"),
        };
        let mut consumers: Vec<Uuid> = s
            .module_consumers(o, m.id, ConsumerFilter::Current)
            .await
            .unwrap()
            .iter()
            .map(|c| c.flow_id)
            .collect();
        consumers.sort();
        linked.sort();
        assert_eq!(consumers, linked, "round {round}");
        assert_eq!(
            deleted,
            linked.is_empty(),
            "round {round}: deleted={deleted}"
        );
        assert_eq!(s.get_flow(o, m.id).await.unwrap().deleted, deleted);
    }
}

/// Two modules are changed at once to call each other. Each write alone is acyclic; together
/// they would form a cycle, so at most one may be accepted.
pub async fn cycle_racers(replicas: &[Shared]) {
    let s = &replicas[0];
    let o = org(s, "cycle-race").await;
    for round in 0..10 {
        let a = flow(s, o, FlowType::CommonModule, &format!("A{round}"), empty()).await;
        let b = flow(s, o, FlowType::CommonModule, &format!("B{round}"), empty()).await;
        let barrier = Arc::new(Barrier::new(2));
        let mut tasks = Vec::new();
        for (i, (me, other)) in [(a.id, b.id), (b.id, a.id)].into_iter().enumerate() {
            let s = replicas[i % replicas.len()].clone();
            let barrier = barrier.clone();
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                let guard = CycleGuard { calls: vec![other] };
                s.update_flow(o, me, relogic(logic(vec![call(other, None)])), &guard)
                    .await
            }));
        }
        let mut accepted = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => accepted += 1,
                Err(StoreError::Invalid { .. }) => {}
                Err(e) => panic!("round {round}: unexpected {e:?}"),
            }
        }
        assert_eq!(
            accepted, 1,
            "round {round}: exactly one of the two links is accepted"
        );
        let edges = s.module_edges(o).await.unwrap();
        let between = edges
            .iter()
            .filter(|e| [a.id, b.id].contains(&e.caller))
            .count();
        assert_eq!(between, 1, "round {round}: {edges:?}");
    }
}
