//! The checkout lock: one winner per race, 409s naming the holder for everyone else's writes,
//! the holder's own writes going through, and force-unlock for admins only.

use serde_json::json;

use crate::common::Reply;
use crate::support::{self, action, client, ok};

/// Asserts a 409 lock conflict naming `holder`.
fn assert_locked_by(r: &Reply, holder: &support::Client) {
    r.expect(409, Some("architect.flow.locked"));
    assert_eq!(r.body["messageParams"]["clientId"], holder.id.as_str());
    assert_eq!(r.body["messageParams"]["clientName"], holder.name.as_str());
    let message = r.body["message"].as_str().unwrap();
    assert!(
        message.contains(&holder.name) && message.contains(&holder.id),
        "{message}"
    );
    assert_eq!(r.body["details"][0]["entityId"], holder.id.as_str());
}

#[tokio::test]
async fn two_clients_race_for_a_checkout_and_one_wins() {
    let s = support::server().await;
    let admin = s.admin_token().await;
    let a = client(&s, "CI runner A", &["architect"]).await;
    let b = client(&s, "CI runner B", &["architect"]).await;
    for round in 0..5 {
        let id = support::flow(
            &s,
            &admin,
            &format!("Main IVR {round}"),
            "inboundcall",
            support::plain(),
        )
        .await;
        let (ra, rb) = tokio::join!(
            action(&s, &a.token, "checkout", &id),
            action(&s, &b.token, "checkout", &id)
        );
        let (winner, loser, won, lost) = match (ra.status.as_u16(), rb.status.as_u16()) {
            (200, 409) => (&a, &b, ra, rb),
            (409, 200) => (&b, &a, rb, ra),
            other => panic!("exactly one checkout must win, got {other:?}"),
        };
        assert_locked_by(&lost, winner);
        assert_eq!(won.body["lockedClient"]["id"], winner.id.as_str());
        assert_eq!(won.body["lockedClient"]["name"], winner.name.as_str());
        assert_eq!(
            won.body["lockedClient"]["selfUri"],
            format!("/api/v2/oauth/clients/{}", winner.id)
        );

        // Everyone else's writes are refused, naming the holder; nothing changes.
        let before = support::get(&s, &admin, &id).await;
        let put = s
            .put(
                &format!("/api/v2/flows/{id}"),
                &loser.token,
                json!({"description": "sneaky"}),
            )
            .await;
        assert_locked_by(&put, winner);
        assert_locked_by(
            &support::put_logic(&s, &loser.token, &id, support::marking("x")).await,
            winner,
        );
        assert_locked_by(
            &s.delete(&format!("/api/v2/flows/{id}"), &loser.token).await,
            winner,
        );
        for name in ["publish", "checkin", "revert", "deactivate"] {
            assert_locked_by(&action(&s, &loser.token, name, &id).await, winner);
        }
        assert_eq!(support::get(&s, &admin, &id).await, before);

        // The holder checking out again is harmless; its metadata writes go through.
        let again = ok(&s, &winner.token, "checkout", &id).await;
        assert_eq!(again["version"], before["version"]);
        let put = s
            .put(
                &format!("/api/v2/flows/{id}"),
                &winner.token,
                json!({"description": "mine"}),
            )
            .await;
        put.expect(200, None);
        assert_eq!(put.body["description"], "mine");
        assert_eq!(put.body["lockedClient"]["name"], winner.name.as_str());
    }
}

#[tokio::test]
async fn unlock_is_for_admins_only_and_frees_the_flow() {
    let s = support::server().await;
    let admin = s.admin_token().await;
    let a = client(&s, "Holder", &["architect"]).await;
    let b = client(&s, "Other", &["architect"]).await;
    let id = support::flow(&s, &admin, "Locked IVR", "inboundcall", support::plain()).await;
    ok(&s, &a.token, "checkout", &id).await;

    for who in [&a, &b] {
        let r = action(&s, &who.token, "unlock", &id).await;
        r.expect(403, Some("missing.any.permissions"));
        assert_eq!(r.body["messageParams"]["permissions"], "[admin]");
    }
    assert_eq!(
        support::get(&s, &admin, &id).await["lockedClient"]["id"],
        a.id.as_str()
    );

    let unlocked = ok(&s, &admin, "unlock", &id).await;
    assert!(unlocked.get("lockedClient").is_none(), "{unlocked}");
    // Unlocking an unlocked flow is harmless.
    ok(&s, &admin, "unlock", &id).await;

    // Free again: another client's write publishes at once (no checkout, no draft).
    let r = support::put_logic(
        &s,
        &b.token,
        &id,
        json!([{"type": "disconnect", "name": "Bye"}]),
    )
    .await;
    r.expect(200, None);
    let (published, saved, _) = support::pointers(&r.body);
    assert_eq!(published, "2.0");
    assert!(saved.is_null());
}
