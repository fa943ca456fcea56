//! The OpenRPC document: the committed `docs/openrpc.json` is the one the API
//! builds, and it is valid against the OpenRPC meta-schema (vendored under
//! tests/fixtures/openrpc-meta-schema, validated offline).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;

use civitas_rpc_api::openrpc::{METHODS, OPENRPC_VERSION, SUBSCRIPTIONS, document};
use jsonschema::{Draft, Registry, Validator};
use serde_json::{Value, json};

/// The command that rewrites docs/openrpc.json from the API.
const REGENERATE: &str = "UPDATE_OPENRPC=1 cargo nextest run --workspace --locked -E 'package(civitas-rpc-api) and test(committed_document)'";

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/openrpc.json")
}

/// The document as committed: pretty-printed, with a final newline.
fn rendered() -> String {
    let mut text = serde_json::to_string_pretty(&document()).unwrap();
    text.push('\n');
    text
}

#[test]
fn the_committed_document_is_the_one_the_api_builds() {
    let path = committed_path();
    let built = rendered();
    if std::env::var_os("UPDATE_OPENRPC").is_some() {
        std::fs::write(&path, &built).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != built {
        let line = committed
            .lines()
            .zip(built.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(built.lines().count()));
        panic!(
            "docs/openrpc.json differs from the document the API builds (first at line {}: \
             committed {:?}, built {:?}).\nIf the API change is intended, regenerate it with\n  \
             {REGENERATE}\nand commit it: clients are generated from it.",
            line + 1,
            committed.lines().nth(line).unwrap_or("<end>"),
            built.lines().nth(line).unwrap_or("<end>"),
        );
    }
}

fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/openrpc-meta-schema")
        .join(name);
    let mut schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    // Both declare `https://meta.json-schema.tools/` as their meta-schema: that is
    // draft-07 written out (with titles), so validate them as draft-07.
    schema.as_object_mut().unwrap().remove("$schema");
    schema
}

/// A validator of OpenRPC documents, refusing to fetch anything.
fn meta_validator() -> Validator {
    let json_schema = fixture("json-schema-tools-meta-schema-1.8.0.json");
    // The OpenRPC meta-schema refers to it both with and without the final slash.
    let registry = Registry::new()
        .draft(Draft::Draft7)
        .add(
            "https://meta.json-schema.tools/",
            Draft::Draft7.create_resource(json_schema.clone()),
        )
        .unwrap()
        .add(
            "https://meta.json-schema.tools",
            Draft::Draft7.create_resource(json_schema),
        )
        .unwrap()
        .prepare()
        .unwrap();
    jsonschema::options()
        .with_draft(Draft::Draft7)
        .with_registry(&registry)
        .build(&fixture("openrpc-meta-schema-1.14.9.json"))
        .unwrap()
}

fn errors(validator: &Validator, document: &Value) -> Vec<String> {
    validator
        .iter_errors(document)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect()
}

#[test]
fn the_document_validates_against_the_openrpc_meta_schema() {
    let validator = meta_validator();
    let document = document();
    assert_eq!(document["openrpc"], json!(OPENRPC_VERSION));
    assert_eq!(errors(&validator, &document), Vec::<String>::new());
}

#[test]
fn the_meta_schema_refuses_broken_documents() {
    let validator = meta_validator();
    let mut nameless = document();
    nameless["methods"][0]
        .as_object_mut()
        .unwrap()
        .remove("name");
    assert!(!errors(&validator, &nameless).is_empty());

    let mut bad_schema = document();
    bad_schema["methods"][0]["result"]["schema"] = json!({ "type": 5 });
    assert!(!errors(&validator, &bad_schema).is_empty());

    let mut unknown_field = document();
    unknown_field["methods"][0]["access"] = json!("public");
    assert!(!errors(&validator, &unknown_field).is_empty());
}

#[test]
fn every_method_has_its_access_class_and_documented_errors() {
    let document = document();
    let methods = document["methods"].as_array().unwrap();
    assert_eq!(methods.len(), METHODS.len() + SUBSCRIPTIONS.len());
    for method in methods {
        let access = method["x-access"].as_str().unwrap();
        assert!(
            ["public", "own-data", "credentialed"].contains(&access),
            "{access}"
        );
        for error in method["errors"].as_array().unwrap() {
            assert!(error["code"].is_i64() && error["message"].is_string());
        }
    }
}
