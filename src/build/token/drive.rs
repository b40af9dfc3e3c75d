// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Runs the rounds of `optimize_result()` (`scripts/kallsyms.c`, 6.12) on one thread,
//! or on two threads that each own half of the symbols.

use core::sync::atomic::Ordering::Relaxed;
use core::sync::atomic::{AtomicI32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};
use std::vec::Vec;

use super::state::{best_in, State};
use super::{Packed, Slot};

/// Lists are kept for pairs whose count is at least the best profit divided by this.
const KEEP_DIVISOR: i32 = 64;

/// Below this many bytes of symbols, a second thread costs more than it saves.
const PARALLEL_BYTES: usize = 1 << 20;

/// Runs the kernel's token optimisation on `syms` in place and returns the table.
pub fn optimize(syms: &mut Packed) -> [Slot; 256] {
    let threads = if syms.arena.len() >= PARALLEL_BYTES {
        2
    } else {
        1
    };
    optimize_with(syms, KEEP_DIVISOR, threads)
}

/// A barrier for two threads that spins briefly, then sleeps: rounds are short
/// (tens of microseconds) when both threads have a core, but a thread may also have
/// to wait for one that the scheduler put aside.
struct Barrier2 {
    arrived: AtomicUsize,
    generation: AtomicUsize,
    lock: Mutex<()>,
    wake: Condvar,
}

impl Barrier2 {
    fn new() -> Self {
        Barrier2 {
            arrived: AtomicUsize::new(0),
            generation: AtomicUsize::new(0),
            lock: Mutex::new(()),
            wake: Condvar::new(),
        }
    }

    fn wait(&self) {
        let g = self.generation.load(Ordering::Acquire);
        if self.arrived.fetch_add(1, Ordering::AcqRel) == 1 {
            self.arrived.store(0, Relaxed);
            // Under the lock, so that a sleeper cannot miss the change.
            let guard = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
            self.generation.fetch_add(1, Ordering::Release);
            drop(guard);
            self.wake.notify_all();
            return;
        }
        for _ in 0..20_000 {
            if self.generation.load(Ordering::Acquire) != g {
                return;
            }
            core::hint::spin_loop();
        }
        let mut guard = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        while self.generation.load(Ordering::Acquire) == g {
            guard = self
                .wake
                .wait(guard)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// A fresh profit array.
fn profits() -> Vec<AtomicI32> {
    (0..0x10000).map(|_| AtomicI32::new(0)).collect()
}

/// Runs the rounds: `pick` gives the best pair (the same on every thread).
fn rounds(st: &mut State<'_>, mut pick: impl FnMut() -> (usize, i32)) {
    for code in (0..=255u8).rev() {
        if st.slots.get(usize::from(code)) != Some(&Slot::Unused) {
            continue;
        }
        let (p, gain) = pick();
        if gain <= 0 {
            break;
        }
        st.assign(code, p);
    }
}

/// [`optimize`] with a given list threshold divisor and thread count (1 or 2; tests
/// force both).
pub(super) fn optimize_with(syms: &mut Packed, divisor: i32, threads: usize) -> [Slot; 256] {
    let mut slots = [Slot::Unused; 256];
    for &b in &syms.arena {
        if let Some(s) = slots.get_mut(usize::from(b)) {
            *s = Slot::Byte;
        }
    }
    // Split at the first symbol that starts in the second half of the arena.
    let half = syms.arena.len() / 2;
    let m = syms.start.partition_point(|&s| (s as usize) < half);
    if threads < 2 || m == 0 || m >= syms.start.len() {
        return single(syms, slots, divisor);
    }
    let base = syms.start.get(m).copied().unwrap_or(0);
    let (lo_start, hi_start) = syms.start.split_at_mut(m);
    let (lo_len, hi_len) = syms.len.split_at_mut(m);
    let mut hi_local: Vec<u32> = hi_start.iter().map(|&s| s - base).collect();
    let (lo_val, hi_val) = syms.arena.split_at_mut(base as usize);

    let p = [profits(), profits()];
    let barrier = Barrier2::new();
    let results = [AtomicU64::new(0), AtomicU64::new(0)];
    let [p0, p1] = &p;
    let both: [&[AtomicI32]; 2] = [p0, p1];
    // Both threads wait at the barrier, scan their half of the pair indices over the
    // summed profits, publish, wait again, and take the better result (the lower
    // half wins ties, as the lower index does in `find_best_token()`).
    let pick = |t: usize| {
        barrier.wait();
        let range = t * 0x8000..(t + 1) * 0x8000;
        let (at, v) = best_in(&both, range);
        if let Some(r) = results.get(t) {
            r.store(((v.max(0) as u64) << 32) | at as u64, Relaxed);
        }
        barrier.wait();
        let r0 = results.first().map_or(0, |r| r.load(Relaxed));
        let r1 = results.get(1).map_or(0, |r| r.load(Relaxed));
        let r = if r1 >> 32 > r0 >> 32 { r1 } else { r0 };
        ((r & 0xffff_ffff) as usize, (r >> 32) as i32)
    };

    let (lo_used, (hi_used, hi_local), done) = std::thread::scope(|scope| {
        let worker = std::thread::Builder::new().spawn_scoped(scope, move || {
            let mut st = State::new(hi_val, &hi_local, slots, p1, divisor);
            rounds(&mut st, || pick(1));
            let used = st.compact(&mut hi_local, hi_len);
            (used, hi_local)
        });
        let Ok(worker) = worker else {
            return None;
        };
        let mut st = State::new(lo_val, lo_start, slots, p0, divisor);
        rounds(&mut st, || pick(0));
        let lo_used = st.compact(lo_start, lo_len);
        let slots = st.slots;
        let (hi_used, hi_local) = match worker.join() {
            Ok(hi) => hi,
            Err(e) => std::panic::resume_unwind(e),
        };
        Some((lo_used, (hi_used, hi_local), slots))
    })
    .map_or_else(|| (0, (0, Vec::new()), None), |(a, b, s)| (a, b, Some(s)));
    let Some(done) = done else {
        // No second thread: nothing was touched yet.
        return single(syms, slots, divisor);
    };
    // Close the gap between the two compacted halves.
    let hi_from = base as usize;
    syms.arena.copy_within(hi_from..hi_from + hi_used, lo_used);
    syms.arena.truncate(lo_used + hi_used);
    for (s, &l) in syms.start.iter_mut().skip(m).zip(&hi_local) {
        *s = l + lo_used as u32;
    }
    done
}

/// The whole table on this thread.
fn single(syms: &mut Packed, slots: [Slot; 256], divisor: i32) -> [Slot; 256] {
    let profit = profits();
    let mut st = State::new(&mut syms.arena, &syms.start, slots, &profit, divisor);
    rounds(&mut st, || best_in(&[&profit], 0..0x10000));
    let used = st.compact(&mut syms.start, &mut syms.len);
    let slots = st.slots;
    syms.arena.truncate(used);
    slots
}
