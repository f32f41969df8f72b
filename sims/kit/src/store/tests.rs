use super::*;
use serde::{Deserialize, Serialize};
use std::fs;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Cluster {
    name: String,
    tasks: u32,
}

fn cluster(name: &str, tasks: u32) -> Cluster {
    Cluster {
        name: name.into(),
        tasks,
    }
}

#[test]
fn memory_store_crud_and_prefix_scan() {
    let store = Store::memory();
    let clusters = store.collection::<Cluster>("ecs.clusters").unwrap();
    clusters.insert("a/1", cluster("one", 0)).unwrap();
    clusters.insert("a/2", cluster("two", 0)).unwrap();
    clusters.insert("b/1", cluster("other", 0)).unwrap();
    assert_eq!(clusters.update("a/1", |c| c.tasks += 2).unwrap(), Some(()));
    assert_eq!(clusters.update("missing", |c| c.tasks += 2).unwrap(), None);
    let names: Vec<_> = clusters
        .scan_prefix("a/")
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(names, ["a/1", "a/2"]);
    let ranged: Vec<_> = clusters
        .range("a/1".to_string().."b".to_string(), 10, true)
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(ranged, ["a/2", "a/1"]);
    assert_eq!(clusters.range(.., 1, false).len(), 1);
    assert_eq!(clusters.get("a/1"), Some(cluster("one", 2)));
    assert_eq!(clusters.remove("a/2").unwrap(), Some(cluster("two", 0)));
    assert_eq!(clusters.len(), 2);
    assert!(!store.is_durable());
}

#[test]
fn failed_modify_changes_nothing() {
    let store = Store::memory();
    let clusters = store.collection::<Cluster>("c").unwrap();
    clusters.insert("k", cluster("one", 1)).unwrap();
    let outcome: Result<(), StoreError> = clusters.modify("k", |slot| {
        slot.as_mut().unwrap().tasks = 99;
        Err(StoreError::Closed)
    });
    assert!(outcome.is_err());
    assert_eq!(clusters.get("k"), Some(cluster("one", 1)));
}

#[test]
fn same_name_returns_same_collection() {
    let store = Store::memory();
    let first = store.collection::<Cluster>("c").unwrap();
    first.insert("k", cluster("x", 0)).unwrap();
    let second = store.collection::<Cluster>("c").unwrap();
    assert_eq!(second.get("k"), Some(cluster("x", 0)));
}

#[test]
fn durable_store_reloads_writes_and_deletes() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path(), Durability::Process).unwrap();
        let clusters = store.collection::<Cluster>("c").unwrap();
        clusters.insert("keep", cluster("keep", 1)).unwrap();
        clusters.insert("gone", cluster("gone", 1)).unwrap();
        clusters.remove("gone").unwrap();
        clusters.update("keep", |c| c.tasks = 5).unwrap();
        // A collection nobody reopens must survive too.
        store
            .collection::<Cluster>("untouched")
            .unwrap()
            .insert("x", cluster("x", 0))
            .unwrap();
    }
    let store = Store::open(dir.path(), Durability::Process).unwrap();
    let clusters = store.collection::<Cluster>("c").unwrap();
    assert_eq!(
        clusters.all(),
        vec![("keep".to_string(), cluster("keep", 5))]
    );
    drop(store);
    let store = Store::open(dir.path(), Durability::Fsync).unwrap();
    assert_eq!(store.dump()["untouched"]["x"]["name"], "x");
}

#[test]
fn a_second_process_cannot_open_the_same_directory() {
    let dir = tempfile::tempdir().unwrap();
    let _first = Store::open(dir.path(), Durability::Process).unwrap();
    assert!(matches!(
        Store::open(dir.path(), Durability::Process),
        Err(StoreError::Locked(_))
    ));
}

#[test]
fn a_journal_directory_is_migrated_once_dropping_a_torn_last_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = r#"{"c":"c","k":"a","v":{"name":"a","tasks":1}}"#;
    fs::write(
        dir.path().join("snapshot.json"),
        r#"{"version":1,"collections":{"c":{"z":{"name":"z","tasks":9}}}}"#,
    )
    .unwrap();
    fs::write(
        dir.path().join("journal.jsonl"),
        format!("{good}\n{{\"c\":\"c\",\"k\":\"b\",\"v\":{{\"na"),
    )
    .unwrap();
    fs::write(dir.path().join(".tmpLeftover"), "half a snapshot").unwrap();
    {
        let store = Store::open(dir.path(), Durability::Process).unwrap();
        let clusters = store.collection::<Cluster>("c").unwrap();
        assert_eq!(
            clusters.all(),
            vec![
                ("a".to_string(), cluster("a", 1)),
                ("z".to_string(), cluster("z", 9))
            ]
        );
        clusters.remove("z").unwrap();
    }
    for gone in ["snapshot.json", "journal.jsonl", ".tmpLeftover"] {
        assert!(!dir.path().join(gone).exists(), "{gone} left behind");
    }
    // Reopening does not migrate again (which would bring `z` back).
    let store = Store::open(dir.path(), Durability::Process).unwrap();
    let keys: Vec<_> = store
        .collection::<Cluster>("c")
        .unwrap()
        .all()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(keys, ["a"]);
}

#[test]
fn a_journal_corrupt_in_the_middle_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let good = r#"{"c":"c","k":"a","v":{"name":"a","tasks":1}}"#;
    fs::write(
        dir.path().join("journal.jsonl"),
        format!("garbage\n{good}\n"),
    )
    .unwrap();
    assert!(matches!(
        Store::open(dir.path(), Durability::Process),
        Err(StoreError::Corrupt { line: 1, .. })
    ));
}

#[test]
fn the_state_directory_and_database_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("state");
    let _store = Store::open(&dir, Durability::Process).unwrap();
    let mode = |path: &Path| fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("state.db")), 0o600);
}

#[test]
fn a_transaction_commits_everything_or_nothing() {
    for durable in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let store = if durable {
            Store::open(dir.path(), Durability::Process).unwrap()
        } else {
            Store::memory()
        };
        let clusters = store.collection::<Cluster>("c").unwrap();
        let counts = store.collection::<u64>("n").unwrap();
        clusters.insert("keep", cluster("keep", 1)).unwrap();
        let failed: Result<(), StoreError> = store.transaction(|txn| {
            txn.insert(&clusters, "new", cluster("new", 0))?;
            txn.remove(&clusters, "keep")?;
            txn.insert(&counts, "total", 7)?;
            // Reads inside see the transaction's own writes.
            assert_eq!(txn.get(&clusters, "new")?, Some(cluster("new", 0)));
            assert_eq!(txn.get(&clusters, "keep")?, None);
            assert_eq!(txn.scan_prefix(&clusters, "")?.len(), 1);
            Err(StoreError::Closed)
        });
        assert!(failed.is_err());
        assert_eq!(
            clusters.all(),
            vec![("keep".to_string(), cluster("keep", 1))]
        );
        assert_eq!(counts.get("total"), None);

        let total = store
            .transaction(|txn| {
                txn.insert(&clusters, "new", cluster("new", 0))?;
                txn.update(&clusters, "keep", |c| c.tasks = 2)?;
                txn.modify(&counts, "total", |slot| {
                    *slot = Some(slot.unwrap_or(0) + 5);
                    Ok::<_, StoreError>(slot.unwrap_or(0))
                })
            })
            .unwrap();
        assert_eq!(total, 5);
        assert_eq!(clusters.len(), 2);
        assert_eq!(clusters.get("keep"), Some(cluster("keep", 2)));
        assert_eq!(counts.get("total"), Some(5));
    }
}

#[test]
fn a_write_inside_a_write_is_a_clear_programming_error() {
    let store = Store::memory();
    let clusters = store.collection::<Cluster>("c").unwrap();
    let nested = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = clusters.modify("a", |_| {
            clusters.insert("b", cluster("b", 0))?;
            Ok::<_, StoreError>(())
        });
    }));
    let message = nested.unwrap_err();
    let message = message
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| message.downcast_ref::<String>().cloned())
        .unwrap();
    assert!(message.contains("inside another write"), "{message}");
    // The thread can write again afterwards.
    clusters.insert("c", cluster("c", 0)).unwrap();
}

#[test]
fn reset_empties_memory_and_disk() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path(), Durability::Process).unwrap();
        let clusters = store.collection::<Cluster>("c").unwrap();
        clusters.insert("a", cluster("a", 1)).unwrap();
        store.reset().unwrap();
        assert!(clusters.is_empty());
        clusters.insert("b", cluster("b", 1)).unwrap();
    }
    let store = Store::open(dir.path(), Durability::Process).unwrap();
    let keys: Vec<_> = store
        .collection::<Cluster>("c")
        .unwrap()
        .all()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(keys, ["b"]);
}

#[test]
fn reads_page_through_a_durable_collection() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path(), Durability::Process).unwrap();
        let clusters = store.collection::<Cluster>("c").unwrap();
        for i in 0..100 {
            clusters
                .insert(&format!("k{i:03}"), cluster("x", i))
                .unwrap();
        }
        store.checkpoint().unwrap();
        clusters.insert("k100", cluster("x", 100)).unwrap();
        clusters.insert("other", cluster("y", 0)).unwrap();
    }
    let store = Store::open(dir.path(), Durability::Process).unwrap();
    let clusters = store.collection::<Cluster>("c").unwrap();
    assert_eq!(clusters.len(), 102);
    assert_eq!(clusters.scan_prefix("k").len(), 101);
    assert_eq!(clusters.scan_prefix("k09").len(), 10);
    let page: Vec<_> = clusters
        .range(
            (
                Bound::Excluded("k050".to_string()),
                Bound::Included("k053".to_string()),
            ),
            10,
            true,
        )
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(page, ["k053", "k052", "k051"]);
    assert!(
        clusters
            .range("k2".to_string().."k1".to_string(), 5, false)
            .is_empty()
    );
    assert!(clusters.contains("other") && !clusters.contains("nope"));
}

#[test]
fn a_record_of_the_wrong_shape_is_a_schema_error() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path(), Durability::Process).unwrap();
        let other = store.collection::<serde_json::Value>("c").unwrap();
        other.insert("a", serde_json::json!({"name": 3})).unwrap();
    }
    let store = Store::open(dir.path(), Durability::Process).unwrap();
    assert!(matches!(
        store.collection::<Cluster>("c"),
        Err(StoreError::Schema { .. })
    ));
}

#[test]
fn versions_advance_on_committed_writes_only() {
    for durable in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let store = if durable {
            Store::open(dir.path(), Durability::Process).unwrap()
        } else {
            Store::memory()
        };
        let clusters = store.collection::<Cluster>("c").unwrap();
        let others = store.collection::<Cluster>("o").unwrap();
        let start = clusters.version();
        clusters.insert("k", cluster("one", 1)).unwrap();
        let after_insert = clusters.version();
        assert_ne!(after_insert, start, "durable: {durable}");
        assert_eq!(clusters.get("k"), Some(cluster("one", 1)));
        assert_eq!(clusters.version(), after_insert, "reads leave it alone");

        let untouched = others.version();
        let failed: Result<(), StoreError> = store.transaction(|txn| {
            txn.insert(&clusters, "k2", cluster("two", 2))?;
            Err(StoreError::Closed)
        });
        assert!(failed.is_err());
        assert_eq!(clusters.version(), after_insert, "a rolled-back write");

        store
            .transaction(|txn| {
                txn.remove_prefix(&clusters, "k")?;
                Ok::<_, StoreError>(())
            })
            .unwrap();
        let after_remove = clusters.version();
        assert_ne!(after_remove, after_insert);
        assert_eq!(others.version(), untouched, "a collection not written");

        store.reset().unwrap();
        assert_ne!(clusters.version(), after_remove);
        assert_ne!(others.version(), untouched);
    }
}
