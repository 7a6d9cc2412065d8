package org.otpappliance.appliance.api;

/** Checks offset and limit query parameters (taken as text, so that "ten" is a 400, not JAX-RS's 404). */
final class Paging {
    static final int MAX_LIMIT = 1000;

    private Paging() {
    }

    static int offset(String offset) {
        return number("offset", offset, 0, 0, Integer.MAX_VALUE);
    }

    static int limit(String limit) {
        return number("limit", limit, 100, 1, MAX_LIMIT);
    }

    private static int number(String name, String value, int defaultValue, int min, int max) {
        if (value == null || value.isEmpty()) {
            return defaultValue;
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw ProblemException.badRequest("invalid-parameter", name + " must be a whole number from " + min + " to " + max);
    }
}
