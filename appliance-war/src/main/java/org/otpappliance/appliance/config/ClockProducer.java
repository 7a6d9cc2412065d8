package org.otpappliance.appliance.config;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.Clock;

/** The one clock the appliance reads, so that time is a dependency and not a hidden global. */
@ApplicationScoped
public class ClockProducer {
    @Produces
    Clock clock() {
        return Clock.systemUTC();
    }
}
