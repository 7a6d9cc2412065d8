package org.otpappliance.appliance.it;

import jakarta.json.JsonObject;
import java.net.URI;
import org.otpappliance.otp.algorithm.Base32;
import org.otpappliance.otp.algorithm.HashAlgorithm;
import org.otpappliance.otp.algorithm.Hotp;
import org.otpappliance.otp.algorithm.Totp;

/** What an authenticator app does with a scanned otpauth:// URI: compute codes from its secret. */
final class Codes {
    private Codes() {
    }

    static byte[] secret(JsonObject enrolled) {
        String query = URI.create(enrolled.getString("otpauthUri")).getRawQuery();
        for (String pair : query.split("&")) {
            if (pair.startsWith("secret=")) {
                return Base32.decode(pair.substring("secret=".length()));
            }
        }
        throw new IllegalArgumentException("no secret in the URI");
    }

    static String hotp(JsonObject enrolled, long counter) {
        return Hotp.code(secret(enrolled), counter, enrolled.getInt("digits"), HashAlgorithm.parse(enrolled.getString("algorithm")));
    }

    /** The TOTP code {@code stepsAhead} time steps from now, as a token whose clock runs ahead shows it. */
    static String totp(JsonObject enrolled, int stepsAhead) {
        int period = enrolled.getInt("period");
        long step = Totp.timeStep(System.currentTimeMillis() / 1000, period) + stepsAhead;
        return Hotp.code(secret(enrolled), step, enrolled.getInt("digits"), HashAlgorithm.parse(enrolled.getString("algorithm")));
    }
}
