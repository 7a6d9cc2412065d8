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
import java.io.InputStream;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.otpappliance.appliance.application.ClientService;

@Path("clients")
@Produces(MediaType.APPLICATION_JSON)
public class ClientResource extends Caller {
    @Inject
    ClientService clients;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create an API client", description = "Body {\"name\",\"role\":\"admin|validate|yubico\","
            + "\"requireSignature\"? (yubico only)}. Answers {\"apiKey\"}, or for a Yubico validation protocol client "
            + "{\"yubicoId\",\"yubicoKey\"}; the key is shown this once")
    public Response create(InputStream body) {
        JsonBody json = JsonBody.read(body, "name", "role", "requireSignature");
        return Response.status(201).entity(clients.create(json.requiredString("name"), json.requiredString("role"),
                json.optionalBoolean("requireSignature"), actor(), source())).build();
    }

    @GET
    public List<ClientService.ClientInfo> list() {
        return clients.list();
    }

    @DELETE
    @Path("{name}")
    public Response delete(@PathParam("name") String name) {
        clients.delete(name, actor(), source());
        return Response.noContent().build();
    }
}
