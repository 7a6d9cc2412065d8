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
import jakarta.ws.rs.core.UriBuilder;
import java.io.InputStream;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.otpappliance.appliance.application.AdminAccountService;
import org.otpappliance.appliance.application.AdminAccountService.AdminInfo;

/** Console admin accounts, managed with an admin API key (that is how the first one is made). */
@Path("admins")
@Produces(MediaType.APPLICATION_JSON)
public class AdminAccountResource extends Caller {
    @Inject
    AdminAccountService admins;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a console admin account",
            description = "Body {\"username\",\"password\" (12 to 1024 characters),\"user\"}: \"user\" is the appliance user "
                    + "whose tokens give the admin's second factor at the console login.")
    public Response create(InputStream body) {
        JsonBody json = JsonBody.read(body, "username", "password", "user");
        AdminInfo created = admins.create(json.requiredString("username"), json.requiredString("password"), json.requiredString("user"),
                actor(), source());
        return Response.created(UriBuilder.fromPath("/api/v1/admins/{username}").build(created.username())).entity(created).build();
    }

    @GET
    public List<AdminInfo> list() {
        return admins.list();
    }

    /** A new password ends the admin's console sessions on every node. */
    @PUT
    @Path("{username}/password")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Set a console admin's password", description = "Body {\"password\"} (12 to 1024 characters); "
            + "the admin's console sessions end on every node.")
    public Response changePassword(@PathParam("username") String username, InputStream body) {
        admins.changePassword(username, JsonBody.read(body, "password").requiredString("password"), null, null, actor(), source());
        return Response.noContent().build();
    }

    /** Deleting an account ends its console sessions on every node (they are removed with it). */
    @DELETE
    @Path("{username}")
    public Response delete(@PathParam("username") String username) {
        admins.delete(username, actor(), source());
        return Response.noContent().build();
    }
}
