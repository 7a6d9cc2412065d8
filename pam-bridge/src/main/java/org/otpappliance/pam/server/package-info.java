/**
 * The bridge's listener and the mapping to the validation service, shared by both ways of running:
 * inside the appliance (its {@link org.otpappliance.pam.server.PamValidator} calls the validation
 * service in-process) and standalone on a login host (the validator forwards to the appliance's REST
 * API, {@code org.otpappliance.pam.bridge}).
 *
 * <pre>
 * PamSocketServer --(AuthenticateRequest, peer user)--&gt; PamHandler
 *                      ValidatorHandler --(VerificationRequest, PamContext)--&gt; PamValidator
 * </pre>
 */
package org.otpappliance.pam.server;
