package org.otpappliance.appliance.api;

import jakarta.inject.Inject;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Providers;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.otpappliance.appliance.application.ImportService;
import org.otpappliance.otp.seedfile.SeedFileException;
import org.otpappliance.otp.seedfile.UserAssignments;

/**
 * The console's bulk import: the seed file is read by the same code as {@code POST /api/v1/tokens/import} (the
 * otp-core parsers, then {@link ImportService}), and the answer streams as JSON lines so the page can show progress:
 * {@code {"items","checked"}} after each chunk of the run, then {@code {"report":...,"warnings":[...]}} (or
 * {@code {"problem":...}} if the run failed, and then nothing was imported). A file that cannot be read at all is
 * refused before any line, as by the admin API. Nothing of the file, key or password is logged or echoed.
 *
 * <p>A {@code serial,username} list (as the token-import tool's {@code --assign-users} reads it) may come first in
 * the body, its length in bytes in {@value #USERS_LENGTH}: one upload of the two files, the seed file still streamed,
 * without a multipart parser. Each token it names goes to that user (created if needed); the warnings name its
 * serials that were not in the file.
 */
@Path("console/import")
@Access(Access.Level.CONSOLE)
public class ConsoleImportResource extends Caller {
    static final String JSON_LINES = "application/x-ndjson";
    /** The header giving the length of the user list that comes before the seed file in the body. */
    static final String USERS_LENGTH = "X-Assign-Users-Length";
    static final int MAX_USERS_BYTES = 4 * 1024 * 1024;
    private static final Jsonb JSONB = JsonbBuilder.create();

    @Inject
    ImportService imports;

    @Context
    HttpHeaders headers;

    @Context
    Providers providers;

    @POST
    @Consumes({TokenImportResource.PSKC, MediaType.APPLICATION_XML, TokenImportResource.CSV})
    @Produces(JSON_LINES)
    public StreamingOutput importFile(InputStream body, @QueryParam("format") String format, @QueryParam("replace") String replace,
                                      @QueryParam("dryRun") String dryRun, @HeaderParam("X-Import-Key") String key,
                                      @HeaderParam("X-Import-Password") String password,
                                      @HeaderParam(USERS_LENGTH) String usersLength) {
        boolean replacing = TokenImportResource.flag("replace", replace);
        boolean dry = TokenImportResource.flag("dryRun", dryRun);
        UserAssignments users = users(body, usersLength);
        ImportService.Batch batch = TokenImportResource.readFile(imports, headers, body, format, key, password, users);
        String actor = actor();
        String source = source();
        int items = batch.size();
        return out -> {
            Lines lines = new Lines(out);
            lines.send("{\"items\":" + items + ",\"checked\":0}");
            String last;
            try {
                ImportService.Report report = imports.run(batch, replacing, dry, actor, source,
                        done -> lines.send("{\"items\":" + items + ",\"checked\":" + done + "}"));
                last = "{\"report\":" + JSONB.toJson(report) + ",\"warnings\":" + JSONB.toJson(users.unused()) + "}";
            } catch (RuntimeException e) {
                last = "{\"problem\":" + problem(e).getEntity() + "}";
            }
            lines.send(last);
        };
    }

    /**
     * The user list at the start of the body, {@code lengthHeader} bytes long, read whole before the seed file that
     * follows it; none without the header.
     *
     * @throws ProblemException for a bad header or list (then nothing is imported)
     */
    private static UserAssignments users(InputStream body, String lengthHeader) {
        if (lengthHeader == null) {
            return UserAssignments.none();
        }
        if (!lengthHeader.matches("\\d{1,9}") || Integer.parseInt(lengthHeader) > MAX_USERS_BYTES) {
            throw ProblemException.badRequest("invalid-request", USERS_LENGTH + " must be the user list's length in bytes, at most "
                    + MAX_USERS_BYTES / (1024 * 1024) + " MiB");
        }
        int length = Integer.parseInt(lengthHeader);
        try {
            byte[] list = body.readNBytes(length);
            if (list.length < length) {
                throw ProblemException.badRequest("invalid-request", "the body is shorter than " + USERS_LENGTH + " says");
            }
            return UserAssignments.read(new ByteArrayInputStream(list));
        } catch (SeedFileException e) {
            throw ProblemException.badRequest("invalid-user-list", "user list " + e.getMessage());
        } catch (IOException e) {
            throw ProblemException.badRequest("invalid-request", "the user list could not be read");
        }
    }

    /** The problem details the admin API would answer for this failure (the mappers log what needs logging). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private Response problem(RuntimeException e) {
        ExceptionMapper mapper = providers.getExceptionMapper(e.getClass());
        return mapper.toResponse(e);
    }

    /**
     * Writes one line at a time and flushes it to the browser. A browser that went away does not stop the import:
     * the run goes on to its end (and its audit lines), and the rest of the answer is dropped.
     */
    private static final class Lines {
        private final OutputStream out;
        private boolean gone;

        Lines(OutputStream out) {
            this.out = out;
        }

        void send(String json) {
            if (gone) {
                return;
            }
            try {
                out.write((json + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException e) {
                gone = true;
            }
        }
    }
}
