//! `civitas_getProgramme` and `civitas_getMerchant`: an aid programme's rules,
//! status, money and per-period figures, and a merchant's accreditation for
//! a programme, read from the civic state (tables `0x31` programme, `0x3c`
//! period figures, `0x10` collectivity, `0x11` role), every entry with its
//! proof against a certified header.
//!
//! Only what docs/privacy.md marks public ("State: social aid"): the
//! programme record and its aggregate figures, and a merchant's
//! accreditation (who may be paid in which categories, which beneficiaries
//! need). A beneficiary's balance (`0x32`) and a merchant's balance to redeem
//! (`0x34`, a sole trader's income) are their holders' own data: not here.

use civitas_civic::aid::{Programme, ProgrammeStatus};
use civitas_civic::figures::PeriodFigures;
use civitas_civic::keys;
use civitas_civic::model::{Role, RoleGrant, Scope, Siren};
use civitas_types::{AccountId, DecodeError, decode};
use jsonrpsee::types::ErrorObjectOwned;
use serde::{Deserialize, Serialize};

use crate::account::{ScopeView, scope_view};
use crate::errors::invalid_params;
use crate::state::{Certified, ProvenEntry};

/// Most periods one `civitas_getProgramme` answer gives figures for (two
/// years of monthly periods).
pub const PROGRAMME_PERIODS_MAX: u32 = 24;

/// Periods `civitas_getProgramme` gives figures for unless told.
pub const PROGRAMME_PERIODS_DEFAULT: u32 = 12;

/// The periods of a `civitas_getProgramme` request: `periods` (1 to
/// [`PROGRAMME_PERIODS_MAX`], default [`PROGRAMME_PERIODS_DEFAULT`]) from
/// `from_period` (default 0).
pub fn period_range(
    from_period: Option<u64>,
    periods: Option<u32>,
) -> Result<std::ops::Range<u64>, ErrorObjectOwned> {
    let count = periods.unwrap_or(PROGRAMME_PERIODS_DEFAULT);
    if !(1..=PROGRAMME_PERIODS_MAX).contains(&count) {
        return Err(invalid_params(
            "periods",
            &format!("periods is 1 to {PROGRAMME_PERIODS_MAX}, got {count}"),
        ));
    }
    let from = from_period.unwrap_or(0);
    let end = from.checked_add(u64::from(count)).ok_or_else(|| {
        invalid_params(
            "fromPeriod",
            "fromPeriod plus periods passes the largest period",
        )
    })?;
    Ok(from..end)
}

/// `civitas_getProgramme`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProgrammeAnswer {
    /// The programme id asked for.
    pub id: u64,
    /// The committed height whose state was read.
    pub height: u64,
    /// The programme, or `null` if there is none with this id (the first
    /// entry then proves its absence).
    pub programme: Option<ProgrammeView>,
    /// Its figures for the periods asked for, in order (none if there is no
    /// such programme). A period with no entry moved no money: its figures
    /// are zeros, and its entry proves the absence.
    pub periods: Vec<PeriodFiguresView>,
    /// The programme entry (`0x31`), then one period-figures entry (`0x3c`)
    /// per period of `periods`, in order, each with its proof.
    pub entries: Vec<ProvenEntry>,
    /// The header the proofs check against.
    pub certified: Certified,
}

/// An aid programme: its rules, where it stands and where its money is.
/// Amounts in cents, as decimal strings (u64 values may pass 2^53); the
/// conservation law `budget = unreserved + reserved + beneficiaryBalances +
/// merchantBalances + redeemed` holds.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProgrammeView {
    /// SIREN of its collectivity.
    pub collectivity: u32,
    /// Total budget.
    pub budget_cents: String,
    /// Most a beneficiary may be ordered per period.
    pub cap_per_period_cents: String,
    /// Length of a period, ms of block time.
    pub period_ms: u64,
    /// Start of validity (block time, ms since the Unix epoch).
    pub starts_at_ms: u64,
    /// End of validity (exclusive).
    pub ends_at_ms: u64,
    /// Merchant categories where beneficiaries may spend (codes).
    pub categories: Vec<u16>,
    /// Whether beneficiaries must be enrolled residents.
    pub residency_required: bool,
    /// `open`, `closing` or `closed`.
    pub status: String,
    /// Frozen by the council: no order, execution, spending or schedule.
    pub frozen: bool,
    /// Budget neither reserved nor paid.
    pub unreserved_cents: String,
    /// Reserved by pending orders.
    pub reserved_cents: String,
    /// Sum of the beneficiaries' balances.
    pub beneficiary_balances_cents: String,
    /// Sum of the merchants' balances (received, not yet redeemed).
    pub merchant_balances_cents: String,
    /// Sum redeemed by merchants.
    pub redeemed_cents: String,
    /// Orders made so far (ids 0 to this, exclusive).
    pub order_count: u64,
    /// Beneficiaries ever enrolled.
    pub beneficiary_count: u64,
    /// Merchants ever paid.
    pub merchant_count: u64,
    /// Height of the block that closed it, once closing or closed.
    pub closed_at_height: Option<u64>,
}

/// What moved in a programme during one of its periods, in cents (decimal
/// strings); period `n` is block time in `[startsAtMs + n × periodMs,
/// startsAtMs + (n + 1) × periodMs)`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PeriodFiguresView {
    /// The period.
    pub period: u64,
    /// Budget allotted (the whole budget, in the creation's period).
    pub budget_cents: String,
    /// Reserved by orders.
    pub reserved_cents: String,
    /// Paid from the reserve to beneficiaries.
    pub executed_cents: String,
    /// Spent by beneficiaries at merchants.
    pub spent_cents: String,
    /// Redeemed by merchants.
    pub redeemed_cents: String,
    /// Released back to the budget (orders rejected, lapsed or cancelled).
    pub released_cents: String,
    /// Unspent balances returned to the budget by the closing.
    pub returned_cents: String,
}

impl ProgrammeView {
    /// The view of a stored programme's bytes.
    pub fn decode(bytes: &[u8]) -> Result<ProgrammeView, DecodeError> {
        let programme: Programme = decode(bytes)?;
        let rules = &programme.rules;
        let status = match programme.status {
            ProgrammeStatus::Open => "open",
            ProgrammeStatus::Closing => "closing",
            ProgrammeStatus::Closed => "closed",
        };
        Ok(ProgrammeView {
            collectivity: rules.collectivity.0,
            budget_cents: rules.budget_cents.to_string(),
            cap_per_period_cents: rules.cap_per_period_cents.to_string(),
            period_ms: rules.period_ms,
            starts_at_ms: rules.starts_at_ms,
            ends_at_ms: rules.ends_at_ms,
            categories: rules.categories.to_vec(),
            residency_required: rules.residency_required,
            status: status.to_owned(),
            frozen: programme.frozen,
            unreserved_cents: programme.unreserved_cents.to_string(),
            reserved_cents: programme.reserved_cents.to_string(),
            beneficiary_balances_cents: programme.beneficiary_balances_cents.to_string(),
            merchant_balances_cents: programme.merchant_balances_cents.to_string(),
            redeemed_cents: programme.redeemed_cents.to_string(),
            order_count: programme.next_order,
            beneficiary_count: programme.beneficiary_count,
            merchant_count: programme.merchant_count,
            closed_at_height: programme.closing.map(|c| c.closed_at_height),
        })
    }
}

impl PeriodFiguresView {
    /// The figures of `period` from its stored bytes; zeros when absent.
    pub fn decode(period: u64, bytes: Option<&[u8]>) -> Result<PeriodFiguresView, DecodeError> {
        let figures: PeriodFigures = bytes.map(decode).transpose()?.unwrap_or_default();
        Ok(PeriodFiguresView {
            period,
            budget_cents: figures.budget_cents.to_string(),
            reserved_cents: figures.reserved_cents.to_string(),
            executed_cents: figures.executed_cents.to_string(),
            spent_cents: figures.spent_cents.to_string(),
            redeemed_cents: figures.redeemed_cents.to_string(),
            released_cents: figures.released_cents.to_string(),
            returned_cents: figures.returned_cents.to_string(),
        })
    }
}

/// `civitas_getMerchant`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MerchantAnswer {
    /// The programme asked about.
    pub programme: u64,
    /// The merchant asked about (`civ1…`).
    pub merchant: String,
    /// The committed height whose state was read.
    pub height: u64,
    /// Whether beneficiaries of the programme may spend there now: the
    /// programme exists, its collectivity is a council member, and the
    /// merchant holds the `merchant` role for the programme or its whole
    /// collectivity in one of the programme's categories. (A merchant role
    /// received by delegation is `civitas_getAccount`'s.)
    pub accredited: bool,
    /// The merchant's grants that cover the programme: for the programme
    /// itself, then for its collectivity.
    pub grants: Vec<MerchantGrantView>,
    /// The categories of the programme the merchant is accredited in.
    pub accepted_categories: Vec<u16>,
    /// The programme entry (`0x31`); if it exists, its collectivity's
    /// (`0x10`) and the merchant's role entries (`0x11`) for the programme
    /// and for the collectivity, each with its proof (present or absent).
    pub entries: Vec<ProvenEntry>,
    /// The header the proofs check against.
    pub certified: Certified,
}

/// A merchant role held directly.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MerchantGrantView {
    /// What it covers: the programme, or its whole collectivity.
    pub scope: ScopeView,
    /// Height of the grant.
    pub granted_at_height: u64,
    /// Accepted categories (codes).
    pub categories: Vec<u16>,
}

/// The state values behind a merchant's standing in a programme.
#[derive(Debug, Default, Clone)]
pub struct MerchantEntries {
    /// The programme's value.
    pub programme: Option<Vec<u8>>,
    /// Whether its collectivity is a council member.
    pub member: bool,
    /// The merchant's grant for the programme (scope view, value).
    pub programme_grant: Option<(ScopeView, Vec<u8>)>,
    /// The merchant's grant for the whole collectivity (scope view, value).
    pub collectivity_grant: Option<(ScopeView, Vec<u8>)>,
}

/// What a merchant's entries say: accredited, its grants, the categories.
pub type MerchantStanding = (bool, Vec<MerchantGrantView>, Vec<u16>);

/// Why proven entries are not a merchant's standing in a programme.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MerchantProofError {
    /// The first entry is not the programme's.
    #[error("the first proven entry is not the programme's")]
    NotProgramme,
    /// The proven programme does not decode.
    #[error("the proven programme does not decode: {0}")]
    Programme(DecodeError),
    /// An entry after the programme's is not the one expected there.
    #[error("proven entry {0} is not the collectivity's or the merchant's grant it should be")]
    WrongKey(usize),
    /// Too many or too few entries.
    #[error("{found} proven entries where the programme's state calls for {expected}")]
    Count {
        /// Entries given.
        found: usize,
        /// Entries the programme calls for.
        expected: usize,
    },
}

/// The scopes a merchant's grant for a programme of `collectivity` may
/// have, in the order they are read: the programme's, then the whole
/// collectivity's.
pub fn merchant_scopes(collectivity: Siren, programme: u64) -> [Scope; 2] {
    [
        Scope::Programme(collectivity, programme),
        Scope::Collectivity(collectivity),
    ]
}

impl MerchantEntries {
    /// The entries of `merchant`'s standing in programme `programme_id`
    /// from proven (key, value) pairs, in the order `civitas_getMerchant`
    /// proves them: the programme's; if it exists, its collectivity's and
    /// the merchant's grants of [`merchant_scopes`].
    pub fn from_proven(
        programme_id: u64,
        merchant: &AccountId,
        proven: &[(Vec<u8>, Option<Vec<u8>>)],
    ) -> Result<MerchantEntries, MerchantProofError> {
        let Some(((key, programme), rest)) = proven.split_first() else {
            return Err(MerchantProofError::NotProgramme);
        };
        if *key != keys::programme(programme_id) {
            return Err(MerchantProofError::NotProgramme);
        }
        let Some(bytes) = programme else {
            return match rest.len() {
                0 => Ok(MerchantEntries::default()),
                n => Err(MerchantProofError::Count {
                    found: n.saturating_add(1),
                    expected: 1,
                }),
            };
        };
        let decoded: Programme = decode(bytes).map_err(MerchantProofError::Programme)?;
        let siren = decoded.rules.collectivity;
        let [scope_for_programme, scope_for_collectivity] = merchant_scopes(siren, programme_id);
        let [
            (member_key, member),
            (programme_key, programme_grant),
            (collectivity_key, collectivity_grant),
        ] = rest
        else {
            return Err(MerchantProofError::Count {
                found: proven.len(),
                expected: 4,
            });
        };
        let expected = [
            (member_key, keys::collectivity(&siren)),
            (
                programme_key,
                keys::role(merchant, Role::Merchant, &scope_for_programme),
            ),
            (
                collectivity_key,
                keys::role(merchant, Role::Merchant, &scope_for_collectivity),
            ),
        ];
        for (index, (found, wanted)) in expected.iter().enumerate() {
            if **found != *wanted {
                return Err(MerchantProofError::WrongKey(index.saturating_add(1)));
            }
        }
        let with_scope = |scope: &Scope, value: &Option<Vec<u8>>| {
            value.clone().map(|value| (scope_view(scope), value))
        };
        Ok(MerchantEntries {
            programme: Some(bytes.clone()),
            member: member.is_some(),
            programme_grant: with_scope(&scope_for_programme, programme_grant),
            collectivity_grant: with_scope(&scope_for_collectivity, collectivity_grant),
        })
    }

    /// The merchant's standing from its entries; a value that does not
    /// decode is the node's corrupt state.
    pub fn standing(&self) -> Result<MerchantStanding, DecodeError> {
        let Some(programme) = self.programme.as_deref() else {
            return Ok((false, Vec::new(), Vec::new()));
        };
        let programme: Programme = decode(programme)?;
        let grants = [&self.programme_grant, &self.collectivity_grant]
            .into_iter()
            .flatten()
            .map(|(scope, value)| {
                let grant: RoleGrant = decode(value)?;
                Ok(MerchantGrantView {
                    scope: scope.clone(),
                    granted_at_height: grant.granted_at_height,
                    categories: grant.categories.to_vec(),
                })
            })
            .collect::<Result<Vec<_>, DecodeError>>()?;
        // The first grant found is the one spending uses (programme first).
        let accepted: Vec<u16> = grants
            .first()
            .map(|grant| {
                programme
                    .rules
                    .categories
                    .iter()
                    .copied()
                    .filter(|c| grant.categories.contains(c))
                    .collect()
            })
            .unwrap_or_default();
        Ok((self.member && !accepted.is_empty(), grants, accepted))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use civitas_civic::aid::{ClosingCursor, ProgrammeRules};
    use civitas_civic::model::{Scope, Siren};
    use civitas_types::{BoundedVec, encode};

    use super::*;
    use crate::account::scope_view;

    const CITY: Siren = Siren(219_900_016);

    fn programme() -> Programme {
        Programme {
            rules: ProgrammeRules {
                collectivity: CITY,
                budget_cents: 1_000_000,
                cap_per_period_cents: 30_000,
                period_ms: 1_000,
                starts_at_ms: 5,
                ends_at_ms: 10_000,
                categories: BoundedVec::try_from_vec(vec![5411, 5912]).unwrap(),
                residency_required: false,
            },
            status: ProgrammeStatus::Closing,
            unreserved_cents: 985_000,
            reserved_cents: 0,
            beneficiary_balances_cents: 10_750,
            merchant_balances_cents: 4_250,
            redeemed_cents: 0,
            next_order: 1,
            next_schedule: 0,
            frozen: true,
            beneficiary_count: 2,
            merchant_count: 1,
            closing: Some(ClosingCursor {
                closed_at_height: 42,
                ..ClosingCursor::default()
            }),
        }
    }

    #[test]
    fn period_ranges_are_bounded() {
        assert_eq!(period_range(None, None).unwrap(), 0..12);
        assert_eq!(period_range(Some(5), Some(24)).unwrap(), 5..29);
        for (from, periods) in [(None, Some(0)), (None, Some(25)), (Some(u64::MAX), Some(1))] {
            let error = period_range(from, periods).unwrap_err();
            assert_eq!(error.code(), crate::INVALID_PARAMS);
        }
    }

    #[test]
    fn a_programme_reads_as_stored() {
        let view = ProgrammeView::decode(&encode(&programme())).unwrap();
        assert_eq!(view.collectivity, CITY.0);
        assert_eq!(view.budget_cents, "1000000");
        assert_eq!(view.categories, [5411, 5912]);
        assert_eq!((view.status.as_str(), view.frozen), ("closing", true));
        assert_eq!(view.beneficiary_balances_cents, "10750");
        assert_eq!(view.merchant_balances_cents, "4250");
        assert_eq!((view.order_count, view.merchant_count), (1, 1));
        assert_eq!(view.closed_at_height, Some(42));
        assert!(ProgrammeView::decode(&[0]).is_err());
    }

    #[test]
    fn period_figures_read_as_stored_and_zero_when_absent() {
        let stored = PeriodFigures {
            budget_cents: u64::MAX,
            spent_cents: 4_250,
            ..PeriodFigures::default()
        };
        let view = PeriodFiguresView::decode(3, Some(&encode(&stored))).unwrap();
        assert_eq!(view.period, 3);
        assert_eq!(view.budget_cents, u64::MAX.to_string());
        assert_eq!(view.spent_cents, "4250");
        assert_eq!(view.returned_cents, "0");
        let none = PeriodFiguresView::decode(4, None).unwrap();
        assert_eq!((none.period, none.budget_cents.as_str()), (4, "0"));
        assert!(PeriodFiguresView::decode(4, Some(&[1])).is_err());
    }

    #[test]
    fn a_merchant_is_accredited_by_a_grant_in_a_category_of_the_programme() {
        let grant = |categories: Vec<u16>| {
            encode(&RoleGrant {
                granted_at_height: 0,
                categories: BoundedVec::try_from_vec(categories).unwrap(),
            })
        };
        let for_city = (scope_view(&Scope::Collectivity(CITY)), grant(vec![5411, 1]));
        let entries = MerchantEntries {
            programme: Some(encode(&programme())),
            member: true,
            programme_grant: None,
            collectivity_grant: Some(for_city.clone()),
        };
        let (accredited, grants, accepted) = entries.standing().unwrap();
        assert!(accredited);
        assert_eq!(grants.len(), 1);
        assert_eq!(grants[0].scope.kind, "collectivity");
        assert_eq!(accepted, [5411]);

        // A grant for the programme comes first and is the one that counts.
        let for_programme = (scope_view(&Scope::Programme(CITY, 0)), grant(vec![7]));
        let narrower = MerchantEntries {
            programme_grant: Some(for_programme),
            ..entries.clone()
        };
        let (accredited, grants, accepted) = narrower.standing().unwrap();
        assert!(!accredited && accepted.is_empty());
        assert_eq!(grants[0].scope.kind, "programme");

        // Not when the collectivity left the council, nor without a programme.
        let left = MerchantEntries {
            member: false,
            ..entries.clone()
        };
        assert!(!left.standing().unwrap().0);
        let none = MerchantEntries {
            programme: None,
            ..entries
        };
        assert_eq!(none.standing().unwrap(), (false, Vec::new(), Vec::new()));
        let corrupt = MerchantEntries {
            programme: Some(encode(&programme())),
            member: true,
            programme_grant: None,
            collectivity_grant: Some((for_city.0, vec![1])),
        };
        assert!(corrupt.standing().is_err());
    }

    #[test]
    fn a_merchants_entries_are_rebuilt_only_from_the_keys_they_must_be() {
        let merchant = AccountId([7; 32]);
        let id = 0;
        let grant = encode(&RoleGrant {
            granted_at_height: 3,
            categories: BoundedVec::try_from_vec(vec![5411]).unwrap(),
        });
        let [for_programme, for_city] = merchant_scopes(CITY, id);
        let proven = vec![
            (keys::programme(id), Some(encode(&programme()))),
            (keys::collectivity(&CITY), Some(vec![0])),
            (keys::role(&merchant, Role::Merchant, &for_programme), None),
            (
                keys::role(&merchant, Role::Merchant, &for_city),
                Some(grant.clone()),
            ),
        ];
        let entries = MerchantEntries::from_proven(id, &merchant, &proven).unwrap();
        assert!(entries.member && entries.programme_grant.is_none());
        assert_eq!(
            entries.collectivity_grant,
            Some((scope_view(&for_city), grant))
        );
        assert!(entries.standing().unwrap().0);

        // Another merchant's grant, a missing entry, another programme.
        let other = AccountId([8; 32]);
        let mut swapped = proven.clone();
        swapped[3].0 = keys::role(&other, Role::Merchant, &for_city);
        assert_eq!(
            MerchantEntries::from_proven(id, &merchant, &swapped).unwrap_err(),
            MerchantProofError::WrongKey(3)
        );
        assert!(matches!(
            MerchantEntries::from_proven(id, &merchant, &proven[..3]),
            Err(MerchantProofError::Count {
                found: 3,
                expected: 4
            })
        ));
        assert_eq!(
            MerchantEntries::from_proven(1, &merchant, &proven).unwrap_err(),
            MerchantProofError::NotProgramme
        );
        // No programme: its absence alone, nothing after it.
        let absent = [(keys::programme(id), None)];
        let none = MerchantEntries::from_proven(id, &merchant, &absent).unwrap();
        assert!(none.programme.is_none() && !none.member);
        let mut padded = absent.to_vec();
        padded.push(proven[1].clone());
        assert!(MerchantEntries::from_proven(id, &merchant, &padded).is_err());
    }
}
