package org.otpappliance.appliance.api;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonException;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonReaderFactory;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Set;

/**
 * A request body read strictly: at most {@link #MAX_BYTES}, one JSON object, no field the endpoint
 * does not know, each field of the type it must have. Every refusal names the field at fault.
 */
final class JsonBody {
    static final int MAX_BYTES = 64 * 1024;
    /** Made once: Json.createReader looks the provider up through the ServiceLoader on every call. */
    private static final JsonReaderFactory READERS = Json.createReaderFactory(Map.of());

    private final JsonObject object;

    private JsonBody(JsonObject object) {
        this.object = object;
    }

    static JsonBody read(InputStream in, String... allowedFields) {
        return read(in, MAX_BYTES, allowedFields);
    }

    /** Likewise with another size limit, for the endpoints that take more (bulk import). */
    static JsonBody read(InputStream in, int maxBytes, String... allowedFields) {
        byte[] bytes;
        try {
            bytes = in.readNBytes(maxBytes + 1);
        } catch (IOException e) {
            throw ProblemException.badRequest("malformed-json", "the request body could not be read");
        }
        if (bytes.length > maxBytes) {
            throw new ProblemException(413, "payload-too-large", "Payload too large",
                    "the request body is larger than " + maxBytes + " bytes");
        }
        JsonValue value;
        try (JsonReader reader = READERS.createReader(new ByteArrayInputStream(bytes))) {
            value = reader.readValue();
        } catch (JsonException | IllegalStateException e) {
            throw ProblemException.badRequest("malformed-json", "the request body is not well-formed JSON");
        }
        if (value.getValueType() != JsonValue.ValueType.OBJECT) {
            throw ProblemException.badRequest("malformed-json", "the request body must be a JSON object");
        }
        return checked(value.asJsonObject(), "", allowedFields);
    }

    private static JsonBody checked(JsonObject object, String prefix, String... allowedFields) {
        Set<String> allowed = Set.of(allowedFields);
        for (String field : object.keySet()) {
            if (!allowed.contains(field)) {
                throw ProblemException.badRequest("unknown-field", "unknown field \"" + prefix + field + "\"; allowed: " + allowed);
            }
        }
        return new JsonBody(object);
    }

    /** An object read as part of a body (an element of an array), held to the same rules. */
    static JsonBody of(JsonObject object, String... allowedFields) {
        return checked(object, "", allowedFields);
    }

    /** An array field; null when absent. */
    JsonArray optionalArray(String field) {
        JsonValue v = object.get(field);
        if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (v.getValueType() != JsonValue.ValueType.ARRAY) {
            throw ProblemException.badRequest("invalid-field", "field \"" + field + "\" must be an array");
        }
        return v.asJsonArray();
    }

    /** A nested object, held to the same rules; null when absent. */
    JsonBody optionalObject(String field, String... allowedFields) {
        JsonValue v = object.get(field);
        if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (v.getValueType() != JsonValue.ValueType.OBJECT) {
            throw ProblemException.badRequest("invalid-field", "field \"" + field + "\" must be an object");
        }
        return checked(v.asJsonObject(), field + ".", allowedFields);
    }

    /** Whether the field is present (possibly as null). */
    boolean has(String field) {
        return object.containsKey(field);
    }

    String requiredString(String field) {
        String s = optionalString(field);
        if (s == null) {
            throw ProblemException.badRequest("missing-field", "field \"" + field + "\" is required");
        }
        return s;
    }

    String optionalString(String field) {
        JsonValue v = object.get(field);
        if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (v.getValueType() != JsonValue.ValueType.STRING) {
            throw ProblemException.badRequest("invalid-field", "field \"" + field + "\" must be a string");
        }
        return ((JsonString) v).getString();
    }

    Integer optionalInt(String field) {
        Long l = optionalLong(field);
        if (l == null) {
            return null;
        }
        if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
            throw ProblemException.badRequest("invalid-field", "field \"" + field + "\" is out of range");
        }
        return l.intValue();
    }

    Long optionalLong(String field) {
        JsonValue v = object.get(field);
        if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (v.getValueType() != JsonValue.ValueType.NUMBER || !((JsonNumber) v).isIntegral()) {
            throw ProblemException.badRequest("invalid-field", "field \"" + field + "\" must be a whole number");
        }
        try {
            return ((JsonNumber) v).longValueExact();
        } catch (ArithmeticException e) {
            throw ProblemException.badRequest("invalid-field", "field \"" + field + "\" is out of range");
        }
    }

    Boolean optionalBoolean(String field) {
        JsonValue v = object.get(field);
        if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (v.getValueType() != JsonValue.ValueType.TRUE && v.getValueType() != JsonValue.ValueType.FALSE) {
            throw ProblemException.badRequest("invalid-field", "field \"" + field + "\" must be true or false");
        }
        return v.getValueType() == JsonValue.ValueType.TRUE;
    }
}
