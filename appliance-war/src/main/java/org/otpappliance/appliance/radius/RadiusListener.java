package org.otpappliance.appliance.radius;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.util.Map;
import java.util.function.ToLongFunction;
import java.util.logging.Logger;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;
import org.otpappliance.appliance.application.RadiusClientService;
import org.otpappliance.appliance.application.ValidationService;
import org.otpappliance.appliance.config.ApplianceConfig;
import org.otpappliance.appliance.infrastructure.Database;
import org.otpappliance.otp.verify.VerificationRequest;
import org.otpappliance.otp.verify.VerificationResult;
import org.otpappliance.radius.RadiusContext;
import org.otpappliance.radius.RadiusServer;

/**
 * The RADIUS server the appliance runs (UDP, {@code otp.appliance.radius.port}), answering its
 * RADIUS clients from the validation service. The State of an Access-Challenge is bound with a key
 * derived from the master key, so a NAS may send the answer to any node sharing the database.
 * What became of the datagrams (answered, or dropped and why) is served on /metrics as
 * {@code radius_datagrams{outcome=...}}: drops are never answered, so this is where an operator sees them.
 */
@ApplicationScoped
public class RadiusListener {
    private static final Logger LOG = Logger.getLogger(RadiusListener.class.getName());

    @Inject
    ApplianceConfig config;

    @Inject
    Database database;

    @Inject
    RadiusClientService clients;

    @Inject
    ValidationService validation;

    @Inject
    MetricRegistry registry;

    /** The metric's outcomes: what each received datagram ended as. */
    private static final Map<String, ToLongFunction<RadiusServer.Statistics>> OUTCOMES = Map.ofEntries(
            Map.entry("received", RadiusServer.Statistics::received),
            Map.entry("accept", RadiusServer.Statistics::accepts),
            Map.entry("reject", RadiusServer.Statistics::rejects),
            Map.entry("challenge", RadiusServer.Statistics::challenges),
            Map.entry("retransmission_answered", RadiusServer.Statistics::duplicatesAnswered),
            Map.entry("status_server", RadiusServer.Statistics::statusServer),
            Map.entry("retransmission_in_progress", RadiusServer.Statistics::duplicatesInProgress),
            Map.entry("not_access_request", RadiusServer.Statistics::notAccessRequest),
            Map.entry("unknown_client", RadiusServer.Statistics::unknownClient),
            Map.entry("malformed", RadiusServer.Statistics::malformed),
            Map.entry("bad_message_authenticator", RadiusServer.Statistics::badMessageAuthenticator),
            Map.entry("missing_message_authenticator", RadiusServer.Statistics::missingMessageAuthenticator),
            Map.entry("overloaded", RadiusServer.Statistics::overloaded),
            Map.entry("validation_failed", RadiusServer.Statistics::validatorErrors),
            Map.entry("internal_error", RadiusServer.Statistics::internalErrors));

    private RadiusServer server;

    /** Binds the UDP port, unless RADIUS is switched off. */
    public synchronized void start() {
        if (!config.radiusEnabled() || server != null) {
            return;
        }
        RadiusServer.Settings settings = RadiusServer.Settings.of(database.seedCipher().derive("otp-appliance radius state v1"))
                .withBindAddress(config.radiusBindAddress()).withPort(config.radiusPort())
                .withMaxCachedResponses(config.radiusDuplicateCacheSize());
        RadiusServer s = new RadiusServer(settings, clients, this::validate);
        try {
            s.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot serve RADIUS on " + config.radiusBindAddress().getHostAddress() + " UDP port "
                    + config.radiusPort() + ": " + e.getMessage(), e);
        }
        server = s;
        OUTCOMES.forEach((outcome, count) -> registry.gauge("radius_datagrams", s,
                running -> count.applyAsLong(running.statistics()), new Tag("outcome", outcome)));
        LOG.info(() -> "RADIUS on " + config.radiusBindAddress().getHostAddress() + " UDP port " + s.port());
    }

    private VerificationResult validate(VerificationRequest request, RadiusContext context) {
        String actor = "radius:" + context.clientName() + (context.nasIdentifier() == null || context.nasIdentifier().isEmpty()
                ? "" : " (" + context.nasIdentifier() + ")");
        return validation.validate(request, actor);
    }

    @PreDestroy
    synchronized void stop() {
        if (server != null) {
            server.close();
            server = null;
        }
    }
}
