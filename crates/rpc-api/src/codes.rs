//! Names of civic receipt codes, for receipts shown over RPC.
//!
//! A receipt carries its code as a number; `civitas_civic::Code` has no
//! conversion back from the number, so the list of codes is written out here once.
//! Adding a code to civic without adding it here does not compile: the list also
//! generates an exhaustive `match`.

use civitas_civic::Code;

macro_rules! codes {
    ($($variant:ident),* $(,)?) => {
        /// Every civic code, in the order civic declares them.
        const CODES: &[Code] = &[$(Code::$variant),*];

        /// Does not compile when civic has a code that the list above lacks.
        #[allow(dead_code)]
        const fn listed(code: Code) {
            match code {
                $(Code::$variant)|* => {}
            }
        }
    };
}

codes!(
    MalformedPayload,
    MissingRole,
    DelegationExpired,
    UnknownCollectivity,
    AlreadyEnrolled,
    NotEnrolled,
    ResidentRevoked,
    InvalidMultisigPolicy,
    MultisigExists,
    InvalidDelegation,
    UnknownDelegation,
    NotCouncilMember,
    UnknownProposal,
    ProposalClosed,
    ProposalExpired,
    AlreadyVoted,
    InvalidCollectivity,
    CollectivityRunsValidators,
    UnknownValidator,
    InvalidValidatorSet,
    ValidatorSetTooSmall,
    CollectivityCouldHalt,
    InvalidNamespace,
    InvalidParameters,
    TooManyOpenProposals,
    ActivationOutOfOrder,
    InvalidNetworkKey,
    UpgradeVersionNotNewer,
    UpgradeHeightOutOfRange,
    InvalidUpgradeName,
    NoPendingUpgrade,
    TooManyDelegations,
    ConflictingAidDuties,
    CommitmentReused,
    PseudonymInUse,
    UnknownProgramme,
    ProgrammeClosed,
    InvalidProgramme,
    AlreadyBeneficiary,
    NotBeneficiary,
    BeneficiaryRevoked,
    OutsideValidity,
    InvalidAmount,
    CapExceeded,
    BudgetExceeded,
    UnknownOrder,
    OrderNotPending,
    OrdererCannotExecute,
    MerchantNotAccredited,
    InsufficientBalance,
    UnknownSchedule,
    TooManySchedules,
    ProgrammeFrozen,
    TooManyClosingProgrammes,
    UnknownCommunity,
    InvalidCommunity,
    UnknownMeter,
    NotMeterOwner,
    GateClosed,
    SlotTooFar,
    SlotFull,
    UnknownEnergyOrder,
    SlotNotEnded,
    AlreadyAttested,
    SlotNotCleared,
    MissingAttestation,
    AlreadySettled,
    DuplicateMeter,
    UnknownNamespace,
    DuplicateRecord,
    UnknownRecord,
    RecordRevoked,
    NotTransferable,
    NotOwner,
    NoPendingTransfer,
    InvalidRecord,
    InvalidMetadata,
    DuplicateDocument,
    Overflow,
);

/// The civic code whose number is `number`, if this build knows it.
fn code_of(number: u16) -> Option<Code> {
    CODES.iter().copied().find(|code| code.number() == number)
}

/// The name of receipt code `number`: `Ok` for 0 (success), the civic code's
/// name (`MissingRole`, `BudgetExceeded`, …), or `Unknown` for a number this
/// build does not know (a code added by a later protocol version).
pub fn code_name(number: u16) -> String {
    match (number, code_of(number)) {
        (0, _) => "Ok".to_owned(),
        (_, Some(code)) => format!("{code:?}"),
        (_, None) => "Unknown".to_owned(),
    }
}

/// The readable reason of receipt code `number` (`None` for success, or for a
/// number this build does not know).
pub fn code_reason(number: u16) -> Option<&'static str> {
    code_of(number).map(Code::reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_code_has_a_distinct_number_and_name() {
        let numbers: BTreeSet<u16> = CODES.iter().map(|code| code.number()).collect();
        assert_eq!(numbers.len(), CODES.len());
        assert!(!numbers.contains(&0));
        let names: BTreeSet<String> = numbers.iter().map(|number| code_name(*number)).collect();
        assert_eq!(names.len(), CODES.len());
        assert!(!names.contains("Unknown"));
    }

    #[test]
    fn names_and_reasons_of_known_success_and_unknown_codes() {
        assert_eq!(code_name(0), "Ok");
        assert_eq!(code_reason(0), None);
        assert_eq!(code_name(200), "MissingRole");
        assert_eq!(code_reason(200), Some(Code::MissingRole.reason()));
        assert_eq!(code_name(900), "Overflow");
        assert_eq!(code_name(999), "Unknown");
        assert_eq!(code_reason(999), None);
    }
}
