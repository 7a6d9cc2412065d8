package org.otpappliance.radius;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DuplicateCacheTest {
    private final AtomicLong now = new AtomicLong(1_000);
    private final DuplicateCache cache = new DuplicateCache(100, 3, now::get);

    private static DuplicateCache.Key key(int id) {
        return DuplicateCache.Key.of(InetAddress.getLoopbackAddress(), 1812, id, new byte[16]);
    }

    @Test
    void claimsThenAnswersFromTheCacheUntilExpiry() {
        DuplicateCache.Claimed claimed = assertInstanceOf(DuplicateCache.Claimed.class, cache.begin(key(1)));
        assertInstanceOf(DuplicateCache.InProgress.class, cache.begin(key(1)));
        cache.complete(claimed, new byte[] {9});
        assertArrayEquals(new byte[] {9}, assertInstanceOf(DuplicateCache.Answered.class, cache.begin(key(1))).response());
        now.addAndGet(99);
        assertInstanceOf(DuplicateCache.Answered.class, cache.begin(key(1)));
        now.addAndGet(1);
        assertInstanceOf(DuplicateCache.Claimed.class, cache.begin(key(1)));
    }

    @Test
    void anInProgressEntryNeverExpires() {
        cache.begin(key(1));
        now.addAndGet(1_000_000);
        assertInstanceOf(DuplicateCache.InProgress.class, cache.begin(key(1)));
    }

    @Test
    void abandonedRequestsAreForgotten() {
        DuplicateCache.Claimed claimed = (DuplicateCache.Claimed) cache.begin(key(1));
        cache.abandon(claimed);
        assertInstanceOf(DuplicateCache.Claimed.class, cache.begin(key(1)));
    }

    @Test
    void keepsAtMostMaxEntriesDroppingTheOldest() {
        for (int id = 0; id < 5; id++) {
            cache.complete((DuplicateCache.Claimed) cache.begin(key(id)), new byte[] {(byte) id});
        }
        assertEquals(3, cache.size());
        assertInstanceOf(DuplicateCache.Claimed.class, cache.begin(key(0)));
        assertInstanceOf(DuplicateCache.Answered.class, cache.begin(key(4)));
    }

    @Test
    void keysDifferByEveryField() {
        byte[] auth = new byte[16];
        DuplicateCache.Key base = DuplicateCache.Key.of(InetAddress.getLoopbackAddress(), 1000, 1, auth);
        auth[15] = 1;
        DuplicateCache.Key otherAuth = DuplicateCache.Key.of(InetAddress.getLoopbackAddress(), 1000, 1, auth);
        cache.complete((DuplicateCache.Claimed) cache.begin(base), new byte[1]);
        assertInstanceOf(DuplicateCache.Claimed.class, cache.begin(otherAuth));
        assertInstanceOf(DuplicateCache.Claimed.class, cache.begin(DuplicateCache.Key.of(InetAddress.getLoopbackAddress(), 1001, 1, new byte[16])));
        assertInstanceOf(DuplicateCache.Claimed.class, cache.begin(DuplicateCache.Key.of(InetAddress.getLoopbackAddress(), 1000, 2, new byte[16])));
    }
}
