package org.otpappliance.appliance.api;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import org.otpappliance.appliance.application.AdminAccountService;
import org.otpappliance.appliance.application.AdminAccountService.AdminInfo;
import org.otpappliance.appliance.application.ClientService;
import org.otpappliance.appliance.application.ConsoleSessions;
import org.otpappliance.appliance.application.RadiusClientService;

/**
 * The console's RADIUS clients, API clients and admin accounts: the same services as {@code /api/v1/radius/clients},
 * {@code /api/v1/clients} and {@code /api/v1/admins}, with the session's admin as the audit actor.
 */
@Path("console")
@Produces(MediaType.APPLICATION_JSON)
@Access(Access.Level.CONSOLE)
public class ConsoleSettingsResource extends Caller {
    /** 24 random bytes: 32 characters of Base64url, well inside RADIUS's 16 to 128. */
    private static final int GENERATED_SECRET_BYTES = 24;
    private static final SecureRandom RANDOM = new SecureRandom();

    @Inject
    RadiusClientService radiusClients;

    @Inject
    ClientService apiClients;

    @Inject
    AdminAccountService admins;


    /** A new RADIUS client; {@code secret} only when the appliance made it up, for the admin to copy this once. */
    public record NewRadiusClient(RadiusClientService.ClientInfo client, String secret) {
    }

    @GET
    @Path("radius-clients")
    public List<RadiusClientService.ClientInfo> radiusClients() {
        return radiusClients.list();
    }

    /** Body {"name","address","secret"?,"requireMessageAuthenticator"?}; without a secret, the appliance makes one. */
    @POST
    @Path("radius-clients")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response createRadiusClient(InputStream body) {
        JsonBody json = JsonBody.read(body, "name", "address", "secret", "requireMessageAuthenticator");
        String given = json.optionalString("secret");
        boolean generated = given == null || given.isEmpty();
        String secret = generated ? generatedSecret() : given;
        RadiusClientService.ClientInfo c = radiusClients.create(json.requiredString("name"), json.requiredString("address"), secret,
                json.optionalBoolean("requireMessageAuthenticator"), actor(), source());
        return Response.status(201).entity(new NewRadiusClient(c, generated ? secret : null)).build();
    }

    @DELETE
    @Path("radius-clients/{name}")
    public Response deleteRadiusClient(@PathParam("name") String name) {
        radiusClients.delete(name, actor(), source());
        return Response.noContent().build();
    }

    @GET
    @Path("api-clients")
    public List<ClientService.ClientInfo> apiClients() {
        return apiClients.list();
    }

    /** As {@code POST /api/v1/clients}: the key (or Yubico id and key) is in this answer only. */
    @POST
    @Path("api-clients")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response createApiClient(InputStream body) {
        JsonBody json = JsonBody.read(body, "name", "role", "requireSignature");
        return Response.status(201).entity(apiClients.create(json.requiredString("name"), json.requiredString("role"),
                json.optionalBoolean("requireSignature"), actor(), source())).build();
    }

    @DELETE
    @Path("api-clients/{name}")
    public Response deleteApiClient(@PathParam("name") String name) {
        apiClients.delete(name, actor(), source());
        return Response.noContent().build();
    }

    @GET
    @Path("admins")
    public List<AdminInfo> admins() {
        return admins.list();
    }

    @POST
    @Path("admins")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response createAdmin(InputStream body) {
        JsonBody json = JsonBody.read(body, "username", "password", "user");
        return Response.status(201).entity(admins.create(json.requiredString("username"), json.requiredString("password"),
                json.requiredString("user"), actor(), source())).build();
    }

    /**
     * Body {"password","currentPassword"?}. Another admin's sessions all end; an admin setting their own password
     * must give the current one too, and keeps this session (their others end).
     */
    @PUT
    @Path("admins/{username}/password")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response changeAdminPassword(@PathParam("username") String username, InputStream body) {
        JsonBody json = JsonBody.read(body, "password", "currentPassword");
        String password = json.requiredString("password");
        if (!username.equals(me().admin())) {
            admins.changePassword(username, password, null, null, actor(), source());
        } else {
            String current = json.optionalString("currentPassword");
            if (current == null || current.isEmpty()) {
                throw ProblemException.badRequest("missing-field", "your current password is required to change your own");
            }
            admins.changePassword(username, password, current, request.getCookies().get(ConsoleSessionFilter.COOKIE).getValue(),
                    actor(), source());
        }
        return Response.noContent().build();
    }

    /** Deletes another admin's account and ends their sessions; an admin cannot delete their own (and lock themselves out). */
    @DELETE
    @Path("admins/{username}")
    public Response deleteAdmin(@PathParam("username") String username) {
        if (username.equals(me().admin())) {
            throw new ProblemException(409, "cannot-delete-self", "Conflict", "an admin cannot delete their own account");
        }
        admins.delete(username, actor(), source());
        return Response.noContent().build();
    }

    private ConsoleSessions.Session me() {
        return (ConsoleSessions.Session) request.getProperty(ApiKeyFilter.PRINCIPAL);
    }

    private static String generatedSecret() {
        byte[] b = new byte[GENERATED_SECRET_BYTES];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
