package org.otpappliance.appliance.application;

import java.time.Instant;

/**
 * One line of the audit log. Never holds a code, seed, password or key.
 *
 * @param actor      the API client (or "system") that acted
 * @param action     e.g. VALIDATE, TOKEN_ENROLL, TOKEN_RESYNC, CLIENT_CREATE
 * @param result     e.g. ACCEPT, REJECT, OK, FAILED
 * @param reason     why, for the operator (a {@code VerificationResult.Reason} for validations)
 * @param entryPoint REST, PAM, RADIUS, YUBICO for validations; ADMIN for admin actions
 */
public record AuditEvent(long id, Instant at, String node, String actor, String action, String username, String serial,
                         String result, String reason, String entryPoint, String source) {
}
