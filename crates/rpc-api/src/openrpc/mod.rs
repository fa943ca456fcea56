//! The OpenRPC document of the API (OpenRPC 1.2.6): what `rpc.discover`
//! answers and `docs/openrpc.json` holds, for clients generated in any language.
//!
//! [`METHODS`] (`table.rs`) is the one table of the trait's methods (src/api.rs):
//! wire name, summary, parameters as on the wire, result, documented errors and
//! who may call it (`x-access`). Parameter and result schemas are not written
//! here: they come from the Rust types through schemars (draft-07, under
//! `components/schemas`, describing what the node sends), so a renamed view
//! field changes the document. A method served without an entry here, or an
//! entry without a served method, fails `tests/rpc.rs`; a document that differs
//! from the committed `docs/openrpc.json` fails `tests/openrpc.rs`
//! (docs/decisions/0019-openrpc.md).

use schemars::generate::SchemaSettings;
use schemars::{Schema, SchemaGenerator};
use serde_json::{Value, json};

use crate::errors::{RateLimitedData, RejectionData};

mod subscriptions;
mod table;
#[cfg(test)]
mod tests;

pub use subscriptions::{NOTIFICATIONS, SUBSCRIPTIONS};

pub use table::{
    ERRORS, INTERNAL_ERROR_ERROR, INVALID_PARAMS_ERROR, INVALID_TRANSACTION_ERROR, METHODS,
    RATE_LIMITED_ERROR, SERVER_ERRORS, TRANSACTION_REJECTED_ERROR,
};

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

/// Builds the JSON Schema of a Rust type (a `$ref` into `components/schemas`
/// for the views).
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

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

/// The document's `info.description`.
const DESCRIPTION: &str = "The JSON-RPC API of a Civitas node (HTTP and WebSocket on one port). \
Field names are camelCase; hashes, ids, public keys, signatures and canonical encodings are 0x \
and lower-case hexadecimal (parameters may leave the 0x out); accounts are civ1… bech32m addresses; times are milliseconds since the \
Unix epoch in fields ending Ms. x-access says who may call each method: public, own-data (the \
account the data is about) or credentialed (validators, accredited auditors). rpc.discover \
answers this document.";

/// The node's default RPC address (`rpc.listen`).
const DEFAULT_SERVER: &str = "http://127.0.0.1:26657";

/// The OpenRPC document: every method of [`METHODS`] and then of
/// [`SUBSCRIPTIONS`] (with its `x-notification`), the schemas of the
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
        .chain(SUBSCRIPTIONS)
        .map(|method| method_json(method, &mut generator))
        .collect();
    generator.subschema_for::<RejectionData>();
    generator.subschema_for::<RateLimitedData>();
    let mut schemas = generator.take_definitions(true);
    // Generators name their types after `title` (TypeScript: `interface Status`).
    for (name, schema) in schemas.iter_mut() {
        if let Value::Object(schema) = schema {
            schema
                .entry("title")
                .or_insert_with(|| Value::String(name.clone()));
        }
    }
    let server_errors: serde_json::Map<String, Value> = SERVER_ERRORS
        .iter()
        .map(|(name, error)| ((*name).to_owned(), error_json(error)))
        .collect();
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
        "components": { "schemas": schemas, "errors": server_errors },
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
    let errors: Vec<Value> = method.errors.iter().map(error_json).collect();
    let notification = NOTIFICATIONS
        .iter()
        .find(|(subscribe, _, _)| *subscribe == method.name)
        .map(|(_, name, schema)| {
            let mut schema = schema(generator);
            for transform in generator.transforms_mut() {
                transform.transform(&mut schema);
            }
            json!({ "name": name, "schema": schema })
        });
    let mut object = json!({
        "name": method.name,
        "summary": method.summary,
        "description": method.description,
        "paramStructure": "either",
        "params": params,
        "result": result_descriptor(method, generator),
        "errors": errors,
        "x-access": method.access.name(),
    });
    if let (Some(notification), Value::Object(fields)) = (notification, &mut object) {
        fields.insert("x-notification".to_owned(), notification);
    }
    object
}

/// An error object.
fn error_json(error: &ErrorEntry) -> Value {
    json!({ "code": error.code, "message": error.message })
}

/// The result's content descriptor. A result schema that is not a plain
/// reference gets a title (`GetBlocksResult`): generators name their types
/// after titles, and some emit no type at all for an untitled array.
fn result_descriptor(method: &MethodEntry, generator: &mut SchemaGenerator) -> Value {
    let mut descriptor = content_descriptor(&method.result, generator);
    if let Some(Value::Object(schema)) = descriptor.get_mut("schema")
        && !schema.contains_key("$ref")
        && !schema.contains_key("title")
    {
        schema.insert("title".to_owned(), Value::String(result_title(method.name)));
    }
    descriptor
}

/// `civitas_getBlocks` → `GetBlocksResult`.
fn result_title(method: &str) -> String {
    let name = method.split_once('_').map_or(method, |(_, name)| name);
    let mut characters = name.chars();
    let first = characters.next().map(|first| first.to_ascii_uppercase());
    first
        .into_iter()
        .chain(characters)
        .chain("Result".chars())
        .collect()
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
