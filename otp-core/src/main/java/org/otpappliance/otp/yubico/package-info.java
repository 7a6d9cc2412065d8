/**
 * Yubico OTP: the 32 to 48 modhex characters a YubiKey types, an optional public id followed by one
 * AES-128 block. {@link org.otpappliance.otp.yubico.YubicoOtp#parse} splits the text, a
 * {@link org.otpappliance.otp.yubico.YubicoKey} decrypts and CRC-checks the block, and the resulting
 * {@link org.otpappliance.otp.yubico.YubicoOtpBlock} answers the two questions a validator asks: is the
 * private id the one on file, and are the counters past the last ones accepted. Pure computation: nothing
 * here stores counters or looks up keys.
 *
 * <pre>{@code
 * Optional<YubicoOtpBlock> ok = YubicoOtp.parse(typed)
 *         .filter(otp -> otp.publicId().equals(expectedPublicId))
 *         .flatMap(key::decrypt)
 *         .filter(b -> b.privateIdMatches(privateId) && b.isAfter(lastUsage, lastSession));
 * }</pre>
 */
package org.otpappliance.otp.yubico;
