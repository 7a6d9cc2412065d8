package org.otpappliance.appliance.api;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.util.List;
import org.otpappliance.appliance.application.TokenService;
import org.otpappliance.appliance.application.TokenService.Enrolled;
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

    /** TOTP and HOTP enrollment; the answer carries the otpauth URI and QR code this once. */
    @POST
    @Path("tokens")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response enroll(InputStream body) {
        JsonBody json = JsonBody.read(body, "user", "type", "algorithm", "digits", "period", "description");
        String type = json.requiredString("type");
        if (!type.equals("totp") && !type.equals("hotp")) {
            throw ProblemException.badRequest("unsupported-token-type", "the console enrolls totp and hotp tokens so far");
        }
        Enrolled e = tokens.enroll(new TokenService.Enrollment(json.requiredString("user"), type, null, json.optionalString("algorithm"),
                json.optionalInt("digits"), json.optionalInt("period"), null, json.optionalString("description"), null, null, null,
                null), actor(), source());
        TokenInfo t = e.token();
        return Response.status(201).entity(new TokenResource.EnrollAnswer(t.serial(), t.type(), t.user(), t.algorithm(), t.digits(),
                t.period(), t.publicId(), t.destination(), e.otpauthUri(), e.qrPng())).build();
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

    @DELETE
    @Path("tokens/{serial}")
    public Response deleteToken(@PathParam("serial") String serial) {
        tokens.delete(serial, actor(), source());
        return Response.noContent().build();
    }
}
