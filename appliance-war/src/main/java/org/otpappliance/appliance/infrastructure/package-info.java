/**
 * How the appliance stores and protects its state: the connection pool and Hibernate, versioned
 * schema migrations, the group committer that makes validations durable together, and the master
 * key that encrypts seeds.
 */
package org.otpappliance.appliance.infrastructure;
