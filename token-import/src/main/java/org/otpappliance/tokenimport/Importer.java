package org.otpappliance.tokenimport;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.otpappliance.otp.seedfile.ItemProblem;
import org.otpappliance.otp.seedfile.SeedRecord;
import org.otpappliance.otp.seedfile.SeedSink;
import org.otpappliance.otp.seedfile.UserAssignments;

/**
 * The sink the seed-file parser streams into: tokens are gathered into batches of {@code batchSize} and each full
 * batch is posted at once, so memory stays bounded whatever the size of the file. A serial seen twice within one
 * batch (a YubiKey logged twice) closes the batch first, so the appliance sees the rows in file order. Counts and
 * failures are kept for the progress line and the summary; a failure is named by the file's position (bad items)
 * or the serial (refused by the appliance), never by a secret.
 */
final class Importer implements SeedSink {
    private final ApplianceClient client;
    private final int batchSize;
    private final boolean replace;
    private final boolean dryRun;
    private final UserAssignments users;
    /** The --assign-users file's name, for its warnings. */
    private final String usersFile;
    private final Progress progress;

    private final List<ImportRequest.Item> batch = new ArrayList<>();
    private final Set<String> batchSerials = new HashSet<>();
    private final Progress.Tally tally = new Progress.Tally();
    private final List<String> failures = new ArrayList<>();
    private long userIdsNotUsed;
    private String firstUserIdNotUsed;
    private long sent;
    private int batches;

    Importer(ApplianceClient client, int batchSize, boolean replace, boolean dryRun, UserAssignments users, String usersFile,
             Progress progress) {
        this.client = client;
        this.batchSize = batchSize;
        this.replace = replace;
        this.dryRun = dryRun;
        this.users = users;
        this.usersFile = usersFile;
        this.progress = progress;
    }

    @Override
    public void accept(SeedRecord record) {
        tally.read++;
        if (!batchSerials.add(record.serial())) {
            send();
            batchSerials.add(record.serial());
        }
        String user = users.userFor(record.serial());
        if (user == null) {
            user = ImportRequest.plainUser(record.userId());
            if (user == null && record.userId() != null) {
                if (userIdsNotUsed++ == 0) {
                    firstUserIdNotUsed = record.serial();
                }
            }
        }
        batch.add(new ImportRequest.Item(record, user));
        if (batch.size() >= batchSize) {
            send();
        }
        progress.update(tally);
    }

    @Override
    public void reject(ItemProblem problem) {
        tally.read++;
        tally.failed++;
        failures.add(problem.toString());
        progress.update(tally);
    }

    /** Posts the last, partial batch. */
    void finish() {
        send();
        progress.update(tally);
    }

    Progress.Tally tally() {
        return tally;
    }

    /** Whether any batch reached the appliance. */
    boolean sentAny() {
        return batches > 0;
    }

    private void send() {
        if (batch.isEmpty()) {
            return;
        }
        int n = batch.size();
        byte[] body = ImportRequest.body(batch, replace, dryRun);
        batch.clear();
        batchSerials.clear();
        ApplianceClient.BatchResult result;
        try {
            result = client.post(body, n);
        } finally {
            Arrays.fill(body, (byte) 0);
        }
        batches++;
        tally.imported += result.imported();
        tally.replaced += result.replaced();
        tally.skipped += result.skipped();
        tally.failed += result.failed();
        int index = 0;
        for (ApplianceClient.ItemResult r : result.results()) {
            index++;
            if ("failed".equals(r.status())) {
                String who = r.serial() != null ? "serial " + r.serial() : "token " + (sent + index) + " sent";
                failures.add(who + ": " + (r.reason() == null ? "failed (no reason given)" : r.reason()));
            }
        }
        long accounted = result.imported() + result.replaced() + result.skipped() + result.failed();
        if (accounted < n) {
            // The appliance answered for fewer tokens than it was sent: those are not known to be in.
            tally.failed += n - accounted;
            failures.add("batch " + batches + ": the appliance reported on " + accounted + " of " + n + " tokens");
        }
        sent += n;
    }

    /** The summary: counts, the failures with their reasons, warnings. */
    void printSummary(PrintWriter out, String source, String target, boolean stopped) {
        double seconds = progress.elapsedSeconds();
        out.println((dryRun ? "Dry run (the appliance checked the tokens and wrote nothing): " : "Imported ")
                + source + " to " + target);
        out.println(String.format(Locale.ROOT, "  read                %8d items in %.1f s (%d tokens/s)", tally.read, seconds,
                seconds <= 0 ? 0 : Math.round(tally.done() / seconds)));
        out.println(String.format(Locale.ROOT, "  imported            %8d", tally.imported));
        out.println(String.format(Locale.ROOT, "  replaced            %8d", tally.replaced));
        out.println(String.format(Locale.ROOT, "  skipped (existing)  %8d", tally.skipped));
        out.println(String.format(Locale.ROOT, "  failed              %8d", tally.failed));
        for (String f : failures) {
            out.println("    " + f);
        }
        long unanswered = tally.read - tally.done();
        if (stopped && unanswered > 0) {
            out.println(String.format(Locale.ROOT, "  not imported (stopped) %5d", unanswered));
        }
        List<String> warnings = new ArrayList<>();
        if (userIdsNotUsed > 0) {
            warnings.add(userIdsNotUsed + (userIdsNotUsed == 1 ? " token has" : " tokens have") + " a user id in the file"
                    + " that is not a plain user name (a directory name?), not assigned (first: serial "
                    + firstUserIdNotUsed + "); assign users with --assign-users");
        }
        if (!stopped) {
            users.unused().forEach(w -> warnings.add(usersFile + " " + w));
        }
        if (!warnings.isEmpty()) {
            out.println("  warnings");
            for (String w : warnings) {
                out.println("    " + w);
            }
        }
        out.flush();
    }
}
