// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Unit tests of the C ABI shim (placeholder).
