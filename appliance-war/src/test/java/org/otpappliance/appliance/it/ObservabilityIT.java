package org.otpappliance.appliance.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What operators and their tools look at: health, metrics, the OpenAPI document, the audit log, the key files. */
@ExtendWith(SharedAppliance.class)
class ObservabilityIT {
    @Test
    void healthIsUpWithTheDataStore(Appliance appliance) {
        Api anonymous = new Api(appliance.base(), null);
        Api.Reply r = anonymous.get("/health");
        assertEquals(200, r.status());
        JsonObject health = r.json();
        assertEquals("UP", health.getString("status"));
        assertTrue(r.body().contains("data-store"));
    }

    @Test
    void metricsCountValidationsByResult(Appliance appliance) throws Exception {
        Api api = appliance.api();
        api.validate("metrics-nobody", "123456");
        Api.Reply r = new Api(appliance.base(), null).send(new Api(appliance.base(), null).request("/metrics")
                .header("Accept", "text/plain"));
        assertEquals(200, r.status());
        assertTrue(r.body().lines().anyMatch(l -> l.startsWith("validations_total{") && l.contains("result=\"REJECT\"")
                && l.contains("entry_point=\"REST\"")), r.body());
    }

    @Test
    void theOpenApiDocumentDescribesTheApi(Appliance appliance) {
        Api.Reply r = new Api(appliance.base(), null).get("/openapi");
        assertEquals(200, r.status());
        assertTrue(r.body().contains("/api/v1/validate"));
        assertTrue(r.body().contains("/api/v1/tokens/{serial}/resync"));
    }

    @Test
    void keyFilesAreOwnerOnlyAndTheLogNeverHoldsTheAdminKey(Appliance appliance) throws Exception {
        for (String name : new String[] {"admin.key", "master.key"}) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(appliance.dataDir().resolve(name))));
        }
        String log = Files.readString(appliance.log());
        assertTrue(log.contains("admin.key"), "the log names the key file");
        assertTrue(!log.contains(appliance.adminKey()), "the log never holds the key");
    }

    @Test
    void adminActionsAreAuditedWithTheirActor(Appliance appliance) throws Exception {
        Api api = appliance.api();
        String user = api.newUser("audited");
        JsonObject e = api.get("/api/v1/audit?action=USER_CREATE&user=" + user).jsonStructure().asJsonArray().getJsonObject(0);
        assertEquals("bootstrap-admin", e.getString("actor"));
        assertEquals("OK", e.getString("result"));
        assertEquals("127.0.0.1", e.getString("source"));
    }
}
