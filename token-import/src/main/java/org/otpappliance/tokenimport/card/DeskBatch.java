package org.otpappliance.tokenimport.card;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.otpappliance.tokenimport.TokenImport;

/**
 * {@code card enroll --wait}: provisioning many keys at a desk. Watches the readers (every reader, or those whose
 * name contains one of the {@code --reader} texts) and enrolls each key that is put into one of them, for the next
 * user of the list. A reader whose key was handled (or that held a key when the batch started) takes the next key
 * only once that key is out: a key still in its reader is never enrolled twice, and a key enrolled earlier in the
 * batch that comes back is refused. A key that fails is reported and the batch goes on; its user gets the next key.
 *
 * <p>Stops after {@code count} enrolled keys, when every user of the list has a key, at Ctrl-C, or when the
 * appliance refuses a key in a way every further key would meet too (the API key, the URL, the TLS certificate).
 * Prints one line per key on standard output, then a summary.
 */
final class DeskBatch {
    /** How long one wait for a card event lasts at most: readers plugged in (a YubiKey) show after at most this. */
    static final Duration POLL = Duration.ofMillis(500);
    /** The least time between two looks at the readers. */
    static final Duration QUICK = Duration.ofMillis(50);

    /** Enrolls the key in one reader (see {@link CardEnrollCommand#enrollKey}). */
    interface Enroller {
        CardEnrollCommand.KeyResult enroll(CardConnection card, String reader, String user, Set<String> done)
                throws CardException;
    }

    private record Failure(int key, String line) {
    }

    private final SmartCards cards;
    private final List<String> filters;
    private final List<String> filterTexts;
    private final UserList users;
    private final Integer count;
    private final Enroller enroller;
    private final BooleanSupplier stopRequested;
    private final PrintWriter out;
    private final PrintWriter err;

    private final Set<String> done = new HashSet<>();
    private final List<Failure> failures = new ArrayList<>();
    private int keys;
    private int enrolled;
    private int skipped;
    private boolean inconsistent;

    /**
     * @param filters       the {@code --reader} texts; empty watches every reader
     * @param users         who gets the keys, or null to register them without a user
     * @param count         stop after this many enrolled keys; null for no limit
     * @param stopRequested Ctrl-C was pressed
     */
    DeskBatch(SmartCards cards, List<String> filters, UserList users, Integer count, Enroller enroller,
              BooleanSupplier stopRequested, PrintWriter out, PrintWriter err) {
        this.cards = cards;
        this.filters = filters.stream().map(f -> f.toLowerCase(Locale.ROOT)).toList();
        this.filterTexts = List.copyOf(filters);
        this.users = users;
        this.count = count;
        this.enroller = enroller;
        this.stopRequested = stopRequested;
        this.out = out;
        this.err = err;
    }

    private boolean watched(SmartCards.Reader r) {
        if (filters.isEmpty()) {
            return true;
        }
        String n = r.name().toLowerCase(Locale.ROOT);
        return filters.stream().anyMatch(n::contains);
    }

    /** Runs the batch; the exit status. */
    int run() {
        String stop = null;
        boolean stopError = false;
        try {
            // readers whose key was there from the start or has been handled: free again once the key is out
            Set<String> busy = new HashSet<>();
            List<SmartCards.Reader> now = cards.readers();
            for (SmartCards.Reader r : now) {
                if (watched(r) && r.cardPresent()) {
                    busy.add(r.name());
                }
            }
            announce(now, busy);
            while (stop == null) {
                if (stopRequested.getAsBoolean()) {
                    stop = "stopped by Ctrl-C";
                    break;
                }
                now = cards.readers();
                Set<String> present = new HashSet<>();
                for (SmartCards.Reader r : now) {
                    if (watched(r) && r.cardPresent()) {
                        present.add(r.name());
                    }
                }
                for (String name : busy) {
                    if (!present.contains(name)) {
                        err.println("token-import: the key is out of \"" + name + "\": ready for the next key");
                        err.flush();
                    }
                }
                busy.retainAll(present);
                for (SmartCards.Reader r : now) {
                    if (!present.contains(r.name()) || busy.contains(r.name())) {
                        continue;
                    }
                    if (stopRequested.getAsBoolean()) {
                        break;
                    }
                    busy.add(r.name());
                    CardEnrollCommand.KeyResult result = enrollOne(r.name());
                    if (result != null && result.fatal()) {
                        stop = "stopped after key " + keys + ": every further key would fail the same way";
                        stopError = true;
                    } else if (count != null && enrolled >= count) {
                        stop = "--count " + count + " reached";
                    } else if (users != null && users.remaining() == 0) {
                        stop = "every user of " + users.file() + " has a key";
                    }
                    if (stop != null) {
                        break;
                    }
                }
                if (stop == null && !stopRequested.getAsBoolean()) {
                    long waited = System.nanoTime();
                    cards.awaitChange(POLL);
                    if (System.nanoTime() - waited < QUICK.toNanos()) {
                        Thread.sleep(QUICK.toMillis()); // a reader whose state keeps changing must not make this spin
                    }
                }
            }
        } catch (InterruptedException e) {
            stop = "stopped by Ctrl-C";
        } catch (CardException e) {
            err.println("token-import: " + e.getMessage());
            stop = "stopped: " + e.getMessage();
            stopError = true;
        } finally {
            Thread.interrupted(); // a second Ctrl-C interrupted the key in hand: that is dealt with
        }
        summary(stop);
        if (inconsistent) {
            return CardCommand.EXIT_CARD_INCONSISTENT;
        }
        if (stopError) {
            return TokenImport.EXIT_ERROR;
        }
        return failures.isEmpty() ? 0 : TokenImport.EXIT_ITEMS_FAILED;
    }

    private void announce(List<SmartCards.Reader> now, Set<String> busy) {
        List<String> names = now.stream().filter(this::watched).map(r -> "\"" + r.name() + "\"").toList();
        String where = filters.isEmpty() ? "any reader"
                : "readers whose name contains " + String.join(" or ", filterTexts.stream().map(f -> "\"" + f + "\"").toList());
        err.println("token-import: waiting for keys in " + where + " (now: " + (names.isEmpty() ? "none" : String.join(", ", names))
                + "); " + (users == null ? "tokens are registered without a user"
                        : users.remaining() + (users.remaining() == 1 ? " user" : " users") + " in " + users.file()
                                + ", the first " + users.next())
                + (count == null ? "" : "; stopping after " + count + " keys")
                + ". Put a key in, take it out when its line is printed. Ctrl-C ends the batch.");
        if (!busy.isEmpty()) {
            err.println("token-import: left alone, as they were in before the start (take them out and put them in"
                    + " again to enroll them): " + String.join(", ", busy.stream().sorted().map(n -> "\"" + n + "\"").toList()));
        }
        err.flush();
    }

    /** Enrolls the key in {@code reader} and prints its line; null when nothing could be written. */
    private CardEnrollCommand.KeyResult enrollOne(String reader) {
        String user = users == null ? null : users.next();
        CardEnrollCommand.KeyResult result;
        String line;
        try (CardConnection card = cards.connect(reader)) {
            result = enroller.enroll(card, reader, user, done);
            if (result.status() == CardEnrollCommand.KeyResult.SKIPPED) {
                skipped++;
                out.println("skipped: " + result.text());
                out.flush();
                return result;
            }
            line = (result.enrolled() ? "enrolled: " : "NOT ENROLLED: ") + result.text();
        } catch (CardException e) {
            result = null;
            line = "NOT ENROLLED: the key in \"" + reader + "\"" + (user == null ? "" : " for user " + user) + ": "
                    + e.getMessage() + (e.getMessage().contains("nothing was written") ? "" : "; nothing was written");
        }
        keys++;
        if (result != null && result.enrolled()) {
            enrolled++;
            done.add(result.tokenSerial());
            if (users != null) {
                users.enrolled();
            }
        } else {
            failures.add(new Failure(keys, line));
            if (result != null && result.status() == CardCommand.EXIT_CARD_INCONSISTENT) {
                inconsistent = true;
            }
        }
        out.println("key " + keys + ": " + line);
        out.flush();
        return result;
    }

    private void summary(String stop) {
        out.println("summary: " + enrolled + " enrolled, " + failures.size() + " not enrolled"
                + (skipped == 0 ? "" : ", " + skipped + " skipped (enrolled earlier in this batch)")
                + (stop == null ? "" : "; " + stop));
        for (Failure f : failures) {
            out.println("  key " + f.key() + ": " + f.line());
        }
        if (users != null && users.remaining() > 0) {
            List<String> left = users.waiting();
            out.println("users still without a key: " + left.size() + " (" + String.join(", ", left.subList(0, Math.min(10, left.size())))
                    + (left.size() > 10 ? ", ..." : "") + ")");
        }
        if (inconsistent) {
            out.println("ATTENTION: a key holds a credential the appliance does not know; see the key's line above");
        }
        out.flush();
        err.flush();
    }
}
