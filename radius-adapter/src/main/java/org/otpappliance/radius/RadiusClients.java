package org.otpappliance.radius;

import java.net.InetAddress;
import java.util.Optional;

/**
 * Which RADIUS client a datagram's source address belongs to; implemented by the appliance over its
 * configured clients (an address or CIDR block each: {@link CidrBlock#mostSpecific} picks the most
 * specific match). Called for every datagram, from several worker threads at once: keep it fast
 * (an in-memory snapshot) and thread-safe. An exception drops the datagram.
 */
@FunctionalInterface
public interface RadiusClients {
    /** The client for this source, or empty: the datagram is dropped and logged. */
    Optional<RadiusClient> forAddress(InetAddress source);
}
