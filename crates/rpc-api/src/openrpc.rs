//! The OpenRPC document of the API (OpenRPC 1.2.6): what `rpc.discover`
//! answers and `docs/openrpc.json` holds, for clients generated in any language.
//!
//! [`METHODS`] is the one table that describes the trait's methods (src/api.rs):
//! wire name, summary, parameters as on the wire, result, documented errors and
//! who may call it (`x-access`). Parameter and result schemas are not written
//! here: they come from the Rust types through schemars (draft-07, under
//! `components/schemas`, describing what the node sends), so a renamed view
//! field changes the document. A method served without an entry here, or an
//! entry without a served method, fails `tests/rpc.rs`; a document that differs
//! from the committed `docs/openrpc.json` fails `tests/openrpc.rs`
//! (docs/decisions/0019-openrpc.md).

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Value, json};

use crate::errors::{
    INTERNAL_ERROR, INVALID_PARAMS, INVALID_TRANSACTION, RejectionData, TRANSACTION_REJECTED,
};
use crate::evidence::{EVIDENCE_LIST_MAX, EvidenceList};
use crate::views::{BlockView, Status, TransactionView};

/// The OpenRPC version the document follows.
pub const OPENRPC_VERSION: &str = "1.2.6";

/// OpenRPC's reserved discovery method: it answers the document. It is not in
/// the trait (whose methods are all namespaced `civitas_`) nor in the document's
/// method list; [`register_discover`] adds it to a module.
pub const DISCOVER_METHOD: &str = "rpc.discover";

/// Who may call a method (issue 18; docs/privacy.md), shown as `x-access`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (`public`).
    Public,
    /// The account the data is about, by a signed query, or a credential (`own-data`).
    OwnData,
    /// Validators and accredited auditors, by a credential (`credentialed`).
    Credentialed,
}

impl Access {
    /// The value of `x-access`.
    pub const fn name(self) -> &'static str {
        match self {
            Access::Public => "public",
            Access::OwnData => "own-data",
            Access::Credentialed => "credentialed",
        }
    }
}

/// A documented error: its code and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorEntry {
    /// The JSON-RPC error code (a constant of [`crate::errors`]).
    pub code: i32,
    /// What it means and what to do.
    pub message: &'static str,
}

/// [`INVALID_PARAMS`].
pub const INVALID_PARAMS_ERROR: ErrorEntry = ErrorEntry {
    code: INVALID_PARAMS,
    message: "Invalid params: a parameter is missing or not of the documented form (the message names it)",
};
/// [`INTERNAL_ERROR`].
pub const INTERNAL_ERROR_ERROR: ErrorEntry = ErrorEntry {
    code: INTERNAL_ERROR,
    message: "Internal error: the node failed (its state or store is unreadable, or it is stopping); not the caller's fault, try again later",
};
/// [`INVALID_TRANSACTION`].
pub const INVALID_TRANSACTION_ERROR: ErrorEntry = ErrorEntry {
    code: INVALID_TRANSACTION,
    message: "Invalid transaction: not hexadecimal, too large, or not a canonical SignedTransaction encoding; data is a RejectionData",
};
/// [`TRANSACTION_REJECTED`].
pub const TRANSACTION_REJECTED_ERROR: ErrorEntry = ErrorEntry {
    code: TRANSACTION_REJECTED,
    message: "Transaction rejected: the mempool refused a well-formed transaction (signature, chain, expiry, sequence, duplicate, full pool); data is a RejectionData",
};

/// Every documented error, in code order of the crate's constants.
pub const ERRORS: &[ErrorEntry] = &[
    INVALID_PARAMS_ERROR,
    INTERNAL_ERROR_ERROR,
    INVALID_TRANSACTION_ERROR,
    TRANSACTION_REJECTED_ERROR,
];

/// Builds the JSON Schema of a Rust type (a `$ref` into `components/schemas`
/// for the views).
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

/// The schema of `T`, as a [`SchemaFn`].
fn schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// A parameter or a result: its name on the wire, its meaning and its type.
#[derive(Debug, Clone, Copy)]
pub struct ValueEntry {
    /// The name on the wire (camelCase; for a parameter, the name to pass it by).
    pub name: &'static str,
    /// What it is.
    pub description: &'static str,
    /// Whether it must be given (parameters; a result is always answered).
    pub required: bool,
    /// Its schema, from the Rust type of the trait's parameter or result.
    pub schema: SchemaFn,
}

/// One method of the trait.
#[derive(Debug, Clone, Copy)]
pub struct MethodEntry {
    /// The method's name on the wire, with its namespace (`civitas_status`).
    pub name: &'static str,
    /// One line.
    pub summary: &'static str,
    /// The rest of its documentation.
    pub description: &'static str,
    /// Its parameters, in position order.
    pub params: &'static [ValueEntry],
    /// Its result.
    pub result: ValueEntry,
    /// The errors it answers.
    pub errors: &'static [ErrorEntry],
    /// Who may call it.
    pub access: Access,
}

/// Every method of the trait (src/api.rs), in the trait's order.
pub const METHODS: &[MethodEntry] = &[
    MethodEntry {
        name: "civitas_status",
        summary: "The node's view of the chain.",
        description: "Height and hash of the last committed block, whether the node is catching up, its versions and its validator key.",
        params: &[],
        result: ValueEntry {
            name: "status",
            description: "The node's status.",
            required: true,
            schema: schema_of::<Status>,
        },
        errors: &[INTERNAL_ERROR_ERROR],
        access: Access::Public,
    },
    MethodEntry {
        name: "civitas_submitTransaction",
        summary: "Submits a signed transaction to the node's mempool.",
        description: "Returns the transaction id once admitted. Admission is not inclusion: poll civitas_getTransaction with the id for the receipt.",
        params: &[ValueEntry {
            name: "transaction",
            description: "Hex (no 0x) of the canonical (borsh) encoding of a SignedTransaction, at most 16 KiB of bytes.",
            required: true,
            schema: schema_of::<String>,
        }],
        result: ValueEntry {
            name: "id",
            description: "The transaction id (hex).",
            required: true,
            schema: schema_of::<String>,
        },
        errors: &[
            INVALID_PARAMS_ERROR,
            INVALID_TRANSACTION_ERROR,
            TRANSACTION_REJECTED_ERROR,
            INTERNAL_ERROR_ERROR,
        ],
        access: Access::Public,
    },
    MethodEntry {
        name: "civitas_getBlock",
        summary: "The committed block at a height.",
        description: "Its header fields, the ids of its transactions and its canonical bytes; null if no block is committed at that height yet. Whole blocks are for credentialed callers (validators, accredited auditors); enforcement comes with credentials.",
        params: &[ValueEntry {
            name: "height",
            description: "The block's height, from 1.",
            required: true,
            schema: schema_of::<u64>,
        }],
        result: ValueEntry {
            name: "block",
            description: "The block, or null.",
            required: true,
            schema: schema_of::<Option<BlockView>>,
        },
        errors: &[INVALID_PARAMS_ERROR, INTERNAL_ERROR_ERROR],
        access: Access::Credentialed,
    },
    MethodEntry {
        name: "civitas_getTransaction",
        summary: "A committed transaction and its receipt.",
        description: "Where it is (height, position), its signer and sequence, its canonical bytes and its receipt; null if no committed block holds it (pending transactions are not shown).",
        params: &[ValueEntry {
            name: "id",
            description: "The transaction id: 64 hexadecimal characters, no 0x.",
            required: true,
            schema: schema_of::<String>,
        }],
        result: ValueEntry {
            name: "transaction",
            description: "The transaction, or null.",
            required: true,
            schema: schema_of::<Option<TransactionView>>,
        },
        errors: &[INVALID_PARAMS_ERROR, INTERNAL_ERROR_ERROR],
        access: Access::Public,
    },
    MethodEntry {
        name: "civitas_getEvidence",
        summary: "The offences of validators recorded in the state.",
        description: "Read at the last committed height (the council's view: one record per offence), in state-key order: all of them or one offender's, a page at a time.",
        params: &[
            ValueEntry {
                name: "offender",
                description: "Only this validator's offences: its consensus public key, 64 hexadecimal characters, no 0x.",
                required: false,
                schema: schema_of::<Option<String>>,
            },
            ValueEntry {
                name: "startAfter",
                description: "List after this record key: a previous answer's next.",
                required: false,
                schema: schema_of::<Option<String>>,
            },
            ValueEntry {
                name: "limit",
                description: LIMIT_DESCRIPTION,
                required: false,
                schema: schema_of::<Option<u32>>,
            },
        ],
        result: ValueEntry {
            name: "evidence",
            description: "The offences, and the cursor of the next page.",
            required: true,
            schema: schema_of::<EvidenceList>,
        },
        errors: &[INVALID_PARAMS_ERROR, INTERNAL_ERROR_ERROR],
        access: Access::Public,
    },
];

/// `limit` of `civitas_getEvidence`.
const LIMIT_DESCRIPTION: &str = "Most offences to list, 1 to 100 (the default).";
const _: () = assert!(EVIDENCE_LIST_MAX == 100, "update LIMIT_DESCRIPTION");

/// The document's `info.description`.
const DESCRIPTION: &str = "The JSON-RPC API of a Civitas node (HTTP and WebSocket on one port). \
Field names are camelCase; hashes, ids, public keys and canonical encodings are lower-case \
hexadecimal without 0x; accounts are civ1… bech32m addresses; times are milliseconds since the \
Unix epoch in fields ending Ms. x-access says who may call each method: public, own-data (the \
account the data is about) or credentialed (validators, accredited auditors). rpc.discover \
answers this document.";

/// The node's default RPC address (`rpc.listen`).
const DEFAULT_SERVER: &str = "http://127.0.0.1:26657";

/// The OpenRPC document: every method of [`METHODS`], the schemas of the
/// views they answer (and of [`RejectionData`], the `data` of submission
/// errors) under `components/schemas`. Deterministic: the same build gives the
/// same document.
pub fn document() -> Value {
    let mut generator = SchemaSettings::draft07()
        .with(|settings| {
            settings.definitions_path = "/components/schemas".into();
            settings.meta_schema = None;
        })
        .for_serialize()
        .into_generator();
    let methods: Vec<Value> = METHODS
        .iter()
        .map(|method| method_json(method, &mut generator))
        .collect();
    generator.subschema_for::<RejectionData>();
    let mut schemas = generator.take_definitions(true);
    // Generators name their types after `title` (TypeScript: `interface Status`).
    for (name, schema) in schemas.iter_mut() {
        if let Value::Object(schema) = schema {
            schema
                .entry("title")
                .or_insert_with(|| Value::String(name.clone()));
        }
    }
    sorted(json!({
        "openrpc": OPENRPC_VERSION,
        "info": {
            "title": "Civitas JSON-RPC API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": DESCRIPTION,
            "license": { "name": "Apache-2.0" },
        },
        "servers": [{ "name": "a node's default address (rpc.listen)", "url": DEFAULT_SERVER }],
        "methods": methods,
        "components": { "schemas": schemas },
    }))
}

/// `value` with every object's keys in sorted order, whichever map serde_json
/// was built with (its `preserve_order` feature keeps insertion order), so the
/// document's text is the same in every build.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(object) => {
            let mut entries: Vec<(String, Value)> = object.into_iter().collect();
            entries.sort_by(|(a, _), (b, _)| a.cmp(b));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(key, value)| (key, sorted(value)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// One method object.
fn method_json(method: &MethodEntry, generator: &mut SchemaGenerator) -> Value {
    let params: Vec<Value> = method
        .params
        .iter()
        .map(|param| content_descriptor(param, generator))
        .collect();
    let errors: Vec<Value> = method
        .errors
        .iter()
        .map(|error| json!({ "code": error.code, "message": error.message }))
        .collect();
    json!({
        "name": method.name,
        "summary": method.summary,
        "description": method.description,
        "paramStructure": "either",
        "params": params,
        "result": content_descriptor(&method.result, generator),
        "errors": errors,
        "x-access": method.access.name(),
    })
}

/// A content descriptor: a parameter or a result.
fn content_descriptor(value: &ValueEntry, generator: &mut SchemaGenerator) -> Value {
    let mut schema = (value.schema)(generator);
    for transform in generator.transforms_mut() {
        transform.transform(&mut schema);
    }
    json!({
        "name": value.name,
        "description": value.description,
        "required": value.required,
        "schema": schema,
    })
}

/// Registers [`DISCOVER_METHOD`] on `module` (after the trait's `into_rpc()`),
/// answering [`document`], built once here.
#[cfg(feature = "server")]
pub fn register_discover<Context: Send + Sync + 'static>(
    module: &mut jsonrpsee::RpcModule<Context>,
) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    let document = document();
    module.register_method(DISCOVER_METHOD, move |_, _, _| Some(document.clone()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn names_are_unique_and_namespaced() {
        let names: BTreeSet<&str> = METHODS.iter().map(|method| method.name).collect();
        assert_eq!(names.len(), METHODS.len());
        for method in METHODS {
            assert!(method.name.starts_with("civitas_"), "{}", method.name);
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
    }

    #[test]
    fn the_document_is_deterministic() {
        assert_eq!(document().to_string(), document().to_string());
    }
}
