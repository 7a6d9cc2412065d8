package org.otpappliance.appliance.api;

import jakarta.json.Json;
import jakarta.json.JsonBuilderFactory;
import jakarta.json.JsonObjectBuilder;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** An RFC 9457 problem details response. Types are stable URNs that clients may match on. */
public final class Problem {
    public static final String MEDIA_TYPE = "application/problem+json";
    static final String TYPE_PREFIX = "urn:otp-appliance:problem:";
    /** Made once: the Json.* shortcuts look the provider up through the ServiceLoader on every call. */
    private static final JsonBuilderFactory JSON = Json.createBuilderFactory(Map.of());

    private Problem() {
    }

    public static Response response(int status, String type, String title, String detail) {
        return new Details(status, type, title, detail).response();
    }

    /** One problem: what both the JAX-RS resources and the validation servlet answer with. */
    record Details(int status, String type, String title, String detail) {
        String json() {
            JsonObjectBuilder b = JSON.createObjectBuilder()
                    .add("type", TYPE_PREFIX + type)
                    .add("title", title)
                    .add("status", status);
            if (detail != null) {
                b.add("detail", detail);
            }
            return b.build().toString();
        }

        Response response() {
            return Response.status(status).type(MediaType.valueOf(MEDIA_TYPE)).entity(json()).build();
        }

        void write(HttpServletResponse response) throws IOException {
            byte[] body = json().getBytes(StandardCharsets.UTF_8);
            response.setStatus(status);
            response.setContentType(MEDIA_TYPE);
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
        }
    }
}
