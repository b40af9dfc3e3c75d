// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! STUB: being written. Interface is fixed.
use crate::{FormatError, Layout};

/// `KSYM_NAME_LEN` (`include/linux/kallsyms.h`, 512 since 6.1).
pub const KSYM_NAME_LEN: usize = 512;

/// The kernel's arrays as they sit in memory, unvalidated.
#[derive(Clone, Copy, Debug, Default)]
pub struct RawTable<'a> {
    /// `kallsyms_num_syms`.
    pub num_syms: u32,
    /// `kallsyms_names`.
    pub names: &'a [u8],
    /// `kallsyms_markers`.
    pub markers: &'a [u8],
    /// `kallsyms_token_table`.
    pub token_table: &'a [u8],
    /// `kallsyms_token_index`.
    pub token_index: &'a [u8],
    /// `kallsyms_offsets`, or `kallsyms_addresses` for the absolute layout.
    pub offsets: &'a [u8],
    /// `kallsyms_relative_base` (ignored by layouts without one).
    pub relative_base: u64,
    /// The address at which `kallsyms_offsets` lives (place-relative layout only).
    pub offsets_addr: u64,
    /// `kallsyms_seqs_of_names` (empty when the layout has none).
    pub seqs_of_names: &'a [u8],
}

/// A validated table.
#[derive(Clone, Debug)]
pub struct Table<'a> {
    raw: RawTable<'a>,
    layout: Layout,
}

impl<'a> Table<'a> {
    /// Validates and wraps the arrays.
    pub fn new(raw: RawTable<'a>, layout: Layout) -> Result<Self, FormatError> {
        Ok(Table { raw, layout })
    }
    /// The arrays.
    pub fn raw(&self) -> &RawTable<'a> {
        &self.raw
    }
    /// The layout.
    pub fn layout(&self) -> Layout {
        self.layout
    }
}
