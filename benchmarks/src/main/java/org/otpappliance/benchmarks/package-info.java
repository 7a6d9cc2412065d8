/**
 * JMH benchmarks of otp-core's verification paths, one thread each: what one core can verify per second, the
 * physical ceiling under everything the appliance adds (HTTP, JSON, database, audit). Each verification is timed
 * next to the primitive it is built on ({@link org.otpappliance.benchmarks.CryptoBaseline}), measured in the same
 * run, so that the ratio holds across machines. bench/all.sh runs them; docs/performance.md explains the figures.
 */
package org.otpappliance.benchmarks;
