//! Nice values and policies as shares of the CPU.
//!
//! The run queue orders threads by virtual runtime; a thread's virtual clock runs slower the
//! heavier it is, so a heavy thread is picked more often for the same real time. Each step of
//! nice changes the weight by a factor of 1.25, which gives a nice-N thread about 10% less CPU
//! than a nice-(N-1) one against the same competitor: the proportion Linux documents for its
//! nice levels (sched(7)). SCHED_IDLE threads weigh almost nothing and run when nothing else
//! wants the CPU; SCHED_BATCH weighs as its nice says (it only changes wake-up preemption on
//! Linux, which this scheduler does not do).

/// The weight of a nice-0 thread.
pub const NICE_0_WEIGHT: u64 = 1024;
/// The weight of a SCHED_IDLE thread (below nice 19's).
pub const IDLE_WEIGHT: u64 = 3;

/// The weight of nice `nice` (clamped to -20..=19): 1024 * 1.25^-nice, rounded down.
/// (Nice 0, the common case, is answered inline: the scheduler asks at every switch.)
#[inline(always)]
pub fn weight(nice: i32) -> u64 {
    if nice == 0 {
        return NICE_0_WEIGHT;
    }
    weight_of(nice)
}

#[inline(never)]
fn weight_of(nice: i32) -> u64 {
    let nice = nice.clamp(-20, 19);
    let mut w = NICE_0_WEIGHT;
    if nice > 0 {
        for _ in 0..nice {
            w = w * 4 / 5;
        }
    } else {
        for _ in 0..-nice {
            w = w * 5 / 4;
        }
    }
    w.max(IDLE_WEIGHT + 1)
}

/// The virtual time a thread of `weight` accrues for running `ns` nanoseconds.
#[inline(always)]
pub fn virtual_ns(ns: u64, weight: u64) -> u64 {
    if weight == NICE_0_WEIGHT {
        return ns;
    }
    ((ns as u128 * NICE_0_WEIGHT as u128) / weight.max(1) as u128).min(u64::MAX as u128) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_nice_step_is_a_factor_of_one_and_a_quarter() {
        assert_eq!(weight(0), 1024);
        assert_eq!(weight(1), 819);
        assert_eq!(weight(-1), 1280);
        for n in -20..19 {
            let (a, b) = (weight(n) as f64, weight(n + 1) as f64);
            assert!((a / b - 1.25).abs() < 0.1, "nice {n}: {a} vs {b}");
        }
        // Out of range values are clamped as setpriority clamps them.
        assert_eq!(weight(40), weight(19));
        assert_eq!(weight(-100), weight(-20));
        assert!(weight(19) > IDLE_WEIGHT);
    }

    #[test]
    fn heavier_threads_accrue_virtual_time_more_slowly() {
        assert_eq!(virtual_ns(1_000, NICE_0_WEIGHT), 1_000);
        assert_eq!(virtual_ns(1_000, 2048), 500);
        assert_eq!(virtual_ns(1_000, 512), 2_000);
        // Two runnable threads, nice 0 and nice 5, sharing a CPU by least virtual time: the
        // nice-0 one gets about 1.25^5 = 3 times the CPU.
        let (w0, w5) = (weight(0), weight(5));
        let (mut v0, mut v5, mut r0, mut r5) = (0u64, 0u64, 0u64, 0u64);
        for _ in 0..10_000 {
            if v0 <= v5 {
                v0 += virtual_ns(1_000_000, w0);
                r0 += 1;
            } else {
                v5 += virtual_ns(1_000_000, w5);
                r5 += 1;
            }
        }
        let share = r0 as f64 / r5 as f64;
        assert!(
            (share - 3.05).abs() < 0.2,
            "nice 0 got {share}x nice 5's CPU"
        );
        assert!(virtual_ns(u64::MAX, 1) == u64::MAX);
    }
}
