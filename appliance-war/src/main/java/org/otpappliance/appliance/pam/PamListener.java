package org.otpappliance.appliance.pam;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.time.Duration;
import java.util.logging.Logger;
import org.otpappliance.appliance.application.DeliveryFailedException;
import org.otpappliance.appliance.application.PamLogins;
import org.otpappliance.appliance.application.StoreUnavailableException;
import org.otpappliance.appliance.application.ValidationService;
import org.otpappliance.appliance.config.ApplianceConfig;
import org.otpappliance.otp.verify.VerificationRequest;
import org.otpappliance.otp.verify.VerificationResult;
import org.otpappliance.pam.server.BridgeUnavailableException;
import org.otpappliance.pam.server.PamContext;
import org.otpappliance.pam.server.PamSocketServer;
import org.otpappliance.pam.server.ValidatorHandler;

/**
 * The PAM bridge served by the appliance itself, for logins on the appliance's own host: the
 * socket of {@code otp.appliance.pam.socket}, answered by the validation service in-process.
 */
@ApplicationScoped
public class PamListener {
    private static final Logger LOG = Logger.getLogger(PamListener.class.getName());

    @Inject
    ApplianceConfig config;

    @Inject
    ValidationService validation;

    private PamSocketServer server;

    /** Opens the socket when one is configured. */
    public synchronized void start() {
        if (config.pamSocket().isEmpty() || server != null) {
            return;
        }
        PamSocketServer.Settings settings = new PamSocketServer.Settings(config.pamSocket().get(), config.pamAllowedUsers(),
                config.pamSocketGroup(), Duration.ofSeconds(config.pamReadTimeoutSeconds()), config.pamMaxConnections());
        PamSocketServer s = new PamSocketServer(settings, new ValidatorHandler(this::validate));
        try {
            s.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot serve the PAM socket " + settings.socketPath() + ": " + e.getMessage(), e);
        }
        server = s;
        LOG.info(() -> "PAM bridge socket " + s.socketPath() + " (mode 0660" + (settings.socketGroup() == null ? ""
                : ", group " + settings.socketGroup()) + "), answering peers " + settings.allowedUsers());
    }

    private VerificationResult validate(VerificationRequest request, PamContext context) throws BridgeUnavailableException {
        String actor = PamLogins.actor(context.service(), context.loginHost(), context.tty()) + " (peer " + context.peerUser() + ")";
        try {
            return PamLogins.disclosed(validation.validate(request, actor), config.pamNullok());
        } catch (DeliveryFailedException | StoreUnavailableException e) {
            // Expected outages: the module answers PAM_AUTHINFO_UNAVAIL; the cause is logged where it happened.
            throw new BridgeUnavailableException(e.getMessage());
        }
    }

    @PreDestroy
    synchronized void stop() {
        if (server != null) {
            server.close();
            server = null;
        }
    }
}
