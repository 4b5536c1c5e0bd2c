//! The generated history of exits: three years of decisions over
//! generated households add up — on file at any day is filings − exits,
//! reliefs and removals + revocations + reopenings as of that day — and
//! what a user sees agrees: the households list by status, reopened files
//! linked both ways, about 5 % of the files on file ready to exit, exited
//! households falling back within their follow-up, no assistance after a
//! file left.

use crate::common;

use bangfu_demo as demo;
use bangfu_service::{Operator, Settings};
use bangfu_storage::test_support;
use chrono::Duration;
use serde_json::Value;
use std::collections::HashMap;

const HOUSEHOLDS: usize = 600;

async fn ledger(app: &common::TestApp, d: chrono::NaiveDate) -> test_support::OnFileLedger {
    app.seed_write(move |c| Ok(test_support::on_file_ledger(c, d)?))
        .await
        .expect("ledger")
}

/// Every household through the list API (all statuses), by id.
async fn all_households(api: &common::Api) -> HashMap<i64, Value> {
    let mut out = HashMap::new();
    for page in 1.. {
        let (s, body) = api
            .get(&format!("/api/v1/households?per_page=100&page={page}"))
            .await;
        assert_eq!(s, 200, "{body}");
        let items = body["items"].as_array().unwrap();
        if items.is_empty() {
            break;
        }
        for h in items {
            out.insert(h["id"].as_i64().unwrap(), h.clone());
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_years_of_generated_decisions_add_up() {
    // The monthly run would flag the relapses this test counts as unflagged.
    let app = common::spawn_with(Settings {
        monthly_schedule: false,
        ..Settings::default()
    })
    .await;
    demo::load(&app.services).await.expect("demo tree");
    let made = demo::load_households_months(&app.services, HOUSEHOLDS, 36, &|_| {})
        .await
        .expect("households");
    assert_eq!(made.months, HOUSEHOLDS * 36);
    let e = demo::load_exits(&app.services, &|_| {})
        .await
        .expect("exits");
    demo::load_assistance(&app.services, 3, true, &|_| {})
        .await
        .expect("assistance");

    // Proportions like source 000: most files decided, most of them out,
    // employment the commonest pathway, and some of every kind.
    assert_eq!(e.households, HOUSEHOLDS, "{e:?}");
    let decided = e.exits() + e.relieved + e.removed;
    assert!(
        decided * 100 >= HOUSEHOLDS * 40 && decided * 100 <= HOUSEHOLDS * 80,
        "{e:?}"
    );
    assert!(
        e.exits() > e.relieved && e.relieved > 0 && e.removed > 0,
        "{e:?}"
    );
    let employment = e.out.get("employment").copied().unwrap_or(0);
    assert!(e.out.values().all(|n| *n <= employment), "{e:?}");
    assert_eq!(e.out.len(), 5, "every pathway: {e:?}");
    assert!(
        e.revoked > 0 && e.relapses >= e.reopened && e.reopened > 0,
        "{e:?}"
    );
    assert!(e.falling_back > 0 && e.ready > 0, "{e:?}");
    assert_eq!(e.targets, 5, "{e:?}");

    // The identity, every week of the three years and today.
    let today = common::today();
    for week in 0..=160 {
        let d = today - Duration::days(7 * week);
        let l = ledger(&app, d).await;
        assert_eq!(
            l.on_file,
            l.filings - l.decisions + l.revocations + l.reopenings,
            "on {d}: {l:?}"
        );
    }
    let now = ledger(&app, today).await;
    assert_eq!(now.decisions as usize, decided, "{now:?}");
    assert_eq!(now.revocations as usize, e.revoked, "{now:?}");
    assert_eq!(now.reopenings as usize, e.reopened, "{now:?}");
    assert_eq!(now.filings as usize, HOUSEHOLDS, "{now:?}");
    let three_years_ago = ledger(&app, today - Duration::days(3 * 365 + 1)).await;
    assert_eq!(three_years_ago.decisions, 0, "{three_years_ago:?}");
    assert!(
        now.on_file < three_years_ago.on_file,
        "{now:?} {three_years_ago:?}"
    );

    // Running it again finds nothing new to decide.
    let again = demo::load_exits(&app.services, &|_| {})
        .await
        .expect("again");
    assert_eq!(
        again.exits() + again.relieved + again.removed,
        0,
        "{again:?}"
    );
    assert_eq!(ledger(&app, today).await, now);

    // What a national auditor sees agrees.
    let root = app
        .services
        .operator_find_union(Operator, "中华全国总工会")
        .await
        .unwrap()
        .expect("root")
        .id
        .0;
    app.user("gen-auditor", "auditor", root).await;
    let api = app.api_as("gen-auditor").await;
    assert_eq!(
        api.total("/api/v1/households?status=on_file").await,
        now.on_file
    );
    let all = all_households(&api).await;
    assert_eq!(all.len(), HOUSEHOLDS + e.reopened);
    let by_status = |s: &str| all.values().filter(|h| h["status"] == s).count();
    assert_eq!(by_status("relieved"), e.relieved);
    assert_eq!(
        by_status("on_file") + by_status("exited") + by_status("relieved") + by_status("removed"),
        all.len()
    );
    for h in all.values() {
        let l = &h["leaving"];
        match h["status"].as_str().unwrap() {
            "on_file" => assert!(l["left_on"].is_null(), "{h}"),
            "exited" => {
                assert!(
                    l["left_on"].is_string() && l["follow_until"].is_string(),
                    "{h}"
                );
                assert!(
                    l["left_on"].as_str() < Some(today.to_string().as_str()),
                    "{h}"
                );
            }
            _ => assert!(
                l["left_on"].is_string() && l["follow_until"].is_null(),
                "{h}"
            ),
        }
    }

    // Reopened files: a new incremental file on file, linked both ways to
    // the exited one, whose relapse is flagged.
    let reopened: Vec<&Value> = all
        .values()
        .filter(|h| !h["leaving"]["previous_id"].is_null())
        .collect();
    assert_eq!(reopened.len(), e.reopened);
    for new in reopened {
        let old = &all[&new["leaving"]["previous_id"].as_i64().unwrap()];
        assert_eq!(new["status"], "on_file", "{new}");
        assert_eq!(new["cohort"], "incremental", "{new}");
        assert_eq!(new["worker_name"], old["worker_name"]);
        assert_ne!(new["file_no"], old["file_no"]);
        assert_eq!(old["status"], "exited", "{old}");
        assert_eq!(old["leaving"]["reopened_id"], new["id"], "{old}");
        let flagged = old["leaving"]["relapse_on"]
            .as_str()
            .expect("relapse flagged");
        assert!(new["filed_on"].as_str().unwrap() > flagged, "{new} {old}");
        assert!(
            flagged > old["leaving"]["left_on"].as_str().unwrap(),
            "{old}"
        );
    }
    let flagged = all
        .values()
        .filter(|h| !h["leaving"]["relapse_on"].is_null())
        .count();
    assert_eq!(flagged, e.relapses);

    // As the monthly run will see them: the files on file that meet the exit
    // standard are exactly those generated ready (about 5 %); exited files
    // within their follow-up, not flagged, whose latest six months are all
    // below the line are exactly those generated falling back.
    let (mut ready, mut on_file, mut falling) = (0usize, 0usize, 0usize);
    for h in all.values() {
        let status = h["status"].as_str().unwrap();
        let followed = status == "exited"
            && h["leaving"]["follow_until"].as_str() > Some(today.to_string().as_str())
            && h["leaving"]["relapse_on"].is_null();
        let original = h["leaving"]["previous_id"].is_null();
        if !(status == "on_file" && original || followed) {
            continue;
        }
        let (s, d) = api.get(&format!("/api/v1/households/{}", h["id"])).await;
        assert_eq!(s, 200, "{d}");
        let window = d["exit"]["window"].as_array().unwrap();
        assert_eq!(window.len(), 6, "{d}");
        if status == "on_file" {
            on_file += 1;
            let meets = d["exit"]["meets_standard"] == true;
            ready += usize::from(meets);
            // Flagged as saving the incomes would have, for the ready list.
            assert_eq!(h["leaving"]["ready_pathway"].is_string(), meets, "{h}");
        } else if window.iter().all(|m| m["above_line"] == false) {
            falling += 1;
        } else {
            assert!(
                window.iter().all(|m| m["above_line"] == true),
                "an exited household is above the line: {d}"
            );
        }
    }
    assert_eq!(ready, e.ready, "ready of {on_file} on file");
    assert!(ready * 100 <= on_file * 12, "{ready} of {on_file}");
    assert_eq!(falling, e.falling_back);

    // The province panel gives the same figures, today, on past days and
    // month by month in its trend.
    let mut days: Vec<chrono::NaiveDate> =
        (0..=12).map(|q| today - Duration::days(91 * q)).collect();
    days.push(today - Duration::days(3 * 365 + 30));
    for d in days {
        let (s, panel) = api
            .get(&format!("/api/v1/stats/panel?union={root}&as_of={d}"))
            .await;
        assert_eq!(s, 200, "{panel}");
        let t = &panel["total"];
        let l = ledger(&app, d).await;
        let decided = t["decisions"]["out"].as_i64().unwrap()
            + t["decisions"]["relief"].as_i64().unwrap()
            + t["decisions"]["removal"].as_i64().unwrap();
        assert_eq!(t["on_file"]["households"], l.on_file, "on {d}: {l:?} {t}");
        assert_eq!(t["filed"], l.filings, "on {d}: {l:?} {t}");
        assert_eq!(t["reopened"], l.reopenings, "on {d}: {l:?} {t}");
        assert_eq!(decided, l.decisions - l.revocations, "on {d}: {l:?} {t}");
        if d == today {
            for point in panel["trend"].as_array().unwrap() {
                let on: chrono::NaiveDate = point["on"].as_str().unwrap().parse().unwrap();
                assert_eq!(
                    point["households"],
                    ledger(&app, on).await.on_file,
                    "{point}"
                );
            }
        }
    }

    // No assistance after a file left (a relieved one stays assisted).
    let mut looked = 0;
    for h in all
        .values()
        .filter(|h| h["status"] == "removed" || h["status"] == "exited")
        .take(25)
    {
        let left_on = h["leaving"]["left_on"].as_str().unwrap().to_owned();
        for r in common::assistance_records(&api, h["id"].as_i64().unwrap()).await {
            assert!(
                r["given_on"].as_str().unwrap() < left_on.as_str(),
                "{r} {h}"
            );
            looked += 1;
        }
    }
    assert!(looked > 0, "some assistance before leaving");
}
