use super::*;
use serde::{Deserialize, Serialize};

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
fn torn_last_line_is_dropped_but_corruption_in_the_middle_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let good = r#"{"c":"c","k":"a","v":{"name":"a","tasks":1}}"#;
    fs::write(
        dir.path().join(JOURNAL),
        format!("{good}\n{{\"c\":\"c\",\"k\":\"b\",\"v\":{{\"na"),
    )
    .unwrap();
    {
        let store = Store::open(dir.path(), Durability::Process).unwrap();
        let clusters = store.collection::<Cluster>("c").unwrap();
        assert_eq!(clusters.all(), vec![("a".to_string(), cluster("a", 1))]);
    }
    fs::write(dir.path().join(JOURNAL), format!("garbage\n{good}\n")).unwrap();
    assert!(matches!(
        Store::open(dir.path(), Durability::Process),
        Err(StoreError::Corrupt { line: 1, .. })
    ));
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
fn compaction_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path(), Durability::Process).unwrap();
        let clusters = store.collection::<Cluster>("c").unwrap();
        for i in 0..100 {
            clusters
                .insert(&format!("k{i:03}"), cluster("x", i))
                .unwrap();
        }
        store.compact().unwrap();
        assert_eq!(fs::metadata(dir.path().join(JOURNAL)).unwrap().len(), 0);
        clusters.insert("k100", cluster("x", 100)).unwrap();
    }
    let store = Store::open(dir.path(), Durability::Process).unwrap();
    assert_eq!(store.collection::<Cluster>("c").unwrap().len(), 101);
}

#[test]
fn a_record_of_the_wrong_shape_is_a_schema_error() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join(JOURNAL),
        "{\"c\":\"c\",\"k\":\"a\",\"v\":{\"name\":3}}\n",
    )
    .unwrap();
    let store = Store::open(dir.path(), Durability::Process).unwrap();
    assert!(matches!(
        store.collection::<Cluster>("c"),
        Err(StoreError::Schema { .. })
    ));
}
