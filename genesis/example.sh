#!/usr/bin/env bash
# Builds the example network's genesis (genesis/README.md) with the
# `civitas genesis` commands: four collectivities — a city, its metropole, an
# energy syndicate and a social action centre — each running one validator.
#
#   genesis/example.sh KEYS OUT
#
# KEYS holds four lines "CONSENSUS_KEY NETWORK_KEY" (64 hex digits each, as
# `civitas-node init` prints them), for the validators of the city, the
# metropole, the syndicate and the social action centre, in that order.
# genesis/example-keys.txt holds example keys; scripts/localnet.sh passes the
# keys of its own homes. OUT is written afresh.
#
# Environment: CIVITAS_BIN, the civitas binary (default: target/debug/civitas,
# honouring CARGO_TARGET_DIR, else `civitas` on the PATH); GENESIS_TIME, the
# start (default 2027-01-01T00:00:00Z; a time, a date or milliseconds);
# CHAIN_ID (default civitas-example-1).
set -euo pipefail

if [ "$#" -ne 2 ]; then
    echo "usage: $0 KEYS OUT" >&2
    exit 2
fi
KEYS="$1"
OUT="$2"
REPO="$(cd "$(dirname "$0")/.." && pwd)"
if [ -z "${CIVITAS_BIN:-}" ]; then
    CIVITAS_BIN="${CARGO_TARGET_DIR:-$REPO/target}/debug/civitas"
    [ -x "$CIVITAS_BIN" ] || CIVITAS_BIN=civitas
fi
civitas() { "$CIVITAS_BIN" "$@" >/dev/null; }

mapfile -t keys < <(grep -v '^[[:space:]]*$' "$KEYS")
if [ "${#keys[@]}" -ne 4 ]; then
    echo "$KEYS: ${#keys[@]} lines; want 4 (city, metropole, syndicate, social action centre)" >&2
    exit 2
fi
key() { # key I FIELD: field 1 (consensus) or 2 (network) of line I
    echo "${keys[$1]}" | awk -v f="$2" '{ print $f }'
}

CITY=216901231
METROPOLE=200046977
SYNDICATE=256900002
CCAS=266900000
FOOD=5411 # merchant category: groceries (as the demo's)

# The network: its name, start and rules. Four validators of equal power, so
# no collectivity holds a third; at least three must remain; a validator-set
# change applies 60 heights after the council decides it.
civitas genesis new "$OUT" --force --chain-id "${CHAIN_ID:-civitas-example-1}" \
    --genesis-time "${GENESIS_TIME:-2027-01-01T00:00:00Z}"
civitas genesis set "$OUT" --validators-min 3 --validator-change-delay 60 \
    --block-bytes-max 1048576 --transactions-max 1000

# The council: each collectivity, its council account and its power.
civitas genesis add-collectivity "$OUT" --siren "$CITY" --name "Ville de Lyon" \
    --council-account civ1vmawdcze7wgczz5vwdhfk3cwqpwrc9mcwe3c7a6z7zh8kwtzpnuqxypwmc --voting-power 1
civitas genesis add-collectivity "$OUT" --siren "$METROPOLE" --name "Métropole de Lyon" \
    --council-account civ100s5lza42shukfdexfxm7y078fpkc3v0wtuqud89qrrhtz66x0rq4dtd55 --voting-power 1
civitas genesis add-collectivity "$OUT" --siren "$SYNDICATE" --name "Syndicat intercommunal d'énergie de l'agglomération lyonnaise" \
    --council-account civ1d5r8vdequxwyf4lqak9hqzhe54r4nn7xdku3c0nhrleu0u9h4qcsuer003 --voting-power 1
civitas genesis add-collectivity "$OUT" --siren "$CCAS" --name "Centre communal d'action sociale de Lyon" \
    --council-account civ1t0dhjk9grrasnrkgfypunwrwmftf5cedxvchpkcvfl649eqf5wuqduu27a --voting-power 1

# One validator per collectivity, the keys its operator's `civitas-node init` printed.
i=0
for siren in "$CITY" "$METROPOLE" "$SYNDICATE" "$CCAS"; do
    civitas genesis add-validator "$OUT" --collectivity "$siren" \
        --consensus-key "$(key "$i" 1)" --network-key "$(key "$i" 2)" --power 1
    i=$((i + 1))
done

# Registers: the city's building permits (they follow the land: transferable,
# with the registrar's approval) and the metropole's road occupancy permits.
civitas genesis add-namespace "$OUT" --name permits/building --collectivity "$CITY" \
    --transferable --transfer-needs-approval \
    --field nature:code --field parcel:reference --field floor_area_m2:amount --field decided_on:date
civitas genesis add-namespace "$OUT" --name roads/occupancy --collectivity "$METROPOLE" \
    --field nature:code --field street:reference --field from:date --field until:date

# Officials: the registrars, the syndicate's energy operator, and the social
# action centre's registrar of residents, ordonnateur and comptable (three
# accounts: separation of duties), and a grocery accepting its aid.
civitas genesis add-official "$OUT" --role registrar --namespace permits/building \
    --account civ1fz5u3rnyq9yeh7e5zaw9srs430clx47qpyuvntlyyxxxyldhv9cs3vgxvy
civitas genesis add-official "$OUT" --role registrar --namespace roads/occupancy \
    --account civ1s3jngk4s52cl68sndvdh70ndjk0famhevhy9ec8s28cwltknsr0szy25yj
civitas genesis add-official "$OUT" --role energy_operator --collectivity "$SYNDICATE" \
    --account civ15zs5uzc9686t4g8fhkmq3e0javw37945ccx7ux2yd67hh63rwuhshfrazs
civitas genesis add-official "$OUT" --role identity_registrar --collectivity "$CCAS" \
    --account civ10qql9grjgzpl2tm0lh2ys6448y6rpmedqa29w60nkykapj3tw4asnkywrl
civitas genesis add-official "$OUT" --role aid_administrator --collectivity "$CCAS" \
    --account civ1kc3nl733pml778h0qqwpdm0atv8vvmzy6a5rcmz8tn6y2s4nx3wqfz3m5a
civitas genesis add-official "$OUT" --role aid_accountant --collectivity "$CCAS" \
    --account civ1drjjjh6y2enaphjcpl2pp4kxa98r73mvtzdyjksnw43jh7zlj89qj4d7uu
civitas genesis add-official "$OUT" --role merchant --collectivity "$CCAS" --categories "$FOOD" \
    --account civ1mqwjkt6ery5fn57dzgfruqvg6pywed459g7fajx6xekjqksa6reqeusztn

# Every rule at once; prints the summary and the hash.
"$CIVITAS_BIN" genesis validate "$OUT"
