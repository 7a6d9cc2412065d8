package org.otpappliance.appliance.radius;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.util.logging.Logger;
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
