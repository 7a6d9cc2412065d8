package org.otpappliance.pam.server;

import org.otpappliance.otp.verify.VerificationRequest;
import org.otpappliance.otp.verify.VerificationResult;

/**
 * The validation service as the PAM bridge sees it: the {@code Validator} port plus where the login
 * happens. In the appliance, the validation service itself (it audits the context); on a login host,
 * {@code org.otpappliance.pam.bridge.RestValidator}, which forwards to the appliance's REST API.
 *
 * <p>An expected "no" is a {@link VerificationResult.Rejected}; an exception means no decision could
 * be had, and the PAM module gets {@code ERROR} ({@code PAM_AUTHINFO_UNAVAIL}).
 */
@FunctionalInterface
public interface PamValidator {
    VerificationResult validate(VerificationRequest request, PamContext context) throws BridgeUnavailableException;
}
