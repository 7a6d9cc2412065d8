package org.otpappliance.appliance.application;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.logging.Logger;
import org.otpappliance.appliance.config.ApplianceConfig;
import org.otpappliance.appliance.pam.PamListener;
import org.otpappliance.appliance.radius.RadiusListener;
import org.otpappliance.appliance.infrastructure.Database;
import org.otpappliance.appliance.infrastructure.SecretFiles;

/**
 * Start-up: opens (and migrates) the data store, and on first start creates an admin API key,
 * written to {@code <data dir>/admin.key} with mode 0600. The log names the file, never the key.
 */
@ApplicationScoped
public class Bootstrap {
    private static final Logger LOG = Logger.getLogger(Bootstrap.class.getName());
    static final String BOOTSTRAP_CLIENT = "bootstrap-admin";

    @Inject
    ApplianceConfig config;

    @Inject
    Database database;

    @Inject
    ClientService clients;

    @Inject
    CodeSender codes;

    @Inject
    PamListener pam;

    @Inject
    RadiusListener radius;

    void onStart(@Observes @Initialized(ApplicationScoped.class) Object event) {
        try {
            database.dataSource();
            ensureAdmin();
            // Reading the delivery settings here makes a mistake in them stop the start.
            String channels = codes.channels();
            LOG.info(() -> "Challenge codes: " + channels);
            pam.start();
            radius.start();
        } catch (RuntimeException e) {
            // An appliance that cannot open its data store must not sit there answering 500s: a
            // supervisor (systemd, a load balancer's health check) should see it gone.
            LOG.severe("The appliance cannot start: " + reason(e) + ". Exiting.");
            new Thread(() -> System.exit(1), "otp-exit").start();
        }
    }

    private static String reason(Throwable e) {
        String reason = e.toString();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IllegalStateException && t.getMessage() != null) {
                return t.getMessage();
            }
            reason = t.toString();
        }
        return reason;
    }

    private void ensureAdmin() {
        // The list is read before asking for an admin: a node that starts at the same moment and
        // commits its bootstrap admin in between is then seen by hasAdmin(), or else its name is not
        // taken yet here and our insert of the same name fails below. (Read the other way round, a
        // client committed between the two reads made this node add a second admin under a new name.)
        boolean nameTaken = clients.list().stream().anyMatch(c -> c.name().equals(BOOTSTRAP_CLIENT));
        if (clients.hasAdmin()) {
            return;
        }
        String name = nameTaken ? BOOTSTRAP_CLIENT + "-" + System.currentTimeMillis() : BOOTSTRAP_CLIENT;
        ClientService.NewClient admin;
        try {
            admin = clients.create(name, ClientService.Role.ADMIN.wireName(), null, "system", "startup");
        } catch (RuntimeException e) {
            if (clients.hasAdmin()) {
                return;   // another node, started on the same database at the same moment, made it
            }
            throw e;
        }
        Path file = config.dataDir().resolve("admin.key");
        try {
            SecretFiles.write(file, admin.apiKey() + "\n");
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the bootstrap admin key to " + file, e);
        }
        LOG.info(() -> "Created the admin API client \"" + admin.name() + "\"; its key is in " + file + " (mode 0600)");
    }
}
