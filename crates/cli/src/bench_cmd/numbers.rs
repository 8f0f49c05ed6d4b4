//! Synthetic party numbers for benchmarks: valid national and enterprise numbers made from a
//! counter, and the ranges the populations are drawn from.

use mandates_domain::{Insz, Kbo};

/// A person's number from a counter: a valid INSZ born 1900–1999, unique up to 33 million.
pub(super) fn person(k: u64) -> Insz {
    let day = 1 + k % 28;
    let month = 1 + (k / 28) % 12;
    let year = (k / 336) % 100;
    let seq = 1 + (k / 33_600) % 997;
    let nine = year * 10_000_000 + month * 100_000 + day * 1_000 + seq;
    let text = format!("{nine:09}{:02}", 97 - nine % 97);
    Insz::parse(&text).unwrap_or_else(|_| unreachable_number(&text))
}

/// An enterprise's number from a counter (`base` picks a range).
pub(super) fn enterprise(base: u64, k: u64) -> Kbo {
    let eight = base + k;
    let text = format!("{eight:08}{:02}", 97 - eight % 97);
    Kbo::parse(&text).unwrap_or_else(|_| unreachable_number(&text))
}

fn unreachable_number(text: &str) -> ! {
    panic!("synthetic number {text} is not valid: the generator is wrong")
}

pub(super) const OFFICES: u64 = 10_000_000;
pub(super) const COMPANIES: u64 = 2_000_000;
/// Person counters: mandators from 0, executors and managers from here.
pub(super) const STAFF: u64 = 12_000_000;
