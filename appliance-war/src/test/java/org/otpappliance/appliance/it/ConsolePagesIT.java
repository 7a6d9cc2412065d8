package org.otpappliance.appliance.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.otpappliance.appliance.it.ConsoleAdmin.PASSWORD;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.otpappliance.otp.algorithm.HashAlgorithm;
import org.otpappliance.otp.algorithm.Hotp;

/**
 * The console's import, RADIUS clients, API clients, admin accounts and Swagger UI pages in a real browser, each
 * checked from the outside too: through the REST API and the appliance's log.
 */
@ExtendWith(SharedAppliance.class)
class ConsolePagesIT {
    static Appliance appliance;
    static Api api;

    @BeforeAll
    static void connect(Appliance shared) throws Exception {
        appliance = shared;
        api = shared.api();
    }

    /** Figure 6 of RFC 6030 twice: one key package as is (with a user id), one whose MAC does not match its secret. */
    static Path pskcFile(String goodSerial, String user, String tamperedSerial) throws Exception {
        String good = new String(ImportIT.figure("rfc6030-figure6.xml", goodSerial, user), StandardCharsets.UTF_8);
        String bad = new String(ImportIT.figure("rfc6030-figure6.xml", tamperedSerial, null), StandardCharsets.UTF_8);
        String badPackage = bad.substring(bad.indexOf("<KeyPackage>"), bad.indexOf("</KeyContainer>"));
        assertTrue(badPackage.contains("<ValueMAC>Su+N"), "the fixture's MAC");
        String xml = good.replace("</KeyContainer>", badPackage.replace("<ValueMAC>Su+N", "<ValueMAC>Sv+N") + "</KeyContainer>");
        Path file = Files.createTempFile("console-import-", ".xml");
        Files.writeString(file, xml);
        return file;
    }

    @Test
    void anAdminImportsAPskcFileReadsTheReportAndTheImportedTokenValidates() throws Exception {
        ConsoleAdmin admin = ConsoleAdmin.create(api);
        String user = "imp-console-" + UUID.randomUUID().toString().substring(0, 8);
        String good = ImportIT.serial("console");
        String tampered = ImportIT.serial("console-mac");
        Path file = pskcFile(good, user, tampered);
        try (Browser b = admin.loggedIn(appliance.base(), "ConsolePagesIT")) {
            ConsoleAdmin.page(b, "import");
            // A key that is not hex is refused before anything is read.
            b.chooseFile("import-file", file);
            b.type("import-secret", "not a key");
            b.click("#import-form button[type=submit]");
            String refused = b.waitText("#import-summary", "Import failed, nothing was imported", "hex");
            assertFalse(refused.contains("not a key"), refused);
            assertEquals("", b.find("#import-secret").getDomProperty("value"), "the key leaves the form once sent");
            assertEquals(404, api.get("/api/v1/tokens/" + good).status());

            b.chooseFile("import-file", file);
            assertEquals("pskc", b.find("#import-format").getDomProperty("value"), "an .xml file is read as PSKC");
            b.type("import-secret", ImportIT.FIGURE6_KEY);
            b.click("#import-form button[type=submit]");
            b.waitText("#import-summary", "Done: 1 imported, 0 replaced, 0 skipped (serial exists), 1 failed.");
            String report = b.waitText("#import-report tbody", good, "imported", "KeyPackage 2", "failed");
            String failedRow = b.find("#import-report tbody tr.failed").getText();
            assertTrue(failedRow.contains("wrong MAC") || failedRow.contains("wrong password or key"), failedRow);
            assertFalse(report.contains(ImportIT.FIGURE6_KEY), report);
            b.screenshot("import-report");

            // The same file again: the imported token is skipped as existing.
            b.chooseFile("import-file", file);
            b.type("import-secret", ImportIT.FIGURE6_KEY);
            b.click("#import-form button[type=submit]");
            b.waitText("#import-summary", "Done: 0 imported, 0 replaced, 1 skipped (serial exists), 1 failed.");
            b.waitText("#import-report tbody", good, "skipped", "a token with this serial exists");
        }
        JsonObject token = api.get("/api/v1/tokens/" + good).json();
        assertEquals(user, token.getString("user"), "the file's user id names the owner");
        assertEquals(404, api.get("/api/v1/tokens/" + tampered).status());
        assertEquals("ACCEPT", api.validate(user, Hotp.code(ImportIT.RFC_SECRET, 0, 8, HashAlgorithm.SHA1)));
        assertTrue(api.audit(user).stream().map(JsonValue::asJsonObject).anyMatch(e -> e.getString("action").equals("TOKEN_IMPORT")
                && e.getString("actor").equals("console:" + admin.name())), "the import is audited under the admin's name");
        assertFalse(Files.readString(appliance.log()).contains(ImportIT.FIGURE6_KEY), "the key is not logged");
    }

    /** A user list with the file, as token-import's --assign-users: a bad line imports nothing, a good list assigns owners. */
    @Test
    void anAdminImportsACsvWithAUserListAndTheAssignedUserValidates() throws Exception {
        ConsoleAdmin admin = ConsoleAdmin.create(api);
        String assigned = "imp-assigned-" + UUID.randomUUID().toString().substring(0, 8);
        String listed = ImportIT.serial("listed");
        String unlisted = ImportIT.serial("unlisted");
        byte[] seed = ImportIT.seed(20);
        Path csv = Files.createTempFile("console-import-", ".csv");
        Files.writeString(csv, "serial,hexseed,type,digits,counter,user\n" + listed + "," + HexFormat.of().formatHex(seed)
                + ",hotp,6,0,zoe\n" + unlisted + "," + HexFormat.of().formatHex(ImportIT.seed(20)) + ",hotp,6,0\n");
        Path badList = Files.createTempFile("console-users-", ".csv");
        Files.writeString(badList, "serial,username\n" + listed + "," + assigned + ",extra\n");
        Path list = Files.createTempFile("console-users-", ".csv");
        Files.writeString(list, "# owners\nserial,username\n" + listed + "," + assigned + "\nNOT-IN-FILE,someone\n");
        try (Browser b = admin.loggedIn(appliance.base(), "ConsolePagesIT")) {
            ConsoleAdmin.page(b, "import");
            b.chooseFile("import-file", csv);
            b.chooseFile("import-users", badList);
            b.click("#import-form button[type=submit]");
            b.waitText("#import-summary", "Import failed, nothing was imported: user list line 2: expected serial,username");
            assertEquals(404, api.get("/api/v1/tokens/" + listed).status());
            assertEquals(404, api.get("/api/v1/tokens/" + unlisted).status(), "a bad list imports nothing");

            b.chooseFile("import-file", csv);
            b.chooseFile("import-users", list);
            b.click("#import-form button[type=submit]");
            b.waitText("#import-summary", "Done: 2 imported, 0 replaced, 0 skipped (serial exists), 0 failed.",
                    "User list: line 4: serial NOT-IN-FILE is not in the seed file.");
        }
        assertEquals(assigned, api.get("/api/v1/tokens/" + listed).json().getString("user"), "the list's user, over the file's");
        assertFalse(api.get("/api/v1/tokens/" + unlisted).json().containsKey("user"));
        assertEquals("ACCEPT", api.validate(assigned, Hotp.code(seed, 0, 6, HashAlgorithm.SHA1)));
        assertTrue(api.audit(assigned).stream().map(JsonValue::asJsonObject).anyMatch(e -> e.getString("action").equals("USER_CREATE")
                && e.getString("actor").equals("console:" + admin.name())), "the user was created, audited under the admin's name");
    }

    /** A big file's answer comes as lines, one per chunk the appliance checked, and ends with the report. */
    @Test
    void theImportAnswerReportsProgressForABigFile() throws Exception {
        ConsoleAdmin admin = ConsoleAdmin.create(api);
        Api anonymous = api.withKey(null);
        HttpResponse<String> login = ConsoleAdmin.sendLogin(anonymous, admin, Codes.totp(admin.token(), 0));
        assertEquals(200, login.statusCode(), login.body());
        String csrf = Json.createReader(new StringReader(login.body())).readObject().getString("csrfToken");
        String cookie = login.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
        StringBuilder csv = new StringBuilder("serial,hexseed,type,digits,counter\n");
        String prefix = ImportIT.serial("bulk");
        for (int i = 0; i < 1200; i++) {
            csv.append(prefix).append('-').append(i).append(',').append(HexFormat.of().formatHex(ImportIT.seed(20))).append(",hotp,6,0\n");
        }
        csv.append("bad line\n");
        // HTTP/1.1, as a browser sends it (the JDK client's HTTP/2 upgrade of a POST is not what the page does).
        HttpClient http11 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> streamed = http11.send(anonymous.request("/api/v1/console/import?format=oath-csv&dryRun=true")
                .header("Cookie", cookie).header("X-CSRF-Token", csrf).header("Content-Type", "text/csv")
                .POST(HttpRequest.BodyPublishers.ofString(csv.toString())).build(), HttpResponse.BodyHandlers.ofString());
        Api.Reply r = new Api.Reply(streamed.statusCode(), streamed.headers().firstValue("Content-Type").orElse(""), streamed.body());
        assertEquals(200, r.status(), r.body());
        assertEquals("application/x-ndjson", r.contentType());
        List<JsonObject> lines = r.body().lines().map(l -> Json.createReader(new StringReader(l)).readObject()).toList();
        assertEquals(List.of(0, 500, 1000, 1201), lines.subList(0, lines.size() - 1).stream().map(l -> l.getInt("checked")).toList(),
                r.body().substring(0, Math.min(400, r.body().length())));
        JsonObject report = lines.get(lines.size() - 1).getJsonObject("report");
        assertEquals(1200, report.getInt("imported"));
        assertEquals(1, report.getInt("failed"));
        assertTrue(report.getBoolean("dryRun"));
        assertEquals("line 1202", report.getJsonArray("results").getJsonObject(1200).getString("position"));
        assertEquals(404, api.get("/api/v1/tokens/" + prefix + "-0").status(), "a dry run writes nothing");

        Api.Reply noCsrf = anonymous.send(anonymous.request("/api/v1/console/import?format=oath-csv").header("Cookie", cookie)
                .header("Content-Type", "text/csv").POST(HttpRequest.BodyPublishers.ofString(prefix + "-x," + HexFormat.of()
                        .formatHex(ImportIT.seed(20)) + ",hotp,6,0\n")));
        assertEquals(403, noCsrf.status());
        assertEquals(404, api.get("/api/v1/tokens/" + prefix + "-x").status(), "without the CSRF token nothing is imported");
        Api.Reply malformed = anonymous.send(anonymous.request("/api/v1/console/import").header("Cookie", cookie)
                .header("X-CSRF-Token", csrf).header("Content-Type", "application/pskc+xml")
                .POST(HttpRequest.BodyPublishers.ofString("<KeyContainer")));
        assertEquals(400, malformed.status(), malformed.body());
        assertEquals("urn:otp-appliance:problem:invalid-file", malformed.problemType());
    }

    @Test
    void anAdminAddsListsAndDeletesRadiusClients() throws Exception {
        ConsoleAdmin admin = ConsoleAdmin.create(api);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String address = "198.18." + random.nextInt(256) + "." + random.nextInt(256);
        String generated = "nas-gen-" + UUID.randomUUID().toString().substring(0, 8);
        String entered = "nas-own-" + UUID.randomUUID().toString().substring(0, 8);
        String secret;
        try (Browser b = admin.loggedIn(appliance.base(), "ConsolePagesIT")) {
            ConsoleAdmin.page(b, "radius");
            b.type("radius-name", generated);
            b.type("radius-address", address);
            b.click("#radius-form button[type=submit]");
            b.waitVisible("#radius-created");
            secret = b.until(d -> {
                String v = b.find("#radius-created-secret").getDomProperty("value");
                return v == null || v.isEmpty() ? null : v;
            });
            assertEquals(32, secret.length(), "a generated secret: 24 random bytes in Base64url");
            b.waitText("#radius-table tbody", generated, address + "/32", "yes");
            b.screenshot("radius-clients");
            b.clickButton("Done: hide the secret");
            assertEquals("", b.find("#radius-created-secret").getDomProperty("value"));

            b.type("radius-name", entered);
            b.type("radius-address", "198.19." + random.nextInt(256) + ".0/24");
            b.type("radius-secret", "an entered secret of the NAS");
            b.click("#radius-form button[type=submit]");
            b.waitText("#radius-table tbody", entered);
            assertFalse(b.find("#radius-created").isDisplayed(), "an entered secret is not shown back");

            String listed = api.get("/api/v1/radius/clients").body();
            assertTrue(listed.contains(generated) && listed.contains(entered), listed);
            b.clickButton("Delete " + generated);
            b.acceptConfirm();
            b.waitText("#status", "Deleted " + generated);
            assertFalse(b.find("#radius-table tbody").getText().contains(generated));
            b.clickButton("Delete " + entered);
            b.acceptConfirm();
            b.waitText("#status", "Deleted " + entered);
        }
        String listed = api.get("/api/v1/radius/clients").body();
        assertFalse(listed.contains(generated) || listed.contains(entered), listed);
        List<String> actions = api.get("/api/v1/audit?action=RADIUS_CLIENT_CREATE&limit=1000").jsonStructure().asJsonArray().stream()
                .map(JsonValue::asJsonObject).filter(e -> generated.equals(e.getString("reason", ""))).map(e -> e.getString("actor")).toList();
        assertEquals(List.of("console:" + admin.name()), actions);
        assertFalse(Files.readString(appliance.log()).contains(secret), "the secret is not logged");
    }

    @Test
    void anApiClientsKeyIsShownOnceWorksAndIsRefusedOnceDeleted() throws Exception {
        ConsoleAdmin admin = ConsoleAdmin.create(api);
        String name = "console-client-" + UUID.randomUUID().toString().substring(0, 8);
        String user = api.newUser("console-validated");
        try (Browser b = admin.loggedIn(appliance.base(), "ConsolePagesIT")) {
            ConsoleAdmin.page(b, "clients");
            b.type("clients-name", name);
            b.click("#clients-form button[type=submit]");
            b.waitVisible("#clients-created");
            String key = b.until(d -> {
                String v = b.find("#clients-created-key").getDomProperty("value");
                return v == null || v.isEmpty() ? null : v;
            });
            assertTrue(key.startsWith("otpa_"), "an API key");
            assertFalse(b.find("#clients-created-yubico").isDisplayed(), "no Yubico id for an API key");
            b.waitText("#clients-table tbody", name, "validate");
            b.screenshot("api-clients");
            b.clickButton("Done: hide the key");
            assertEquals("", b.find("#clients-created-key").getDomProperty("value"));

            Api client = api.withKey(key);
            Api.Reply validated = client.post("/api/v1/validate", Json.createObjectBuilder().add("user", user).add("code", "123456").build());
            assertEquals(200, validated.status(), "the key works: " + validated);
            assertEquals("REJECT", validated.json().getString("result"));
            assertEquals(403, client.get("/api/v1/users").status(), "a validate key is not an admin key");

            b.clickButton("Delete " + name);
            b.acceptConfirm();
            b.waitText("#status", "Deleted " + name);
            assertEquals(401, client.post("/api/v1/validate", Json.createObjectBuilder().add("user", user).add("code", "123456")
                    .build()).status(), "the deleted client's key is refused");
            assertFalse(Files.readString(appliance.log()).contains(key), "the key is not logged");
        }
    }

    @Test
    void anAdminCreatesAndDeletesAnotherAdminButNotThemselves() throws Exception {
        ConsoleAdmin admin = ConsoleAdmin.create(api);
        String owner = api.newUser("console-new-admin");
        String name = "admin-new-" + UUID.randomUUID().toString().substring(0, 8);
        try (Browser b = admin.loggedIn(appliance.base(), "ConsolePagesIT")) {
            ConsoleAdmin.page(b, "admins");
            b.waitText("#admins-table tbody", admin.name(), "you");
            b.type("admins-name", name);
            b.type("admins-password", "short");
            b.type("admins-user", owner);
            b.click("#admins-form button[type=submit]");
            assertEquals(Boolean.FALSE, ((org.openqa.selenium.JavascriptExecutor) b.driver)
                    .executeScript("return document.getElementById('admins-form').checkValidity()"), "a short password is refused");
            b.type("admins-password", "a long enough password for the new admin");
            b.click("#admins-form button[type=submit]");
            b.waitText("#status", "Created admin account " + name);
            b.waitText("#admins-table tbody", name, owner);
            assertEquals("", b.find("#admins-password").getDomProperty("value"), "the password leaves the form");
            b.screenshot("admins");
            assertTrue(api.get("/api/v1/admins").body().contains(name));
            assertTrue(b.driver.findElements(org.openqa.selenium.By.tagName("button")).stream()
                    .noneMatch(e -> e.getText().equals("Delete " + admin.name())), "no button deletes the admin's own account");

            b.clickButton("Delete " + name);
            b.acceptConfirm();
            b.waitText("#status", "Deleted " + name);

            // A phone's width: one column, nothing wider than the screen (wide tables scroll inside themselves).
            b.driver.manage().window().setSize(new org.openqa.selenium.Dimension(375, 900));
            for (String page : List.of("import", "radius", "clients", "admins")) {
                ConsoleAdmin.page(b, page);
                Object overflow = ((org.openqa.selenium.JavascriptExecutor) b.driver)
                        .executeScript("return document.documentElement.scrollWidth - document.documentElement.clientWidth");
                assertEquals(0L, overflow, page + " fits a narrow screen");
            }
            b.screenshot("admins-narrow");
        }
        assertFalse(api.get("/api/v1/admins").body().contains(name));
        assertTrue(api.audit(owner).stream().map(JsonValue::asJsonObject).anyMatch(e -> e.getString("action").equals("ADMIN_ACCOUNT_CREATE")
                && e.getString("actor").equals("console:" + admin.name())), "audited under the admin's name");
        assertFalse(Files.readString(appliance.log()).contains("a long enough password"), "the password is not logged");
    }

    @Test
    void theSwaggerUiShowsTheRestApisOperations() {
        ConsoleAdmin admin = ConsoleAdmin.create(api);
        try (Browser b = admin.loggedIn(appliance.base(), "ConsolePagesIT")) {
            b.driver.manage().logs().get("browser"); // drains the console page's messages (its 401 before the login)
            b.click("#nav a[href='api-docs.html']");
            String ops = b.waitText("#swagger-ui", "/api/v1/validate", "/api/v1/tokens/import", "/api/v1/radius/clients");
            assertTrue(ops.contains("POST"), ops.substring(0, Math.min(300, ops.length())));
            b.screenshot("swagger-ui");
            List<String> errors = b.driver.manage().logs().get("browser").getAll().stream()
                    .filter(e -> e.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue() && !e.getMessage().contains("favicon"))
                    .map(Object::toString).toList();
            assertEquals(List.of(), errors, "no script or style refused by the page's CSP, no failed load");
        }
    }
}
