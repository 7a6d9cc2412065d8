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
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.otpappliance.appliance.application.ImportService;

/**
 * The console's bulk import: the seed file is read by the same code as {@code POST /api/v1/tokens/import} (the
 * otp-core parsers, then {@link ImportService}), and the answer streams as JSON lines so the page can show progress:
 * {@code {"items","checked"}} after each chunk of the run, then {@code {"report":...}} (or {@code {"problem":...}} if
 * the run failed, and then nothing was imported). A file that cannot be read at all is refused before any line, as
 * by the admin API. Nothing of the file, key or password is logged or echoed.
 */
@Path("console/import")
@Access(Access.Level.CONSOLE)
public class ConsoleImportResource extends Caller {
    static final String JSON_LINES = "application/x-ndjson";
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
                                      @HeaderParam("X-Import-Password") String password) {
        boolean replacing = TokenImportResource.flag("replace", replace);
        boolean dry = TokenImportResource.flag("dryRun", dryRun);
        ImportService.Batch batch = TokenImportResource.readFile(imports, headers, body, format, key, password);
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
                last = "{\"report\":" + JSONB.toJson(report) + "}";
            } catch (RuntimeException e) {
                last = "{\"problem\":" + problem(e).getEntity() + "}";
            }
            lines.send(last);
        };
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
