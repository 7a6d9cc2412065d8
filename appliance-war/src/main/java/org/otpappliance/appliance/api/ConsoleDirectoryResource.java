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
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.util.List;
import org.otpappliance.appliance.application.TokenService;
import org.otpappliance.appliance.application.TokenService.TokenInfo;
import org.otpappliance.appliance.application.UserService;
import org.otpappliance.appliance.application.UserService.UserInfo;

/**
 * The console's users and tokens: the same services as the admin API, called with the session's
 * admin as the audit actor ({@code console:<admin>}).
 */
@Path("console")
@Produces(MediaType.APPLICATION_JSON)
@Access(Access.Level.CONSOLE)
public class ConsoleDirectoryResource extends Caller {
    @Inject
    UserService users;

    @Inject
    TokenService tokens;

    @GET
    @Path("users")
    public List<String> search(@QueryParam("search") String search, @QueryParam("offset") String offset,
                               @QueryParam("limit") String limit) {
        return users.search(search == null ? "" : search, Paging.offset(offset), Paging.limit(limit));
    }

    @POST
    @Path("users")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response create(InputStream body) {
        JsonBody json = JsonBody.read(body, "username");
        return Response.status(201).entity(users.create(json.requiredString("username"), actor(), source())).build();
    }

    @GET
    @Path("users/{username}")
    public UserInfo get(@PathParam("username") String username) {
        return users.get(username);
    }

    @DELETE
    @Path("users/{username}")
    public Response delete(@PathParam("username") String username) {
        users.delete(username, actor(), source());
        return Response.noContent().build();
    }

    /** Enrollment of any type, with the admin API's body; a TOTP or HOTP answer carries the otpauth URI and QR code this once. */
    @POST
    @Path("tokens")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response enroll(InputStream body) {
        return Response.status(201).entity(TokenResource.answer(tokens.enroll(TokenResource.enrollment(body), actor(), source()))).build();
    }

    @POST
    @Path("tokens/{serial}/disable")
    public TokenInfo disable(@PathParam("serial") String serial) {
        return tokens.setEnabled(serial, false, actor(), source());
    }

    @POST
    @Path("tokens/{serial}/enable")
    public TokenInfo enable(@PathParam("serial") String serial) {
        return tokens.setEnabled(serial, true, actor(), source());
    }

    @POST
    @Path("tokens/{serial}/unlock")
    public TokenInfo unlock(@PathParam("serial") String serial) {
        return tokens.unlock(serial, actor(), source());
    }

    /** Sets the PIN ({"pin"}) or removes it ({"pin":null}). */
    @PUT
    @Path("tokens/{serial}/pin")
    @Consumes(MediaType.APPLICATION_JSON)
    public TokenInfo setPin(@PathParam("serial") String serial, InputStream body) {
        return tokens.setPin(serial, TokenResource.pin(body), actor(), source());
    }

    @POST
    @Path("tokens/{serial}/resync")
    @Consumes(MediaType.APPLICATION_JSON)
    public TokenInfo resync(@PathParam("serial") String serial, InputStream body) {
        TokenResource.ResyncCodes codes = TokenResource.ResyncCodes.read(body);
        return tokens.resync(serial, codes.code1(), codes.code2(), actor(), source());
    }

    @DELETE
    @Path("tokens/{serial}")
    public Response deleteToken(@PathParam("serial") String serial) {
        tokens.delete(serial, actor(), source());
        return Response.noContent().build();
    }
}
