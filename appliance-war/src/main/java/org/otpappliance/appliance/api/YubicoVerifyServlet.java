package org.otpappliance.appliance.api;

import jakarta.inject.Inject;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import org.otpappliance.appliance.application.ClientService;
import org.otpappliance.appliance.application.ClientService.YubicoClient;
import org.otpappliance.appliance.application.StoreUnavailableException;
import org.otpappliance.appliance.application.ValidationService;
import org.otpappliance.appliance.application.ValidationService.YubicoVerdict;
import org.otpappliance.otp.yubico.ProtocolSignature;
import org.otpappliance.otp.yubico.YubicoOtpBlock;

/**
 * The Yubico validation protocol 2.0 ({@code /wsapi/2.0/verify}), as pam_yubico, ykclient and the
 * Yubico client libraries speak it (yubikey-val's "Validation Protocol Version 2.0"): a GET (or a
 * form POST) with id, otp, nonce and optionally h, timestamp, sl and timeout; a text answer of
 * key=value lines, h first and status last, signed with the client's key.
 *
 * <p>sl and timeout ask how many replicas of a yubikey-val cluster must agree; here every node
 * decides on the one shared database, so an answer always stands for all of them: sl=100.
 */
@WebServlet("/wsapi/2.0/verify")
public class YubicoVerifyServlet extends HttpServlet {
    private static final Logger LOG = Logger.getLogger(YubicoVerifyServlet.class.getName());
    /** The protocol's nonce: 16 to 40 characters; yubikey-val accepts letters and digits. */
    private static final Pattern NONCE = Pattern.compile("[A-Za-z0-9]{16,40}");
    private static final Pattern SYNC_LEVEL = Pattern.compile("[0-9]{1,3}|fast|secure");
    private static final Pattern PRINTABLE = Pattern.compile("[\\x21-\\x7e]+");
    private static final Pattern TIMEOUT = Pattern.compile("[0-9]{1,6}");
    private static final int MAX_VALUE_LENGTH = 256;
    /** yubikey-val's t: UTC time, then "Z0" and the milliseconds, e.g. 2008-11-21T06:11:55Z0711. */
    private static final DateTimeFormatter T = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z0'SSS").withZone(ZoneOffset.UTC);

    @Inject
    ClientService clients;

    @Inject
    ValidationService validation;

    @Inject
    Clock clock;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        answer(request, response);
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        answer(request, response);
    }

    private void answer(HttpServletRequest request, HttpServletResponse response) throws IOException {
        request.setCharacterEncoding(StandardCharsets.UTF_8.name());
        Map<String, String> params = new LinkedHashMap<>();
        request.getParameterMap().forEach((k, v) -> params.put(k, v.length == 0 ? "" : v[0]));
        Map<String, String> reply = new LinkedHashMap<>();
        byte[] key = new byte[0];
        String status;
        try {
            Optional<YubicoClient> client = clientOf(params.get("id"));
            key = client.filter(YubicoClient::allowed).map(YubicoClient::key).orElse(key);
            status = verify(params, client, reply, request.getRemoteAddr());
        } catch (StoreUnavailableException e) {
            status = "BACKEND_ERROR";
        }
        write(response, reply, status, key);
    }

    /** Checks the request in the protocol's order and validates its OTP; fills in the answer's pairs, returns its status. */
    private String verify(Map<String, String> params, Optional<YubicoClient> client, Map<String, String> reply, String source) {
        if (params.values().stream().anyMatch(v -> v.length() > MAX_VALUE_LENGTH) || !params.containsKey("id")) {
            return "MISSING_PARAMETER";
        }
        if (client.isEmpty()) {
            LOG.info(() -> "Yubico protocol request from " + source + " names no client (id " + params.get("id") + ")");
            return "NO_SUCH_CLIENT";
        }
        if (!client.get().allowed()) {
            return "OPERATION_NOT_ALLOWED";
        }
        String h = params.get("h");
        if (h == null || h.isEmpty()) {
            if (client.get().requireSignature()) {
                return "MISSING_PARAMETER";
            }
        } else if (!ProtocolSignature.verify(params, h, client.get().key())) {
            LOG.info(() -> "Yubico protocol request from " + source + " for client " + client.get().name() + " has a bad signature");
            return "BAD_SIGNATURE";
        }
        String otp = params.get("otp");
        String nonce = params.get("nonce");
        if (otp == null || otp.isEmpty() || nonce == null || !NONCE.matcher(nonce).matches()) {
            return "MISSING_PARAMETER";
        }
        if (!PRINTABLE.matcher(otp).matches()) {
            return "BAD_OTP";   // and not echoed: a line break in it would forge lines of the answer
        }
        reply.put("otp", otp);
        reply.put("nonce", nonce);
        String sl = params.get("sl");
        String timeout = params.get("timeout");
        if (sl != null && !(SYNC_LEVEL.matcher(sl).matches() && (!Character.isDigit(sl.charAt(0)) || Integer.parseInt(sl) <= 100))
                || timeout != null && !TIMEOUT.matcher(timeout).matches()) {
            return "MISSING_PARAMETER";
        }
        YubicoVerdict verdict = validation.verifyYubico(otp, nonce, "yubico:" + client.get().name(), source);
        if (sl != null) {
            reply.put("sl", "100");
        }
        YubicoOtpBlock b = verdict.block();
        if ("1".equals(params.get("timestamp")) && b != null && verdict.status() == YubicoVerdict.Status.OK) {
            reply.put("timestamp", Integer.toString(b.timestamp()));
            reply.put("sessioncounter", Integer.toString(b.usageCounter()));
            reply.put("sessionuse", Integer.toString(b.sessionCounter()));
        }
        return verdict.status().name();
    }

    /** The client named by id (a positive number); empty when there is none. */
    private Optional<YubicoClient> clientOf(String id) {
        if (id == null || !id.matches("[0-9]{1,18}")) {
            return Optional.empty();
        }
        long n = Long.parseLong(id);
        return n == 0 ? Optional.empty() : clients.yubicoClient(n);
    }

    private void write(HttpServletResponse response, Map<String, String> extra, String status, byte[] key) throws IOException {
        Map<String, String> signed = new LinkedHashMap<>();
        signed.put("t", T.format(clock.instant()));
        signed.putAll(extra);
        signed.put("status", status);
        StringBuilder text = new StringBuilder("h=").append(ProtocolSignature.sign(signed, key)).append("\r\n");
        signed.forEach((k, v) -> text.append(k).append('=').append(v).append("\r\n"));
        text.append("\r\n");
        response.setContentType("text/plain");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.setHeader("Cache-Control", "no-store");
        response.getWriter().write(text.toString());
    }
}
