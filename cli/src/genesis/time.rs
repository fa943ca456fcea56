//! The genesis time as people write it (`2027-01-01T00:00:00Z`) and as the
//! file holds it (milliseconds since 1970-01-01 UTC), both ways, with no
//! calendar library: the proleptic Gregorian calendar, UTC only.

/// Milliseconds since 1970-01-01 UTC of `text`: RFC 3339 in UTC
/// (`2027-01-01T00:00:00Z`, optional `.mmm`), a date alone (`2027-01-01`,
/// midnight UTC), or the milliseconds themselves (`1798761600000`).
pub fn parse(text: &str) -> Option<u64> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    let (date, time) = match text.split_once('T') {
        Some((date, time)) => (date, time.strip_suffix('Z')?),
        None => (text, "00:00:00"),
    };
    let (time, millis) = match time.split_once('.') {
        Some((time, fraction)) if fraction.len() == 3 => (time, number(fraction)?),
        Some(_) => return None,
        None => (time, 0),
    };
    let [year, month, day] = parts(date, '-', [4, 2, 2])?;
    let [hour, minute, second] = parts(time, ':', [2, 2, 2])?;
    if !(1970..=9999).contains(&year)
        || !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let days = days_from_civil(year, month, day)?;
    days.checked_mul(86_400)?
        .checked_add(hour.checked_mul(3_600)?)?
        .checked_add(minute.checked_mul(60)?)?
        .checked_add(second)?
        .checked_mul(1_000)?
        .checked_add(millis)
}

/// `ms` as RFC 3339 in UTC, e.g. `2027-01-01T00:00:00Z` (`.mmm` only when
/// the milliseconds are not 0).
pub fn format(ms: u64) -> String {
    let millis = ms % 1_000;
    let seconds = ms / 1_000;
    let days = seconds / 86_400;
    let rest = seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    let fraction = if millis == 0 {
        String::new()
    } else {
        format!(".{millis:03}")
    };
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}{fraction}Z",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}

fn number(text: &str) -> Option<u64> {
    if text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse().ok()
    } else {
        None
    }
}

/// Three numbers separated by `separator`, of exactly `widths` digits.
fn parts(text: &str, separator: char, widths: [usize; 3]) -> Option<[u64; 3]> {
    let mut split = text.split(separator);
    let mut out = [0u64; 3];
    for (slot, width) in out.iter_mut().zip(widths) {
        let part = split.next()?;
        if part.len() != width {
            return None;
        }
        *slot = number(part)?;
    }
    split.next().is_none().then_some(out)
}

fn leap(year: u64) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        2 if leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a date from 1970 on.
fn days_from_civil(year: u64, month: u64, day: u64) -> Option<u64> {
    let mut days: u64 = 0;
    for y in 1970..year {
        days = days.checked_add(if leap(y) { 366 } else { 365 })?;
    }
    for m in 1..month {
        days = days.checked_add(days_in_month(year, m))?;
    }
    days.checked_add(day.checked_sub(1)?)
}

/// The date `days` after 1970-01-01 (saturating far beyond year 9999, which
/// no u64 of milliseconds reaches before the heat death of the sun).
fn civil_from_days(mut days: u64) -> (u64, u64, u64) {
    let mut year: u64 = 1970;
    loop {
        let length = if leap(year) { 366 } else { 365 };
        if days < length {
            break;
        }
        days = days.saturating_sub(length);
        year = year.saturating_add(1);
    }
    let mut month: u64 = 1;
    while month < 12 && days >= days_in_month(year, month) {
        days = days.saturating_sub(days_in_month(year, month));
        month = month.saturating_add(1);
    }
    (year, month, days.saturating_add(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_start_is_the_documented_milliseconds() {
        assert_eq!(parse("2027-01-01T00:00:00Z"), Some(1_798_761_600_000));
        assert_eq!(parse("2027-01-01"), Some(1_798_761_600_000));
        assert_eq!(parse("1798761600000"), Some(1_798_761_600_000));
        assert_eq!(format(1_798_761_600_000), "2027-01-01T00:00:00Z");
    }

    #[test]
    fn times_round_trip() {
        for text in [
            "1970-01-01T00:00:00Z",
            "2024-02-29T23:59:59.999Z",
            "2100-03-01T12:30:00Z",
        ] {
            assert_eq!(format(parse(text).unwrap()), text);
        }
    }

    #[test]
    fn impossible_times_are_refused() {
        for text in [
            "",
            "2027-02-29",
            "2027-13-01",
            "2027-01-01T24:00:00Z",
            "2027-01-01T00:00:00",
            "2027-01-01T00:00:00+01:00",
            "27-01-01",
            "1969-12-31",
            "tomorrow",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}
