package org.otpappliance.appliance.it;

import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Hands test classes one appliance on H2, shared by all of them (starting one costs ~20 s) and
 * stopped when the run ends. Tests share it safely by each creating users of their own.
 */
public final class SharedAppliance implements ParameterResolver {
    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Appliance.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(SharedAppliance.class, k -> {
                    try {
                        return Appliance.start(Files.createTempDirectory("otp-data"), Map.of());
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, Appliance.class);
    }
}
