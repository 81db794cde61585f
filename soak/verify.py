"""What a restore must equal. The rule (docs/RELIABILITY.md, "## Soak"):

walship stamps a transaction with the time it SAW the commit, so `restore --to T` lands on the newest
transaction walship had seen by T. For a restore to T that reports txid X seen at time tX:
  1. integrity_check is ok;
  2. the content equals the writer's state after some commit k (its digest is in the writer's log);
  3. no future: tX <= T, and k's COMMIT began at or before tX (walship cannot see a commit sooner);
  4. no loss: k is at least the newest commit that walship must have seen by T. A commit that ended
     at time a must be seen by deadline(a) = a + S (S = sync interval + slack), unless walship was
     blind during [a, a + S]: killed and not yet replicating again, or its spool's filesystem full
     (plus the follower's 10 s retry backoff). Then the deadline moves to the end of that blind
     window + S (repeated while the next window starts before the new deadline).
The latest restore at the end must equal the writer's final state exactly.
"""
import bisect
import sqlite3

from writer import content_digest  # the writer's digest rule, one definition


def digest_of(path):
    """(content digest, integrity_check result) of a database file, with the writer's digest rule."""
    conn = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        ic = ";".join(r[0] for r in conn.execute("PRAGMA integrity_check"))
        return content_digest(conn), ic
    finally:
        conn.close()


class WriterLog:
    """The writer's log, read incrementally (only whole lines)."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.seqs, self.before, self.after, self.digests, self.kinds = [], [], [], [], []
        self.by_digest = {}
        self.checkpoints = []  # (ms, mode, busy, frames, checkpointed)
        self.done = None

    def poll(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return
        end = data.rfind(b"\n")
        if end < 0:
            return
        self.offset += end + 1
        for line in data[:end].decode().split("\n"):
            p = line.split()
            if p[0] == "c":
                seq = int(p[1])
                self.seqs.append(seq)
                self.before.append(int(p[2]))
                self.after.append(int(p[3]))
                self.digests.append(p[4])
                self.kinds.append(p[5])
                self.by_digest.setdefault(p[4], []).append(seq)
            elif p[0] == "k":
                self.checkpoints.append((int(p[1]), p[2], int(p[3]), int(p[4]), int(p[5])))
            elif p[0] == "done":
                self.done = int(p[1])

    def commit(self, seq):
        i = seq - self.seqs[0]
        return self.seqs[i], self.before[i], self.after[i], self.digests[i], self.kinds[i]

    def last(self):
        return self.commit(self.seqs[-1])


class Blind:
    """Windows in which walship could not see commits: [start, end] in ms; end None while open."""

    def __init__(self):
        self.windows = []

    def open(self, start):
        self.windows.append([start, None])
        return len(self.windows) - 1

    def close(self, i, end):
        self.windows[i][1] = end

    def deadline(self, a, s):
        """When a commit that ended at a must have been seen (inf if a blind window is still open)."""
        t = a
        for start, end in self.windows:  # opened in time order
            if end is not None and end < t:
                continue
            if start > t + s:
                break
            if end is None:
                return float("inf")
            t = max(t, end)
        return t + s


def required_seq(log, blind, t, s):
    """The newest commit walship must have seen by t, or 0 if none."""
    i = bisect.bisect_right(log.after, t - s) - 1  # deadline >= after + s: older ones only
    while i >= 0:
        if blind.deadline(log.after[i], s) <= t:
            return log.seqs[i]
        i -= 1
    return 0


def check_time_restore(log, blind, t, tx_time, digest, integrity, s):
    """Returns (verdict, detail): verdict in ok | integrity | mismatch | future | lost."""
    if integrity != "ok":
        return "integrity", "integrity_check: " + integrity
    seqs = log.by_digest.get(digest)
    if not seqs:
        return "mismatch", "content matches no state the writer ever committed"
    if tx_time > t:
        return "future", "restore reports txid time %d after the target %d" % (tx_time, t)
    need = required_seq(log, blind, t, s)
    fits = [k for k in seqs if log.commit(k)[1] <= tx_time]
    if not fits:
        return "future", "content is commit(s) %s, all begun after walship's txid time %d" % (seqs[:5], tx_time)
    best = max(fits)
    if best < need:
        return "lost", "content is commit %d but commit %d must have been seen by then (%d commits missing)" % (
            best, need, need - best)
    return "ok", "commit %d (required >= %d, lag %d ms)" % (best, need, tx_time - log.commit(best)[2])
