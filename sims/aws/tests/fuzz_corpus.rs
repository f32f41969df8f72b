//! Replays every fuzz target's corpus (`sims/aws/fuzz/corpus/<target>/*`) through the same entry
//! points the fuzzers drive: an input that once crashed a parser stays fixed.

use std::path::PathBuf;

type Target = fn(&[u8]);

const TARGETS: [(&str, Target); 7] = [
    ("json_request", sim_aws::fuzzing::json_request),
    ("query_request", sim_aws::fuzzing::query_request),
    ("xml_document", sim_aws::fuzzing::xml_document),
    ("signature", sim_aws::fuzzing::signature),
    ("filter_pattern", sim_aws::fuzzing::filter_pattern),
    ("rest_request", sim_aws::fuzzing::rest_request),
    ("insights_query", sim_aws::fuzzing::insights_query),
];

#[test]
fn every_corpus_input_is_handled_without_panicking() {
    // The run-time variable names this clone even when the binary was compiled in another one
    // sharing the target directory.
    let package = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    let root = package.join("fuzz").join("corpus");
    for (name, target) in TARGETS {
        let dir = root.join(name);
        let mut inputs = 0;
        for entry in
            std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("corpus {}: {e}", dir.display()))
        {
            let path = entry.expect("corpus entry").path();
            let data = std::fs::read(&path).expect("corpus file");
            target(&data);
            inputs += 1;
        }
        assert!(inputs > 0, "the {name} corpus is empty");
    }
}
