/**
 * Delivery of SMS and e-mail codes: an HTTP SMS gateway, SMTP, and the placeholder templates the
 * operator writes for both. Plain classes with no container dependency, built from settings read
 * at start, so that a misconfiguration fails the start and the tests can run against real servers.
 */
package org.otpappliance.appliance.infrastructure.delivery;
