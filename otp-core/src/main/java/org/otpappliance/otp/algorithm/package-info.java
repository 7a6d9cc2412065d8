/**
 * One-time-password mathematics: pure functions on bytes and numbers, no state and no I/O.
 * HOTP is RFC 4226, TOTP is RFC 6238.
 */
package org.otpappliance.otp.algorithm;
