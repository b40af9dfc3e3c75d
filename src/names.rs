// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Names: token expansion into a caller buffer, streaming comparison, type letters.
//!
//! A record's token codes expand, through `kallsyms_token_table`, into the type
//! letter followed by the name (`scripts/kallsyms.c` compresses the two together).
//! The kernel expands a whole name into a `KSYM_NAME_LEN` buffer before each
//! `strcmp()` (`kernel/kallsyms.c` 6.12 `kallsyms_lookup_names()`); this module
//! compares token by token and stops at the first differing byte, which is where a
//! binary search spends its time.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use core::cmp::Ordering;

use crate::layout::SeqsKey;
use crate::table::{cut_key, Table, KSYM_NAME_LEN};

/// What a stored name is, compared with a query as a prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PrefixCmp {
    /// The stored name sorts before every name that starts with the query.
    Less,
    /// The stored name starts with the query (or equals it).
    Starts,
    /// The stored name sorts after every name that starts with the query.
    Greater,
}

impl<'a> Table<'a> {
    /// Expands the record at `off` into `buf`, skipping the type letter, and returns
    /// how many bytes were written. A name longer than `buf` is cut, as the kernel's
    /// `kallsyms_expand_symbol()` (6.12) cuts at `maxlen - 1`; unlike it, this writes
    /// no NUL (the C ABI adds it).
    pub(crate) fn expand(&self, off: u32, buf: &mut [u8]) -> usize {
        self.expand_record(self.record(off), buf)
    }

    /// [`Table::expand`] of a record already parsed.
    #[inline]
    pub(crate) fn expand_record(&self, rec: crate::table::Record, buf: &mut [u8]) -> usize {
        let table = self.raw.token_table;
        let mut out = 0usize;
        let mut skip = 1usize;
        for &c in self.codes(rec) {
            let t = self.tokens.get(usize::from(c)).copied().unwrap_or_default();
            // NO-OVERFLOW (here and below): token starts are u16, lengths at most
            // KSYM_NAME_LEN, and `out` stays at most `buf.len()`.
            let start = usize::from(t.start).wrapping_add(skip);
            let len = usize::from(t.len).saturating_sub(skip);
            skip = 0;
            // Fast path: copy a fixed 16 bytes (one vector move) and advance by the
            // token's length; the bytes past it are overwritten by the next token or
            // lie past the returned length.
            if len <= 16 {
                let dst: Option<&mut [u8; 16]> = buf
                    .get_mut(out..out.wrapping_add(16))
                    .and_then(|d| d.try_into().ok());
                let src: Option<&[u8; 16]> = table
                    .get(start..start.wrapping_add(16))
                    .and_then(|s| s.try_into().ok());
                if let (Some(d), Some(s)) = (dst, src) {
                    *d = *s;
                    out = out.wrapping_add(len);
                    continue;
                }
            }
            let n = len.min(buf.len().saturating_sub(out));
            if let (Some(d), Some(s)) = (
                buf.get_mut(out..out.wrapping_add(n)),
                table.get(start..start.wrapping_add(n)),
            ) {
                d.copy_from_slice(s);
            }
            out = out.wrapping_add(n);
            if n < len {
                break;
            }
        }
        out
    }

    /// The length of the name at `off` (type letter excluded), without expanding it.
    pub(crate) fn name_len_at(&self, off: u32) -> usize {
        let rec = self.record(off);
        let total: usize = self.codes(rec).iter().map(|&c| self.token(c).len()).sum();
        total.saturating_sub(1)
    }

    /// The name of symbol `index` (address order), expanded into `buf`.
    pub(crate) fn name_by_index<'b>(
        &self,
        index: u32,
        buf: &'b mut [u8; KSYM_NAME_LEN],
    ) -> &'b [u8] {
        let off = self.offset_of(index);
        let n = self.expand(off, buf);
        buf.get(..n).unwrap_or(&[])
    }

    /// The nm type letter of the record at `off`: the first byte of its first token.
    ///
    /// `kernel/kallsyms.c` `kallsyms_get_symbol_type()` read the second length byte
    /// instead for names of more than 127 tokens until f3f9f42232de (6.19, sent to
    /// 6.12.y stable); this reads the right byte for every record.
    pub(crate) fn type_at(&self, off: u32) -> u8 {
        let rec = self.record(off);
        self.codes(rec)
            .first()
            .and_then(|&c| self.token(c).first().copied())
            .unwrap_or(b'?')
    }

    /// Compares the stored name at `off` with `query` (stored `cmp` query), stopping at
    /// the first differing byte.
    pub(crate) fn cmp_name(&self, off: u32, query: &[u8]) -> Ordering {
        match self.cmp_prefix_at(off, query) {
            (PrefixCmp::Less, _) => Ordering::Less,
            (PrefixCmp::Greater, _) => Ordering::Greater,
            (PrefixCmp::Starts, true) => Ordering::Equal,
            (PrefixCmp::Starts, false) => Ordering::Greater,
        }
    }

    /// Compares the stored name at `off` with `query` as a prefix. The flag is true
    /// when the stored name is exactly `query`.
    pub(crate) fn cmp_prefix_at(&self, off: u32, query: &[u8]) -> (PrefixCmp, bool) {
        let rec = self.record(off);
        let mut q = query;
        let mut first = true;
        for &c in self.codes(rec) {
            let mut tok = self.token(c);
            if first {
                tok = tok.get(1..).unwrap_or(&[]);
                first = false;
            }
            if tok.is_empty() {
                // Only the first token can be empty here: it held just the type.
                continue;
            }
            if q.is_empty() {
                return (PrefixCmp::Starts, false);
            }
            let n = tok.len().min(q.len());
            let (t, rest) = (tok.get(..n).unwrap_or(&[]), q.get(n..).unwrap_or(&[]));
            match t.cmp(q.get(..n).unwrap_or(&[])) {
                Ordering::Less => return (PrefixCmp::Less, false),
                Ordering::Greater => return (PrefixCmp::Greater, false),
                Ordering::Equal => {}
            }
            if n < tok.len() {
                // The query ends inside this token: the stored name is longer.
                return (PrefixCmp::Starts, false);
            }
            q = rest;
        }
        if q.is_empty() {
            (PrefixCmp::Starts, true)
        } else {
            // The stored name is a proper prefix of the query.
            (PrefixCmp::Less, false)
        }
    }

    /// Compares the sort key of symbol `index` (under this table's
    /// [`SeqsKey`](crate::SeqsKey)) with `query`: stored `cmp` query.
    pub(crate) fn compare_key_index(&self, index: u32, query: &[u8]) -> Ordering {
        if self.layout.seqs_key == SeqsKey::FullName {
            return self.cmp_name(self.offset_of(index), query);
        }
        let mut buf = [0u8; KSYM_NAME_LEN];
        let name = self.name_by_index(index, &mut buf);
        cut_key(name, self.layout.seqs_key).cmp(query)
    }
}
