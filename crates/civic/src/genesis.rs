//! The initial civic state: collectivities, roles and namespaces a network starts
//! with (later changed by governance).

use civitas_types::{AccountId, BoundedVec, encode};

use crate::duties;
use crate::governance::check_validator_safety;
use crate::handler::Failure;
use crate::keys;
use crate::metadata::first_bad_field;
use crate::model::{
    ChainParameters, Collectivity, Namespace, NamespaceName, Role, RoleGrant, Scope,
    ValidatorEntry, ValidatorRegistry,
};
use crate::state::{MemoryState, Overlay, StateFault};

fn fault(error: StateFault) -> GenesisError {
    GenesisError::Internal(error.to_string())
}

/// What a network starts with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GenesisState {
    /// The council's collectivities.
    pub collectivities: Vec<Collectivity>,
    /// Roles granted at the start.
    pub grants: Vec<GenesisGrant>,
    /// Registry namespaces.
    pub namespaces: Vec<(NamespaceName, Namespace)>,
    /// The validators of height 1, each run by a collectivity.
    pub validators: Vec<ValidatorEntry>,
    /// Chain parameters.
    pub parameters: ChainParameters,
}

/// A role granted at genesis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenesisGrant {
    /// To whom.
    pub account: AccountId,
    /// The role concerned (with `scope`, it names one grant).
    pub role: Role,
    /// What the role covers: a collectivity, or one programme, community or namespace of it.
    pub scope: Scope,
    /// For merchants: accepted categories.
    pub categories: Vec<u16>,
}

/// Why a genesis state is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GenesisError {
    /// Two namespaces share a name.
    #[error("namespace `{0}` appears twice")]
    DuplicateNamespace(String),
    /// A SIREN fails its checksum.
    #[error("collectivity SIREN {0} is not a valid SIREN (nine digits, Luhn checksum)")]
    InvalidSiren(String),
    /// Two collectivities share a SIREN.
    #[error("collectivity {0} appears twice")]
    DuplicateCollectivity(String),
    /// A namespace name uses characters outside `a-z 0-9 - _ /`.
    #[error("namespace name is invalid (use a-z, 0-9, '-', '_' and '/')")]
    InvalidNamespace,
    /// A namespace declares a field whose name is invalid or repeated.
    #[error(
        "namespace {namespace} declares field {field:?}, which is invalid (use 1 to 32 bytes of a-z, 0-9 and '_') or repeated"
    )]
    InvalidNamespaceField {
        /// The namespace, as text.
        namespace: String,
        /// The first offending field name, as text.
        field: String,
    },
    /// A namespace or grant refers to an unknown collectivity.
    #[error("reference to unknown collectivity {0}")]
    UnknownCollectivity(String),
    /// Two collectivities share a council account, or a council power is zero.
    #[error("collectivity {0} has a zero council power or shares its council account")]
    InvalidCouncil(String),
    /// A merchant grant lists more than 32 categories.
    #[error("a merchant grant lists more than 32 categories")]
    TooManyCategories,
    /// A grant breaks a role rule (e.g. both aid duties for one account).
    #[error("the role grant to {account} is refused: {reason}")]
    RefusedGrant {
        /// The account (`civ1…`).
        account: String,
        /// Why.
        reason: &'static str,
    },
    /// The in-memory state failed while building (a bug, not bad input).
    #[error("building the genesis state failed: {0}")]
    Internal(String),
    /// Chain parameters out of range.
    #[error(
        "chain parameters out of range: validators_min must be at least 1 and validator_change_delay between 1 and 100,000"
    )]
    InvalidParameters,
    /// The validator set breaks the quorum-safety rule or is malformed.
    #[error("the genesis validator set is refused: {0}")]
    UnsafeValidators(String),
}

/// Checks a namespace's own rules: its name, and its field names (valid, unique).
fn check_namespace(name: &NamespaceName, namespace: &Namespace) -> Result<(), GenesisError> {
    if !name.is_valid() {
        return Err(GenesisError::InvalidNamespace);
    }
    match first_bad_field(&namespace.fields) {
        Some(field) => Err(GenesisError::InvalidNamespaceField {
            namespace: String::from_utf8_lossy(&name.0).into_owned(),
            field: String::from_utf8_lossy(&field.0).into_owned(),
        }),
        None => Ok(()),
    }
}

impl GenesisState {
    /// Writes the genesis grants, through the same duty bookkeeping as
    /// governance (no account holds both aid duties in one collectivity).
    fn grant_roles(&self, state: &mut MemoryState) -> Result<(), GenesisError> {
        let base = state.clone();
        let mut overlay = Overlay::new(&base);
        for grant in &self.grants {
            let siren = match &grant.scope {
                Scope::Collectivity(siren)
                | Scope::Programme(siren, _)
                | Scope::Community(siren, _) => Some(*siren),
                Scope::Namespace(_) => None,
            };
            if let Some(siren) = siren
                && !base.entries.contains_key(&keys::collectivity(&siren))
            {
                return Err(GenesisError::UnknownCollectivity(siren.to_string()));
            }
            let categories = BoundedVec::try_from_vec(grant.categories.clone())
                .map_err(|_| GenesisError::TooManyCategories)?;
            let key = keys::role(&grant.account, grant.role, &grant.scope);
            if overlay.get_raw(&key).map_err(fault)?.is_none() {
                duties::record_grant(&mut overlay, &grant.account, grant.role, &grant.scope)
                    .map_err(|failure| match failure {
                        Failure::Rule(code) | Failure::Recorded { code, .. } => {
                            GenesisError::RefusedGrant {
                                account: grant.account.to_string(),
                                reason: code.reason(),
                            }
                        }
                        Failure::Fault(error) => fault(error),
                    })?;
            }
            let entry = RoleGrant {
                granted_at_height: 0,
                categories,
            };
            overlay.put(key, &entry);
        }
        overlay.commit_transaction();
        state.apply(overlay.into_writes());
        Ok(())
    }

    /// The state this genesis describes, after checking it.
    pub fn build(&self) -> Result<MemoryState, GenesisError> {
        if !self.parameters.is_valid() {
            return Err(GenesisError::InvalidParameters);
        }
        let mut state = MemoryState::default();
        for collectivity in &self.collectivities {
            if !collectivity.siren.is_valid() {
                return Err(GenesisError::InvalidSiren(collectivity.siren.to_string()));
            }
            let key = keys::collectivity(&collectivity.siren);
            if state.entries.insert(key, encode(collectivity)).is_some() {
                return Err(GenesisError::DuplicateCollectivity(
                    collectivity.siren.to_string(),
                ));
            }
            let council = keys::council_account(&collectivity.council_account);
            if collectivity.voting_power == 0
                || state
                    .entries
                    .insert(council, encode(&collectivity.siren))
                    .is_some()
            {
                return Err(GenesisError::InvalidCouncil(collectivity.siren.to_string()));
            }
        }
        let council_power = self
            .collectivities
            .iter()
            .try_fold(0u64, |total, c| total.checked_add(c.voting_power))
            .ok_or_else(|| GenesisError::InvalidCouncil("total".into()))?;
        state
            .entries
            .insert(keys::council_power(), encode(&council_power));
        let known = |siren: &crate::model::Siren, state: &MemoryState| {
            state.entries.contains_key(&keys::collectivity(siren))
        };
        for (name, namespace) in &self.namespaces {
            check_namespace(name, namespace)?;
            if state.entries.contains_key(&keys::namespace(name)) {
                return Err(GenesisError::DuplicateNamespace(
                    String::from_utf8_lossy(&name.0).into_owned(),
                ));
            }
            if !known(&namespace.collectivity, &state) {
                return Err(GenesisError::UnknownCollectivity(
                    namespace.collectivity.to_string(),
                ));
            }
            state
                .entries
                .insert(keys::namespace(name), encode(namespace));
        }
        self.grant_roles(&mut state)?;
        for validator in &self.validators {
            if !known(&validator.siren, &state) {
                return Err(GenesisError::UnknownCollectivity(
                    validator.siren.to_string(),
                ));
            }
        }
        let mut validators = self.validators.clone();
        validators.sort_by_key(|v| v.public_key);
        crate::governance::check_network_keys(&validators)
            .map_err(|code| GenesisError::UnsafeValidators(code.reason().into()))?;
        let registry = ValidatorRegistry::try_from_vec(validators)
            .map_err(|_| GenesisError::UnsafeValidators("too many validators".into()))?;
        check_validator_safety(&registry, &self.parameters).map_err(|failure| match failure {
            crate::handler::Failure::Rule(code)
            | crate::handler::Failure::Recorded { code, .. } => {
                GenesisError::UnsafeValidators(code.reason().into())
            }
            crate::handler::Failure::Fault(error) => {
                GenesisError::UnsafeValidators(error.to_string())
            }
        })?;
        state.entries.insert(keys::validators(), encode(&registry));
        state
            .entries
            .insert(keys::parameters(), encode(&self.parameters));
        Ok(state)
    }
}
