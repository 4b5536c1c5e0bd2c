//! Deterministic randomness: the same data on every run, and each
//! household's story derived from what is stored of it.

/// A small deterministic generator (xorshift).
pub(crate) struct Gen(u64);

impl Gen {
    /// A generator from `seed`, stepped once so close seeds part at once.
    pub(crate) fn new(seed: u64) -> Self {
        let mut g = Gen(seed);
        g.next();
        g
    }

    /// A generator of its own for `text` (an ID number, a union id) and
    /// `salt` (which story is drawn from it).
    pub(crate) fn of(text: &str, salt: u64) -> Self {
        Self::new(fnv(text) ^ salt | 1)
    }

    pub(crate) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// [`Gen::below`] as a signed count (of days, fen, percent).
    pub(crate) fn below_i64(&mut self, n: u64) -> i64 {
        i64::try_from(self.below(n)).unwrap_or(0)
    }

    pub(crate) fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[usize::try_from(self.below(v.len() as u64)).unwrap_or(0)]
    }

    /// True with probability `pct` percent.
    pub(crate) fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }

    /// One of `items`, each as likely as its weight.
    pub(crate) fn weighted<T: Copy>(&mut self, items: &[(T, u64)]) -> Option<T> {
        let total: u64 = items.iter().map(|x| x.1).sum();
        let mut k = self.below(total);
        for (item, w) in items {
            if k < *w {
                return Some(*item);
            }
            k -= w;
        }
        items.last().map(|x| x.0)
    }
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

pub(crate) fn days(n: u64) -> chrono::Duration {
    chrono::Duration::days(i64::try_from(n).unwrap_or(0))
}
