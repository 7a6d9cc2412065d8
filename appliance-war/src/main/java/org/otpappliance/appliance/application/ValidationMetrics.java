package org.otpappliance.appliance.application;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.metrics.Counter;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;
import org.otpappliance.otp.verify.VerificationRequest.EntryPoint;
import org.otpappliance.otp.verify.VerificationResult;

/** Validation counts by result and entry point, served on /metrics as {@code validations_total}. */
@ApplicationScoped
public class ValidationMetrics {
    @Inject
    MetricRegistry registry;

    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    void count(EntryPoint entryPoint, VerificationResult result) {
        String outcome = outcome(result);
        counters.computeIfAbsent(entryPoint + "/" + outcome, k -> registry.counter("validations",
                new Tag("result", outcome), new Tag("entry_point", entryPoint.name()))).inc();
    }

    /** The wire name of a result: ACCEPT, REJECT or CHALLENGE. */
    public static String outcome(VerificationResult result) {
        if (result instanceof VerificationResult.Accepted) {
            return "ACCEPT";
        }
        return result instanceof VerificationResult.Challenge ? "CHALLENGE" : "REJECT";
    }
}
