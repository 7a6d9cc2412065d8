package org.otpappliance.appliance.api;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriBuilder;
import java.io.InputStream;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.otpappliance.appliance.application.RadiusClientService;
import org.otpappliance.appliance.application.RadiusClientService.ClientInfo;

@Path("radius/clients")
@Produces(MediaType.APPLICATION_JSON)
public class RadiusClientResource extends Caller {
    @Inject
    RadiusClientService clients;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Add a RADIUS client (NAS)", description = "Body {\"name\",\"address\" (IP or CIDR),\"secret\" (16 to 128 "
            + "bytes),\"requireMessageAuthenticator\"? (default true)}. The secret is stored encrypted and never returned.")
    public Response create(InputStream body) {
        JsonBody json = JsonBody.read(body, "name", "address", "secret", "requireMessageAuthenticator");
        ClientInfo c = clients.create(json.requiredString("name"), json.requiredString("address"), json.requiredString("secret"),
                json.optionalBoolean("requireMessageAuthenticator"), actor(), source());
        return Response.created(UriBuilder.fromPath("/api/v1/radius/clients/{name}").build(c.name())).entity(c).build();
    }

    @GET
    public List<ClientInfo> list() {
        return clients.list();
    }

    @DELETE
    @Path("{name}")
    public Response delete(@PathParam("name") String name) {
        clients.delete(name, actor(), source());
        return Response.noContent().build();
    }
}
