/**
 * What the appliance decides and orchestrates: validation (the {@link org.otpappliance.otp.verify.Validator}
 * every entry point calls), token enrollment and administration, API clients, the audit log. No HTTP here.
 */
package org.otpappliance.appliance.application;
