package org.otpappliance.appliance.api;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.SQLException;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.otpappliance.appliance.infrastructure.Database;

/** Ready when the data store answers: what a load balancer should poll ({@code /health/ready}). */
@Readiness
@ApplicationScoped
public class DataStoreHealth implements HealthCheck {
    @Inject
    Database database;

    @Override
    public HealthCheckResponse call() {
        try (Connection c = database.dataSource().getConnection()) {
            return HealthCheckResponse.named("data-store").status(c.isValid(2)).build();
        } catch (SQLException | RuntimeException e) {
            return HealthCheckResponse.named("data-store").down().build();
        }
    }
}
