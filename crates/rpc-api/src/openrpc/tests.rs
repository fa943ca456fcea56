//! The document's own checks: names, optional parameters, errors, access
//! classes, derived schemas, determinism.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeSet;

use super::*;
use crate::errors::TOO_MANY_CONNECTIONS;

#[test]
fn names_are_unique_and_namespaced() {
    let names: BTreeSet<&str> = METHODS.iter().map(|method| method.name).collect();
    assert_eq!(names.len(), METHODS.len());
    for method in METHODS {
        assert!(method.name.starts_with("civitas_"), "{}", method.name);
        for param in method.params {
            // camelCase, as on the wire (jsonrpsee also accepts snake_case).
            assert!(!param.name.contains('_'), "{} {}", method.name, param.name);
        }
        let params: BTreeSet<&str> = method.params.iter().map(|param| param.name).collect();
        assert_eq!(params.len(), method.params.len(), "{}", method.name);
    }
}

#[test]
fn a_parameter_is_optional_exactly_when_its_type_accepts_null() {
    let document = document();
    for method in document["methods"].as_array().unwrap() {
        for param in method["params"].as_array().unwrap() {
            let text = param["schema"].to_string();
            let nullable = text.contains("\"null\"");
            assert_eq!(
                param["required"].as_bool().unwrap(),
                !nullable,
                "{} {}",
                method["name"],
                param["name"]
            );
        }
    }
}

#[test]
fn error_codes_are_distinct_and_every_method_may_be_rate_limited() {
    let codes: BTreeSet<i32> = ERRORS.iter().map(|error| error.code).collect();
    assert_eq!(codes.len(), ERRORS.len());
    let names: BTreeSet<&str> = SERVER_ERRORS.iter().map(|(name, _)| *name).collect();
    assert_eq!(names.len(), SERVER_ERRORS.len());
    for method in METHODS {
        assert!(
            method.errors.contains(&RATE_LIMITED_ERROR),
            "{}",
            method.name
        );
    }
}

#[test]
fn every_error_of_a_method_is_a_documented_error() {
    for method in METHODS {
        for error in method.errors {
            assert!(ERRORS.contains(error), "{} {}", method.name, error.code);
        }
    }
}

#[test]
fn whole_blocks_are_credentialed_and_status_and_transactions_public() {
    let access = |name: &str| {
        METHODS
            .iter()
            .find(|method| method.name == name)
            .map(|method| method.access)
    };
    assert_eq!(access("civitas_getBlock"), Some(Access::Credentialed));
    assert_eq!(access("civitas_status"), Some(Access::Public));
    assert_eq!(access("civitas_getTransaction"), Some(Access::Public));
    assert_eq!(access("civitas_submitTransaction"), Some(Access::Public));
}

#[test]
fn view_schemas_are_derived_with_wire_names_and_closed_objects() {
    let document = document();
    let status = &document["components"]["schemas"]["Status"];
    assert_eq!(status["additionalProperties"], json!(false));
    assert_eq!(status["title"], json!("Status"));
    assert!(status["properties"]["lastBlockHash"].is_object());
    let required: Vec<&str> = status["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|name| name.as_str().unwrap())
        .collect();
    assert!(required.contains(&"validatorAddress"), "{required:?}");
    assert_eq!(
        document["methods"][0]["result"]["schema"],
        json!({ "$ref": "#/components/schemas/Status" })
    );
    assert!(document["components"]["schemas"]["RejectionData"].is_object());
    assert!(document["components"]["schemas"]["RateLimitedData"].is_object());
    assert_eq!(
        document["components"]["errors"]["TooManyConnections"]["code"],
        json!(TOO_MANY_CONNECTIONS)
    );
}

#[test]
fn results_that_are_not_references_are_titled_after_their_method() {
    assert_eq!(result_title("civitas_getBlocks"), "GetBlocksResult");
    let document = document();
    for method in document["methods"].as_array().unwrap() {
        let schema = &method["result"]["schema"];
        assert!(
            schema.get("$ref").is_some() || schema["title"].is_string(),
            "{}",
            method["name"]
        );
    }
}

#[test]
fn the_document_is_deterministic() {
    assert_eq!(document().to_string(), document().to_string());
}
