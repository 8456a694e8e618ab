//! The device store in a real browser (headless Chromium through wasm-bindgen-test-runner).

#![cfg(all(target_arch = "wasm32", feature = "hydrate"))]

use app::sync::store::{stores, DeviceStore, StoreError, SCHEMA_VERSION};
use serde::{Deserialize, Serialize};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct CheckIn {
    participant: String,
    note: String,
    rating: u8,
}

/// Each test uses its own database, so tests do not see each other's data.
fn unique_name(test: &str) -> String {
    format!("lotsa-test-{test}-{}", uuid::Uuid::new_v4())
}

fn sample() -> CheckIn {
    CheckIn {
        participant: "p-17".into(),
        note: "Går bra på avdelningen, behöver öva dokumentation.".into(),
        rating: 4,
    }
}

#[wasm_bindgen_test]
async fn writes_are_read_back_and_survive_reopening() {
    let name = unique_name("reopen");
    let store = DeviceStore::open_at(&name, SCHEMA_VERSION).await.unwrap();
    assert_eq!(store.version(), SCHEMA_VERSION);
    store
        .put(stores::RECORDS, "check_in/1", &sample())
        .await
        .unwrap();
    assert_eq!(
        store
            .get::<CheckIn>(stores::RECORDS, "check_in/1")
            .await
            .unwrap(),
        Some(sample())
    );
    assert_eq!(
        store
            .get::<CheckIn>(stores::RECORDS, "check_in/2")
            .await
            .unwrap(),
        None
    );
    store.close();

    let reopened = DeviceStore::open_at(&name, SCHEMA_VERSION).await.unwrap();
    assert_eq!(
        reopened
            .get::<CheckIn>(stores::RECORDS, "check_in/1")
            .await
            .unwrap(),
        Some(sample())
    );
    reopened.close();
}

#[wasm_bindgen_test]
async fn upgrading_from_the_previous_version_keeps_the_data() {
    let name = unique_name("upgrade");
    let old = DeviceStore::open_at(&name, SCHEMA_VERSION - 1)
        .await
        .unwrap();
    assert!(!old.store_names().contains(&stores::NOTICES.to_owned()));
    old.put(stores::RECORDS, "check_in/1", &sample())
        .await
        .unwrap();
    old.put(stores::META, "cursor", &41_u64).await.unwrap();
    old.close();

    let upgraded = DeviceStore::open_at(&name, SCHEMA_VERSION).await.unwrap();
    assert_eq!(upgraded.version(), SCHEMA_VERSION);
    let names = upgraded.store_names();
    for store in [
        stores::META,
        stores::RECORDS,
        stores::OUTBOX,
        stores::NOTICES,
    ] {
        assert!(
            names.contains(&store.to_owned()),
            "{store} missing after upgrade: {names:?}"
        );
    }
    assert_eq!(
        upgraded
            .get::<CheckIn>(stores::RECORDS, "check_in/1")
            .await
            .unwrap(),
        Some(sample())
    );
    assert_eq!(
        upgraded.get::<u64>(stores::META, "cursor").await.unwrap(),
        Some(41)
    );
    upgraded.put(stores::OUTBOX, "1", &sample()).await.unwrap();
    assert_eq!(
        upgraded.get::<CheckIn>(stores::OUTBOX, "1").await.unwrap(),
        Some(sample())
    );
    upgraded.close();
}

/// Values that versions before JSON text wrote as the values themselves (a JavaScript object,
/// number or string) still read, and what is written now is JSON text.
#[wasm_bindgen_test]
async fn values_an_earlier_version_wrote_as_objects_still_read() {
    use indexed_db_futures::database::Database;
    use indexed_db_futures::prelude::*;
    use indexed_db_futures::transaction::TransactionMode;
    use wasm_bindgen::JsValue;
    let name = unique_name("earlier");
    DeviceStore::open_at(&name, SCHEMA_VERSION)
        .await
        .unwrap()
        .close();
    let client_id = uuid::Uuid::new_v4();
    let earlier = [
        (
            stores::RECORDS,
            "check_in/1",
            js_sys::JSON::parse(&serde_json::to_string(&sample()).unwrap()).unwrap(),
        ),
        (
            stores::META,
            "client_id",
            JsValue::from_str(&client_id.to_string()),
        ),
        (stores::META, "cursor", JsValue::from_f64(41.0)),
    ];
    let db = Database::open(&name).await.unwrap();
    let transaction = db
        .transaction([stores::RECORDS, stores::META])
        .with_mode(TransactionMode::Readwrite)
        .build()
        .unwrap();
    for (store, key, value) in earlier {
        transaction
            .object_store(store)
            .unwrap()
            .put(value)
            .with_key(key.to_owned())
            .await
            .unwrap();
    }
    transaction.commit().await.unwrap();
    db.close();

    let store = DeviceStore::open_at(&name, SCHEMA_VERSION).await.unwrap();
    assert_eq!(
        store
            .get::<CheckIn>(stores::RECORDS, "check_in/1")
            .await
            .unwrap(),
        Some(sample())
    );
    assert_eq!(store.client_id().await.unwrap(), client_id);
    assert_eq!(
        store.get::<u64>(stores::META, "cursor").await.unwrap(),
        Some(41)
    );
    store
        .put(stores::RECORDS, "check_in/2", &sample())
        .await
        .unwrap();
    store.close();

    let db = Database::open(&name).await.unwrap();
    let transaction = db.transaction(stores::RECORDS).build().unwrap();
    let written: Option<JsValue> = transaction
        .object_store(stores::RECORDS)
        .unwrap()
        .get("check_in/2".to_owned())
        .await
        .unwrap();
    let text = written.and_then(|value| value.as_string());
    assert_eq!(
        text.map(|text| serde_json::from_str::<CheckIn>(&text).unwrap()),
        Some(sample()),
        "kept as JSON text"
    );
    drop(transaction);
    db.close();
}

#[wasm_bindgen_test]
async fn a_fresh_database_gets_every_store_at_once() {
    let store = DeviceStore::open_at(&unique_name("fresh"), SCHEMA_VERSION)
        .await
        .unwrap();
    let mut names = store.store_names();
    names.sort();
    assert_eq!(names, vec!["meta", "notices", "outbox", "records"]);
    store.close();
}

#[wasm_bindgen_test]
async fn opening_an_older_version_than_the_device_has_is_a_clear_error() {
    let name = unique_name("downgrade");
    DeviceStore::open_at(&name, SCHEMA_VERSION)
        .await
        .unwrap()
        .close();
    let error = DeviceStore::open_at(&name, SCHEMA_VERSION - 1)
        .await
        .err()
        .unwrap();
    assert_eq!(error, StoreError::NewerSchema);
}

#[wasm_bindgen_test]
async fn the_client_id_is_created_once_and_kept() {
    let name = unique_name("client-id");
    let store = DeviceStore::open_at(&name, SCHEMA_VERSION).await.unwrap();
    let first = store.client_id().await.unwrap();
    assert_eq!(store.client_id().await.unwrap(), first);
    store.close();
    let reopened = DeviceStore::open_at(&name, SCHEMA_VERSION).await.unwrap();
    assert_eq!(reopened.client_id().await.unwrap(), first);
    reopened.close();
}

#[wasm_bindgen_test]
async fn reading_data_of_the_wrong_shape_is_reported_as_corrupt() {
    let store = DeviceStore::open_at(&unique_name("corrupt"), SCHEMA_VERSION)
        .await
        .unwrap();
    store
        .put(stores::META, "cursor", &"not a number")
        .await
        .unwrap();
    let error = store.get::<u64>(stores::META, "cursor").await.unwrap_err();
    assert!(matches!(error, StoreError::Corrupt(_)), "{error:?}");
    store.close();
}

fn contact(n: u128) -> app::change::Change {
    let record = app::domain::Record::parse(
        app::domain::Kind::Contact,
        serde_json::json!({ "id": uuid::Uuid::from_u128(n), "participant_id": uuid::Uuid::from_u128(99),
                            "on": "2026-11-20", "channel": "phone", "summary": "Ringde" }),
    )
    .unwrap();
    app::change::Change::Save(Box::new(record))
}

#[wasm_bindgen_test]
async fn changes_made_at_the_same_moment_get_distinct_mutation_ids_and_survive_reopening() {
    use app::sync::replica::Pending;
    let name = unique_name("outbox");
    let store = DeviceStore::open_at(&name, SCHEMA_VERSION).await.unwrap();
    // Three taps before any of them finished writing.
    let (one, two, three) = (contact(1), contact(2), contact(3));
    let (a, b, c) = futures::join!(
        store.enqueue(&one),
        store.enqueue(&two),
        store.enqueue(&three)
    );
    let mut ids = vec![
        a.unwrap().mutation.id,
        b.unwrap().mutation.id,
        c.unwrap().mutation.id,
    ];
    ids.sort();
    assert_eq!(ids, [1, 2, 3]);
    store.close();
    let reopened = DeviceStore::open_at(&name, SCHEMA_VERSION).await.unwrap();
    let outbox: Vec<Pending> = reopened.all(stores::OUTBOX).await.unwrap();
    assert_eq!(outbox.len(), 3);
    assert_eq!(
        reopened.enqueue(&contact(4)).await.unwrap().mutation.id,
        4,
        "ids never repeat"
    );
    reopened.close();
}

#[wasm_bindgen_test]
async fn an_answer_is_written_in_one_go_and_only_answered_changes_leave_the_outbox() {
    use app::domain::Refusal;
    use app::sync::replica::{self, Held, Notice, NoticeWhat, Pending, SyncMeta};
    use app::sync::{MutationResult, MutationStatus, RecordChange, Replaced, SyncResponse};
    let name = unique_name("absorb");
    let store = DeviceStore::open_at(&name, SCHEMA_VERSION).await.unwrap();
    store.enqueue(&contact(1)).await.unwrap();
    store.enqueue(&contact(2)).await.unwrap();
    store.enqueue(&contact(3)).await.unwrap();
    let outbox: Vec<Pending> = store.all(stores::OUTBOX).await.unwrap();
    let changes = (0..1500)
        .map(|n| RecordChange {
            kind: "attendance".into(),
            id: format!("a{n}"),
            version: n,
            deleted: false,
            data: Some(serde_json::json!({ "n": n })),
        })
        .collect();
    let response = SyncResponse {
        cursor: 1500,
        results: vec![
            MutationResult {
                id: 1,
                status: MutationStatus::Applied,
                error: None,
                code: None,
            },
            MutationResult {
                id: 3,
                status: MutationStatus::Rejected,
                error: Some("you may not make this change".into()),
                code: Some(Refusal::NotPermitted),
            },
        ],
        changes,
        more: false,
        notices: vec![Replaced {
            kind: "contact".into(),
            id: "c".into(),
            replaced_version: 4,
            version: 9,
        }],
    };
    let absorbed = replica::absorb(&outbox, response);
    let meta = SyncMeta {
        cursor: Some(absorbed.cursor),
        last_synced_at: None,
    };
    store.absorb(&absorbed, &meta).await.unwrap();
    let held: Vec<Held> = store.all(stores::RECORDS).await.unwrap();
    assert_eq!(held.len(), 1500);
    let left: Vec<Pending> = store.all(stores::OUTBOX).await.unwrap();
    assert_eq!(left.len(), 1, "mutation 2 waits for its answer");
    assert_eq!(left[0].mutation.id, 2);
    assert_eq!(store.sync_meta().await.unwrap().cursor, Some(1500));
    let notices: Vec<Notice> = store.all(stores::NOTICES).await.unwrap();
    let whats: Vec<&NoticeWhat> = notices.iter().map(|notice| &notice.what).collect();
    assert_eq!(
        whats,
        [
            &NoticeWhat::Refused {
                error: "you may not make this change".into(),
                code: Some(Refusal::NotPermitted),
            },
            &NoticeWhat::Replaced { version: 9 },
        ],
        "the refusal and the replaced change are kept until the user dismisses them"
    );
    store
        .delete(stores::NOTICES, &notices[0].key)
        .await
        .unwrap();
    let left: Vec<Notice> = store.all(stores::NOTICES).await.unwrap();
    assert_eq!(left.len(), 1);
    store.close();
}

#[wasm_bindgen_test]
async fn a_change_to_a_held_record_names_the_version_it_started_from() {
    use app::sync::replica::Held;
    let store = DeviceStore::open_at(&unique_name("base"), SCHEMA_VERSION)
        .await
        .unwrap();
    let app::change::Change::Save(record) = contact(1) else {
        unreachable!("contact() saves");
    };
    let held = Held {
        kind: "contact".into(),
        id: record.id().to_string(),
        version: 42,
        data: record.to_json(),
    };
    store
        .put(stores::RECORDS, &held.key(), &held)
        .await
        .unwrap();
    let edited = store.enqueue(&contact(1)).await.unwrap();
    assert_eq!(edited.mutation.base_version, Some(42));
    let new = store.enqueue(&contact(2)).await.unwrap();
    assert_eq!(new.mutation.base_version, None);
    store.close();
}

#[wasm_bindgen_test]
async fn each_user_has_a_database_of_their_own_and_signing_out_deletes_it() {
    let first = format!("user-{}", uuid::Uuid::new_v4());
    let second = format!("user-{}", uuid::Uuid::new_v4());
    let store = DeviceStore::open_for_user(&first).await.unwrap();
    store.enqueue(&contact(1)).await.unwrap();
    let other = DeviceStore::open_for_user(&second).await.unwrap();
    let outbox: Vec<app::sync::replica::Pending> = other.all(stores::OUTBOX).await.unwrap();
    assert!(
        outbox.is_empty(),
        "another user sees nothing of the first one's changes"
    );
    other.close();

    let name = store.name();
    store.close_shared();
    DeviceStore::delete_named(&name).await.unwrap();
    let reopened = DeviceStore::open_for_user(&first).await.unwrap();
    let outbox: Vec<app::sync::replica::Pending> = reopened.all(stores::OUTBOX).await.unwrap();
    assert!(outbox.is_empty(), "the deleted database starts empty");
    reopened.close();
}
