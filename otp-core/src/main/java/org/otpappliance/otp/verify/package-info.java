/**
 * Deciding whether a code matches: window and drift logic for HOTP and TOTP (pure, they return what
 * matched and never store it), and the {@link org.otpappliance.otp.verify.Validator} port that every
 * entry point (REST, PAM bridge, RADIUS) calls.
 */
package org.otpappliance.otp.verify;
