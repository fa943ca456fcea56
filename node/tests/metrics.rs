//! What monitoring sees on the metrics port: readiness on `/health`, the
//! chain's progress and refused submissions (by reason) on `/metrics`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_civic::Action;
use civitas_civic::action::Vote;
use common::{COMMIT_TIMEOUT, DemoHome, account, corrupt_signature, http_get, sign};

/// The value of the sample `name` (its whole name, labels included).
fn sample(metrics: &str, name: &str) -> Option<u64> {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

#[test]
fn health_says_ready_and_metrics_show_height_and_refusals_by_reason() {
    let home = DemoHome::new();
    let node = home.start();
    node.wait_for_height(2, COMMIT_TIMEOUT);

    let (status, body) = http_get(node.metrics_address, "/health");
    assert_eq!(status, 200, "{body}");
    let health: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["ready"], serde_json::Value::Bool(true), "{body}");
    assert!(health["height"].as_u64().unwrap() >= 2, "{body}");

    let (status, metrics) = http_get(node.metrics_address, "/metrics");
    assert_eq!(status, 200);
    let height = sample(&metrics, "civitas_height").unwrap_or_else(|| panic!("{metrics}"));
    assert!(height >= 2, "{metrics}");
    assert!(metrics.ends_with("# EOF\n"), "{metrics}");
    assert!(
        !metrics.contains("civitas_mempool_rejections_total{"),
        "{metrics}"
    );

    // A forged signature, twice, and a junk transaction: counted by reason.
    let council = account("city council");
    let vote = Action::Vote(Vote {
        proposal_id: 0,
        in_favour: true,
    });
    let forged = corrupt_signature(&sign(&home.genesis, &council.key, 0, &vote));
    for _ in 0..2 {
        node.rpc.submit_hex(&forged).unwrap_err();
    }
    node.rpc.submit_hex("00").unwrap_err();
    let (_, metrics) = http_get(node.metrics_address, "/metrics");
    assert_eq!(
        sample(
            &metrics,
            "civitas_mempool_rejections_total{reason=\"BadSignature\"}"
        ),
        Some(2),
        "{metrics}"
    );
    assert_eq!(
        sample(
            &metrics,
            "civitas_mempool_rejections_total{reason=\"Malformed\"}"
        ),
        Some(1),
        "{metrics}"
    );

    // The height moves on with the chain.
    node.wait_for_height(height + 2, COMMIT_TIMEOUT);
    let (_, metrics) = http_get(node.metrics_address, "/metrics");
    assert!(sample(&metrics, "civitas_height").unwrap() >= height + 2);

    let (status, _) = http_get(node.metrics_address, "/nothing-here");
    assert_eq!(status, 404);
}
