package org.otpappliance.tokenimport;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The progress line on standard error: items read, imported, replaced, skipped, failed and the rate. On a
 * terminal the line is rewritten in place ({@code \r}); elsewhere (a log, a pipe) a new line is written every
 * interval, so a log is not flooded.
 */
final class Progress {
    private final PrintWriter err;
    private final boolean terminal;
    private final long intervalNanos;
    private final LongSupplier nanoTime;
    private final long start;
    private long last;
    private int shown; // length of the line on screen
    private boolean printed;

    Progress(PrintWriter err, boolean terminal, Duration interval, LongSupplier nanoTime) {
        this.err = err;
        this.terminal = terminal;
        this.intervalNanos = interval.toNanos();
        this.nanoTime = nanoTime;
        this.start = nanoTime.getAsLong();
        this.last = start;
    }

    /** Shows {@code tally} when the interval has passed since the last update. */
    void update(Tally tally) {
        long now = nanoTime.getAsLong();
        if (now - last < intervalNanos) {
            return;
        }
        last = now;
        show(tally, now);
    }

    /** Ends the progress display: on a terminal, the final counts and a line break. */
    void finish(Tally tally) {
        if (terminal && printed) {
            show(tally, nanoTime.getAsLong());
            err.print('\n');
            err.flush();
        }
    }

    /** Seconds since the start. */
    double elapsedSeconds() {
        return (nanoTime.getAsLong() - start) / 1e9;
    }

    private void show(Tally t, long now) {
        String line = line(t, (now - start) / 1e9);
        if (terminal) {
            int pad = Math.max(0, shown - line.length());
            err.print('\r' + line + " ".repeat(pad));
            shown = line.length();
        } else {
            err.println(line);
        }
        printed = true;
        err.flush();
    }

    static String line(Tally t, double seconds) {
        long rate = seconds <= 0 ? 0 : Math.round(t.done() / seconds);
        return String.format(Locale.ROOT, "read %d | imported %d | replaced %d | skipped %d | failed %d | %d tokens/s",
                t.read, t.imported, t.replaced, t.skipped, t.failed, rate);
    }

    /** The running counts of one import. */
    static final class Tally {
        long read;
        long imported;
        long replaced;
        long skipped;
        long failed;

        /** Items with an outcome: answered by the appliance, or rejected while reading. */
        long done() {
            return imported + replaced + skipped + failed;
        }
    }
}
