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
import jakarta.ws.rs.core.UriBuilder;
import java.io.InputStream;
import java.util.List;
import org.otpappliance.appliance.application.UserService;
import org.otpappliance.appliance.application.UserService.UserInfo;

@Path("users")
@Produces(MediaType.APPLICATION_JSON)
public class UserResource extends Caller {
    @Inject
    UserService users;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response create(InputStream body) {
        JsonBody json = JsonBody.read(body, "username");
        UserInfo created = users.create(json.requiredString("username"), actor(), source());
        return Response.created(UriBuilder.fromPath("/api/v1/users/{username}").build(created.username())).entity(created).build();
    }

    @GET
    public List<String> list(@QueryParam("offset") String offset,
                             @QueryParam("limit") String limit) {
        return users.list(Paging.offset(offset), Paging.limit(limit));
    }

    @GET
    @Path("{username}")
    public UserInfo get(@PathParam("username") String username) {
        return users.get(username);
    }

    @DELETE
    @Path("{username}")
    public Response delete(@PathParam("username") String username) {
        users.delete(username, actor(), source());
        return Response.noContent().build();
    }
}
