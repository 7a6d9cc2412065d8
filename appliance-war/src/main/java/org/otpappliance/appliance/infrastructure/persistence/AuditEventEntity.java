package org.otpappliance.appliance.infrastructure.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** One audited event: who did what to which user or token, with what result and why. Never a secret. */
@Entity
@Table(name = "audit_event")
public class AuditEventEntity {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    public long at;
    public String node;
    public String actor;
    public String action;
    public String username;
    public String serial;
    public String result;
    public String reason;

    @Column(name = "entry_point")
    public String entryPoint;

    public String source;
}
