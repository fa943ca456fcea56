//! Registry actions: records, their amendments, transfers and revocation.
//! A document is hashed here, from its file; the file never leaves the
//! machine (docs/privacy.md, "Document hashes").

use std::path::PathBuf;

use civitas_civic::Action;
use civitas_civic::action::{
    AmendRecord, ApproveTransfer, RegisterRecord, RequestTransfer, RevokeRecord,
};
use civitas_civic::metadata::RecordMetadata;
use civitas_types::Hash;
use clap::{Args, Subcommand};

use super::{Built, bounded};
use crate::exit::CliError;
use crate::tx::parse;

/// Registry actions.
#[derive(Subcommand, Debug)]
pub enum RegistryCommand {
    /// Register a record of a document (registrar of the namespace).
    #[command(
        after_help = "Example:\n  civitas tx registry register --key registrar --namespace permits/building --id PC-2027-0042 --file permit.pdf --field code:1 --field ref:DEMO-000-AB-0107 --field amount:120 --field date:20270115 --owner civ1uqsd9r7npdak4p42pq55m49te4tjqnqa57xy7u9h3pnzullaytgs7aj9w2 --wait"
    )]
    Register(RegisterArgs),
    /// Write a new version of a record (registrar).
    #[command(
        after_help = "Example:\n  civitas tx registry amend --key registrar --namespace permits/building --id PC-2027-0042 --file permit-v2.pdf --field code:2 --field ref:DEMO-000-AB-0107 --field amount:135 --field date:20270115 --wait"
    )]
    Amend(AmendArgs),
    /// Ask to transfer a record to a new owner (its owner).
    #[command(
        after_help = "Example:\n  civitas tx registry transfer --key resident-3 --namespace permits/building --id PC-DEMO-2026-00001 --to civ1xasfz3tpzz7r2k5nae69mk0ulpdxscvew6j9vqg63x3jqcyrs4rsa88sw8 --wait"
    )]
    Transfer(TransferArgs),
    /// Approve a pending transfer (registrar).
    #[command(
        after_help = "Example:\n  civitas tx registry approve --key registrar --namespace permits/building --id PC-DEMO-2026-00001 --wait"
    )]
    Approve(RecordArgs),
    /// Revoke a record, with a reason code (registrar).
    #[command(
        after_help = "Example:\n  civitas tx registry revoke --key registrar --namespace permits/building --id PC-DEMO-2026-00001 --reason 3 --wait"
    )]
    Revoke(RevokeArgs),
}

/// A record.
#[derive(Args, Debug)]
pub struct RecordArgs {
    /// The namespace, e.g. permits/building.
    #[arg(long)]
    namespace: String,
    /// The record id.
    #[arg(long)]
    id: String,
}

/// A document and the record's field values.
#[derive(Args, Debug)]
pub struct DocumentArgs {
    /// The document's file: its SHA-256 is computed here and only the hash is sent.
    #[arg(long, conflicts_with = "document_hash")]
    file: Option<PathBuf>,
    /// Or the document's hash (hex).
    #[arg(long)]
    document_hash: Option<String>,
    /// A field value, KIND:VALUE (code:N, date:YYYYMMDD, amount:N, ref:ID,
    /// hash:HEX, flag:BOOL), in the namespace's field order; repeated.
    #[arg(long = "field")]
    fields: Vec<String>,
}

impl DocumentArgs {
    fn hash(&self) -> Result<Hash, CliError> {
        match (&self.file, &self.document_hash) {
            (Some(file), _) => parse::file_hash(file),
            (None, Some(hash)) => parse::hash("the document hash", hash),
            (None, None) => Err(CliError::usage(
                "a record names its document: give --file PATH or --document-hash HEX",
            )),
        }
    }

    fn metadata(&self) -> Result<RecordMetadata, CliError> {
        let values = self
            .fields
            .iter()
            .map(|field| parse::field(field))
            .collect::<Result<Vec<_>, _>>()?;
        bounded("fields", values)
    }
}

/// `register`.
#[derive(Args, Debug)]
pub struct RegisterArgs {
    #[command(flatten)]
    record: RecordArgs,
    #[command(flatten)]
    document: DocumentArgs,
    /// The owner's address, for a record that has one.
    #[arg(long)]
    owner: Option<String>,
}

/// `amend`.
#[derive(Args, Debug)]
pub struct AmendArgs {
    #[command(flatten)]
    record: RecordArgs,
    #[command(flatten)]
    document: DocumentArgs,
}

/// `transfer`.
#[derive(Args, Debug)]
pub struct TransferArgs {
    #[command(flatten)]
    record: RecordArgs,
    /// The new owner's address.
    #[arg(long)]
    to: String,
}

/// `revoke`.
#[derive(Args, Debug)]
pub struct RevokeArgs {
    #[command(flatten)]
    record: RecordArgs,
    /// The namespace's reason code.
    #[arg(long)]
    reason: u16,
}

impl RegistryCommand {
    /// The action.
    pub fn build(&self) -> Result<Built, CliError> {
        let action = match self {
            RegistryCommand::Register(a) => Action::RegisterRecord(RegisterRecord {
                namespace: parse::namespace(&a.record.namespace)?,
                record_id: parse::record_id(&a.record.id)?,
                document_hash: a.document.hash()?,
                metadata: a.document.metadata()?,
                owner: a.owner.as_deref().map(parse::account).transpose()?,
            }),
            RegistryCommand::Amend(a) => Action::AmendRecord(AmendRecord {
                namespace: parse::namespace(&a.record.namespace)?,
                record_id: parse::record_id(&a.record.id)?,
                document_hash: a.document.hash()?,
                metadata: a.document.metadata()?,
            }),
            RegistryCommand::Transfer(a) => Action::RequestTransfer(RequestTransfer {
                namespace: parse::namespace(&a.record.namespace)?,
                record_id: parse::record_id(&a.record.id)?,
                new_owner: parse::account(&a.to)?,
            }),
            RegistryCommand::Approve(a) => Action::ApproveTransfer(ApproveTransfer {
                namespace: parse::namespace(&a.namespace)?,
                record_id: parse::record_id(&a.id)?,
            }),
            RegistryCommand::Revoke(a) => Action::RevokeRecord(RevokeRecord {
                namespace: parse::namespace(&a.record.namespace)?,
                record_id: parse::record_id(&a.record.id)?,
                reason_code: a.reason,
            }),
        };
        Ok(Built::identity(action))
    }
}
