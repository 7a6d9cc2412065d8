/**
 * The standalone PAM bridge for login hosts other than the appliance's: {@link org.otpappliance.pam.bridge.BridgeMain}
 * serves the local socket and {@link org.otpappliance.pam.bridge.RestValidator} forwards each request to the
 * appliance's REST API ({@code POST /api/v1/validate} with a {@code validate} API key), with fail-over across
 * the configured appliance URLs.
 */
package org.otpappliance.pam.bridge;
