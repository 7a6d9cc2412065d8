package org.otpappliance.appliance.api;

import jakarta.inject.Inject;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.otpappliance.appliance.application.ImportService;
import org.otpappliance.appliance.application.ImportService.Report;
import org.otpappliance.otp.seedfile.OathCsv;
import org.otpappliance.otp.seedfile.Pskc;
import org.otpappliance.otp.seedfile.SeedFileException;
import org.otpappliance.otp.seedfile.SeedFileParser;
import org.otpappliance.otp.seedfile.SeedSink;
import org.otpappliance.otp.seedfile.UserAssignments;
import org.otpappliance.otp.seedfile.YubikeyCsv;

/**
 * {@code POST /api/v1/tokens/import}: bulk import, from a JSON batch of up to {@value ImportService#MAX_TOKENS_PER_REQUEST}
 * tokens, or from a seed file (PSKC, OATH CSV, YubiKey Personalization Tool CSV) parsed here as it streams in.
 * Admin keys only. Neither the items nor the key or password headers are ever logged.
 */
@Path("tokens/import")
@Produces(MediaType.APPLICATION_JSON)
public class TokenImportResource extends Caller {
    static final int MAX_JSON_BYTES = 4 * 1024 * 1024;
    static final long MAX_FILE_BYTES = 64L * 1024 * 1024;
    static final String PSKC = "application/pskc+xml";
    static final String CSV = "text/csv";
    private static final String[] ITEM_FIELDS = {"serial", "type", "user", "description", "secret", "algorithm", "digits", "period",
        "counter", "publicId", "privateId", "aesKey"};

    @Inject
    ImportService imports;

    @Context
    UriInfo uri;

    @Context
    HttpHeaders headers;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Import tokens in bulk: a JSON batch, or a seed file",
            description = "JSON: {\"replace\"?,\"dryRun\"?,\"tokens\":[{\"serial\",\"type\":\"hotp|totp|yubico\",\"user\"?,"
                    + "\"description\"?, OATH: \"secret\" (Base32),\"algorithm\"?,\"digits\"?,\"period\"?,\"counter\"?; YubiKey: "
                    + "\"publicId\",\"privateId\",\"aesKey\"}]}, at most 1000 tokens and 4 MiB. Or a seed file as the body: "
                    + "application/pskc+xml (or application/xml), with the pre-shared key in X-Import-Key (hex) or the password "
                    + "in X-Import-Password; text/csv with ?format=oath-csv|yubikey-csv; ?replace and ?dryRun; at most 64 MiB. "
                    + "Answers {\"imported\",\"replaced\",\"skipped\",\"failed\",\"dryRun\",\"results\":[{\"serial\",\"position\"?,"
                    + "\"status\",\"reason\"?}]}, one result per item in order.")
    public Report importJson(InputStream body) {
        if (!uri.getQueryParameters().isEmpty()) {
            throw ProblemException.badRequest("invalid-parameter",
                    "with a JSON body, replace and dryRun go in the body; query parameters are for seed files");
        }
        JsonBody json = JsonBody.read(body, MAX_JSON_BYTES, "replace", "dryRun", "tokens");
        boolean replace = Boolean.TRUE.equals(json.optionalBoolean("replace"));
        boolean dryRun = Boolean.TRUE.equals(json.optionalBoolean("dryRun"));
        JsonArray tokens = json.optionalArray("tokens");
        if (tokens == null) {
            throw ProblemException.badRequest("missing-field", "field \"tokens\" is required");
        }
        if (tokens.size() > ImportService.MAX_TOKENS_PER_REQUEST) {
            throw ProblemException.badRequest("too-many-tokens", "at most " + ImportService.MAX_TOKENS_PER_REQUEST
                    + " tokens per request; send them in several requests");
        }
        ImportService.Batch batch = imports.newBatch();
        for (int i = 0; i < tokens.size(); i++) {
            JsonValue v = tokens.get(i);
            String position = "item " + (i + 1);
            if (v.getValueType() != JsonValue.ValueType.OBJECT) {
                batch.fail(null, position, "a token must be a JSON object");
                continue;
            }
            JsonObject o = v.asJsonObject();
            String serial = o.get("serial") instanceof JsonString s ? s.getString() : null;
            try {
                JsonBody item = JsonBody.of(o, ITEM_FIELDS);
                batch.add(new ImportService.Item(item.optionalString("serial"), item.optionalString("type"),
                        item.optionalString("user"), item.optionalString("description"), item.optionalString("secret"),
                        item.optionalString("algorithm"), item.optionalInt("digits"), item.optionalInt("period"),
                        item.optionalLong("counter"), item.optionalString("publicId"), item.optionalString("privateId"),
                        item.optionalString("aesKey")), position);
            } catch (ProblemException e) {
                // The JSON shape of one item: that item fails, the others go on. The message names fields, never values.
                batch.fail(serial, serial == null ? position : null, e.getMessage());
            }
        }
        return imports.run(batch, replace, dryRun, actor(), source());
    }

    @POST
    @Consumes({PSKC, MediaType.APPLICATION_XML, CSV})
    @Operation(summary = "Import tokens in bulk from a seed file", description = "See the JSON form of this endpoint.")
    public Report importFile(InputStream body, @QueryParam("format") String format, @QueryParam("replace") String replace,
                             @QueryParam("dryRun") String dryRun, @HeaderParam("X-Import-Key") String key,
                             @HeaderParam("X-Import-Password") String password) {
        boolean replacing = flag("replace", replace);
        boolean dry = flag("dryRun", dryRun);
        return imports.run(readFile(imports, headers, body, format, key, password, UserAssignments.none()), replacing, dry, actor(),
                source());
    }

    /**
     * The seed file in the body, parsed as it streams in (by its media type, {@code format} and the key or password
     * header) into a batch, each token to the user {@code users} assigns it, if any: the items the parser refused are in
     * it as failed. Shared with the console's import.
     *
     * @throws ProblemException for a file that cannot be read at all (nothing is imported then)
     */
    static ImportService.Batch readFile(ImportService imports, HttpHeaders headers, InputStream body, String format, String key,
                                        String password, UserAssignments users) {
        String length = headers.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (length != null && length.matches("\\d{1,18}") && Long.parseLong(length) > MAX_FILE_BYTES) {
            throw tooLarge();
        }
        SeedFileParser parser = parser(headers, format, key, password);
        ImportService.Batch batch = imports.newBatch();
        Limited in = new Limited(body, MAX_FILE_BYTES);
        try {
            parser.parse(in, SeedSink.of(r -> batch.add(r, users.userFor(r.serial())), p -> batch.fail(null, p.position(), p.reason())));
        } catch (SeedFileException e) {
            if (in.exceeded) {
                throw tooLarge();
            }
            throw ProblemException.badRequest("invalid-file", e.getMessage());
        }
        if (in.exceeded) {
            throw tooLarge();
        }
        return batch;
    }

    private static SeedFileParser parser(HttpHeaders headers, String format, String key, String password) {
        MediaType type = headers.getMediaType();
        boolean csv = type != null && type.isCompatible(MediaType.valueOf(CSV));
        if (csv) {
            if (key != null || password != null) {
                throw ProblemException.badRequest("invalid-request", "X-Import-Key and X-Import-Password apply to PSKC files only");
            }
            if (format == null || format.isEmpty()) {
                throw ProblemException.badRequest("missing-parameter",
                        "query parameter \"format\" is required for CSV: oath-csv or yubikey-csv");
            }
            return switch (format) {
                case "oath-csv" -> new OathCsv();
                case "yubikey-csv" -> new YubikeyCsv();
                default -> throw ProblemException.badRequest("invalid-parameter", "format must be oath-csv or yubikey-csv for CSV");
            };
        }
        if (format != null && !format.isEmpty() && !format.equals("pskc")) {
            throw ProblemException.badRequest("invalid-parameter", "format must be pskc (or absent) for an XML body");
        }
        if (key != null && password != null) {
            throw ProblemException.badRequest("invalid-request", "give X-Import-Key or X-Import-Password, not both");
        }
        if (key != null) {
            byte[] k = null;
            try {
                String hex = key.strip();
                k = hex.length() == 32 || hex.length() == 48 || hex.length() == 64 ? HexFormat.of().parseHex(hex) : null;
            } catch (IllegalArgumentException e) {
                k = null;
            }
            if (k == null) {
                throw ProblemException.badRequest("invalid-import-key",
                        "X-Import-Key must be the pre-shared AES key in hex: 32, 48 or 64 hex digits");
            }
            try {
                return Pskc.withPreSharedKey(k);
            } finally {
                Arrays.fill(k, (byte) 0);
            }
        }
        if (password != null) {
            char[] p = headerText(password);
            try {
                return Pskc.withPassword(p);
            } finally {
                Arrays.fill(p, '\0');
            }
        }
        return Pskc.plain();
    }

    /**
     * The password header's characters. HTTP headers carry ASCII (the server refuses other bytes), so a password with
     * other characters comes as an RFC 8187 ext-value: {@code UTF-8''} followed by its UTF-8 bytes percent-encoded.
     */
    static char[] headerText(String value) {
        String prefix = "UTF-8''";
        if (!value.regionMatches(true, 0, prefix, 0, prefix.length())) {
            return value.toCharArray();
        }
        byte[] bytes = new byte[value.length()];
        int n = 0;
        try {
            for (int i = prefix.length(); i < value.length(); i++) {
                char c = value.charAt(i);
                if (c == '%') {
                    if (i + 2 >= value.length()) {
                        throw new IllegalArgumentException();
                    }
                    bytes[n++] = (byte) HexFormat.fromHexDigits(value, i + 1, i + 3);
                    i += 2;
                } else {
                    bytes[n++] = (byte) c;
                }
            }
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes, 0, n));
            char[] out = new char[chars.remaining()];
            chars.get(out);
            return out;
        } catch (IllegalArgumentException | CharacterCodingException e) {
            throw ProblemException.badRequest("invalid-request",
                    "X-Import-Password: after UTF-8'' the password must be UTF-8, percent-encoded");
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    static boolean flag(String name, String value) {
        if (value == null || value.isEmpty()) {
            return false;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw ProblemException.badRequest("invalid-parameter", name + " must be true or false");
        };
    }

    private static ProblemException tooLarge() {
        return new ProblemException(413, "payload-too-large", "Payload too large",
                "the file is larger than " + MAX_FILE_BYTES / (1024 * 1024) + " MiB");
    }

    /** The request body, cut off (with an I/O error the parser reports) past the limit. */
    private static final class Limited extends FilterInputStream {
        private final long limit;
        private long count;
        boolean exceeded;

        Limited(InputStream in, long limit) {
            super(in);
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            count(skipped);
            return skipped;
        }

        private void count(long n) throws IOException {
            count += n;
            if (count > limit) {
                exceeded = true;
                throw new IOException("the file is larger than " + limit + " bytes");
            }
        }
    }
}
