package org.otpappliance.appliance.infrastructure.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/**
 * An API client. A bearer-key client keeps only the SHA-256 of its key; a Yubico client (role
 * yubico) keeps its signing key encrypted, since the appliance signs its answers with it.
 */
@Entity
@Table(name = "api_client")
public class ApiClientEntity {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(nullable = false, unique = true)
    public String name;

    @Column(nullable = false)
    public String role;

    @Column(name = "key_hash", unique = true)
    public String keyHash;

    @Column(name = "secret_encrypted")
    public String secretEncrypted;

    @Column(name = "require_signature")
    public boolean requireSignature;

    @Column(name = "created_at")
    public long createdAt;
}
