/**
 * The PAM bridge protocol, version 1 ({@code docs/pam-bridge-protocol.md}): the messages
 * ({@link org.otpappliance.pam.protocol.AuthenticateRequest}, {@link org.otpappliance.pam.protocol.Answer}) and
 * their codec ({@link org.otpappliance.pam.protocol.Frames}). Pure: parsing a frame never touches state.
 */
package org.otpappliance.pam.protocol;
