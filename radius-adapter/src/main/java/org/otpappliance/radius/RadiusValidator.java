package org.otpappliance.radius;

import org.otpappliance.otp.verify.VerificationRequest;
import org.otpappliance.otp.verify.VerificationResult;

/**
 * The validation service as the RADIUS server sees it: the {@code Validator} port plus where the
 * request comes from. Implemented by the appliance (it audits the context and rate-limits per NAS).
 *
 * <p>The request is {@code new VerificationRequest(User-Name, password, transactionId or null,
 * RADIUS, source)}, where source is the NAS address, followed by {@code " (calling X)"} when the
 * request carries a Calling-Station-Id. An expected "no" is a {@link VerificationResult.Rejected};
 * an exception means no decision could be had: the request is not answered (the NAS retries or
 * fails over to another server) and the exception is logged.
 *
 * <p>Called from several worker threads at once.
 */
@FunctionalInterface
public interface RadiusValidator {
    VerificationResult validate(VerificationRequest request, RadiusContext context) throws Exception;
}
