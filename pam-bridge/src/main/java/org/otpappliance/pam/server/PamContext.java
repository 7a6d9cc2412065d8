package org.otpappliance.pam.server;

/**
 * Where a PAM request comes from, for the audit log. No field is null (empty when unknown).
 *
 * @param service   the PAM service name ({@code sshd}, {@code sudo}...)
 * @param loginHost the host the login happens on: the host the bridge runs on
 * @param rhost     {@code PAM_RHOST}, the remote host, or empty
 * @param tty       {@code PAM_TTY}, or empty
 * @param peerUser  the socket peer's user ({@code SO_PEERCRED}), the process that asked (sshd runs as root)
 */
public record PamContext(String service, String loginHost, String rhost, String tty, String peerUser) {
    public PamContext {
        service = service == null ? "" : service;
        loginHost = loginHost == null ? "" : loginHost;
        rhost = rhost == null ? "" : rhost;
        tty = tty == null ? "" : tty;
        peerUser = peerUser == null ? "" : peerUser;
    }
}
