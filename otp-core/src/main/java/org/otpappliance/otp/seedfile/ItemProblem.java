package org.otpappliance.otp.seedfile;

import java.util.Objects;

/**
 * Why one item of a seed file was skipped: where it is ({@code "KeyPackage 3 (serial 12345)"}, {@code "line 17"})
 * and what is wrong with it ({@code "wrong MAC"}, {@code "wrong password or key"},
 * {@code "unknown algorithm urn:..."}, {@code "bad hex in the secret"}, {@code "missing field: counter"}).
 * Neither ever holds a secret or a field's value from a CSV line: a CSV line whose columns are shifted
 * could put a seed in any column.
 */
public record ItemProblem(String position, String reason) {
    public ItemProblem {
        Objects.requireNonNull(position, "position");
        Objects.requireNonNull(reason, "reason");
    }

    @Override
    public String toString() {
        return position + ": " + reason;
    }
}
