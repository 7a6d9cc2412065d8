package org.otpappliance.radius;

import java.util.Arrays;
import java.util.Objects;

/**
 * A RADIUS client (NAS) as the server needs it: a name for logs, the audit and the State binding,
 * its shared secret, and whether its requests must carry a {@code Message-Authenticator}.
 *
 * <p>The secret is copied in and out (the record never shares its array) and never printed.
 *
 * @param name                        the client's name (as configured by the admin); not blank
 * @param secret                      the shared secret's bytes (the configured text in UTF-8); not empty
 * @param requireMessageAuthenticator drop its requests that lack a Message-Authenticator (the
 *                                    BlastRADIUS mitigation; true unless the NAS cannot send one,
 *                                    like pam_radius_auth 2.0)
 */
public record RadiusClient(String name, byte[] secret, boolean requireMessageAuthenticator) {
    public RadiusClient {
        Objects.requireNonNull(name, "name is required");
        Objects.requireNonNull(secret, "secret is required");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a RADIUS client's name must not be blank");
        }
        if (secret.length == 0) {
            throw new IllegalArgumentException("a RADIUS client's shared secret must not be empty (RFC 2865 §3)");
        }
        secret = secret.clone();
    }

    /** A copy of the shared secret. */
    @Override
    public byte[] secret() {
        return secret.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RadiusClient c && c.name.equals(name) && Arrays.equals(c.secret, secret)
                && c.requireMessageAuthenticator == requireMessageAuthenticator;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(secret), requireMessageAuthenticator);
    }

    /** Never prints the secret. */
    @Override
    public String toString() {
        return "RadiusClient[name=" + name + ", requireMessageAuthenticator=" + requireMessageAuthenticator + "]";
    }
}
