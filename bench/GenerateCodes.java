import java.io.BufferedWriter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.otpappliance.otp.algorithm.Base32;
import org.otpappliance.otp.algorithm.HashAlgorithm;
import org.otpappliance.otp.algorithm.Hotp;

/**
 * Helper of bench/rest-validate.sh: enrolls the benchmark's HOTP tokens and writes the request file.
 *
 * <pre>
 *   enroll BASE_URL ADMIN_KEY SET PREFIX COUNT SEED THREADS
 *       creates users PREFIX0..PREFIX(COUNT-1), each with one HOTP token (SHA1, 6 digits, counter 0)
 *   codes  SET PREFIX COUNT ROUNDS SEED OUT_FILE
 *       writes COUNT*ROUNDS lines, round by round: line r*COUNT+i is the JSON body
 *       {"user":"PREFIXi","code":HOTP(secret_i, r)}
 * </pre>
 *
 * The secret of token i of a set is the first 20 bytes of SHA-256("SEED/SET/i"): deterministic from the
 * seed, and independent of the user-name prefix (which carries a run id so that a shared database works).
 */
public class GenerateCodes {
    static final int SECRET_BYTES = 20;

    public static void main(String[] args) throws Exception {
        // RFC 4226 appendix D, counter 0 and 9: fail loudly rather than benchmark wrong codes.
        byte[] rfc = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);
        if (!Hotp.code(rfc, 0, 6, HashAlgorithm.SHA1).equals("755224") || !Hotp.code(rfc, 9, 6, HashAlgorithm.SHA1).equals("520489")) {
            throw new IllegalStateException("otp-core's Hotp.code does not match the RFC 4226 test vectors");
        }
        if (args.length == 8 && args[0].equals("enroll")) {
            enroll(args[1], args[2], args[3], args[4], Integer.parseInt(args[5]), args[6], Integer.parseInt(args[7]));
        } else if (args.length == 7 && args[0].equals("codes")) {
            codes(args[1], args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]), args[5], Path.of(args[6]));
        } else {
            System.err.println("usage: GenerateCodes enroll BASE_URL ADMIN_KEY SET PREFIX COUNT SEED THREADS"
                    + " | codes SET PREFIX COUNT ROUNDS SEED OUT_FILE");
            System.exit(2);
        }
    }

    static byte[] secret(String seed, String set, int i) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((seed + "/" + set + "/" + i).getBytes(StandardCharsets.UTF_8));
            byte[] secret = new byte[SECRET_BYTES];
            System.arraycopy(digest, 0, secret, 0, SECRET_BYTES);
            return secret;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void codes(String set, String prefix, int count, int rounds, String seed, Path out) throws IOException {
        long start = System.nanoTime();
        byte[][] secrets = new byte[count][];
        for (int i = 0; i < count; i++) {
            secrets[i] = secret(seed, set, i);
        }
        try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.US_ASCII)) {
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < count; i++) {
                    w.write("{\"user\":\"" + prefix + i + "\",\"code\":\"" + Hotp.code(secrets[i], r, 6, HashAlgorithm.SHA1) + "\"}");
                    w.write('\n');
                }
            }
        }
        System.err.printf("  %d codes (%d tokens x %d rounds) -> %s in %.1f s%n", (long) count * rounds, count, rounds, out,
                (System.nanoTime() - start) / 1e9);
    }

    static void enroll(String baseUrl, String adminKey, String set, String prefix, int count, String seed, int threads)
            throws Exception {
        long start = System.nanoTime();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                final int n = i;
                done.add(pool.submit(() -> {
                    String user = prefix + n;
                    post(http, baseUrl + "/api/v1/users", adminKey, "{\"username\":\"" + user + "\"}");
                    post(http, baseUrl + "/api/v1/tokens", adminKey, "{\"user\":\"" + user + "\",\"type\":\"hotp\",\"secret\":\""
                            + Base32.encode(secret(seed, set, n)) + "\"}");
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        System.err.printf("  enrolled %d users with one HOTP token each (%s*) in %.1f s%n", count, prefix,
                (System.nanoTime() - start) / 1e9);
    }

    static void post(HttpClient http, String url, String key, String body) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IOException("POST " + url + " " + body.replaceAll("\"secret\":\"[^\"]*\"", "\"secret\":\"...\"")
                    + " -> " + r.statusCode() + " " + r.body());
        }
    }
}
