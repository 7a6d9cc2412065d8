package org.otpappliance.appliance.infrastructure.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A RADIUS client (NAS): its source address or block, and its shared secret, encrypted under the master key. */
@Entity
@Table(name = "radius_client")
public class RadiusClientEntity {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(nullable = false, unique = true)
    public String name;

    @Column(nullable = false)
    public String address;

    @Column(name = "secret_encrypted", nullable = false)
    public String secretEncrypted;

    @Column(name = "require_message_authenticator")
    public boolean requireMessageAuthenticator;

    @Column(name = "created_at")
    public long createdAt;
}
