package org.otpappliance.appliance.api;

/** Checks offset and limit query parameters. */
final class Paging {
    static final int MAX_LIMIT = 1000;

    private Paging() {
    }

    static int offset(int offset) {
        if (offset < 0) {
            throw ProblemException.badRequest("invalid-parameter", "offset must not be negative");
        }
        return offset;
    }

    static int limit(int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw ProblemException.badRequest("invalid-parameter", "limit must be 1 to " + MAX_LIMIT);
        }
        return limit;
    }
}
