//! The open data read from a state: one pass over its entries in key order,
//! keeping only the public tables the export publishes and the public
//! identity of what their rows are about (the collectivity's SIREN, a
//! slot's start). Rows are sorted by their identifying columns (numerically
//! for ids, bytewise for namespace names), not by raw key bytes (borsh
//! writes integers little-endian).

use std::collections::BTreeMap;

use borsh::BorshDeserialize;
use civitas_civic::aid::Programme;
use civitas_civic::energy::Community;
use civitas_civic::figures::{PeriodFigures, SlotFigures};
use civitas_civic::keys::table;
use civitas_civic::model::{Namespace, NamespaceName, Record, RecordId};
use civitas_state_tree::MemoryState;
use civitas_types::decode;

use super::{ExportError, hex};

/// What one programme moved during one of its periods (`0x3c`), in cents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeriodRow {
    /// The programme's id.
    pub programme: u64,
    /// The SIREN of the collectivity running it.
    pub collectivity: u32,
    /// The period number (0 from the programme's start).
    pub period: u64,
    /// The figures.
    pub figures: PeriodFigures,
}

/// One energy slot's public totals (`0x48`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotRow {
    /// The community's id.
    pub community: u64,
    /// The SIREN of the collectivity running it.
    pub collectivity: u32,
    /// The slot number (0 from the community's first slot).
    pub slot: u64,
    /// Start of the slot (block time, ms).
    pub slot_start_ms: u64,
    /// The figures.
    pub figures: SlotFigures,
}

/// One registry namespace's records, by status (`0x60`, `0x61`). Each
/// record counts in exactly one status.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NamespaceRecords {
    /// The namespace's name, e.g. `permits/building`.
    pub namespace: String,
    /// The SIREN of the collectivity keeping it.
    pub collectivity: u32,
    /// Records in the namespace.
    pub records: u64,
    /// Not revoked, no transfer waiting.
    pub active: u64,
    /// Not revoked, a transfer requested and waiting for a registrar.
    pub transfer_pending: u64,
    /// Revoked.
    pub revoked: u64,
}

/// The open data of one state, rows sorted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpenData {
    /// By programme, then period.
    pub periods: Vec<PeriodRow>,
    /// By community, then slot.
    pub slots: Vec<SlotRow>,
    /// By namespace name (bytes).
    pub namespaces: Vec<NamespaceRecords>,
}

/// The entries the export reads, collected in one pass.
#[derive(Default)]
struct Collected {
    programmes: BTreeMap<u64, Programme>,
    communities: BTreeMap<u64, Community>,
    period_figures: BTreeMap<(u64, u64), (Vec<u8>, PeriodFigures)>,
    slot_figures: BTreeMap<(u64, u64), (Vec<u8>, SlotFigures)>,
    namespaces: BTreeMap<Vec<u8>, Namespace>,
    /// Namespace name → (a key of one of its records, counts).
    record_counts: BTreeMap<Vec<u8>, (Vec<u8>, NamespaceRecords)>,
}

impl OpenData {
    /// The open data of `state`.
    pub fn from_state(state: &MemoryState) -> Result<OpenData, ExportError> {
        let mut collected = Collected::default();
        for (key, value) in state.iter() {
            collected.add(key, value)?;
        }
        collected.into_open_data()
    }
}

/// Decodes `T` from `bytes`, part of the entry with `key`.
fn decode_part<T: BorshDeserialize>(key: &[u8], bytes: &[u8]) -> Result<T, ExportError> {
    decode(bytes).map_err(|error| ExportError::Undecodable {
        table: key.first().copied().unwrap_or_default(),
        key: hex(key),
        error,
    })
}

impl Collected {
    /// Keeps the entry if the export reads its table.
    fn add(&mut self, key: &[u8], value: &[u8]) -> Result<(), ExportError> {
        let Some((&prefix, id)) = key.split_first() else {
            return Ok(());
        };
        match prefix {
            table::PROGRAMME => {
                let id: u64 = decode_part(key, id)?;
                self.programmes.insert(id, decode_part(key, value)?);
            }
            table::COMMUNITY => {
                let id: u64 = decode_part(key, id)?;
                self.communities.insert(id, decode_part(key, value)?);
            }
            table::PERIOD_FIGURES => {
                let id: (u64, u64) = decode_part(key, id)?;
                let figures = decode_part(key, value)?;
                self.period_figures.insert(id, (key.to_vec(), figures));
            }
            table::SLOT_FIGURES => {
                let id: (u64, u64) = decode_part(key, id)?;
                let figures = decode_part(key, value)?;
                self.slot_figures.insert(id, (key.to_vec(), figures));
            }
            table::NAMESPACE => {
                let name: NamespaceName = decode_part(key, id)?;
                self.namespaces
                    .insert(name.0.into_vec(), decode_part(key, value)?);
            }
            table::RECORD => self.add_record(key, id, value)?,
            _ => {}
        }
        Ok(())
    }

    /// Counts a record in its namespace's status.
    fn add_record(&mut self, key: &[u8], id: &[u8], value: &[u8]) -> Result<(), ExportError> {
        let (name, _record_id): (NamespaceName, RecordId) = decode_part(key, id)?;
        let record: Record = decode_part(key, value)?;
        let (_, counts) = self
            .record_counts
            .entry(name.0.into_vec())
            .or_insert_with(|| (key.to_vec(), NamespaceRecords::default()));
        let status = if record.revoked.is_some() {
            &mut counts.revoked
        } else if record.pending_transfer.is_some() {
            &mut counts.transfer_pending
        } else {
            &mut counts.active
        };
        *status = status.saturating_add(1);
        counts.records = counts.records.saturating_add(1);
        Ok(())
    }

    fn into_open_data(self) -> Result<OpenData, ExportError> {
        Ok(OpenData {
            periods: self.period_rows()?,
            slots: self.slot_rows()?,
            namespaces: self.namespace_rows()?,
        })
    }

    fn period_rows(&self) -> Result<Vec<PeriodRow>, ExportError> {
        self.period_figures
            .iter()
            .map(|(&(programme, period), (key, figures))| {
                let rules = &self
                    .programmes
                    .get(&programme)
                    .ok_or_else(|| dangling(key, format!("programme {programme}")))?
                    .rules;
                Ok(PeriodRow {
                    programme,
                    collectivity: rules.collectivity.0,
                    period,
                    figures: *figures,
                })
            })
            .collect()
    }

    fn slot_rows(&self) -> Result<Vec<SlotRow>, ExportError> {
        self.slot_figures
            .iter()
            .map(|(&(community_id, slot), (key, figures))| {
                let community = self
                    .communities
                    .get(&community_id)
                    .ok_or_else(|| dangling(key, format!("community {community_id}")))?;
                Ok(SlotRow {
                    community: community_id,
                    collectivity: community.collectivity.0,
                    slot,
                    slot_start_ms: community.slot_start(slot),
                    figures: *figures,
                })
            })
            .collect()
    }

    /// Every namespace, with no record or some.
    fn namespace_rows(&self) -> Result<Vec<NamespaceRecords>, ExportError> {
        if let Some((name, (key, _))) = self
            .record_counts
            .iter()
            .find(|(name, _)| !self.namespaces.contains_key(*name))
        {
            let name = String::from_utf8_lossy(name);
            return Err(dangling(key, format!("namespace {name}")));
        }
        Ok(self
            .namespaces
            .iter()
            .map(|(name, namespace)| {
                let counts = self
                    .record_counts
                    .get(name)
                    .map(|(_, counts)| counts.clone())
                    .unwrap_or_default();
                NamespaceRecords {
                    namespace: String::from_utf8_lossy(name).into_owned(),
                    collectivity: namespace.collectivity.0,
                    ..counts
                }
            })
            .collect())
    }
}

fn dangling(key: &[u8], missing: String) -> ExportError {
    ExportError::Dangling {
        table: key.first().copied().unwrap_or_default(),
        key: hex(key),
        missing,
    }
}
