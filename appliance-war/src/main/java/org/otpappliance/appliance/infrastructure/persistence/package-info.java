/** Hibernate mappings of the tables that db/migration creates (Hibernate never creates or alters them). */
package org.otpappliance.appliance.infrastructure.persistence;
