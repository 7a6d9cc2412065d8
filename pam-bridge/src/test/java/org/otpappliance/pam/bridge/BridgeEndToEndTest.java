package org.otpappliance.pam.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import jakarta.json.JsonObject;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpappliance.pam.protocol.Answer;
import org.otpappliance.pam.protocol.AuthenticateRequest;
import org.otpappliance.pam.protocol.Frames;
import org.otpappliance.pam.server.PamSocketServer;
import org.otpappliance.pam.server.ValidatorHandler;

/** The standalone bridge as BridgeMain wires it: PAM socket in, REST out, to a scripted appliance over real HTTP. */
class BridgeEndToEndTest {
    @TempDir
    Path dir;

    static Answer ask(Path socket, AuthenticateRequest request) {
        return assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                channel.write(ByteBuffer.wrap(Frames.encodeRequest(request)));
                return Frames.readAnswer(Channels.newInputStream(channel));
            }
        });
    }

    @Test
    void aLoginGoesThroughTheSocketToTheApplianceAndBack() throws Exception {
        Path key = dir.resolve("key");
        Files.writeString(key, "otpa_e2e\n");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        Path socket = dir.resolve("run/pam.sock");
        String me = Files.getOwner(dir).getName();
        try (ScriptedAppliance appliance = ScriptedAppliance.http()) {
            Properties p = new Properties();
            p.setProperty("appliance.urls", ScriptedAppliance.down() + "," + appliance.base());
            p.setProperty("appliance.api-key-file", key.toString());
            p.setProperty("socket", socket.toString());
            p.setProperty("allowed-users", me);
            p.setProperty("timeout-seconds", "2");
            PamSocketServer server = BridgeMain.start(BridgeConfig.from(p, Map.of(), null));
            try {
                assertEquals(Answer.accept(), ask(socket, new AuthenticateRequest("sshd", "alice", "192.0.2.7", "", "123456", "")));
                JsonObject sent = appliance.received.get(0).json();
                assertEquals("alice", sent.getString("user"));
                assertEquals(ValidatorHandler.localHostName(), sent.getJsonObject("pam").getString("host"));
                assertEquals("Bearer otpa_e2e", appliance.received.get(0).authorization());

                appliance.answering(200, "{\"result\":\"CHALLENGE\",\"transactionId\":\"tx-5\",\"message\":\"a code was sent by SMS\"}");
                assertEquals(Answer.challenge("a code was sent by SMS", "tx-5"), ask(socket, new AuthenticateRequest("sudo", "bob", "", "pts/1", "", "")));
                appliance.answering(200, "{\"result\":\"REJECT\",\"message\":\"the code is not accepted\"}");
                assertEquals(Answer.reject(""), ask(socket, new AuthenticateRequest("sudo", "bob", "", "pts/1", "000000", "tx-5")));
                assertEquals("tx-5", appliance.received.get(2).json().getString("transactionId"));

                appliance.answering(503, "{}");
                assertEquals(Answer.Result.ERROR, ask(socket, new AuthenticateRequest("sshd", "alice", "", "", "123456", "")).result(),
                        "no appliance decides: ERROR, never REJECT");
            } finally {
                server.close();
            }
            assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS));
        }
    }
}
