package org.otpappliance.radius;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * RFC 5080 §2.2.2 duplicate detection. A request is known by (source address, source port,
 * identifier, Request Authenticator). {@link #begin} claims a new one; a duplicate of a request in
 * progress is told so (and dropped by the caller); one of an answered request gets the answer's bytes
 * again. Answers are kept for the lifetime after they were sent; at most {@code maxEntries} are kept,
 * the oldest given up first. A request abandoned without an answer (the validator failed) is forgotten,
 * so that the NAS's retransmission is processed afresh.
 */
final class DuplicateCache {

    record Key(InetAddress address, int port, int identifier, long authenticatorHigh, long authenticatorLow) {
        static Key of(InetAddress address, int port, int identifier, byte[] authenticator) {
            ByteBuffer b = ByteBuffer.wrap(authenticator);
            return new Key(address, port, identifier, b.getLong(), b.getLong());
        }
    }

    /** A claimed request; {@code response} is null while it is in progress. */
    static final class Entry {
        private volatile byte[] response;
        private volatile long expiresAt;
    }

    /** What {@link #begin} found. */
    sealed interface Lookup {
    }

    /** A new request, now claimed: answer it with {@link #complete} or {@link #abandon}. */
    record Claimed(Key key, Entry entry) implements Lookup {
    }

    /** A duplicate of a request still being processed. */
    record InProgress() implements Lookup {
    }

    /** A duplicate of an answered request: send these bytes again. */
    record Answered(byte[] response) implements Lookup {
    }

    private record Completed(Key key, Entry entry) {
    }

    private final Map<Key, Entry> entries = new ConcurrentHashMap<>();
    private final Queue<Completed> byAge = new ConcurrentLinkedQueue<>();
    private final AtomicInteger completedCount = new AtomicInteger();
    private final ReentrantLock purging = new ReentrantLock();
    private final long lifetimeNanos;
    private final int maxEntries;
    private final LongSupplier nanoTime;

    DuplicateCache(long lifetimeNanos, int maxEntries, LongSupplier nanoTime) {
        this.lifetimeNanos = lifetimeNanos;
        this.maxEntries = maxEntries;
        this.nanoTime = nanoTime;
    }

    Lookup begin(Key key) {
        long now = nanoTime.getAsLong();
        Entry fresh = new Entry();
        Entry actual = entries.compute(key, (k, existing) -> existing == null || expired(existing, now) ? fresh : existing);
        if (actual == fresh) {
            return new Claimed(key, fresh);
        }
        byte[] response = actual.response;
        return response == null ? new InProgress() : new Answered(response);
    }

    /** Records the answer of a claimed request. */
    void complete(Claimed claimed, byte[] response) {
        long now = nanoTime.getAsLong();
        Entry entry = claimed.entry();
        entry.expiresAt = now + lifetimeNanos;
        entry.response = response;
        if (lifetimeNanos <= 0) {
            entries.remove(claimed.key(), entry);
            return;
        }
        byAge.add(new Completed(claimed.key(), entry));
        completedCount.incrementAndGet();
        purge(now);
    }

    /** Forgets a claimed request that got no answer. */
    void abandon(Claimed claimed) {
        entries.remove(claimed.key(), claimed.entry());
    }

    /** Requests claimed or answered and not yet forgotten (for tests). */
    int size() {
        return entries.size();
    }

    private static boolean expired(Entry entry, long now) {
        return entry.response != null && entry.expiresAt - now <= 0;
    }

    private void purge(long now) {
        if (!purging.tryLock()) {
            return; // another thread is at it
        }
        try {
            Completed oldest;
            while ((oldest = byAge.peek()) != null
                    && (completedCount.get() > maxEntries || oldest.entry().expiresAt - now <= 0)) {
                byAge.poll();
                completedCount.decrementAndGet();
                entries.remove(oldest.key(), oldest.entry());
            }
        } finally {
            purging.unlock();
        }
    }
}
