package org.otpappliance.otp.seedfile;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * Where a {@link SeedFileParser} delivers a file's items, one at a time and in file order: each good token to
 * {@link #accept}, each bad item (reported and skipped) to {@link #reject}. An exception thrown by the sink
 * stops the parse and propagates unchanged.
 */
public interface SeedSink {
    void accept(SeedRecord record);

    void reject(ItemProblem problem);

    /** A sink made of two callbacks. */
    static SeedSink of(Consumer<SeedRecord> accepted, Consumer<ItemProblem> rejected) {
        Objects.requireNonNull(accepted, "accepted");
        Objects.requireNonNull(rejected, "rejected");
        return new SeedSink() {
            @Override
            public void accept(SeedRecord record) {
                accepted.accept(record);
            }

            @Override
            public void reject(ItemProblem problem) {
                rejected.accept(problem);
            }
        };
    }
}
