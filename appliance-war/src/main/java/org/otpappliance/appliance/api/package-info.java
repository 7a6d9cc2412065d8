/**
 * The REST entry point ({@code /api/v1}): resources translate JSON to application calls and back,
 * hold no rules, and answer every error as {@code application/problem+json} (RFC 9457) with a stable type.
 */
package org.otpappliance.appliance.api;
