/**
 * The RADIUS entry point: {@link org.otpappliance.radius.RadiusServer} serves Access-Requests over
 * UDP and asks the appliance through two small ports it implements — {@link
 * org.otpappliance.radius.RadiusClients} (which NAS a source address is, with its shared secret) and
 * {@link org.otpappliance.radius.RadiusValidator} (the validation service). Nothing here knows of JPA
 * or JAX-RS; the wire format is in {@code org.otpappliance.radius.codec}.
 *
 * <pre>
 * UDP --&gt; RadiusServer --(source address)--&gt; RadiusClients --&gt; RadiusClient(name, secret, requireMA)
 *                      --(VerificationRequest, RadiusContext)--&gt; RadiusValidator --&gt; VerificationResult
 * </pre>
 */
package org.otpappliance.radius;
