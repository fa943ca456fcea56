//! The workload's registry record in `permits/building`: registered with an
//! owner by the namespace's registrar, maybe amended, maybe transferred (the
//! owner asks, the registrar approves: the namespace requires it).

use civitas_civic::action::{AmendRecord, ApproveTransfer, RegisterRecord, RequestTransfer};
use civitas_civic::metadata::{FieldValue, RecordMetadata};
use civitas_civic::model::{Record, RecordId};
use civitas_civic::{Action, Overlay, StateRead, keys};
use civitas_types::{BoundedBytes, BoundedVec, Hash, SigningKey};

use super::genesis::namespace_name;
use super::{Office, Workload, account_of, derive, office_key};
use crate::rng::SimRng;

impl Workload {
    fn record_id(&self) -> Option<RecordId> {
        let text = format!("PC-075-2026-{:05}", self.seed % 100_000);
        BoundedBytes::try_from_vec(text.into_bytes()).ok()
    }

    /// Metadata of `permits/building`: nature of works, parcel, floor area,
    /// decision date (days since 1970; 20,454 is 2026-01-01).
    fn metadata(&self, version: u32, rng: &mut SimRng) -> Option<RecordMetadata> {
        let parcel = format!("75056-000-AB-{:04}", self.seed % 10_000);
        BoundedVec::try_from_vec(vec![
            FieldValue::Code(version % 7),
            FieldValue::Reference(BoundedBytes::try_from_vec(parcel.into_bytes()).ok()?),
            FieldValue::Amount(rng.between(40, 400)),
            FieldValue::Date(20_454 + rng.below(300) as u32),
        ])
        .ok()
    }

    fn document(&self, version: u32) -> Hash {
        Hash(derive("document", self.seed, u64::from(version)))
    }

    pub(super) fn register_record(&mut self, rng: &mut SimRng) -> Vec<(SigningKey, Action)> {
        let (Some(record_id), Some(metadata)) = (self.record_id(), self.metadata(1, rng)) else {
            return Vec::new();
        };
        let register = RegisterRecord {
            namespace: namespace_name(),
            record_id,
            document_hash: self.document(1),
            metadata,
            owner: Some(account_of(&self.record_owner_key(0))),
        };
        vec![(
            office_key(Office::Registrar),
            Action::RegisterRecord(register),
        )]
    }

    /// The workload's record, if registered and not revoked.
    fn record<S: StateRead>(&self, state: &Overlay<'_, S>) -> Option<(RecordId, Record)> {
        let record_id = self.record_id()?;
        let record: Record = state
            .get(&keys::record(&namespace_name(), &record_id))
            .ok()??;
        record.revoked.is_none().then_some((record_id, record))
    }

    pub(super) fn amend_record<S: StateRead>(
        &mut self,
        state: &Overlay<'_, S>,
        rng: &mut SimRng,
    ) -> Option<Vec<(SigningKey, Action)>> {
        let (record_id, record) = self.record(state)?;
        let version = record.version.checked_add(1)?;
        let amend = AmendRecord {
            namespace: namespace_name(),
            record_id,
            document_hash: self.document(version),
            metadata: self.metadata(version, rng)?,
        };
        Some(vec![(
            office_key(Office::Registrar),
            Action::AmendRecord(amend),
        )])
    }

    pub(super) fn request_transfer<S: StateRead>(
        &mut self,
        state: &Overlay<'_, S>,
    ) -> Option<Vec<(SigningKey, Action)>> {
        let (record_id, record) = self.record(state)?;
        let owner = self.record_owner_key(0);
        if record.owner != Some(account_of(&owner)) || record.pending_transfer.is_some() {
            return None;
        }
        let request = RequestTransfer {
            namespace: namespace_name(),
            record_id,
            new_owner: account_of(&self.record_owner_key(1)),
        };
        Some(vec![(owner, Action::RequestTransfer(request))])
    }

    pub(super) fn approve_transfer<S: StateRead>(
        &mut self,
        state: &Overlay<'_, S>,
    ) -> Option<Vec<(SigningKey, Action)>> {
        let (record_id, record) = self.record(state)?;
        record.pending_transfer?;
        let approve = ApproveTransfer {
            namespace: namespace_name(),
            record_id,
        };
        Some(vec![(
            office_key(Office::Registrar),
            Action::ApproveTransfer(approve),
        )])
    }
}
