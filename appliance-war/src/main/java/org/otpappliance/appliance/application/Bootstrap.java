package org.otpappliance.appliance.application;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.logging.Logger;
import org.otpappliance.appliance.config.ApplianceConfig;
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

    void onStart(@Observes @Initialized(ApplicationScoped.class) Object event) {
        database.dataSource();
        if (clients.hasAdmin()) {
            return;
        }
        String name = BOOTSTRAP_CLIENT;
        if (clients.list().stream().anyMatch(c -> c.name().equals(BOOTSTRAP_CLIENT))) {
            name = BOOTSTRAP_CLIENT + "-" + System.currentTimeMillis();
        }
        ClientService.NewClient admin = clients.create(name, ClientService.Role.ADMIN.wireName(), "system", "startup");
        Path file = config.dataDir().resolve("admin.key");
        try {
            SecretFiles.write(file, admin.apiKey() + "\n");
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the bootstrap admin key to " + file, e);
        }
        LOG.info(() -> "Created the admin API client \"" + admin.name() + "\"; its key is in " + file + " (mode 0600)");
    }
}
