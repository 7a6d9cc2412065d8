package org.otpappliance.radius;

import java.net.InetAddress;
import java.util.Objects;

/**
 * Where an Access-Request comes from, for the audit log and per-source rate limits. Text fields are
 * never null (empty when the request did not carry the attribute) and hold no control characters.
 *
 * @param clientName       the {@link RadiusClient#name()} the source address matched
 * @param source           the datagram's source address (the NAS, or a proxy)
 * @param nasIdentifier    the NAS-Identifier attribute, or empty
 * @param nasIpAddress     the NAS-IP-Address (or NAS-IPv6-Address) attribute as text, or empty
 * @param callingStationId the Calling-Station-Id attribute (the end user's address or MAC), or empty
 */
public record RadiusContext(String clientName, InetAddress source, String nasIdentifier, String nasIpAddress,
                            String callingStationId) {
    public RadiusContext {
        Objects.requireNonNull(clientName, "client name is required");
        Objects.requireNonNull(source, "source is required");
        nasIdentifier = nasIdentifier == null ? "" : nasIdentifier;
        nasIpAddress = nasIpAddress == null ? "" : nasIpAddress;
        callingStationId = callingStationId == null ? "" : callingStationId;
    }
}
