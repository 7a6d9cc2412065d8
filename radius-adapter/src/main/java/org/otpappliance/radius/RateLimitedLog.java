package org.otpappliance.radius;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Logging that a flood of bad datagrams cannot turn into a flood of log lines: a message of one kind
 * from one source (a key) is logged at most once per interval; the next one logged says how many
 * were suppressed meanwhile. On top, at most {@code globalPerInterval} lines per interval in all
 * (spoofed sources make keys cheap). The key table is bounded: past its limit it is cleared.
 */
final class RateLimitedLog {
    private static final int MAX_KEYS = 10_000;

    private final Logger logger;
    private final String sourceClass;
    private final long intervalNanos;
    private final int globalPerInterval;
    private final LongSupplier nanoTime;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();
    private final Object globalLock = new Object();
    private long globalWindowStart;
    private int globalCount;
    private long globalSuppressed;

    private static final class Window {
        final long start;
        final AtomicLong suppressed = new AtomicLong();

        Window(long start) {
            this.start = start;
        }
    }

    /** Logs to {@code logger}, naming {@code sourceClass} as the source of every record. */
    RateLimitedLog(Logger logger, String sourceClass, long intervalNanos, int globalPerInterval, LongSupplier nanoTime) {
        this.logger = logger;
        this.sourceClass = sourceClass;
        this.intervalNanos = intervalNanos;
        this.globalPerInterval = globalPerInterval;
        this.nanoTime = nanoTime;
        this.globalWindowStart = nanoTime.getAsLong();
    }

    /** Logs {@code message} unless one with the same key was logged within the interval. */
    void log(Level level, String key, Supplier<String> message) {
        log(level, key, message, null);
    }

    void log(Level level, String key, Supplier<String> message, Throwable thrown) {
        if (!logger.isLoggable(level)) {
            return;
        }
        long now = nanoTime.getAsLong();
        Window current = windows.get(key);
        long suppressedBefore;
        if (current != null && now - current.start < intervalNanos) {
            current.suppressed.incrementAndGet();
            return;
        }
        Window next = new Window(now);
        boolean won = current == null ? windows.putIfAbsent(key, next) == null : windows.replace(key, current, next);
        if (!won) {
            Window other = windows.get(key);
            if (other != null) {
                other.suppressed.incrementAndGet();
            }
            return;
        }
        suppressedBefore = current == null ? 0 : current.suppressed.get();
        if (windows.size() > MAX_KEYS) {
            windows.clear();
        }
        long globallySuppressed;
        synchronized (globalLock) {
            if (now - globalWindowStart >= intervalNanos) {
                globalWindowStart = now;
                globalCount = 0;
            }
            if (++globalCount > globalPerInterval) {
                globalSuppressed++;
                return;
            }
            globallySuppressed = globalSuppressed;
            globalSuppressed = 0;
        }
        String text = message.get();
        if (suppressedBefore > 0) {
            text += " (" + suppressedBefore + " more like it suppressed)";
        }
        if (globallySuppressed > 0) {
            text += " (" + globallySuppressed + " other RADIUS log lines suppressed: too many)";
        }
        if (thrown == null) {
            logger.logp(level, sourceClass, null, text);
        } else {
            logger.logp(level, sourceClass, null, text, thrown);
        }
    }
}
