package org.otpappliance.pam.server;

import org.otpappliance.pam.protocol.Answer;
import org.otpappliance.pam.protocol.AuthenticateRequest;

/**
 * What the {@link PamSocketServer} asks for each well-formed request of an allowed peer. Called
 * concurrently from the server's worker threads. A runtime exception or a null answer is sent as
 * {@code ERROR}.
 */
@FunctionalInterface
public interface PamHandler {
    /**
     * @param request  the request as it came over the socket
     * @param peerUser the connecting process's user, from {@code SO_PEERCRED} (a user name, or the uid
     *                 as text when it has no passwd entry)
     */
    Answer handle(AuthenticateRequest request, String peerUser);
}
