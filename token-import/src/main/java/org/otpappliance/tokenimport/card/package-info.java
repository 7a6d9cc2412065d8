/**
 * {@code token-import card}: hardware tokens in PC/SC readers. {@link org.otpappliance.tokenimport.card.CardTransport}
 * is the only class that uses {@code javax.smartcardio}; {@link org.otpappliance.tokenimport.card.Ykoath} speaks
 * Yubico's OATH application over the {@link org.otpappliance.tokenimport.card.CardConnection} interface.
 */
package org.otpappliance.tokenimport.card;
