/** Token kinds and how they are described to authenticator apps. */
package org.otpappliance.otp.token;
