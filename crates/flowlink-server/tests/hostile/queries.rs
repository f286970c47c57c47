//! Filters and paging under attack: SQL and `LIKE` metacharacters in `name`, `description` and
//! `nameOrDescription` match literally and break nothing; negative, zero, huge and non-numeric
//! `pageSize`/`pageNumber` are 400s on every listing.

use serde_json::json;

use crate::support::{assert_error, World};

/// Flow names (and descriptions) that pair a metacharacter with a look-alike it must not match.
const NAMES: &[&str] = &[
    "100% Off",
    "100 Percent Off",
    "a_c",
    "abc",
    "O'Brien",
    "OBrien",
    "x\"; DROP TABLE flows; --",
    "x'); DELETE FROM flows; --",
    "back\\slash",
    "backslash",
    // Names cannot hold control characters (a tab is a 400, see bodies.rs); the "\t" needle
    // below must still match nothing rather than act as a wildcard.
    "tab here",
    "brackets [a-z]",
    "bracketsa",
];

fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Names of the listing's flows that were created by this test, sorted.
async fn matching(w: &World, param: &str, needle: &str) -> Vec<String> {
    let path = format!(
        "/api/v2/flows?{param}={}&pageSize=500&type=inqueuecall",
        percent(needle)
    );
    let r = w.s.get(&path, &w.token).await;
    assert_eq!(r.status, 200, "{path}: {}", r.body);
    let mut names: Vec<String> = r.body["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn metacharacters_in_filters_match_literally_and_break_nothing() {
    let w = World::new().await;
    for name in NAMES {
        w.s.create(
            &w.token,
            json!({"name": name, "type": "inqueuecall", "description": format!("d {name}")}),
        )
        .await;
    }
    let before = w.snapshot().await;
    let needles = [
        "%",
        "100%",
        "_",
        "a_c",
        "'",
        "O'Brien",
        "\"",
        "\"; DROP TABLE flows; --",
        "'); DELETE FROM flows; --",
        "\\",
        "k\\s",
        "\\%",
        "\\_",
        "[a-z]",
        "\t",
        "%%",
        "__",
        "'' OR ''='",
    ];
    for needle in needles {
        // Case-insensitive substring, literally: the expected set computed here.
        let lower = needle.to_lowercase();
        let mut want: Vec<String> = NAMES
            .iter()
            .filter(|n| n.to_lowercase().contains(&lower))
            .map(|n| n.to_string())
            .collect();
        want.sort();
        assert_eq!(matching(&w, "name", needle).await, want, "name={needle:?}");
        assert_eq!(
            matching(&w, "description", needle).await,
            want,
            "description={needle:?}"
        );
        assert_eq!(
            matching(&w, "nameOrDescription", needle).await,
            want,
            "nameOrDescription={needle:?}"
        );
    }
    // NUL cannot be matched literally by SQLite's LIKE (it ends the pattern): refused.
    for param in ["name", "description", "nameOrDescription"] {
        for needle in ["%00", "a%00", "%00%25"] {
            let path = format!("/api/v2/flows?{param}={needle}");
            assert_error(&w.s.get(&path, &w.token).await, 400, "bad.request", &path);
        }
    }
    // A long filter matches nothing; past the cap it is refused (SQLite refuses LIKE patterns
    // over 50,000 bytes, which was a 500).
    for param in ["name", "description", "nameOrDescription"] {
        let long = "%".repeat(1_000);
        assert!(matching(&w, param, &long).await.is_empty(), "{param}");
        for long in ["%".repeat(1_001), "%".repeat(20_000), "a".repeat(60_000)] {
            let path = format!("/api/v2/flows?{param}={}", percent(&long));
            let r = w.s.get(&path, &w.token).await;
            assert_error(
                &r,
                400,
                "bad.request",
                &format!("{param} of {} bytes", long.len()),
            );
        }
    }
    w.unchanged(&before, "metacharacter filters").await;
    // And the table is still there for everyone.
    assert_eq!(matching(&w, "name", "").await.len(), NAMES.len());
}

#[tokio::test]
async fn absurd_paging_is_400_on_every_listing_and_changes_nothing() {
    let w = World::new().await;
    let before = w.snapshot().await;
    let listings = [
        "/api/v2/flows".to_string(),
        "/api/v2/flows/flowmodules".to_string(),
        format!("/api/v2/flows/{}/versions", w.caller),
        format!("/api/v2/flows/{}/executions", w.caller),
    ];
    let bad_values = [
        "-1",
        "0",
        "-0",
        "1.5",
        "1e3",
        "abc",
        "0x10",
        "99999999999999999999999999",
        "4294967296",
        "18446744073709551616",
        "NaN",
        "%00",
        "1%00",
        "%E2%80%8B1",
    ];
    for listing in &listings {
        for param in ["pageSize", "pageNumber"] {
            for value in bad_values {
                let path = format!("{listing}?{param}={value}");
                let r = w.s.get(&path, &w.token).await;
                assert_error(&r, 400, "bad.request", &path);
            }
        }
        // Above the maximum page size.
        let path = format!("{listing}?pageSize=501");
        assert_error(&w.s.get(&path, &w.token).await, 400, "bad.request", &path);
        // The largest page number accepted is simply past the end.
        let path = format!("{listing}?pageSize=500&pageNumber=8589934");
        let r = w.s.get(&path, &w.token).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        assert_eq!(r.body["entities"], json!([]), "{path}");
        let path = format!("{listing}?pageSize=500&pageNumber=8589935");
        assert_error(&w.s.get(&path, &w.token).await, 400, "bad.request", &path);
        // Malformed query strings.
        for q in ["pageSize", "pageSize=&pageSize=-1", "%", "%zz=1", "&&&=&"] {
            let path = format!("{listing}?{q}");
            let r = w.s.get(&path, &w.token).await;
            assert_ne!(r.status, 500, "{path}: {}", r.body);
            if r.status != 200 {
                assert_error(&r, 400, "bad.request", &path);
            }
        }
    }
    w.unchanged(&before, "absurd paging").await;
}
