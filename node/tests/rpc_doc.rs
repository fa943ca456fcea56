//! docs/rpc.md, run: every request it shows is sent as raw JSON over HTTP to
//! a node on the demo chain after the demo activity, and each answer must
//! have exactly the fields, nesting and JSON types of the answer shown
//! (shortened hex aside; error codes exactly). Requests go with a
//! credential, except those of id `"anonymous"`. Every method the OpenRPC
//! table documents has its example.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_rpc_api::to_hex;

use serde_json::Value;

use common::{DemoHome, TEST_CREDENTIAL, fresh_multisig, post_json_as};

const DOC: &str = include_str!("../../docs/rpc.md");

/// The ```json blocks of the doc, in order.
fn json_blocks() -> Vec<Value> {
    let mut blocks = Vec::new();
    let mut rest = DOC;
    while let Some(start) = rest.find("```json\n") {
        let body = &rest[start + "```json\n".len()..];
        let end = body.find("```").expect("a closed block");
        blocks.push(serde_json::from_str(&body[..end]).unwrap_or_else(|e| {
            panic!(
                "a json block of docs/rpc.md does not parse ({e}):\n{}",
                &body[..end]
            )
        }));
        rest = &body[end + 3..];
    }
    blocks
}

/// Whether `actual` has the shape of `shown`: the same keys (recursively),
/// the same JSON types, arrays both empty or both not (elements compared in
/// pairs), `code` fields equal, a `civ1…` address where one is shown.
fn same_shape(shown: &Value, actual: &Value, path: &str) -> Result<(), String> {
    let differ = |what: &str| Err(format!("{path}: {what}: shown {shown}, got {actual}"));
    match (shown, actual) {
        (Value::Object(shown), Value::Object(actual)) => {
            let mut shown_keys: Vec<&String> = shown.keys().collect();
            let mut actual_keys: Vec<&String> = actual.keys().collect();
            shown_keys.sort();
            actual_keys.sort();
            if shown_keys != actual_keys {
                return Err(format!(
                    "{path}: fields differ: shown {shown_keys:?}, got {actual_keys:?}"
                ));
            }
            for (key, value) in shown {
                same_shape(value, &actual[key], &format!("{path}.{key}"))?;
            }
            if let (Some(a), Some(b)) = (shown.get("code"), actual.get("code"))
                && a != b
            {
                return Err(format!("{path}.code: shown {a}, got {b}"));
            }
            Ok(())
        }
        (Value::Array(shown), Value::Array(actual)) => {
            if shown.is_empty() != actual.is_empty() {
                return differ("one list is empty, the other not");
            }
            for (index, (a, b)) in shown.iter().zip(actual).enumerate() {
                same_shape(a, b, &format!("{path}[{index}]"))?;
            }
            Ok(())
        }
        (Value::String(a), Value::String(b)) => {
            if a.starts_with("civ1") && !b.starts_with("civ1") {
                return differ("not an address");
            }
            if a.starts_with("0x") != b.starts_with("0x") {
                return differ("0x-prefixed hex on one side only");
            }
            Ok(())
        }
        (Value::Number(_), Value::Number(_))
        | (Value::Bool(_), Value::Bool(_))
        | (Value::Null, Value::Null) => Ok(()),
        _ => differ("types differ"),
    }
}

#[test]
fn every_request_of_the_rpc_doc_gets_the_answer_it_shows() {
    let home = DemoHome::new();
    let node = home.start();
    let steps = civitas_demo::activity_steps(&home.genesis);
    for step in &steps {
        let ids: Vec<String> = step.iter().map(|t| node.rpc.submit(t).unwrap()).collect();
        for id in ids {
            assert!(node.wait_for_transaction(&id).receipt.success);
        }
    }
    // Values that differ from one chain to another: a fresh transaction to
    // submit, and the id of the demo permit's registration.
    let fresh = to_hex(civitas_types::encode(&fresh_multisig(&home.genesis, 1)));
    let registration = steps
        .iter()
        .flatten()
        .find(|t| {
            matches!(
                civitas_types::decode::<civitas_civic::Action>(&t.body.payload),
                Ok(civitas_civic::Action::RegisterRecord(_))
            )
        })
        .unwrap()
        .id()
        .to_hex();

    let blocks = json_blocks();
    assert!(
        blocks.len().is_multiple_of(2),
        "requests and answers come in pairs"
    );
    let mut shown_methods = std::collections::BTreeSet::new();
    for pair in blocks.chunks(2) {
        let (mut request, shown) = (pair[0].clone(), &pair[1]);
        let method = request["method"].as_str().unwrap().to_owned();
        if request["params"][0] == "$TRANSACTION" {
            request["params"][0] = Value::String(fresh.clone());
        }
        if method == "civitas_getTransaction" {
            request["params"][0] = Value::String(registration.clone());
        }
        // Every example is sent with a credential, except those whose id
        // says they are anonymous (a credentialed method's refusal).
        let token = (request["id"] != "anonymous").then_some(TEST_CREDENTIAL);
        let answer: Value =
            serde_json::from_str(&post_json_as(node.rpc_address, &request.to_string(), token))
                .unwrap();
        same_shape(shown, &answer, &method).unwrap_or_else(|e| panic!("docs/rpc.md: {e}"));
        shown_methods.insert(method);
    }
    for method in civitas_rpc_api::openrpc::METHODS {
        assert!(
            shown_methods.contains(method.name),
            "docs/rpc.md has no example of {}",
            method.name
        );
    }
}
