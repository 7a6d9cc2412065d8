import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.otpappliance.otp.verify.VerificationRequest;
import org.otpappliance.otp.verify.VerificationResult;
import org.otpappliance.pam.server.PamContext;
import org.otpappliance.pam.server.PamSocketServer;
import org.otpappliance.pam.server.PamValidator;
import org.otpappliance.pam.server.ValidatorHandler;

/**
 * Helper of bench/pam-latency.sh: two reference servers that show what is left of pam_oath's added
 * time for a validation. They are not the appliance (they check nothing and accept every code), and
 * the report names them as reference points. Both are our socket server ({@link PamSocketServer},
 * the one inside the appliance and the bridge) with a validator that does almost nothing:
 *
 * <pre>
 *   java -cp pam-bridge.jar bench/PamFloorServer.java ANSWER_SOCKET DURABLE_SOCKET DURABLE_FILE
 * </pre>
 *
 * <ul>
 * <li>ANSWER_SOCKET: accepts at once. Our module, the socket and the server's framing: the cost of
 * asking anything over the socket.</li>
 * <li>DURABLE_SOCKET: accepts after one durable write: 256 bytes into DURABLE_FILE, a file filled
 * beforehand (so the write allocates nothing), then {@code fdatasync}. The least a login can cost that
 * records a spent code on the disk before it answers.</li>
 * </ul>
 */
public final class PamFloorServer {
    private static final int SLOTS = 4096;
    private static final int SLOT_BYTES = 256;

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: PamFloorServer ANSWER_SOCKET DURABLE_SOCKET DURABLE_FILE");
            System.exit(2);
        }
        FileChannel file = FileChannel.open(Path.of(args[2]), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        ByteBuffer zeros = ByteBuffer.allocate(SLOTS * SLOT_BYTES);
        while (zeros.hasRemaining()) {
            file.write(zeros, zeros.position());
        }
        file.force(true);
        PamValidator answer = (request, context) -> new VerificationResult.Accepted("floor");
        PamValidator durable = new PamValidator() {
            private long slot;

            @Override
            public synchronized VerificationResult validate(VerificationRequest request, PamContext context) {
                try {
                    ByteBuffer record = ByteBuffer.allocate(SLOT_BYTES);
                    record.putLong(0, slot);
                    file.write(record, (slot++ % SLOTS) * SLOT_BYTES);
                    file.force(false);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return new VerificationResult.Accepted("floor");
            }
        };
        try (PamSocketServer a = new PamSocketServer(PamSocketServer.Settings.of(Path.of(args[0])), new ValidatorHandler(answer));
                PamSocketServer d = new PamSocketServer(PamSocketServer.Settings.of(Path.of(args[1])), new ValidatorHandler(durable))) {
            a.start();
            d.start();
            System.out.println("serving " + args[0] + " and " + args[1]);
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
