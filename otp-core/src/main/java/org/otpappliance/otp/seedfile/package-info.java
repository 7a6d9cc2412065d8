/**
 * Seed files: the formats hardware-token vendors and the YubiKey Personalization Tool hand admins, read into
 * {@link org.otpappliance.otp.seedfile.SeedRecord}s for bulk import. Shared by the {@code token-import} tool and
 * the appliance's bulk import endpoint; JDK only.
 *
 * <ul>
 *   <li>{@link org.otpappliance.otp.seedfile.Pskc}: RFC 6030 PSKC, plain, pre-shared-key or password (PBKDF2)
 *       encrypted, MAC-checked, streamed with StAX, DTDs and external entities refused.</li>
 *   <li>{@link org.otpappliance.otp.seedfile.OathCsv}: {@code serial,hexseed,type,digits,counter-or-period[,user]}.</li>
 *   <li>{@link org.otpappliance.otp.seedfile.YubikeyCsv}: the YubiKey Personalization Tool's configuration log,
 *       traditional and Yubico formats.</li>
 * </ul>
 *
 * Every parser streams: each good token goes to {@link org.otpappliance.otp.seedfile.SeedSink#accept}, each bad
 * item to {@link org.otpappliance.otp.seedfile.SeedSink#reject} with its position and reason, and the parse goes on;
 * only a file that cannot be read at all is a {@link org.otpappliance.otp.seedfile.SeedFileException}. Secrets never
 * appear in a message, a reason or a {@code toString()}.
 *
 * <pre>{@code
 * try (InputStream in = Files.newInputStream(file)) {
 *     Pskc.withPassword(password).parse(in, SeedSink.of(batch::add, problem -> report.add(problem)));
 * }
 * }</pre>
 */
package org.otpappliance.otp.seedfile;
