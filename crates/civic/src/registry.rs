//! Registry actions: register, amend (versioned), transfer, revoke records.
//!
//! Every version's metadata is checked against the fields its namespace declared
//! (crate::metadata), so a registrar cannot write free text about people.
//!
//! Every version's document hash is indexed per namespace (table `0x63`, a
//! [`DocumentEntry`]), so "document H is registered in namespace N" is provable
//! by inclusion and "is not" by absence. A hash belongs to one record of a
//! namespace for good: registering it again, or amending another record to it,
//! is refused with 609 `DuplicateDocument`, even once its record is revoked
//! (the entry stays; the record says it is revoked). A record amended to a
//! hash it already carried moves the entry to the new version.

use civitas_types::{AccountId, Hash};

use crate::action::{AmendRecord, ApproveTransfer, RegisterRecord, RequestTransfer, RevokeRecord};
use crate::authority::authorise;
use crate::codes::Code;
use crate::handler::BlockContext;
use crate::handler::Failure;
use crate::handler::Outcome;
use crate::keys;
use crate::metadata::{RecordMetadata, is_reference, metadata_matches};
use crate::model::{
    DocumentEntry, Namespace, NamespaceName, Record, RecordId, RecordVersion, Role, Scope,
};
use crate::receipt::Event;
use crate::state::{Overlay, StateRead};

/// The namespace, checked to exist.
fn namespace<S: StateRead>(
    state: &Overlay<'_, S>,
    name: &NamespaceName,
) -> Result<Namespace, Failure> {
    state
        .get::<Namespace>(&keys::namespace(name))?
        .ok_or(Failure::Rule(Code::UnknownNamespace))
}

/// The record, checked to exist and not to be revoked.
fn live_record<S: StateRead>(
    state: &Overlay<'_, S>,
    name: &NamespaceName,
    id: &RecordId,
) -> Result<Record, Failure> {
    let record = state
        .get::<Record>(&keys::record(name, id))?
        .ok_or(Failure::Rule(Code::UnknownRecord))?;
    if record.revoked.is_some() {
        return Err(Code::RecordRevoked.into());
    }
    Ok(record)
}

/// The namespace, checked to exist and to have `signer` among its registrars.
fn require_registrar<S: StateRead>(
    state: &Overlay<'_, S>,
    context: &BlockContext,
    signer: &AccountId,
    name: &NamespaceName,
) -> Result<Namespace, Failure> {
    let rules = namespace(state, name)?;
    let scope = Scope::Namespace(name.clone());
    authorise(state, signer, Role::Registrar, &scope, context.time_ms)?;
    Ok(rules)
}

/// A live record that `signer`, a registrar of its namespace, may change.
fn registrar_record<S: StateRead>(
    state: &Overlay<'_, S>,
    context: &BlockContext,
    signer: &AccountId,
    name: &NamespaceName,
    id: &RecordId,
) -> Result<Record, Failure> {
    require_registrar(state, context, signer, name)?;
    live_record(state, name, id)
}

/// Checks that `metadata` gives the values the namespace's fields declare.
fn check_metadata(rules: &Namespace, metadata: &RecordMetadata) -> Result<(), Failure> {
    if metadata_matches(&rules.fields, metadata) {
        Ok(())
    } else {
        Err(Code::InvalidMetadata.into())
    }
}

/// Refuses a document hash the namespace's index gives to another record.
fn check_document<S: StateRead>(
    state: &Overlay<'_, S>,
    name: &NamespaceName,
    id: &RecordId,
    document_hash: &Hash,
) -> Result<(), Failure> {
    match state.get::<DocumentEntry>(&keys::document(name, document_hash))? {
        Some(entry) if entry.record_id != *id => Err(Code::DuplicateDocument.into()),
        _ => Ok(()),
    }
}

/// Writes version `version` of a record, indexes its document hash, and
/// returns its event. The caller ran [`check_document`].
fn write_version<S: StateRead>(
    state: &mut Overlay<'_, S>,
    name: NamespaceName,
    id: RecordId,
    version: u32,
    entry: RecordVersion,
) -> Event {
    state.put(keys::record_version(&name, &id, version), &entry);
    state.put(
        keys::document(&name, &entry.document_hash),
        &DocumentEntry {
            record_id: id.clone(),
            version,
        },
    );
    Event::RecordWritten {
        namespace: name,
        record_id: id,
        version,
        document_hash: entry.document_hash,
    }
}

/// The version a registrar writes now.
fn version_by(
    context: &BlockContext,
    signer: &AccountId,
    document_hash: Hash,
    metadata: RecordMetadata,
) -> RecordVersion {
    RecordVersion {
        document_hash,
        metadata,
        registrar: *signer,
        height: context.height,
    }
}

/// Registers a new record (version 1).
pub fn register<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    signer: &AccountId,
    action: RegisterRecord,
) -> Outcome {
    let RegisterRecord {
        namespace: name,
        record_id: id,
        document_hash,
        metadata,
        owner,
    } = action;
    let rules = require_registrar(state, context, signer, &name)?;
    if !is_reference(&id) {
        return Err(Code::InvalidRecord.into());
    }
    check_metadata(&rules, &metadata)?;
    let key = keys::record(&name, &id);
    if state.get::<Record>(&key)?.is_some() {
        return Err(Code::DuplicateRecord.into());
    }
    check_document(state, &name, &id, &document_hash)?;
    state.put(
        key,
        &Record {
            version: 1,
            owner,
            revoked: None,
            pending_transfer: None,
        },
    );
    let entry = version_by(context, signer, document_hash, metadata);
    Ok(vec![write_version(state, name, id, 1, entry)])
}

/// Writes a new version of a live record.
pub fn amend<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    signer: &AccountId,
    action: AmendRecord,
) -> Outcome {
    let AmendRecord {
        namespace: name,
        record_id: id,
        document_hash,
        metadata,
    } = action;
    let rules = require_registrar(state, context, signer, &name)?;
    let mut record = live_record(state, &name, &id)?;
    check_metadata(&rules, &metadata)?;
    check_document(state, &name, &id, &document_hash)?;
    record.version = record
        .version
        .checked_add(1)
        .ok_or(Failure::Rule(Code::Overflow))?;
    let version = record.version;
    state.put(keys::record(&name, &id), &record);
    let entry = version_by(context, signer, document_hash, metadata);
    Ok(vec![write_version(state, name, id, version, entry)])
}

/// The owner asks for a transfer: done at once, or left for a registrar's approval.
pub fn request_transfer<S: StateRead>(
    state: &mut Overlay<'_, S>,
    signer: &AccountId,
    action: RequestTransfer,
) -> Outcome {
    let RequestTransfer {
        namespace: name,
        record_id: id,
        new_owner,
    } = action;
    let rules = namespace(state, &name)?;
    let mut record = live_record(state, &name, &id)?;
    if !rules.transferable {
        return Err(Code::NotTransferable.into());
    }
    if record.owner != Some(*signer) {
        return Err(Code::NotOwner.into());
    }
    let event = if rules.transfer_needs_approval {
        record.pending_transfer = Some(new_owner);
        Event::TransferRequested {
            namespace: name.clone(),
            record_id: id.clone(),
            new_owner,
        }
    } else {
        record.owner = Some(new_owner);
        record.pending_transfer = None;
        Event::RecordTransferred {
            namespace: name.clone(),
            record_id: id.clone(),
            from: Some(*signer),
            to: new_owner,
        }
    };
    state.put(keys::record(&name, &id), &record);
    Ok(vec![event])
}

/// A registrar approves the pending transfer.
pub fn approve_transfer<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    signer: &AccountId,
    action: ApproveTransfer,
) -> Outcome {
    let ApproveTransfer {
        namespace: name,
        record_id: id,
    } = action;
    let mut record = registrar_record(state, context, signer, &name, &id)?;
    let new_owner = record
        .pending_transfer
        .take()
        .ok_or(Failure::Rule(Code::NoPendingTransfer))?;
    let from = record.owner.replace(new_owner);
    state.put(keys::record(&name, &id), &record);
    Ok(vec![Event::RecordTransferred {
        namespace: name,
        record_id: id,
        from,
        to: new_owner,
    }])
}

/// A registrar revokes a record, with a reason code.
pub fn revoke<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    signer: &AccountId,
    action: RevokeRecord,
) -> Outcome {
    let RevokeRecord {
        namespace: name,
        record_id: id,
        reason_code,
    } = action;
    let mut record = registrar_record(state, context, signer, &name, &id)?;
    record.revoked = Some(reason_code);
    record.pending_transfer = None;
    state.put(keys::record(&name, &id), &record);
    Ok(vec![Event::RecordRevoked {
        namespace: name,
        record_id: id,
        reason_code,
    }])
}
