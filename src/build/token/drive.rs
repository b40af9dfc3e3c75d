// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Runs the rounds of `optimize_result()` (`scripts/kallsyms.c`, 6.12), on one thread
//! or with a helper thread.
//!
//! With a helper, the symbols are split in two halves, A and B, each with its own
//! [`State`] (lists and profits). The main thread owns A; B is a task that either
//! thread may claim, once per round. Each round the main thread picks the best pair
//! from the summed profits, publishes the round, replaces the pair in A, then claims
//! B itself unless the helper already has (and then waits for it). A helper that the
//! scheduler has put aside before claiming thus never holds the work up; one that
//! was put aside in the middle of a task can, so after one long wait (a busy
//! machine) the main thread stops publishing tasks and does both halves alone.

use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::boxed::Box;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::vec::Vec;

use super::state::{best_of, BlockMax, State};
use super::{Packed, Slot};

/// Lists are kept for pairs whose count is at least the best profit divided by this.
const KEEP_DIVISOR: i32 = 64;

/// The main thread goes on alone once it has spent more than 1/`GIVE_UP` of its time
/// waiting for the helper (after a few rounds, or at once for a wait over a
/// millisecond): on a busy machine the helper does not keep up.
const GIVE_UP: u32 = 4;

/// Below this many bytes of symbols, a second thread costs more than it saves.
const PARALLEL_BYTES: usize = 1 << 20;

/// Runs the kernel's token optimisation on `syms` in place and returns the table.
pub fn optimize(syms: &mut Packed) -> [Slot; 256] {
    optimize_threads(syms, 1)
}

/// [`optimize`] on at most `threads` threads (0 or 1: this one; 2: with a helper for
/// large tables).
pub fn optimize_threads(syms: &mut Packed, threads: usize) -> [Slot; 256] {
    let threads = if syms.arena.len() < PARALLEL_BYTES {
        1
    } else {
        super::super::threads(threads)
    };
    optimize_with(syms, KEEP_DIVISOR, threads)
}

/// The byte codes that occur (`insert_real_symbols_in_table()`).
fn byte_slots(arena: &[u8]) -> [Slot; 256] {
    let mut slots = [Slot::Unused; 256];
    for &b in arena {
        if let Some(s) = slots.get_mut(usize::from(b)) {
            *s = Slot::Byte;
        }
    }
    slots
}

/// [`optimize`] with a given list threshold divisor and thread count (1 or 2; tests
/// force both).
pub(super) fn optimize_with(syms: &mut Packed, divisor: i32, threads: usize) -> [Slot; 256] {
    let slots = byte_slots(&syms.arena);
    // Split at the first symbol that starts in the second half of the arena.
    let half = syms.arena.len() / 2;
    let m = syms.start.partition_point(|&s| (s as usize) < half);
    if threads < 2 || m == 0 || m >= syms.start.len() {
        return single(syms, slots, divisor);
    }
    let base = syms.start.get(m).copied().unwrap_or(0);
    let (a_start, b_start) = syms.start.split_at_mut(m);
    let (a_len, b_len) = syms.len.split_at_mut(m);
    let b_local: Vec<u32> = b_start.iter().map(|&s| s - base).collect();
    let (a_val, b_val) = syms.arena.split_at_mut(base as usize);

    let shared = Shared {
        b: Mutex::new(Half::Input(b_val, b_local)),
        epoch: AtomicU32::new(0),
        task: AtomicU64::new(0),
        claimed: AtomicU32::new(0),
        done: AtomicU32::new(0),
        stop: AtomicBool::new(false),
        alone: AtomicBool::new(false),
        waited: AtomicU64::new(0),
        park: Mutex::new(()),
        wake: Condvar::new(),
        slots,
        divisor,
    };
    let (slots, a_used, b_used, b_local) = std::thread::scope(|scope| {
        // Without a helper (no thread to be had) the main thread claims every task.
        let helper = std::thread::Builder::new()
            .spawn_scoped(scope, || shared.help())
            .ok();
        let result = shared.lead(a_val, a_start, a_len, b_len);
        shared.stop.store(true, Ordering::Release);
        shared.publish(0, 0);
        if let Some(h) = helper {
            if let Err(e) = h.join() {
                std::panic::resume_unwind(e);
            }
        }
        result
    });
    // Close the gap between the two compacted halves.
    let from = base as usize;
    syms.arena.copy_within(from..from + b_used, a_used);
    syms.arena.truncate(a_used + b_used);
    for (s, &l) in syms.start.iter_mut().skip(m).zip(&b_local) {
        *s = l + a_used as u32;
    }
    slots
}

/// Half B: its input until a thread builds its state.
enum Half<'a> {
    Input(&'a mut [u8], Vec<u32>),
    Ready(Box<State<'a>>, Vec<u32>),
    Taken,
}

/// What the two threads share.
struct Shared<'a> {
    b: Mutex<Half<'a>>,
    /// The task published last: 1 builds B, later ones are rounds.
    epoch: AtomicU32,
    /// The round's code and pair: `code << 32 | pair`.
    task: AtomicU64,
    /// The last task claimed, and the last one done.
    claimed: AtomicU32,
    done: AtomicU32,
    stop: AtomicBool,
    /// Set after the main thread waited too long for the helper.
    alone: AtomicBool,
    /// Nanoseconds the main thread spent waiting for the helper.
    waited: AtomicU64,
    park: Mutex<()>,
    wake: Condvar,
    slots: [Slot; 256],
    divisor: i32,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<'a> Shared<'a> {
    /// Publishes task `epoch` and wakes the helper (unless it was given up on).
    fn publish(&self, epoch: u32, task: u64) {
        self.task.store(task, Ordering::Relaxed);
        if epoch != 0 && self.alone.load(Ordering::Relaxed) {
            return;
        }
        let guard = lock(&self.park);
        if epoch != 0 {
            self.epoch.store(epoch, Ordering::Release);
        }
        drop(guard);
        self.wake.notify_one();
    }

    /// Runs task `epoch` on half B if no thread has claimed it yet.
    fn try_run(&self, epoch: u32) -> bool {
        let claim = self.claimed.compare_exchange(
            epoch.wrapping_sub(1),
            epoch,
            Ordering::AcqRel,
            Ordering::Acquire,
        );
        if claim.is_err() {
            return false;
        }
        let mut b = lock(&self.b);
        if epoch == 1 {
            if let Half::Input(val, starts) = core::mem::replace(&mut *b, Half::Taken) {
                let st = State::new(val, &starts, self.slots, self.divisor);
                *b = Half::Ready(Box::new(st), starts);
            }
        } else if let Half::Ready(st, _) = &mut *b {
            let task = self.task.load(Ordering::Relaxed);
            st.assign((task >> 32) as u8, (task & 0xffff) as usize);
        }
        drop(b);
        self.done.store(epoch, Ordering::Release);
        true
    }

    /// Waits until task `epoch` is done (by the helper, which claimed it). A wait
    /// much longer than a round means the helper lost its core: work alone from then
    /// on.
    fn wait_done(&self, epoch: u32) {
        let mut spins = 0u32;
        let start = std::time::Instant::now();
        while self.done.load(Ordering::Acquire) < epoch {
            if spins < 4000 {
                spins += 1;
                core::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
        let waited = start.elapsed();
        self.waited
            .fetch_add(waited.as_nanos() as u64, Ordering::Relaxed);
        if waited > std::time::Duration::from_millis(1) {
            self.alone.store(true, Ordering::Relaxed);
        }
    }

    /// The helper: claims whatever task is published, until told to stop.
    fn help(&self) {
        let mut seen = 0u32;
        loop {
            let mut spins = 0u32;
            let epoch = loop {
                if self.stop.load(Ordering::Acquire) {
                    return;
                }
                let e = self.epoch.load(Ordering::Acquire);
                if e != seen {
                    break e;
                }
                if spins < 2000 {
                    spins += 1;
                    core::hint::spin_loop();
                    continue;
                }
                let mut guard = lock(&self.park);
                while self.epoch.load(Ordering::Acquire) == seen
                    && !self.stop.load(Ordering::Acquire)
                {
                    guard = self
                        .wake
                        .wait(guard)
                        .unwrap_or_else(PoisonError::into_inner);
                }
            };
            seen = epoch;
            self.try_run(epoch);
        }
    }

    /// Runs task `epoch` on B here, or waits for the helper that claimed it.
    fn finish(&self, epoch: u32) {
        if !self.try_run(epoch) {
            self.wait_done(epoch);
        }
    }

    /// The main thread: half A, the choice of pairs, and B whenever the helper has
    /// not taken it. Returns the table, the compacted sizes of A and B, and B's
    /// compacted starts (relative to B).
    fn lead(
        &self,
        a_val: &'a mut [u8],
        a_start: &mut [u32],
        a_len: &mut [u32],
        b_len: &mut [u32],
    ) -> ([Slot; 256], usize, usize, Vec<u32>) {
        self.publish(1, 0);
        let mut a = State::new(a_val, a_start, self.slots, self.divisor);
        self.finish(1);
        let mut epoch = 1u32;
        // The summed block maxima start at 0, right for the blocks where neither half
        // has a pair; both halves start with the blocks of their pairs marked stale.
        let mut sum: Box<BlockMax> = Box::new([0; 0x10000 / 64]);
        let began = std::time::Instant::now();
        for code in (0..=255u8).rev() {
            if a.slots.get(usize::from(code)) != Some(&Slot::Unused) {
                continue;
            }
            let (p, gain) = {
                let mut b = lock(&self.b);
                match &mut *b {
                    Half::Ready(st, _) => best_of(&mut a.profit, &mut st.profit, &mut sum),
                    _ => a.profit.best(),
                }
            };
            if gain <= 0 {
                break;
            }
            epoch += 1;
            self.publish(epoch, u64::from(code) << 32 | p as u64);
            a.assign(code, p);
            self.finish(epoch);
            let spent = began.elapsed().as_nanos() as u64;
            let waited = self.waited.load(Ordering::Relaxed);
            if epoch > 8 && waited > spent / u64::from(GIVE_UP) {
                self.alone.store(true, Ordering::Relaxed);
            }
        }
        let a_used = a.compact(a_start, a_len);
        let slots = a.slots;
        let mut b = lock(&self.b);
        match core::mem::replace(&mut *b, Half::Taken) {
            Half::Ready(mut st, mut starts) => {
                let b_used = st.compact(&mut starts, b_len);
                (slots, a_used, b_used, starts)
            }
            _ => (slots, a_used, 0, Vec::new()),
        }
    }
}

/// The whole table on this thread.
fn single(syms: &mut Packed, slots: [Slot; 256], divisor: i32) -> [Slot; 256] {
    let mut st = State::new(&mut syms.arena, &syms.start, slots, divisor);
    for code in (0..=255u8).rev() {
        if st.slots.get(usize::from(code)) != Some(&Slot::Unused) {
            continue;
        }
        let (p, gain) = st.profit.best();
        if gain <= 0 {
            break;
        }
        st.assign(code, p);
    }
    let used = st.compact(&mut syms.start, &mut syms.len);
    let slots = st.slots;
    syms.arena.truncate(used);
    slots
}
