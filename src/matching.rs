// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Name matching: which compiler suffixes may follow a name, and what each means.
//!
//! # The suffix grammar
//!
//! A stored name matches a query `base` when it is `base` itself (always), or `base`
//! followed by one or more suffix components, each of a kind the [`Match`] options
//! allow. The components, with real examples from the fixtures in `tests/data`:
//!
//! | component | grammar | kind | example |
//! |---|---|---|---|
//! | Clang ThinLTO promotion | `.llvm.<digits>` | [`MatchKind::Llvm`] | `copy_mc_fragile_key.llvm.13204576927867547240` (6.12 ThinLTO) |
//! | GCC IPA-SRA clone | `.isra.<digits>` | [`MatchKind::Clone`] | `pick_next_task_rt.isra.0` style names (Debian 6.1: 399) |
//! | GCC constant-propagation clone | `.constprop.<digits>` | [`MatchKind::Clone`] | `*.constprop.0` (Debian 6.1: 477) |
//! | GCC partial inlining | `.part.<digits>` | [`MatchKind::Clone`] | `*.part.0` (Debian 6.1: 378) |
//! | GCC hot/cold split | `.cold` or `.cold.<digits>` | [`MatchKind::Cold`] | `*.cold`, `*.isra.0.cold` (Debian 6.1: 2,862) |
//! | GCC LTO private | `.lto_priv.<digits>` | [`MatchKind::LtoPriv`] | (GCC LTO builds) |
//! | local alias | `.localalias` | [`MatchKind::LocalAlias`] | (GCC `-fno-semantic-interposition` aliases) |
//! | numbered static | `.<digits>` | [`MatchKind::Numbered`] | `__func__.1`, `__key.1` (Debian 6.1) |
//!
//! Components chain: `foo.constprop.0.isra.0` is a clone of a clone and
//! `foo.isra.0.cold` is the cold fragment of a clone. A chained name takes the kind
//! of its most telling component, in this order: `Cold` (a fragment, never an entry
//! point), `Clone` (a different body that may coexist with the original), `LtoPriv`,
//! `Llvm` (the same function under an LTO name), `LocalAlias`, `Numbered`. Every
//! component must be allowed by the options for the name to match.
//!
//! Names that only look similar do not match: Clang's static locals
//! (`func.__already_done`), string literals (`.str.1.llvm.5`) and `__pfx_` padding
//! symbols are other objects.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use bitflags::bitflags;

bitflags! {
    /// Which compiler suffixes may follow a queried name. The empty set is an exact
    /// match, the kernel's only behaviour since 6.11 (fb6a421fb615).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    #[repr(transparent)]
    pub struct Match: u32 {
        /// Clang ThinLTO `.llvm.<digits>`.
        const LLVM = 1 << 0;
        /// GCC clones: `.isra.<n>`, `.constprop.<n>`, `.part.<n>`.
        const CLONE = 1 << 1;
        /// GCC cold fragments: `.cold`, `.cold.<n>`.
        const COLD = 1 << 2;
        /// GCC LTO `.lto_priv.<n>`.
        const LTO_PRIV = 1 << 3;
        /// `.localalias`.
        const LOCALALIAS = 1 << 4;
        /// Numbered statics `name.<n>`.
        const NUMBERED = 1 << 5;
        /// Renames of the same function: `.llvm.`, `.lto_priv.`, `.localalias`.
        const LTO = Self::LLVM.bits() | Self::LTO_PRIV.bits() | Self::LOCALALIAS.bits();
        /// Every suffix kind.
        const ALL = Self::LLVM.bits() | Self::CLONE.bits() | Self::COLD.bits()
            | Self::LTO_PRIV.bits() | Self::LOCALALIAS.bits() | Self::NUMBERED.bits();
    }
}

impl Match {
    /// Exact matching only.
    pub const EXACT: Match = Match::empty();
}

/// What a matching symbol is, relative to the queried name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum MatchKind {
    /// The name itself.
    Exact = 0,
    /// Clang ThinLTO promotion (`.llvm.<digits>`): the same function, renamed.
    Llvm = 1,
    /// A GCC clone (`.isra`, `.constprop`, `.part`): a different body that may
    /// coexist with the original.
    Clone = 2,
    /// A cold fragment (`.cold`): part of a function, never an entry point.
    Cold = 3,
    /// GCC LTO `.lto_priv.<n>`: the same function, renamed.
    LtoPriv = 4,
    /// `.localalias`: another name for the same function.
    LocalAlias = 5,
    /// A numbered static (`name.<n>`): a different object of the same name.
    Numbered = 6,
}

impl MatchKind {
    /// A short lower-case name (`exact`, `llvm`, `clone`, `cold`, `lto_priv`,
    /// `localalias`, `numbered`).
    pub const fn as_str(self) -> &'static str {
        match self {
            MatchKind::Exact => "exact",
            MatchKind::Llvm => "llvm",
            MatchKind::Clone => "clone",
            MatchKind::Cold => "cold",
            MatchKind::LtoPriv => "lto_priv",
            MatchKind::LocalAlias => "localalias",
            MatchKind::Numbered => "numbered",
        }
    }

    /// Whether a symbol of this kind is the queried function itself under another
    /// name (exact, or an LTO rename or alias), as opposed to a clone, fragment or
    /// different object.
    pub const fn is_same_function(self) -> bool {
        matches!(
            self,
            MatchKind::Exact | MatchKind::Llvm | MatchKind::LtoPriv | MatchKind::LocalAlias
        )
    }

    /// The option flag that admits this kind (empty for `Exact`).
    pub const fn flag(self) -> Match {
        match self {
            MatchKind::Exact => Match::empty(),
            MatchKind::Llvm => Match::LLVM,
            MatchKind::Clone => Match::CLONE,
            MatchKind::Cold => Match::COLD,
            MatchKind::LtoPriv => Match::LTO_PRIV,
            MatchKind::LocalAlias => Match::LOCALALIAS,
            MatchKind::Numbered => Match::NUMBERED,
        }
    }

    /// Precedence when components chain (higher wins).
    const fn rank(self) -> u8 {
        match self {
            MatchKind::Exact => 0,
            MatchKind::Numbered => 1,
            MatchKind::LocalAlias => 2,
            MatchKind::Llvm => 3,
            MatchKind::LtoPriv => 4,
            MatchKind::Clone => 5,
            MatchKind::Cold => 6,
        }
    }
}

impl core::fmt::Display for MatchKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Splits off `.<digits>` (at least one digit) from the front of `s`.
fn dot_digits(s: &[u8]) -> Option<&[u8]> {
    let rest = s.strip_prefix(b".")?;
    let n = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if n == 0 {
        return None;
    }
    rest.get(n..)
}

/// Parses one suffix component at the front of `s` (which starts with `.`).
fn component(s: &[u8]) -> Option<(MatchKind, &[u8])> {
    const WORDS: [(&[u8], MatchKind); 5] = [
        (b".llvm", MatchKind::Llvm),
        (b".isra", MatchKind::Clone),
        (b".constprop", MatchKind::Clone),
        (b".part", MatchKind::Clone),
        (b".lto_priv", MatchKind::LtoPriv),
    ];
    for (w, kind) in WORDS {
        if let Some(rest) = s.strip_prefix(w) {
            if let Some(after) = dot_digits(rest) {
                return Some((kind, after));
            }
        }
    }
    if let Some(rest) = s.strip_prefix(b".cold") {
        if rest.is_empty() || rest.first() == Some(&b'.') {
            // `.cold.<n>` belongs to the cold component; `.cold` alone too.
            return Some((MatchKind::Cold, dot_digits(rest).unwrap_or(rest)));
        }
    }
    if let Some(rest) = s.strip_prefix(b".localalias") {
        if rest.is_empty() || rest.first() == Some(&b'.') {
            return Some((MatchKind::LocalAlias, rest));
        }
    }
    dot_digits(s).map(|rest| (MatchKind::Numbered, rest))
}

/// Classifies `suffix`, what follows the queried name in a stored name: the empty
/// suffix is [`MatchKind::Exact`]; otherwise every component must parse and be
/// allowed by `opts`, and the kind is the chain's strongest component.
///
/// ```
/// use kallsyms::{classify_suffix, Match, MatchKind};
/// assert_eq!(classify_suffix(b"", Match::EXACT), Some(MatchKind::Exact));
/// assert_eq!(classify_suffix(b".llvm.123", Match::LLVM), Some(MatchKind::Llvm));
/// assert_eq!(classify_suffix(b".llvm.123", Match::CLONE), None);
/// assert_eq!(classify_suffix(b".isra.0.cold", Match::ALL), Some(MatchKind::Cold));
/// assert_eq!(classify_suffix(b".isra.0.cold", Match::CLONE), None);
/// assert_eq!(classify_suffix(b".constprop.0.isra.0", Match::CLONE), Some(MatchKind::Clone));
/// assert_eq!(classify_suffix(b".__already_done", Match::ALL), None);
/// ```
pub fn classify_suffix(suffix: &[u8], opts: Match) -> Option<MatchKind> {
    let mut kind = MatchKind::Exact;
    let mut s = suffix;
    while !s.is_empty() {
        let (k, rest) = component(s)?;
        if !opts.contains(k.flag()) {
            return None;
        }
        if k.rank() > kind.rank() {
            kind = k;
        }
        s = rest;
    }
    Some(kind)
}

/// The original name of a stored name: the name with every trailing suffix component
/// of the kinds in `opts` removed (`foo.isra.0.cold` gives `foo` under
/// [`Match::ALL`]). The part kept is never empty.
///
/// ```
/// use kallsyms::{base_name, Match};
/// assert_eq!(base_name(b"c_start.llvm.8011538628216713357", Match::LLVM), &b"c_start"[..]);
/// assert_eq!(base_name(b"foo.constprop.0.isra.0", Match::ALL), &b"foo"[..]);
/// assert_eq!(base_name(b"foo.isra.0", Match::LLVM), &b"foo.isra.0"[..]);
/// assert_eq!(base_name(b"__func__.1", Match::ALL), &b"__func__"[..]);
/// ```
pub fn base_name(name: &[u8], opts: Match) -> &[u8] {
    // The shortest base whose suffix classifies: try each '.' from the left.
    let mut from = 1;
    while let Some(p) = name
        .get(from..)
        .and_then(|t| memchr::memchr(b'.', t))
        // NO-OVERFLOW: a position in name[from..].
        .map(|p| p.wrapping_add(from))
    {
        if let (Some(base), Some(suffix)) = (name.get(..p), name.get(p..)) {
            if classify_suffix(suffix, opts).is_some() {
                return base;
            }
        }
        from = p.wrapping_add(1);
    }
    name
}
