//! Every deadline of the loop in one heap, keyed by what is due: the 1 s
//! housekeeping tick, statistics sampling, the heartbeat, a connection's own
//! timer (bandwidth test pacing) and link retries. The poll timeout is the
//! earliest deadline. (Merged writes keep their own deadline: they are the
//! hot path and are checked every turn anyway.)

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::admission::TicketId;
use crate::ids::ConnId;
use crate::links::LinkId;

/// What a deadline is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum TimerKey {
    /// Housekeeping: timeouts, pithy print, ffmpeg supervision.
    Tick,
    /// Statistics sampling for the API.
    Sample,
    /// The heartbeat POST.
    Heartbeat,
    /// A connection's own timer (stale once the connection is gone).
    Conn(ConnId),
    /// A link's retry (stale once the link is no longer wanted).
    LinkRetry(LinkId),
    /// The requested duration of a play ends (stale once the player left).
    PlayEnd(ConnId),
    /// An admission gate's deadline (stale once the ticket is decided).
    Admission(TicketId),
}

/// A min-heap of deadlines (milliseconds of the loop's monotonic clock).
#[derive(Debug, Default)]
pub(crate) struct Timers {
    heap: BinaryHeap<Reverse<(u64, TimerKey)>>,
}

impl Timers {
    /// Fires `key` at `at_ms` (a key may be armed several times).
    pub(crate) fn arm(&mut self, at_ms: u64, key: TimerKey) {
        self.heap.push(Reverse((at_ms, key)));
    }

    /// The earliest deadline.
    pub(crate) fn next_deadline(&self) -> Option<u64> {
        self.heap.peek().map(|Reverse((t, _))| *t)
    }

    /// The next key due at `now_ms`, removed from the heap.
    pub(crate) fn pop_due(&mut self, now_ms: u64) -> Option<TimerKey> {
        if self.next_deadline()? > now_ms {
            return None;
        }
        self.heap.pop().map(|Reverse((_, key))| key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_come_out_in_deadline_order_when_due() {
        let mut t = Timers::default();
        t.arm(300, TimerKey::Heartbeat);
        t.arm(100, TimerKey::Tick);
        t.arm(200, TimerKey::Sample);
        assert_eq!(t.next_deadline(), Some(100));
        assert_eq!(t.pop_due(50), None);
        assert_eq!(t.pop_due(250), Some(TimerKey::Tick));
        assert_eq!(t.pop_due(250), Some(TimerKey::Sample));
        assert_eq!(t.pop_due(250), None);
        assert_eq!(t.pop_due(300), Some(TimerKey::Heartbeat));
        assert_eq!(t.next_deadline(), None);
    }
}
