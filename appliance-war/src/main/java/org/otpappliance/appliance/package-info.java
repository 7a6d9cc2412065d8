/**
 * The appliance server: {@code api} speaks HTTP (JAX-RS resources, JSON, problem details),
 * {@code application} decides and orchestrates (validation, enrollment, keys, audit),
 * {@code infrastructure} stores and encrypts (database, migrations, group commit, master key),
 * {@code config} reads the operator's settings.
 */
package org.otpappliance.appliance;
