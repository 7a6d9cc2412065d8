package org.otpappliance.appliance.it;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One appliance with its RADIUS server on, shared by {@link RadiusIT} and {@link PamRadiusIT}
 * (starting one costs ~20 s): RADIUS on a free UDP port bound to 127.0.0.1, and an SMS gateway (the
 * JDK's HTTP server, {@link ChallengeIT.FakeSmsGateway}) for the SMS challenges, with the appliance's
 * defaults for the gateway request (a form-encoded POST with {@code to} and {@code message}). Stopped
 * when the run ends. Tests share it by each creating users of their own, and RADIUS clients on
 * loopback addresses of their own (Linux answers on all of 127.0.0.0/8, and radclient's
 * {@code Packet-Src-IP-Address} and pam_radius_auth's {@code source_ip} send from any of them).
 */
public final class RadiusRig implements ParameterResolver {
    /** Where the SMS gateway waits at most, as an operator would set it; tests may delay the gateway below it. */
    static final int SMS_TIMEOUT_SECONDS = 10;

    /** The running rig: the appliance, its RADIUS port (on 127.0.0.1) and the SMS gateway it sends to. */
    public record Rig(Appliance appliance, int radiusPort, ChallengeIT.FakeSmsGateway gateway) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            try {
                appliance.close();
            } finally {
                gateway.close();
            }
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Rig.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).getOrComputeIfAbsent(RadiusRig.class, k -> {
            try {
                return start();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, Rig.class);
    }

    private static Rig start() throws Exception {
        ChallengeIT.FakeSmsGateway gateway = new ChallengeIT.FakeSmsGateway();
        try {
            int port = freeUdpPort();
            Appliance appliance = Appliance.start(Files.createTempDirectory("otp-data-radius"), Map.of(
                    "OTP_APPLIANCE_RADIUS_PORT", String.valueOf(port),
                    "OTP_APPLIANCE_RADIUS_BIND_ADDRESS", "127.0.0.1",
                    "OTP_APPLIANCE_SMS_URL", "http://127.0.0.1:" + gateway.port + "/send",
                    "OTP_APPLIANCE_SMS_TIMEOUT_SECONDS", String.valueOf(SMS_TIMEOUT_SECONDS),
                    "OTP_APPLIANCE_CHALLENGE_RESEND_COOLDOWN_SECONDS", "0"));
            return new Rig(appliance, port, gateway);
        } catch (Exception | Error e) {
            gateway.close();
            throw e;
        }
    }

    /** A UDP port free on loopback just now. */
    static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return s.getLocalPort();
        }
    }
}
