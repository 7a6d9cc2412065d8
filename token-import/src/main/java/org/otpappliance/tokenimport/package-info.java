/**
 * {@code token-import}, the admin command-line tool: {@code token-import file} reads a seed file with the parsers of
 * {@link org.otpappliance.otp.seedfile} and streams its tokens in batches to the appliance's
 * {@code POST /api/v1/tokens/import}. Secrets (seeds, keys, passwords, the API key) never appear in output,
 * logs or exception messages.
 */
package org.otpappliance.tokenimport;
